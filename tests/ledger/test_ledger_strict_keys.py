"""Strict Ed25519: small-order, mixed-order and non-canonical keys and signatures are refused.

The twelve edge-case vectors of Chalkias, Garillot and Nikolaenko, "Taming the many EdDSAs"
(2020), are in ``data/ed25519_speccheck_cases.json`` (copied from novifinancial/ed25519-speccheck,
Apache-2.0, with attribution in the file).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl import bindings
from nacl.exceptions import BadSignatureError
from typer.testing import CliRunner

from computegov.cli import app
from computegov.errors import InputError, SignatureError
from computegov.ledger.report import parse_report, sign_statement
from computegov.ledger.signing import (
    Signer,
    load_public_key,
    public_key_problem,
    signature_problem,
    verify_signature,
)
from computegov.ledger.verify import verify_report

CASES = json.loads((Path(__file__).parent / "data" / "ed25519_speccheck_cases.json").read_text())
ZERO, ONES = "00" * 32, "ff" * 32
#: The order L of the prime-order subgroup (RFC 8032 section 5.1).
L = 2**252 + 27742317777372353535851937790883648493


def _case_id(case: dict) -> str:
    return f"{case['index']}: {case['comment']}"


@pytest.mark.parametrize("case", CASES["cases"], ids=_case_id)
def test_libsodium_agrees_with_the_published_speccheck_row(case: dict) -> None:
    """The library we rely on behaves as the paper's results table says (LibSodium row)."""
    sig, msg, pk = (bytes.fromhex(case[k]) for k in ("signature", "message", "pub_key"))
    try:
        bindings.crypto_sign_open(sig + msg, pk)
        accepted = True
    except BadSignatureError:
        accepted = False
    assert accepted == case["libsodium_accepts"]


@pytest.mark.parametrize("case", CASES["cases"], ids=_case_id)
def test_every_speccheck_vector_is_refused_naming_why(case: dict) -> None:
    sig, msg, pk = (bytes.fromhex(case[k]) for k in ("signature", "message", "pub_key"))
    with pytest.raises(SignatureError, match=r"refused|does not verify") as err:
        verify_signature(pk, sig, msg)
    if case["index"] in (0, 1, 10, 11):  # small-order A (10, 11: non-canonically encoded)
        assert "public key refused" in str(err.value)
    if case["index"] in (6, 7):
        assert "S >= L" in str(err.value)


def test_speccheck_keys_are_refused_when_loaded() -> None:
    problems = {c["pub_key"]: public_key_problem(bytes.fromhex(c["pub_key"])) for c in CASES["cases"]}
    prime_order = {c["pub_key"] for c in CASES["cases"] if c["index"] in (6, 7)}  # S is the flaw
    assert all(v is None for k, v in problems.items() if k in prime_order)
    assert all(v for k, v in problems.items() if k not in prime_order), problems
    assert "small-order" in problems["c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"]
    assert "mixed-order" in problems["cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d"]


@pytest.mark.parametrize(
    ("hex_key", "why"),
    [(ZERO, "small-order"), (ONES, "non-canonical"), ("01" + "00" * 31, "small-order")],
)
def test_all_zero_and_all_ones_keys_are_refused_in_every_form(
    hex_key: str, why: str, tmp_path: Path
) -> None:
    raw = bytes.fromhex(hex_key)
    pem = (
        Ed25519PublicKey.from_public_bytes(raw)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (tmp_path / "k.pub").write_bytes(pem)
    for source in (hex_key, pem, pem.decode(), tmp_path / "k.pub",
                   Ed25519PublicKey.from_public_bytes(raw)):
        with pytest.raises(InputError, match=why):
            load_public_key(source)


def test_honest_keys_and_signatures_pass() -> None:
    signer = Signer.generate()
    sig = signer.sign(b"message")
    assert public_key_problem(bytes.fromhex(load_public_key(signer.public_pem()).public_bytes_raw().hex())) is None
    assert signature_problem(sig) is None
    verify_signature(signer.public_key, sig, b"message")
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(signer.public_key, sig, b"messagE")


def test_a_malleated_signature_s_plus_l_is_refused() -> None:
    """S + L verifies under a lax check (same group element) but is not canonical."""
    signer = Signer.generate()
    sig = signer.sign(b"m")
    s = int.from_bytes(sig[32:], "little") + L
    if s >= 2**256:  # pragma: no cover - S + L overflows 32 bytes only for S near 2^256 - L
        pytest.skip("S + L does not fit")
    with pytest.raises(SignatureError, match="S >= L"):
        verify_signature(signer.public_key, sig[:32] + s.to_bytes(32, "little"), b"m")


def _forge_for_zero_key(demo_run) -> bytes:
    """A report whose DSSE signature "verifies" under the all-zero key with OpenSSL's check.

    The all-zero key A has order 4; R = identity, S = 0 satisfies [S]B = R + [k]A whenever
    4 divides k = H(R || A || M), so about one payload in four works, with no private key.
    """
    from cryptography.exceptions import InvalidSignature

    from computegov.ledger.report import PAYLOAD_TYPE
    from computegov.ledger.signing import pae

    zero = Ed25519PublicKey.from_public_bytes(bytes(32))
    statement = json.loads(json.dumps(parse_report(demo_run.report.read_bytes()).statement))
    sig = b"\x01" + bytes(31) + bytes(32)
    fake = Signer.generate()
    for n in range(200):
        statement["predicate"]["totals"]["flop"] = 1000.0 * 5.7e7 + n
        env = json.loads(sign_statement(statement, fake).to_bytes())
        message = pae(PAYLOAD_TYPE, base64.b64decode(env["payload"]))
        try:
            zero.verify(sig, message)
        except InvalidSignature:
            continue
        env["signatures"] = [{"keyid": "", "sig": base64.b64encode(sig).decode()}]
        return json.dumps(env, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    raise AssertionError("no forgery found in 200 tries (expected ~1 in 4)")


def test_a_signature_forged_for_the_all_zero_key_is_refused(demo_run) -> None:
    forged = _forge_for_zero_key(demo_run)
    verdict = verify_report(forged, demo_run.ledger, ZERO, checkpoints_dir=demo_run.dir)
    assert verdict.check("key_trust").status == "fail" and verdict.exit_code == 2
    assert "small-order" in verdict.check("key_trust").summary
    raw = bytes.fromhex("00" * 32)
    env = json.loads(forged)
    with pytest.raises(SignatureError, match="small-order"):
        from computegov.ledger.report import PAYLOAD_TYPE
        from computegov.ledger.signing import pae

        verify_signature(raw, base64.b64decode(env["signatures"][0]["sig"]),
                         pae(PAYLOAD_TYPE, base64.b64decode(env["payload"])))


@pytest.mark.parametrize("hex_key", [ZERO, ONES])
def test_cli_verify_and_keys_refuse_weak_keys_with_exit_2(demo_run, hex_key: str) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["verify", str(demo_run.report), "--key", hex_key, "--json"])
    assert r.exit_code == 2, r.output
    assert "refused" in json.loads(r.stdout)["checks"][1]["summary"]
    r = runner.invoke(app, ["keys", "show", hex_key])
    assert r.exit_code == 2 and "refused" in r.output
    r = runner.invoke(app, ["keys", "show", str(demo_run.public_key), "--json"])
    assert r.exit_code == 0 and len(json.loads(r.stdout)["keyid"]) == 64


@pytest.mark.parametrize("hex_key", [ZERO, ONES])
def test_registry_refuses_weak_keys_on_add_and_in_the_api(tmp_path: Path, hex_key: str) -> None:
    pytest.importorskip("sqlalchemy")
    from computegov.registry.errors import SubmissionError
    from computegov.registry.signers import parse_key

    with pytest.raises(SubmissionError, match="refused") as err:
        parse_key(hex_key)
    assert err.value.status_code == 422
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    r = CliRunner().invoke(app, ["registry", "key", "add", "lab-z", hex_key, "--database-url", url])
    assert r.exit_code == 2 and "refused" in r.output, r.output

    fastapi = pytest.importorskip("fastapi.testclient")
    from computegov.registry.store import Store
    from computegov.web import create_app

    store = Store(url)
    token = store.create_token("lab-z")[0]
    signer = Signer.generate()
    env = json.loads(sign_statement(
        {"_type": "https://in-toto.io/Statement/v1", "subject": [], "predicateType": "x",
         "predicate": {}}, signer).to_bytes())
    with fastapi.TestClient(create_app(store=store), raise_server_exceptions=False) as client:
        resp = client.post("/api/v1/reports", json={"envelope": env, "public_key": hex_key},
                           headers={"authorization": f"Bearer {token}"})
    store.close()
    assert resp.status_code == 422, resp.text
    assert "refused" in json.dumps(resp.json())
