"""A quote counts only when its AK is proven to live in a certified TPM: EK chain + credential activation.

Each missing link fails with its own reason: on a software TPM (fast, every link) and on a real
swtpm whose EK certificate is issued at test time by a CA made for the test.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from computegov.attest import checkers_for
from computegov.attest.slot import attach_evidence, ledger_head
from computegov.attest.tpm_activation import make_challenge
from computegov.attest.tpm_credential import (
    Credential,
    activate_credential_software,
    make_credential,
)
from computegov.attest.tpm_public import AK_REQUIRED_ATTRIBUTES, encode_public, parse_public
from computegov.attest.tpm_software import SoftwareTpm, make_test_ca
from computegov.attest.trust import Challenger, TrustList, parse_trust
from computegov.cli import app
from computegov.errors import InputError
from computegov.ledger.report import load_report
from computegov.ledger.signing import Signer, load_private_key, public_key_hex
from computegov.ledger.verify import verify_report

runner = CliRunner()
TPM = SoftwareTpm.create()
CHALLENGER = Signer.generate()
AUDITOR = Challenger("auditor", public_key_hex(CHALLENGER.public_key))
TRUST = TrustList(tpm_ek_cas=(TPM.ca_cert,), challengers=(AUDITOR,))
PROOF = TPM.activate(make_challenge(TPM.activation_request(), CHALLENGER, "auditor", TRUST))


def _summary(run: Any, evidence: dict[str, Any], trust: TrustList = TRUST) -> str:
    attach_evidence(run.report, "tpm2-quote", evidence, load_private_key(run.private_key))
    verdict = verify_report(run.report, run.ledger, run.public_key, checkers=checkers_for(trust))
    check = verdict.check("attestation")
    assert verdict.outcome == "failed" and check.status == "fail", check.summary
    return str(check.summary)


def _head(run: Any) -> bytes:
    return ledger_head(load_report(run.report))


# --- the verifier's MakeCredential and the TPM's ActivateCredential ---------------------------

@pytest.mark.parametrize("ek_kind", ["rsa2048", "p256", "p384"])
def test_make_credential_opens_only_for_the_named_object(ek_kind: str) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    ek = {"rsa2048": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
          "p256": lambda: ec.generate_private_key(ec.SECP256R1()),
          "p384": lambda: ec.generate_private_key(ec.SECP384R1())}[ek_kind]()
    name = parse_public(TPM.ak_public_area).name
    cred = make_credential(ek.public_key(), name, b"s" * 32)
    assert activate_credential_software(ek, name, cred) == b"s" * 32
    with pytest.raises(InputError, match="integrity"):
        activate_credential_software(ek, name[:-1] + bytes([name[-1] ^ 1]), cred)
    tampered = Credential(cred.credential_blob[:-1] + bytes([cred.credential_blob[-1] ^ 1]), cred.encrypted_secret)
    with pytest.raises(InputError, match="integrity"):
        activate_credential_software(ek, name, tampered)


def test_public_area_round_trips_and_names_like_a_tpm() -> None:
    raw = TPM.ak_public_area
    pub = parse_public(raw)
    assert pub.raw == raw and pub.key_type == "ecc" and pub.curve == "secp256r1"
    assert pub.name[:2] == b"\x00\x0b" and len(pub.name) == 34
    assert parse_public(len(raw).to_bytes(2, "big") + raw).name == pub.name  # TPM2B_PUBLIC too
    for n in range(len(raw)):
        with pytest.raises(InputError):
            parse_public(raw[:n] if n != len(raw) - 2 else raw[:n] + b"\x00")


def test_ecdsa_ak_points_off_the_curve_or_at_infinity_are_refused(run: Any) -> None:
    nums = TPM.ak.public_key().public_numbers()
    with pytest.raises(ValueError):
        ec.EllipticCurvePublicNumbers(nums.x, nums.y ^ 1, ec.SECP256R1()).public_key()
    with pytest.raises(ValueError):  # the identity has no SEC1 point encoding a key may use
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x00")
    raw = TPM.ak_public_area
    size_at = len(raw) - 2 * 34
    for x, y in ((b"", b""), (bytes(32), bytes(32)), (nums.x.to_bytes(32, "big"), (nums.y ^ 1).to_bytes(32, "big"))):
        bad = raw[:size_at] + len(x).to_bytes(2, "big") + x + len(y).to_bytes(2, "big") + y
        with pytest.raises(ValueError):
            parse_public(bad).public_key()
        ev = TPM.evidence(_head(run), PROOF)
        ev["ak_tpm_public"] = base64.b64encode(bad).decode()
        assert "AK public area holds an invalid key" in _summary(run, ev)
    # an off-curve point in the PEM the quote is checked with
    der = bytearray(TPM.ak.public_key().public_bytes(serialization.Encoding.DER,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    der[-1] ^= 1
    ev = TPM.evidence(_head(run), PROOF)
    ev["ak_public_pem"] = "-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(bytes(der)).decode() + "\n-----END PUBLIC KEY-----\n"
    assert "AK public key is not a PEM public key" in _summary(run, ev)


# --- each missing link, named (software TPM) --------------------------------------------------

def _other_tpm_same_ca() -> SoftwareTpm:
    return SoftwareTpm.create((TPM.ca_key, TPM.ca_cert))


def _case(kind: str, run: Any) -> tuple[dict[str, Any], TrustList]:
    head, trust = _head(run), TRUST
    if kind == "no_ek_chain":
        ev = TPM.evidence(head, PROOF)
        del ev["ek"]
    elif kind == "untrusted_ca":
        ev = TPM.evidence(head, PROOF)
        trust = TrustList(tpm_ek_cas=(make_test_ca("another vendor EK CA")[1],), challengers=(AUDITOR,))
    elif kind == "no_ca_in_trust":
        ev, trust = TPM.evidence(head, PROOF), TrustList(challengers=(AUDITOR,))
    elif kind == "expired_ek":
        old = SoftwareTpm.create((TPM.ca_key, TPM.ca_cert), ek_not_after=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
        ev = old.evidence(head, old.activate(make_challenge(old.activation_request(), CHALLENGER, "auditor")))
    elif kind == "ek_not_for_encryption":
        odd = SoftwareTpm.create((TPM.ca_key, TPM.ca_cert), ek_key_usage="digitalSignature")
        ev = odd.evidence(head, odd.activate(make_challenge(odd.activation_request(), CHALLENGER, "auditor")))
    elif kind == "not_activated":
        ev = TPM.evidence(head)
    elif kind == "other_ek":  # the first TPM's activation shown with another certified EK
        ev = TPM.evidence(head, PROOF)
        ev["ek"] = _other_tpm_same_ca().evidence(head)["ek"]
    elif kind == "other_ak":  # the same certified EK, a different AK reusing the activation
        other = SoftwareTpm(TPM.ca_key, TPM.ca_cert, TPM.ek_key, TPM.ek_cert,
                            ec.generate_private_key(ec.SECP256R1()), TPM.ak_attributes)
        ev = other.evidence(head, PROOF)
    elif kind == "guessed_secret":
        ev = TPM.evidence(head, {**PROOF, "secret": "00" * 32})
    elif kind == "untrusted_challenger":
        rogue = Signer.generate()  # the lab challenges itself: it knows the secret
        ev = TPM.evidence(head, {**TPM.activate(make_challenge(TPM.activation_request(), rogue, "auditor"))})
    elif kind == "forged_statement":
        ev = TPM.evidence(head, {**PROOF, "statement": {**PROOF["statement"], "issued_at": "2030-01-01T00:00:00Z"}})
    elif kind == "software_attributes":
        soft = SoftwareTpm.create((TPM.ca_key, TPM.ca_cert), ak_attributes=("sign", "userWithAuth"))
        ev = soft.evidence(head, PROOF)
    elif kind == "legacy_format":
        ev = TPM.evidence(head, PROOF)
        ev["format"] = "computegov/tpm2-quote/1"
        for k in ("ek", "activation", "ak_tpm_public"):
            del ev[k]
    elif kind == "sha1_name":
        ev = TPM.evidence(head, PROOF)
        ev["ak_tpm_public"] = base64.b64encode(encode_public(TPM.ak.public_key(), name_alg="sha1")).decode()
    elif kind == "area_of_another_key":
        ev = TPM.evidence(head, PROOF)
        ev["ak_tpm_public"] = base64.b64encode(encode_public(ec.generate_private_key(ec.SECP256R1()).public_key())).decode()
    else:  # pragma: no cover
        raise AssertionError(kind)
    return ev, trust


MISSING_LINKS = {
    "no_ek_chain": "no EK chain",
    "untrusted_ca": "EK chain ends at an untrusted CA: issuer 'CN=computegov test EK CA'",
    "no_ca_in_trust": "lists no EK CA certificates",
    "expired_ek": "EK chain to a trusted CA name does not verify",
    "ek_not_for_encryption": "lacks keyEncipherment",
    "not_activated": "AK not activated against that EK",
    "other_ek": "activated against a different EK certificate",
    "other_ak": "activation names another AK",
    "guessed_secret": "revealed secret does not match the challenge",
    "untrusted_challenger": "not among the trust file's tpm_activation_challengers",
    "forged_statement": "signature by challenger auditor does not verify",
    "software_attributes": "lacks fixedTPM, fixedParent, sensitiveDataOrigin, restricted",
    "legacy_format": "computegov/tpm2-quote/1 carries no EK certificate chain",
    "area_of_another_key": "AK public area is not the key that signed the quote",
    "sha1_name": "AK name algorithm SHA-1 is not accepted",
}


@pytest.mark.parametrize("kind", sorted(MISSING_LINKS))
def test_an_ak_without_proof_of_tpm_residency_fails_naming_the_link(kind: str, run: Any) -> None:
    ev, trust = _case(kind, run)
    assert MISSING_LINKS[kind] in _summary(run, ev, trust)


def test_the_challenger_refuses_a_software_key_and_an_untrusted_ek() -> None:
    soft = SoftwareTpm.create((TPM.ca_key, TPM.ca_cert), ak_attributes=(*AK_REQUIRED_ATTRIBUTES[1:], "decrypt"))
    with pytest.raises(InputError, match="lacks fixedTPM"):
        make_challenge(soft.activation_request(), CHALLENGER, "auditor", TRUST)
    stranger = SoftwareTpm.create()
    with pytest.raises(InputError, match="untrusted CA"):
        make_challenge(stranger.activation_request(), CHALLENGER, "auditor", TRUST)


def test_trust_file_reads_ek_cas_from_pem_files_and_refuses_weak_challenger_keys(tmp_path: Path) -> None:
    (tmp_path / "cas").mkdir()
    (tmp_path / "cas" / "vendor.pem").write_text(TPM.ca_pem, encoding="utf-8")
    trust = parse_trust({"tpm_ek_ca_pem": ["cas/vendor.pem", TPM.ca_pem],
                         "tpm_activation_challengers": [{"name": "a", "public_key": AUDITOR.public_key_hex}]},
                        tmp_path / "trust.json")
    assert len(trust.tpm_ek_cas) == 2 and trust.challenger(AUDITOR.public_key_hex) == Challenger("a", AUDITOR.public_key_hex)
    with pytest.raises(InputError, match=r"tpm_ek_ca_pem\[0\]"):
        parse_trust({"tpm_ek_ca_pem": ["missing.pem"]}, tmp_path / "trust.json")
    with pytest.raises(InputError, match=r"tpm_activation_challengers\[0\]"):
        parse_trust({"tpm_activation_challengers": [{"name": "z", "public_key": "00" * 32}]}, tmp_path / "t.json")


# --- a real swtpm with an EK certificate issued at test time ------------------------------------

def _trust_file(path: Path, ca_pem: Path | str) -> Path:
    path.write_text(json.dumps({
        "tpm_ek_ca_pem": [str(ca_pem)],
        "tpm_activation_challengers": [{"name": "auditor", "public_key": AUDITOR.public_key_hex}],
    }), encoding="utf-8")
    return path


def _challenger_key(tmp_path: Path) -> Path:
    key = tmp_path / "challenger.key"
    key.write_bytes(CHALLENGER.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return key


def test_swtpm_ak_activated_against_a_certified_ek_verifies_through_the_cli(
    swtpm_ek: Any, ek_ca: Any, run: Any, tmp_path: Path
) -> None:
    trust = _trust_file(tmp_path / "trust.json", ek_ca.cert_pem)
    req, chal = tmp_path / "request.json", tmp_path / "challenge.json"
    res = runner.invoke(app, ["attest", "tpm-enrol", "--tcti", swtpm_ek.tcti, "--out", str(req)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["attest", "tpm-challenge", "--request", str(req), "--key", str(_challenger_key(tmp_path)),
                              "--name", "auditor", "--trust", str(trust), "--out", str(chal), "--json"])
    assert res.exit_code == 0, res.output
    assert "secret" not in chal.read_text(encoding="utf-8").replace("secret_sha256", "")
    res = runner.invoke(app, ["attest", "tpm", "--ledger", str(run.ledger), "--report", str(run.report),
                              "--tcti", swtpm_ek.tcti, "--pcrs", "0,7", "--activation", str(chal), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["activated"] is True
    out = runner.invoke(app, ["verify", str(run.report), "--key", str(run.public_key),
                              "--attest-trust", str(trust), "--json"])
    checks = json.loads(out.stdout)["checks"]
    check = next(c for c in checks if c["name"] == "attestation")
    assert check["status"] == "pass" and "activated by auditor" in check["summary"], check["summary"]
    assert not [c for c in checks if c["status"] == "fail"], out.stdout  # (a CPU demo run may be incomplete)
    assert "certified by CN=computegov test TPM manufacturer EK CA" in check["summary"]


def test_swtpm_ak_without_an_ek_chain_fails(swtpm: Any, ek_ca: Any, run: Any, tmp_path: Path) -> None:
    res = runner.invoke(app, ["attest", "tpm", "--ledger", str(run.ledger), "--report", str(run.report),
                              "--tcti", swtpm.tcti, "--pcrs", "0"])
    assert res.exit_code == 0 and "no EK certificate" in res.output, res.output
    trust = _trust_file(tmp_path / "trust.json", ek_ca.cert_pem)
    out = runner.invoke(app, ["verify", str(run.report), "--key", str(run.public_key), "--attest-trust", str(trust)])
    assert out.exit_code == 1 and "no EK chain" in out.output, out.output


def test_swtpm_ek_chain_ending_at_an_untrusted_ca_fails(swtpm_ek: Any, run: Any, tmp_path: Path) -> None:
    from computegov.attest.tpm_activation import activation_request
    from computegov.attest.tpm_producer import ak_public_area, quote_evidence, read_ek_certificate

    # the lab activates against a challenger who checks nothing; the verifier trusts another CA
    request = activation_request(str(read_ek_certificate(swtpm_ek.tcti)), [], ak_public_area(swtpm_ek.tcti))
    ev = quote_evidence(_head(run), tcti=swtpm_ek.tcti, pcrs=(0,),
                        activation=make_challenge(request, CHALLENGER, "auditor"))
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_bytes(make_test_ca("some other vendor EK CA")[1].public_bytes(serialization.Encoding.PEM))
    trust = parse_trust(json.loads(_trust_file(tmp_path / "trust.json", other_ca).read_text()), tmp_path / "trust.json")
    summary = _summary(run, ev, trust)
    assert "EK chain ends at an untrusted CA" in summary and "test TPM manufacturer EK CA" in summary


def test_swtpm_ak_not_activated_fails(swtpm_ek: Any, ek_ca: Any, run: Any) -> None:
    from computegov.attest.tpm_producer import quote_evidence

    ev = quote_evidence(_head(run), tcti=swtpm_ek.tcti, pcrs=(0,))
    assert "ek" in ev and "activation" not in ev
    trust = TrustList(tpm_ek_cas=(ek_ca.cert,), challengers=(AUDITOR,))
    assert "AK not activated against that EK" in _summary(run, ev, trust)


def test_swtpm_ecc_p256_ek_activates_a_credential_made_in_python(swtpm_ek: Any, ek_ca: Any, run: Any, tmp_path: Path) -> None:
    """The ECC path of MakeCredential (ECDH seed, KDFe) against a real TPM's P-256 EK (template L-2)."""
    import subprocess

    from computegov.attest.tpm_activation import activation_request
    from computegov.attest.tpm_producer import ak_public_area, quote_evidence
    from computegov.attest.tpm_public import parse_public
    from computegov.attest.tpm_software import ek_certificate

    env = {**os.environ, "TPM2TOOLS_TCTI": swtpm_ek.tcti}
    subprocess.run(["tpm2_createek", "-c", "ek.ctx", "-G", "ecc", "-u", "ek.pub"], cwd=tmp_path, env=env,
                   capture_output=True, check=True, timeout=30)
    subprocess.run(["tpm2_flushcontext", "-t"], cwd=tmp_path, env=env, capture_output=True, timeout=30)
    ek_public = parse_public((tmp_path / "ek.pub").read_bytes()).public_key()
    cert = ek_certificate(ek_ca.key, ek_ca.cert, ek_public, key_usage="keyAgreement")
    ek_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    trust = TrustList(tpm_ek_cas=(ek_ca.cert,), challengers=(AUDITOR,))
    challenge = make_challenge(activation_request(ek_pem, [], ak_public_area(swtpm_ek.tcti)), CHALLENGER, "auditor", trust)
    ev = quote_evidence(_head(run), tcti=swtpm_ek.tcti, pcrs=(0,), ek_cert_pem=ek_pem, activation=challenge)
    attach_evidence(run.report, "tpm2-quote", ev, load_private_key(run.private_key))
    check = verify_report(run.report, run.ledger, run.public_key, checkers=checkers_for(trust)).check("attestation")
    assert check.status == "pass", check.summary


def _string_fields(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _string_fields(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _string_fields(v, (*path, i))]
    return [path] if isinstance(node, str) and node else []


RESIDENCY = ("ak_tpm_public", "ek", "activation")
HEAD = b"\x5a" * 32
EVIDENCE = TPM.evidence(HEAD, PROOF)
FIELDS = [p for p in _string_fields(EVIDENCE) if p[0] in RESIDENCY]


@settings(max_examples=60, deadline=None)
@given(field=st.sampled_from(FIELDS), at=st.floats(0, 0.999), char=st.sampled_from("0aZ+/=-\n"))
def test_changing_any_character_of_the_residency_proof_fails(field: tuple[Any, ...], at: float, char: str) -> None:
    ev = json.loads(json.dumps(EVIDENCE))
    node = ev
    for key in field[:-1]:
        node = node[key]
    text = node[field[-1]]
    i = int(at * len(text))
    if text[i] == char:
        return
    node[field[-1]] = text[:i] + char + text[i + 1 :]
    from computegov.attest.tpm_checker import TpmQuoteChecker

    statement = {"predicate": {"ledger": {"head_hash": HEAD.hex()}}}
    result = TpmQuoteChecker(TRUST).check(ev, statement)
    # PEM and base64 tolerate a changed line break or padding only where the decoded bytes stay the same
    if result.ok:
        assert _decoded(ev, field) == _decoded(EVIDENCE, field), (field, i, char)


def _decoded(ev: dict[str, Any], field: tuple[Any, ...]) -> Any:
    node: Any = ev
    for key in field:
        node = node[key]
    try:
        if "chain_pem" in field or field[-1] == "certificate_pem":
            from computegov.attest.ek_chain import load_certificates

            return load_certificates(node)[0].public_bytes(serialization.Encoding.DER)
        if field[-1] in ("ak_tpm_public", "signature"):
            return base64.b64decode(node, validate=True)
        if field[-1] == "secret":
            return bytes.fromhex(node)
    except ValueError:
        return None
    return node


def test_tpm_challenge_cli_refuses_a_software_ak_and_an_untrusted_ek_in_one_line(tmp_path: Path) -> None:
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps({"tpm_ek_ca_pem": [TPM.ca_pem]}), encoding="utf-8")
    key = _challenger_key(tmp_path)
    cases = {
        "lacks fixedTPM": SoftwareTpm.create((TPM.ca_key, TPM.ca_cert), ak_attributes=("sign", "restricted")),
        "untrusted CA": SoftwareTpm.create(),
    }
    for reason, tpm in cases.items():
        req = tmp_path / "request.json"
        req.write_text(json.dumps(tpm.activation_request()), encoding="utf-8")
        res = runner.invoke(app, ["attest", "tpm-challenge", "--request", str(req), "--key", str(key),
                                  "--name", "auditor", "--trust", str(trust), "--out", str(tmp_path / "c.json")])
        assert res.exit_code == 2 and reason in res.output, res.output
        assert len(res.output.strip().splitlines()) == 1 and not (tmp_path / "c.json").exists()
    req.write_text("[1, 2]", encoding="utf-8")
    res = runner.invoke(app, ["attest", "tpm-challenge", "--request", str(req), "--key", str(key),
                              "--name", "auditor", "--trust", str(trust), "--out", str(tmp_path / "c.json")])
    assert res.exit_code == 2 and "expected a JSON object" in res.output, res.output


def test_tpm_challenge_cli_answers_a_good_request_without_revealing_the_secret(tmp_path: Path) -> None:
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps({"tpm_ek_ca_pem": [TPM.ca_pem]}), encoding="utf-8")
    req, out = tmp_path / "request.json", tmp_path / "challenge.json"
    req.write_text(json.dumps(TPM.activation_request()), encoding="utf-8")
    res = runner.invoke(app, ["attest", "tpm-challenge", "--request", str(req), "--key", str(_challenger_key(tmp_path)),
                              "--name", "auditor", "--trust", str(trust), "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    challenge = json.loads(out.read_text(encoding="utf-8"))
    assert json.loads(res.stdout)["ak_name"] == parse_public(TPM.ak_public_area).name.hex()
    proof = TPM.activate(challenge)  # only the EK's holder can open it
    assert hashlib.sha256(bytes.fromhex(proof["secret"])).hexdigest() == challenge["statement"]["secret_sha256"]
    assert proof["secret"] not in out.read_text(encoding="utf-8")
