"""The attestation slot holding several pieces of evidence: every one must be checked and pass."""

from __future__ import annotations

from typing import Any

from computegov.attest import checkers_for
from computegov.attest.slot import attach_evidence, ledger_head, slot_entries
from computegov.attest.tpm_activation import make_challenge
from computegov.attest.tpm_software import SoftwareTpm
from computegov.attest.trust import Challenger, TrustList
from computegov.ledger.attestation import check_attestation
from computegov.ledger.report import load_report
from computegov.ledger.signing import Signer, load_private_key, public_key_hex

TPM = SoftwareTpm.create()
CHALLENGER = Signer.generate()
TRUST = TrustList(tpm_ek_cas=(TPM.ca_cert,), challengers=(Challenger("a", public_key_hex(CHALLENGER.public_key)),))
PROOF = TPM.activate(make_challenge(TPM.activation_request(), CHALLENGER, "a", TRUST))


def _statement(run: Any, *entries: tuple[str, Any]) -> dict[str, Any]:
    signer = load_private_key(run.private_key)
    for kind, evidence in entries:
        attach_evidence(run.report, kind, evidence, signer)
    return load_report(run.report).statement


def test_a_list_slot_passes_only_when_every_entry_passes(run: Any) -> None:
    head = ledger_head(load_report(run.report))
    good, trust = TPM.evidence(head, PROOF), TRUST
    failed = check_attestation(_statement(run, ("tpm2-quote", TPM.evidence(b"\x09" * 32, PROOF))),
                               checkers_for(trust))
    assert failed.ok is False and "not bound" in failed.detail
    assert check_attestation(_statement(run, ("tpm2-quote", good)), checkers_for(trust)).ok is True
    statement = _statement(run, ("tpm2-quote", good), ("vendor-x", {"opaque": True}))
    assert [e["type"] for e in slot_entries(statement["predicate"])] == ["tpm2-quote", "vendor-x"]
    mixed = check_attestation(statement, checkers_for(trust))
    assert mixed.ok is not True and "vendor-x" in str(mixed.type)  # an unchecked entry never passes


def test_adding_evidence_of_the_same_type_replaces_it(run: Any) -> None:
    head = ledger_head(load_report(run.report))
    statement = _statement(run, ("tpm2-quote", TPM.evidence(b"\x09" * 32, PROOF)),
                           ("tpm2-quote", TPM.evidence(head, PROOF)))
    slot = statement["predicate"]["attestation"]
    assert isinstance(slot, dict) and slot["type"] == "tpm2-quote"


def test_only_the_reports_signer_may_add_evidence(run: Any) -> None:
    import pytest

    from computegov.errors import InputError

    with pytest.raises(InputError, match="not the report's signer"):
        attach_evidence(run.report, "tpm2-quote", {}, Signer.generate())
