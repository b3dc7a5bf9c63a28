"""TPM 2.0 quotes bound to the ledger head: produced by a real swtpm, verified in pure Python.

Every tampered variant must fail ``computegov verify`` with its own named reason. The negative
cases run on a software-made quote always, and on the real swtpm quote when swtpm is installed.
Proof that the AK lives in a TPM (EK chain, credential activation) is in test_tpm_residency.py.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from typer.testing import CliRunner

from computegov.attest import checkers_for
from computegov.attest.slot import attach_evidence, ledger_head
from computegov.attest.tpm_activation import make_challenge
from computegov.attest.tpm_format import QuoteFormatError, encode_quote, parse_quote
from computegov.attest.tpm_software import SoftwareTpm
from computegov.attest.trust import Challenger, TrustList
from computegov.cli import app
from computegov.ledger.report import load_report
from computegov.ledger.signing import Signer, load_private_key, public_key_hex
from computegov.ledger.verify import verify_report

runner = CliRunner()
TPM = SoftwareTpm.create()
CHALLENGER = Signer.generate()
TRUST = TrustList(tpm_ek_cas=(TPM.ca_cert,),
                  challengers=(Challenger("auditor", public_key_hex(CHALLENGER.public_key)),))
PROOF = TPM.activate(make_challenge(TPM.activation_request(), CHALLENGER, "auditor", TRUST))
AK = TPM.ak


def _verify(run: Any, evidence: dict[str, Any], trust: TrustList = TRUST) -> Any:
    attach_evidence(run.report, "tpm2-quote", evidence, load_private_key(run.private_key))
    return verify_report(run.report, run.ledger, run.public_key, checkers=checkers_for(trust))


def _resign(evidence: dict[str, Any], quote: bytes | None = None, key: Any = None) -> None:
    if quote is not None:
        evidence["quote"] = base64.b64encode(quote).decode()
    key = key or ec.generate_private_key(ec.SECP256R1())
    raw = base64.b64decode(evidence["quote"])
    from cryptography.hazmat.primitives import hashes

    evidence["signature"]["value"] = base64.b64encode(key.sign(raw, ec.ECDSA(hashes.SHA256()))).decode()


def _tamper(kind: str, ev: dict[str, Any], trust: TrustList) -> tuple[dict[str, Any], TrustList]:
    """A tampered copy of ``ev`` and the trust list (``replayed`` is made by the caller)."""
    ev = json.loads(json.dumps(ev))
    if kind == "edited_pcr":
        bank = ev["pcrs"]["sha256"]
        first = sorted(bank, key=int)[0]
        bank[first] = "ff" * 32
    elif kind == "other_key_signature":
        _resign(ev)
    elif kind == "ak_not_pinned":
        trust = TrustList(frozenset({"00" * 32}), (), trust.tpm_ek_cas, trust.challengers)
    elif kind == "truncated":
        ev["quote"] = base64.b64encode(base64.b64decode(ev["quote"])[:-5]).decode()
    elif kind == "wrong_algorithm":
        ev["signature"]["scheme"] = "ecdsa-sha1"
    return ev, trust


REASONS = {
    "replayed": "not bound to this ledger",
    "edited_pcr": "a PCR value was edited",
    "other_key_signature": "signature does not verify",
    "ak_not_pinned": "not in the trust list's AK pins",
    "truncated": "truncated",
    "wrong_algorithm": "wrong algorithm",
}


@pytest.mark.parametrize("kind", sorted(REASONS))
def test_tampered_software_quote_fails_with_reason(kind: str, run: Any) -> None:
    head = ledger_head(load_report(run.report))
    ev, trust = TPM.evidence(head, PROOF), TRUST
    if kind == "replayed":
        ev = TPM.evidence(b"\x42" * 32, PROOF)
    else:
        ev, trust = _tamper(kind, ev, trust)
    verdict = _verify(run, ev, trust)
    check = verdict.check("attestation")
    assert verdict.outcome == "failed" and check.status == "fail", check.summary
    assert REASONS[kind] in check.summary, check.summary


@pytest.mark.parametrize("kind", sorted(REASONS))
def test_tampered_swtpm_quote_fails_with_reason(kind: str, swtpm_ek: Any, swtpm_activated: Any, run: Any) -> None:
    from computegov.attest.tpm_producer import quote_evidence

    trust, proof = swtpm_activated
    head = ledger_head(load_report(run.report))
    nonce = b"\x42" * 32 if kind == "replayed" else head
    ev = quote_evidence(nonce, tcti=swtpm_ek.tcti, pcrs=(0, 1, 7), activation=proof)
    if kind != "replayed":
        ev, trust = _tamper(kind, ev, trust)
    check = _verify(run, ev, trust).check("attestation")
    assert check.status == "fail" and REASONS[kind] in check.summary, check.summary


def test_swtpm_keeps_one_ak_across_quotes(swtpm: Any) -> None:
    from computegov.attest.tpm_producer import quote_evidence

    a = quote_evidence(b"\x01" * 32, tcti=swtpm.tcti, pcrs=(0,))
    b = quote_evidence(b"\x02" * 32, tcti=swtpm.tcti, pcrs=(0,))
    assert a["ak_sha256"] == b["ak_sha256"]
    assert parse_quote(base64.b64decode(b["quote"])).extra_data == b"\x02" * 32


def test_honest_software_quote_passes_only_for_a_verifier_trusting_its_ca(run: Any) -> None:
    ev = TPM.evidence(ledger_head(load_report(run.report)), PROOF)
    verdict = _verify(run, ev)
    check = verdict.check("attestation")
    assert check.status == "pass" and "activated by auditor" in check.summary, check.summary
    assert verdict.outcome != "failed", [c.summary for c in verdict.checks if c.status != "pass"]


def test_sha1_pcr_bank_is_refused(run: Any) -> None:
    ev = TPM.evidence(ledger_head(load_report(run.report)), PROOF, bank="sha1")
    check = _verify(run, ev).check("attestation")
    assert check.status == "fail" and "PCR bank sha1 is not accepted" in check.summary


def test_every_truncation_of_a_quote_is_a_format_error() -> None:
    raw = base64.b64decode(TPM.evidence(b"\x01" * 32)["quote"])
    assert parse_quote(raw).extra_data == b"\x01" * 32
    assert encode_quote(parse_quote(raw)) == raw
    for n in range(len(raw)):
        with pytest.raises(QuoteFormatError):
            parse_quote(raw[:n])
    with pytest.raises(QuoteFormatError, match="trailing"):
        parse_quote(raw + b"\x00")


def test_attest_tpm_without_a_tpm_says_so_and_exits_2(run: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no tpm2-tools, no swtpm
    res = runner.invoke(app, ["attest", "tpm", "--ledger", str(run.ledger), "--report", str(run.report)])
    assert res.exit_code == 2
    assert len(res.output.strip().splitlines()) == 1 and "tpm2-tools not installed" in res.output


def test_attest_tpm_refuses_a_ledger_that_is_not_the_reports(run: Any, tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    other.write_bytes(run.ledger.read_bytes().splitlines(keepends=True)[0])
    res = runner.invoke(app, ["attest", "tpm", "--ledger", str(other), "--report", str(run.report)])
    assert res.exit_code == 2 and "wrong ledger for this report" in res.output


def test_entry_points_register_both_checkers() -> None:
    from computegov.ledger.attestation import registered_checkers

    found = registered_checkers()
    assert {"tpm2-quote", "location-rtt"} <= set(found)


def test_attest_tpm_with_tools_but_no_tpm_says_so_and_exits_2(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from computegov.attest import tpm_producer

    if tpm_producer.tpm_tools_missing():
        pytest.skip("needs tpm2-tools installed (apt-get install tpm2-tools)")
    monkeypatch.delenv("TPM2TOOLS_TCTI", raising=False)
    monkeypatch.setattr(tpm_producer, "default_tcti", lambda: None)  # as on a machine without /dev/tpmrm0
    res = runner.invoke(app, ["attest", "tpm", "--ledger", str(run.ledger), "--report", str(run.report)])
    assert res.exit_code == 2 and "no TPM" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_trust_file_errors_name_the_field(tmp_path: Path) -> None:
    from computegov.attest.trust import load_trust
    from computegov.errors import InputError

    bad = tmp_path / "t.json"
    bad.write_text(json.dumps({"tpm_ak_sha256": ["zz"]}), encoding="utf-8")
    with pytest.raises(InputError, match="tpm_ak_sha256 entry 'zz'"):
        load_trust(bad)
    bad.write_text(json.dumps({"landmarks": [{"name": "a", "lat": 91, "lon": 0, "public_key": "00" * 32}]}), encoding="utf-8")
    with pytest.raises(InputError, match=r"landmarks\[0\].lat"):
        load_trust(bad)


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_verify_refuses_a_trust_file_that_is_not_a_regular_file(kind: str, run: Any, tmp_path: Path) -> None:
    import os
    import time

    target = {"fifo": tmp_path / "trust.fifo", "device": Path("/dev/zero"), "directory": tmp_path}[kind]
    if kind == "fifo":
        os.mkfifo(target)
    t0 = time.monotonic()
    res = runner.invoke(app, ["verify", str(run.report), "--key", str(run.public_key), "--attest-trust", str(target)])
    assert res.exit_code == 2 and "not a regular file" in res.output, res.output
    assert time.monotonic() - t0 < 10
