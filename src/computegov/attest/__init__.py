"""Hardware evidence for compute reports: producers and checkers.

* ``tpm2-quote`` — a TPM 2.0 quote whose qualifying data is the ledger's head hash
  (:mod:`.tpm_producer` asks a TPM or swtpm through tpm2-tools; :mod:`.tpm_checker` verifies it
  in pure Python with ``cryptography``).
* ``location-rtt`` — delay-based location evidence: landmarks time signed nonce round trips
  (:mod:`.location_protocol`); :mod:`.location_checker` turns round-trip times into distance
  bounds and decides whether the chip can be where it is claimed to be (:mod:`.geo`).

Both types go in the report's attestation slot (:mod:`computegov.ledger.attestation`) through
:func:`computegov.attest.slot.attach_evidence`. ``computegov verify --attest-trust FILE`` checks
them against the verifier's trust file (:mod:`.trust`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["checkers_for"]


def checkers_for(trust: Any) -> dict[str, Any]:
    """The attestation checkers of this package, configured with ``trust`` (a TrustList or None)."""
    from computegov.attest.location_checker import LocationChecker
    from computegov.attest.tpm_checker import TpmQuoteChecker

    return {"tpm2-quote": TpmQuoteChecker(trust), "location-rtt": LocationChecker(trust)}
