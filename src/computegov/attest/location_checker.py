"""Check ``location-rtt`` evidence: signed landmark round trips that bound where the chip is.

Each measurement must be signed by a landmark in the verifier's trust file (the landmark's
position is taken from the trust file, never from the evidence), carry this report's ledger
head, and hold the chip's answer to its nonce: an Ed25519 signature by the report's signing key
(the ledger key), or a TPM quote over the nonce by the AK of the report's own ``tpm2-quote``
evidence, which must be trusted. Then every RTT becomes a disk (:mod:`computegov.attest.geo`) and the claim is
decided: ``consistent`` passes; ``inconsistent`` and ``undecidable`` fail, with the landmark that
rules the claim out or the one that would decide it.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping
from typing import Any

from computegov.attest.geo import Disk, decide_site, max_distance_km
from computegov.attest.location_protocol import (
    EVIDENCE_FORMAT,
    measurement_message,
    nonce_for,
    verify_answer,
)
from computegov.attest.trust import TrustList
from computegov.ledger.attestation import AttestationResult

__all__ = ["TYPE", "LocationChecker", "decide_claim"]

TYPE = "location-rtt"


def _fail(why: str) -> AttestationResult:
    return AttestationResult("checked", False, TYPE, why)


def _verify_ed25519(key_hex: str, signature_b64: Any, message: bytes) -> bool:
    """Strict Ed25519 (small-order keys and R, S >= L refused), as for every key in the package."""
    from computegov.errors import SignatureError
    from computegov.ledger.signing import verify_signature

    try:
        verify_signature(bytes.fromhex(key_hex), base64.b64decode(str(signature_b64), validate=True), message)
    except (ValueError, binascii.Error, SignatureError):
        return False
    return True


def _signer_key_hex(statement: Mapping[str, Any]) -> str | None:
    from computegov.ledger.signing import load_public_key, public_key_hex

    signer = (statement.get("predicate") or {}).get("signer") or {}
    pem = signer.get("public_key_pem") if isinstance(signer, Mapping) else None
    try:
        return public_key_hex(load_public_key(str(pem))) if pem else None
    except Exception:
        return None


def _same_ak(pem: str, fingerprint: str) -> bool:
    from computegov.attest.tpm_checker import ak_fingerprint

    try:
        return ak_fingerprint(pem) == fingerprint
    except ValueError:
        return False


def decide_claim(disks: list[Disk], claim: Any) -> tuple[str, str]:
    """(outcome, detail) for a ``site`` or ``country`` claim; country needs the ``attest`` extra."""
    if not isinstance(claim, Mapping):
        return "undecidable", "the evidence states no claim"
    site = claim.get("site")
    if isinstance(site, Mapping):
        try:
            lat, lon, radius = (float(site[k]) for k in ("lat", "lon", "radius_km"))
        except (KeyError, TypeError, ValueError):
            return "undecidable", "claim.site needs numeric lat, lon, radius_km"
        if not (abs(lat) <= 90 and abs(lon) <= 180 and radius >= 0):
            return "undecidable", "claim.site is out of range"
        d = decide_site(disks, lat, lon, radius)
        return d.outcome, d.detail
    if isinstance(claim.get("country"), str):
        from computegov.attest.borders import decide_country

        d = decide_country(disks, claim["country"])
        return d.outcome, d.detail
    return "undecidable", "claim must name a site {lat, lon, radius_km} or a country (ISO alpha-3)"


class LocationChecker:
    """Checker for ``location-rtt`` evidence (see the module docstring).

    Args:
        trust: the trusted landmarks; None trusts none, so every claim fails with that reason.
    """

    type = TYPE

    def __init__(self, trust: TrustList | None = None) -> None:
        self.trust = trust

    def _prover_problem(
        self, prover: Any, signer_key: str | None, statement: Mapping[str, Any]
    ) -> str | None:
        """None when the answering key is this report's chip key; otherwise why not.

        ``ed25519``: the report's own signing key. ``tpm2-ak``: the AK of the report's
        ``tpm2-quote`` evidence (the machine that quoted this ledger), and a trusted one.
        """
        if not isinstance(prover, Mapping):
            return "no prover identity"
        if prover.get("kind") == "ed25519":
            if signer_key is None or prover.get("public_key") != signer_key:
                return "the answer was not signed with the report's key"
            return None
        if prover.get("kind") == "tpm2-ak":
            from computegov.attest.slot import slot_entries
            from computegov.attest.tpm_checker import ak_fingerprint

            try:
                fp = ak_fingerprint(str(prover.get("ak_public_pem")))
            except ValueError:
                return "the TPM AK is not a PEM public key"
            pred = statement.get("predicate")
            quoted = [
                e.get("evidence") for e in slot_entries(dict(pred) if isinstance(pred, Mapping) else {})
                if e.get("type") == "tpm2-quote"
            ]
            pems = [q.get("ak_public_pem") for q in quoted if isinstance(q, Mapping)]
            if not any(isinstance(p, str) and _same_ak(p, fp) for p in pems):
                return "the answering TPM AK is not the AK of this report's tpm2-quote evidence"
            # That evidence's checker proves the AK lives in a certified TPM (EK chain and
            # credential activation); the slot passes only when it passes too.
            if self.trust is None:
                return f"the answering TPM AK {fp[:16]}... cannot be trusted: no trust list"
            if self.trust.tpm_ak_sha256 and fp not in self.trust.tpm_ak_sha256:
                return f"the answering TPM AK {fp[:16]}... is not in the trust list's AK pins"
            return None
        return f"unknown prover kind {prover.get('kind')!r}"

    def check(self, evidence: Any, statement: Mapping[str, Any]) -> AttestationResult:
        """Verify every measurement's signatures and binding, then decide the claim."""
        if not isinstance(evidence, Mapping) or evidence.get("format") != EVIDENCE_FORMAT:
            return _fail(f"evidence is not a {EVIDENCE_FORMAT} object")
        items = evidence.get("measurements")
        if not isinstance(items, list) or not items:
            return _fail("evidence holds no measurements")
        if self.trust is None or not self.trust.landmarks:
            return _fail("no landmark is trusted: pass a trust file with landmarks (--attest-trust)")
        ledger = (statement.get("predicate") or {}).get("ledger") or {}
        head = ledger.get("head_hash") if isinstance(ledger, Mapping) else None
        signer_key = _signer_key_hex(statement)
        if not isinstance(head, str) or len(head) != 64:
            return _fail("the report names no ledger head hash to bind the measurements to")
        disks: list[Disk] = []
        seen: set[str] = set()
        for i, m in enumerate(items):
            if not isinstance(m, Mapping):
                return _fail(f"measurement {i} is not an object")
            name = str(m.get("landmark"))
            lm = self.trust.landmark(name)
            if lm is None:
                return _fail(f"measurement {i}: landmark {name!r} is not in the trust list")
            if not _verify_ed25519(lm.public_key_hex, m.get("landmark_sig"), measurement_message(dict(m))):
                return _fail(f"measurement {i}: landmark {name}'s signature does not verify (forged or edited measurement)")
            if m.get("ledger_head") != head:
                return _fail(f"measurement {i} ({name}) is for another ledger (replayed from another run)")
            nonce = str(m.get("nonce"))
            if nonce in seen:
                return _fail(f"measurement {i} ({name}) repeats a nonce (replayed answer)")
            seen.add(nonce)
            why = self._prover_problem(m.get("prover"), signer_key, statement)
            if why is not None:
                return _fail(f"measurement {i} ({name}): {why}")
            try:
                nonce_bytes = bytes.fromhex(nonce)
                salt = bytes.fromhex(str(m.get("nonce_salt")))
                answer = base64.b64decode(str(m.get("answer")), validate=True)
            except (ValueError, binascii.Error):
                return _fail(f"measurement {i} ({name}): nonce, salt or answer is not encoded as hex/base64")
            if nonce_for(bytes.fromhex(str(head)), salt) != nonce_bytes:
                return _fail(f"measurement {i} ({name}): the nonce is not derived from this ledger head")
            why = verify_answer(m["prover"], nonce_bytes, answer)
            if why is not None:
                return _fail(f"measurement {i} ({name}): the prover's answer does not verify: {why}")
            rtt = m.get("rtt_s")
            if isinstance(rtt, bool) or not isinstance(rtt, int | float) or not math.isfinite(rtt) or rtt < 0:
                return _fail(f"measurement {i} ({name}): rtt_s must be a number >= 0, got {rtt!r}")
            disks.append(Disk(name, lm.lat_deg, lm.lon_deg, max_distance_km(float(rtt))))
        outcome, detail = decide_claim(disks, evidence.get("claim"))
        ok = outcome == "consistent"
        return AttestationResult("checked", ok, TYPE, f"{outcome}: {detail}")
