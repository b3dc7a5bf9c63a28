"""Red team: a dishonest lab (its own real key, its own token, keys it registers) against the registry.

Each test is one attack on ``POST /api/v1/reports``, key registration or counter-verdicts, and
asserts the registry refuses it, or at least never stores the report as verified / attributed to
the attacker. The fake verifier passes any report under 1e30 FLOP, so what is tested here is the
registry's own intake; a final group runs the real ledger verifier on a recorded run.
"""

from __future__ import annotations

import base64
import json
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from registry_helpers import DEFAULT_KEYS, PAYLOAD_TYPE, Keys, make_envelope, make_statement, pae

from computegov.registry.verifiers import COUNTER_VERDICT_TYPE

#: Small-order, non-canonical and mixed-order Ed25519 public keys (see the ledger's dishonest test).
WEAK_KEYS = (
    "00" * 32,
    "ff" * 32,
    "01" + "00" * 31,
    "ec" + "ff" * 30 + "7f",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
)


@pytest.fixture(autouse=True)
def _log_key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))


def _submit(client: Any, headers: dict[str, str], envelope: Any, **extra: Any) -> Any:
    return client.post("/api/v1/reports", json={"envelope": envelope, **extra}, headers=headers)


def _raw(payload: bytes, keys: Keys, payload_type: str = PAYLOAD_TYPE, b64: Any = None) -> dict[str, Any]:
    sig = keys.private.sign(pae(payload_type, payload))
    enc = (b64 or (lambda b: base64.b64encode(b).decode()))(payload)
    return {"payloadType": payload_type, "payload": enc,
            "signatures": [{"keyid": keys.keyid, "sig": base64.b64encode(sig).decode()}]}


def _not_stored_as_verified(client: Any, resp: Any) -> None:
    if resp.status_code in (200, 201):
        assert resp.json()["report"]["outcome"] != "verified", resp.text
    else:
        assert 400 <= resp.status_code < 500, (resp.status_code, resp.text[:300])


def _canon(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


# -- keys a lab registers ------------------------------------------------------------------------


@pytest.mark.parametrize("hex_key", WEAK_KEYS, ids=lambda k: k[:10])
def test_a_weak_key_cannot_be_registered(store: Any, hex_key: str) -> None:
    from computegov.errors import ComputegovError
    from computegov.registry.errors import SubmissionError

    with pytest.raises((SubmissionError, ComputegovError, ValueError)):
        store.add_key("lab-z", hex_key)


_SOME_KEY = Keys(Ed25519PrivateKey.generate()).public_hex


@pytest.mark.parametrize("text", ["  " + _SOME_KEY + "\n", _SOME_KEY.upper(), "0x" + _SOME_KEY, _SOME_KEY[:-2],
                                  _SOME_KEY + "00",
                                  "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"],
                         ids=["padded", "upper", "0x", "short", "long", "bad-pem"])  # the key is random: fixed ids
def test_odd_key_encodings_are_refused_or_mean_the_same_key(store: Any, text: str) -> None:
    from computegov.errors import ComputegovError
    from computegov.registry.errors import SubmissionError
    from computegov.registry.signers import key_id

    try:
        info, _ = store.add_key("lab-z", text)
    except (SubmissionError, ComputegovError, ValueError):
        return
    assert info.keyid == key_id(bytes.fromhex(_SOME_KEY))  # accepted: only as the very same key


# -- signatures on the envelope ----------------------------------------------------------------


def test_a_garbage_signature_under_an_unknown_keyid_beside_the_real_one_is_refused(
        client: Any, tokens: dict[str, dict[str, str]]) -> None:
    env = make_envelope(make_statement(model="g"))
    env["signatures"].append({"keyid": "cd" * 32, "sig": base64.b64encode(b"\1" * 64).decode()})
    got = _submit(client, tokens["lab-a"], env)
    assert got.status_code in (403, 422), got.text


def test_a_real_signature_under_a_wrong_keyid_is_not_attributed(client: Any, tokens: dict[str, dict[str, str]],
                                                               store: Any) -> None:
    env = make_envelope(make_statement(model="k"), keyid="ef" * 32)
    got = _submit(client, tokens["lab-a"], env)
    assert got.status_code in (403, 422), got.text
    assert store.count_reports() == 0


def test_a_signature_without_a_keyid_is_not_attributed_to_another_lab(
        client: Any, tokens: dict[str, dict[str, str]], store: Any) -> None:
    env = make_envelope(make_statement(model="n"))
    del env["signatures"][0]["keyid"]
    got = _submit(client, tokens["lab-b"], env)
    assert got.status_code in (403, 422), got.text
    assert store.count_reports() == 0


def test_the_same_signature_twice_is_refused_or_counted_once(client: Any, tokens: dict[str, dict[str, str]]) -> None:
    env = make_envelope(make_statement(model="twice"))
    env["signatures"] = env["signatures"] * 2
    got = _submit(client, tokens["lab-a"], env)
    assert got.status_code in (201, 422), got.text


def test_a_thousand_signatures_are_answered_quickly(client: Any, tokens: dict[str, dict[str, str]]) -> None:
    env = make_envelope(make_statement(model="many"))
    env["signatures"] = env["signatures"] + [{"keyid": f"{i:064x}", "sig": env["signatures"][0]["sig"]}
                                             for i in range(1000)]
    # the server's work is CPU time in this process (the app runs in the client's thread): measured
    # so, a second pytest-xdist worker or another job on the machine cannot make it look slow; the
    # wall-time bound still catches a request that waits on something
    t0, cpu0 = time.perf_counter(), time.process_time()
    got = _submit(client, tokens["lab-a"], env)
    assert time.process_time() - cpu0 < 10
    assert time.perf_counter() - t0 < 60
    assert got.status_code in (403, 413, 422), got.text


def test_another_labs_envelope_replayed_unchanged_with_its_own_token_is_refused(
        client: Any, tokens: dict[str, dict[str, str]], store: Any) -> None:
    env = make_envelope(make_statement(model="a-only"))
    got = _submit(client, tokens["lab-b"], env)
    assert got.status_code == 403, got.text
    assert store.count_reports() == 0
    assert _submit(client, tokens["lab-a"], env).status_code == 201


def test_another_labs_envelope_replayed_with_public_key_naming_it_is_refused(
        client: Any, tokens: dict[str, dict[str, str]], store: Any) -> None:
    env = make_envelope(make_statement(model="a-only-2"))
    got = _submit(client, tokens["lab-b"], env, public_key=DEFAULT_KEYS.public_pem)
    assert got.status_code == 403, got.text
    assert store.count_reports() == 0


def test_a_revoked_key_cannot_submit(client: Any, store: Any, tokens: dict[str, dict[str, str]]) -> None:
    old = Keys(Ed25519PrivateKey.generate())
    store.add_key("lab-a", old.public_pem)
    store.revoke_key(old.keyid)
    got = _submit(client, tokens["lab-a"], make_envelope(make_statement(model="rev"), old))
    assert got.status_code == 403, got.text


# -- the payload's encoding ----------------------------------------------------------------------


def test_duplicate_keys_in_the_payload_are_refused(client: Any, tokens: dict[str, dict[str, str]],
                                                   store: Any) -> None:
    st = make_statement(model="dup")
    body = _canon(st).replace('"totals":', '"totals":{"flop":1.0},"totals":', 1)
    got = _submit(client, tokens["lab-a"], _raw(body.encode(), DEFAULT_KEYS))
    assert got.status_code == 422, got.text
    assert store.count_reports() == 0


def test_duplicate_keys_differing_only_by_unicode_escape_are_refused(
        client: Any, tokens: dict[str, dict[str, str]], store: Any) -> None:
    st = make_statement(model="dup2")
    body = _canon(st).replace('"totals":', '"totals":{"flop":1.0},"tot\\u0061ls":', 1)
    got = _submit(client, tokens["lab-a"], _raw(body.encode(), DEFAULT_KEYS))
    assert got.status_code == 422, got.text
    assert store.count_reports() == 0


@pytest.mark.parametrize("ptype", ["application/vnd.in-toto+json ", "APPLICATION/VND.IN-TOTO+JSON",
                                   "application/vnd.in-toto+json; charset=utf-8", "", COUNTER_VERDICT_TYPE])
def test_payload_type_variants_are_refused(client: Any, tokens: dict[str, dict[str, str]], store: Any,
                                           ptype: str) -> None:
    got = _submit(client, tokens["lab-a"], _raw(_canon(make_statement(model="pt")).encode(), DEFAULT_KEYS, ptype))
    assert got.status_code in (403, 422), got.text
    assert store.count_reports() == 0


def _b64_variants() -> dict[str, Any]:
    def ws(b: bytes) -> str:
        s = base64.b64encode(b).decode()
        return s[:20] + "\n" + s[20:]

    def url(b: bytes) -> str:
        return base64.urlsafe_b64encode(b).decode()

    def nopad(b: bytes) -> str:
        return base64.b64encode(b).decode().rstrip("=")

    def extra(b: bytes) -> str:
        return base64.b64encode(b).decode() + "=="

    return {"whitespace": ws, "urlsafe": url, "no padding": nopad, "extra padding": extra}


@pytest.mark.parametrize("how", [*_b64_variants(), "stray bits"])
def test_non_canonical_base64_payloads_are_refused(client: Any, tokens: dict[str, dict[str, str]], store: Any,
                                                   how: str) -> None:
    payload = _canon(make_statement(model="b64")).encode()
    canonical = base64.b64encode(payload).decode()
    if how == "stray bits":
        model = next(m for m in (f"b{i}" for i in range(50))
                     if base64.b64encode(_canon(make_statement(model=m)).encode()).endswith(b"="))
        payload = _canon(make_statement(model=model)).encode()
        canonical = base64.b64encode(payload).decode()
        body = canonical.rstrip("=")
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        last = alphabet[alphabet.index(body[-1]) ^ 1]  # flips a bit the decoder ignores
        encode = lambda b: body[:-1] + last + canonical[len(body):]  # noqa: E731
    else:
        encode = _b64_variants()[how]
    if encode(payload) == canonical:
        pytest.skip("this payload's base64 has no such variant")
    got = _submit(client, tokens["lab-a"], _raw(payload, DEFAULT_KEYS, b64=encode))
    assert got.status_code == 422, got.text
    assert store.count_reports() == 0


@pytest.mark.parametrize("flop", [10**400, -(10**400)], ids=["1e400 int", "-1e400 int"])
def test_an_integer_beyond_float_range_gives_422_not_500(client: Any, tokens: dict[str, dict[str, str]],
                                                          store: Any, flop: int) -> None:
    st = make_statement(model="bigint")
    st["predicate"]["totals"]["flop"] = flop
    got = _submit(client, tokens["lab-a"], make_envelope(st))
    assert got.status_code == 422, got.text[:300]
    assert store.count_reports() == 0


@pytest.mark.parametrize("flop", ["1e40", "1.2e18", None, True, [1e18], -1.0, -0.0, 1e308],
                         ids=lambda v: ascii(v)[:12])
def test_totals_flop_that_is_not_a_count_is_never_stored_as_verified(real_client: Any, tmp_path: Path,
                                                                     flop: Any) -> None:
    from computegov.ledger.report import parse_report, sign_statement

    env, ledger, signer = _recorded(tmp_path)
    st = parse_report(env).statement
    st["predicate"]["totals"]["flop"] = flop
    _not_stored_as_verified(real_client[0], _post_real(real_client, sign_statement(st, signer).envelope,
                                                       ledger, signer))


def test_a_float_that_overflows_to_infinity_is_refused(client: Any, tokens: dict[str, dict[str, str]]) -> None:
    body = _canon(make_statement(model="inf")).replace('"flop":1.2e+18', '"flop":1e400')
    assert "1e400" in body
    got = _submit(client, tokens["lab-a"], _raw(body.encode(), DEFAULT_KEYS))
    assert got.status_code == 422, got.text


def test_a_deeply_nested_payload_gives_422_not_500(client: Any, tokens: dict[str, dict[str, str]]) -> None:
    st = make_statement(model="deep")
    body = _canon(st)[:-2] + ',"x":' + "[" * 5000 + "]" * 5000 + "}}"
    got = _submit(client, tokens["lab-a"], _raw(body.encode(), DEFAULT_KEYS))
    assert got.status_code == 422, got.text[:300]


# -- counter-verdicts ----------------------------------------------------------------------------


def _cv(raw: bytes, *signers: Keys, ptype: str = COUNTER_VERDICT_TYPE) -> dict[str, Any]:
    return {"envelope": {"payloadType": ptype, "payload": base64.b64encode(raw).decode(),
                         "signatures": [{"keyid": k.keyid, "sig": base64.b64encode(
                             k.private.sign(pae(ptype, raw))).decode()} for k in signers]}}


@pytest.fixture
def cv_env(client: Any, store: Any, tokens: dict[str, dict[str, str]], lab_b: Keys) -> dict[str, Any]:
    resp = _submit(client, tokens["lab-a"], make_envelope(make_statement(model="cv")))
    assert resp.status_code == 201, resp.text
    digest = resp.json()["report"]["digest_sha256"]
    uni = Keys(Ed25519PrivateKey.generate())
    store.set_org_kind("uni", "verifier")
    store.add_key("uni", uni.public_pem)
    uni_h = {"Authorization": f"Bearer {store.create_token('uni')[0]}"}

    def post(body: dict[str, Any], headers: dict[str, str] = uni_h, d: str = digest) -> Any:
        return client.post(f"/api/v1/reports/{d}/verdicts", json=body, headers=headers)

    return {"digest": digest, "uni": uni, "post": post, "tokens": tokens}


def test_a_lab_cannot_post_a_counter_verdict_on_its_own_report(cv_env: dict[str, Any], store: Any) -> None:
    raw = _canon({"report": cv_env["digest"], "outcome": "verified"}).encode()
    got = cv_env["post"](_cv(raw, DEFAULT_KEYS), cv_env["tokens"]["lab-a"])
    assert got.status_code == 403, got.text
    assert store.counter_verdicts(cv_env["digest"]) == []


def test_a_lab_cannot_post_a_counter_verdict_on_a_rivals_report(cv_env: dict[str, Any], lab_b: Keys,
                                                                store: Any) -> None:
    raw = _canon({"report": cv_env["digest"], "outcome": "failed"}).encode()
    got = cv_env["post"](_cv(raw, lab_b), cv_env["tokens"]["lab-b"])
    assert got.status_code == 403, got.text
    assert store.counter_verdicts(cv_env["digest"]) == []


def test_a_counter_verdict_naming_another_report_is_refused(cv_env: dict[str, Any], store: Any) -> None:
    raw = _canon({"report": "0" * 64, "outcome": "failed"}).encode()
    got = cv_env["post"](_cv(raw, cv_env["uni"]))
    assert got.status_code in (404, 422), got.text
    assert store.counter_verdicts(cv_env["digest"]) == []


@pytest.mark.parametrize("outcome", ["VERIFIED", "verified ", "Verified", "ok", "", None, 1, ["failed"]])
def test_counter_verdict_outcome_spellings_are_refused(cv_env: dict[str, Any], store: Any, outcome: Any) -> None:
    raw = _canon({"report": cv_env["digest"], "outcome": outcome}).encode()
    got = cv_env["post"](_cv(raw, cv_env["uni"]))
    assert got.status_code == 422, got.text
    assert store.counter_verdicts(cv_env["digest"]) == []


def test_a_counter_verdict_signed_by_a_lab_key_under_the_verifiers_token_is_refused(
        cv_env: dict[str, Any], store: Any) -> None:
    raw = _canon({"report": cv_env["digest"], "outcome": "verified"}).encode()
    got = cv_env["post"](_cv(raw, DEFAULT_KEYS))
    assert got.status_code == 403, got.text
    assert store.counter_verdicts(cv_env["digest"]) == []


def test_a_report_envelope_posted_as_a_counter_verdict_is_refused(cv_env: dict[str, Any], store: Any) -> None:
    raw = _canon({"report": cv_env["digest"], "outcome": "verified"}).encode()
    got = cv_env["post"](_cv(raw, cv_env["uni"], ptype=PAYLOAD_TYPE))
    assert got.status_code == 422, got.text
    assert store.counter_verdicts(cv_env["digest"]) == []


@pytest.mark.parametrize("field,value", [("chip_hours", -5.0), ("chip_hours", "1e9"),
                                         ("segments_replayed", 11), ("segments_replayed", -1)])
def test_counter_verdict_numbers_out_of_range_are_refused(cv_env: dict[str, Any], store: Any,
                                                          field: str, value: Any) -> None:
    body = {"report": cv_env["digest"], "outcome": "failed", "segments_total": 10, field: value}
    got = cv_env["post"](_cv(_canon(body).encode(), cv_env["uni"]))
    assert got.status_code == 422, got.text


# -- the real verifier on a recorded run -------------------------------------------------------


@pytest.fixture
def real_client(tmp_path: Path) -> Any:
    pytest.importorskip("computegov.ledger.verify")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from computegov.web import create_app

    app = create_app(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, app.state.store


def _recorded(tmp_path: Path, *, chip: str = "H100", precision: str | None = None, flop_per_s: float = 1e14,
              chip_count: int = 1) -> tuple[dict[str, Any], str, Any]:
    from computegov.ledger.recorder import RunRecorder
    from computegov.ledger.signing import Signer

    signer = Signer.generate()
    t = time.time() - 60.0
    now = [t]
    hardware: dict[str, Any] = {"chip": chip, "chip_count": chip_count}
    if precision is not None:
        hardware["precision"] = precision
    rec = RunRecorder(tmp_path / "run.jsonl", signer=signer, clock=lambda: now[0],
                      metadata={"hardware": hardware, "model": "rt"})
    for _ in range(4):
        now[0] = t + 1.0
        rec.record_measurement({"steps": 10, "flop": flop_per_s * chip_count, "duration_s": 1.0,
                                "time_start_unix_s": t, "time_end_unix_s": t + 1.0})
        t += 1.0
    report = rec.finish()
    return report.envelope, (tmp_path / "run.jsonl").read_text(), signer


def _post_real(real_client: Any, envelope: dict[str, Any], ledger: str | None, signer: Any) -> Any:
    client, store = real_client
    store.add_key("lab", signer.public_pem())
    token = store.create_token("lab")[0]
    body: dict[str, Any] = {"envelope": envelope}
    if ledger is not None:
        body["ledger"] = ledger
    return client.post("/api/v1/reports", json=body, headers={"Authorization": f"Bearer {token}"})


def test_control_a_plausible_h100_run_is_verified(real_client: Any, tmp_path: Path) -> None:
    env, ledger, signer = _recorded(tmp_path)
    got = _post_real(real_client, env, ledger, signer)
    assert got.status_code == 201 and got.json()["report"]["outcome"] == "verified", got.text


def test_a_report_without_its_ledger_is_not_verified(real_client: Any, tmp_path: Path) -> None:
    env, _, signer = _recorded(tmp_path)
    _not_stored_as_verified(real_client[0], _post_real(real_client, env, None, signer))


def test_flop_above_the_h100_peak_is_not_verified(real_client: Any, tmp_path: Path) -> None:
    env, ledger, signer = _recorded(tmp_path, flop_per_s=3e15)  # > H100 fp8 peak 1.979e15
    _not_stored_as_verified(real_client[0], _post_real(real_client, env, ledger, signer))


def test_an_unknown_chip_is_not_verified_in_the_registry(real_client: Any, tmp_path: Path) -> None:
    env, ledger, signer = _recorded(tmp_path, chip="Secret Accelerator X", flop_per_s=1e20)
    _not_stored_as_verified(real_client[0], _post_real(real_client, env, ledger, signer))


def test_an_int8_precision_does_not_make_flop_above_the_float_peak_verified(real_client: Any,
                                                                            tmp_path: Path) -> None:
    env, ledger, signer = _recorded(tmp_path, chip="A100 SXM4 80 GB", precision="int8", flop_per_s=1.9 * 312e12)
    _not_stored_as_verified(real_client[0], _post_real(real_client, env, ledger, signer))


def test_a_ledger_of_another_run_is_not_verified(real_client: Any, tmp_path: Path) -> None:
    env, _, signer = _recorded(tmp_path / "a" if (tmp_path / "a").mkdir() is None else tmp_path)
    _, other_ledger, _ = _recorded(tmp_path / "b" if (tmp_path / "b").mkdir() is None else tmp_path)
    _not_stored_as_verified(real_client[0], _post_real(real_client, env, other_ledger, signer))


@pytest.mark.parametrize("how", ["crlf", "bom"])
def test_a_ledger_with_crlf_or_a_bom_is_not_verified(real_client: Any, tmp_path: Path, how: str) -> None:
    env, ledger, signer = _recorded(tmp_path)
    ledger = ledger.replace("\n", "\r\n") if how == "crlf" else "\ufeff" + ledger
    _not_stored_as_verified(real_client[0], _post_real(real_client, env, ledger, signer))


def _backdated(tmp_path: Path, days: float, flop_per_s: float = 5e14) -> tuple[dict[str, Any], str, Any]:
    """A 4-interval run recorded with a clock ``days`` in the past (each interval 1 day long)."""
    from computegov.ledger.recorder import RunRecorder
    from computegov.ledger.signing import Signer

    signer = Signer.generate()
    day = 86400.0
    t = time.time() - days * day
    now = [t]
    rec = RunRecorder(tmp_path / "old.jsonl", signer=signer, clock=lambda: now[0],
                      metadata={"hardware": {"chip": "H100", "chip_count": 1}, "model": "old"})
    for _ in range(4):
        now[0] = t + day
        rec.record_measurement({"steps": 10, "flop": flop_per_s * day, "duration_s": day,
                                "time_start_unix_s": t, "time_end_unix_s": t + day})
        t += day
    return rec.finish().envelope, (tmp_path / "old.jsonl").read_text(), signer


def test_a_run_dated_before_its_key_was_registered_is_not_verified(real_client: Any, tmp_path: Path) -> None:
    env, ledger, signer = _backdated(tmp_path, days=30)
    _not_stored_as_verified(real_client[0], _post_real(real_client, env, ledger, signer))
