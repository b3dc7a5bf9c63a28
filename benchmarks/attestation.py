"""Attestation benchmarks: how fast evidence is verified, against naive baselines in one process.

1. TPM quotes verified per second (``TpmQuoteChecker``: parse TPMS_ATTEST, ECDSA P-256 verify,
   PCR digest, ledger binding, AK public area, EK certificate chain, credential-activation
   statement), against bare ECDSA P-256 verifications per second (the floor: the ratio is the
   checker's overhead); and the verifier's TPM2_MakeCredential (RSA 2048 EK) per second.
2. Location decisions per second for site claims: the closed-form decision
   (``computegov.attest.geo.decide_site``) against a naive grid search of the certified region
   (every 0.1° point inside all disks tested against the site), and the whole signed check
   (``LocationChecker``: two Ed25519 verifications per measurement, then the decision).
3. Country decisions per second (Natural Earth 1:50m borders with shapely; needs the ``attest``
   extra, skipped with a one-line reason otherwise).

Run: ``python benchmarks/attestation.py [--quick] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from computegov.attest.geo import (
    Disk,
    decide_site,
    great_circle_km,
    max_distance_km,
    rtt_for_distance_s,
)
from computegov.attest.location_checker import LocationChecker
from computegov.attest.location_protocol import (
    Ed25519Prover,
    LandmarkStation,
    SimulatedLink,
    run_session,
)
from computegov.attest.tpm_activation import make_challenge
from computegov.attest.tpm_checker import TpmQuoteChecker
from computegov.attest.tpm_credential import make_credential
from computegov.attest.tpm_public import parse_public
from computegov.attest.tpm_software import SoftwareTpm
from computegov.attest.trust import Challenger, TrustList, parse_trust
from computegov.ledger.signing import Signer, public_key_hex

HEAD = bytes(range(32))
STATEMENT_BASE: dict[str, Any] = {"predicate": {"ledger": {"head_hash": HEAD.hex()}}}


def _rate(fn: Any, seconds: float) -> tuple[float, int]:
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn()
        n += 1
    return n / (time.perf_counter() - t0), n


def bench_quotes(seconds: float) -> dict[str, Any]:
    tpm, challenger = SoftwareTpm.create(), Signer.generate()
    trust = TrustList(tpm_ek_cas=(tpm.ca_cert,),
                      challengers=(Challenger("auditor", public_key_hex(challenger.public_key)),))
    proof = tpm.activate(make_challenge(tpm.activation_request(), challenger, "auditor", trust))
    evidence = tpm.evidence(HEAD, proof)
    ak = tpm.ak
    checker = TpmQuoteChecker(trust)
    assert checker.check(evidence, STATEMENT_BASE).ok
    import base64

    quote = base64.b64decode(evidence["quote"])
    sig = base64.b64decode(evidence["signature"]["value"])
    pub = ak.public_key()
    checked, n = _rate(lambda: checker.check(evidence, STATEMENT_BASE), seconds)
    bare, m = _rate(lambda: pub.verify(sig, quote, ec.ECDSA(hashes.SHA256())), seconds)
    ek, name = tpm.ek_cert.public_key(), parse_public(tpm.ak_public_area).name
    made, k = _rate(lambda: make_credential(ek, name, b"s" * 32), seconds)
    return {"quotes_verified_per_s": checked, "bare_ecdsa_verifies_per_s": bare,
            "checker_vs_bare_ratio": checked / bare, "make_credentials_per_s": made, "runs": [n, m, k]}


def _naive_grid_decide(disks: list[Disk], lat: float, lon: float, radius_km: float, step_deg: float = 0.1) -> str:
    """Baseline: sample the smallest disk's bounding box on a grid; classify the points in all disks."""
    k = min(disks, key=lambda d: d.radius_km)
    dlat = k.radius_km / 111.2 + step_deg
    dlon = dlat / max(0.05, math.cos(math.radians(k.lat_deg)))
    inside = outside = 0
    la = k.lat_deg - dlat
    while la <= k.lat_deg + dlat:
        lo = k.lon_deg - dlon
        while lo <= k.lon_deg + dlon:
            if all(d.contains(la, lo) for d in disks):
                if great_circle_km(lat, lon, la, lo) <= radius_km:
                    inside += 1
                else:
                    outside += 1
            lo += step_deg
        la += step_deg
    if inside and not outside:
        return "consistent"
    return "inconsistent" if outside and not inside else "undecidable"


def _scenario() -> tuple[list[Disk], tuple[float, float, float]]:
    stations = [("sin", 1.35, 103.82), ("kul", 3.14, 101.69), ("hkg", 22.32, 114.17), ("bkk", 13.75, 100.5)]
    chip = (1.29, 103.85)
    disks = [Disk(n, la, lo, max_distance_km(rtt_for_distance_s(great_circle_km(la, lo, *chip)) + 1e-4))
             for n, la, lo in stations]
    return disks, (1.29, 103.85, 40.0)


def bench_location(seconds: float) -> dict[str, Any]:
    disks, (lat, lon, r) = _scenario()
    closed = decide_site(disks, lat, lon, r).outcome
    naive = _naive_grid_decide(disks, lat, lon, r)
    fast, n = _rate(lambda: decide_site(disks, lat, lon, r), seconds)
    slow, m = _rate(lambda: _naive_grid_decide(disks, lat, lon, r), seconds)
    signer = Signer.generate()
    stations = [LandmarkStation(d.landmark, d.lat_deg, d.lon_deg) for d in disks]
    prover = Ed25519Prover(signer)
    link = SimulatedLink(1.29, 103.85, prover, added_delay_s=1e-4)
    for s in stations:
        s.clock = link.clock
    ev = run_session(stations, HEAD, prover, {s.name: link.transport_to(s) for s in stations},
                     {"site": {"lat": lat, "lon": lon, "radius_km": r}})
    trust = parse_trust({"landmarks": [s.trust_entry() for s in stations]})
    statement = {"predicate": {"ledger": {"head_hash": HEAD.hex()},
                               "signer": {"public_key_pem": signer.public_pem()}}}
    checker = LocationChecker(trust)
    result = checker.check(ev, statement)
    assert result.ok, result.detail
    full, k = _rate(lambda: checker.check(ev, statement), seconds)
    return {"closed_form_decisions_per_s": fast, "naive_grid_decisions_per_s": slow,
            "closed_form_vs_naive_ratio": fast / slow, "verdicts_agree": closed == naive,
            "verdict": closed, "signed_checks_per_s": full, "landmarks": len(disks),
            "prover_key": public_key_hex(signer.public_key)[:16], "runs": [n, m, k]}


def bench_country(seconds: float) -> dict[str, Any]:
    try:
        import shapely  # noqa: F401
    except ModuleNotFoundError as err:
        return {"skipped": f"country decisions need the attest extra ({err.name} missing)"}
    from computegov.attest.borders import country_shapes, decide_country

    t0 = time.perf_counter()
    country_shapes()
    load_s = time.perf_counter() - t0
    disks = [Disk("ctu", 30.66, 104.06, 100.0), Disk("ckg", 29.56, 106.55, 300.0)]  # Chengdu, Chongqing
    rate, n = _rate(lambda: decide_country(disks, "CHN"), seconds)
    return {"country_decisions_per_s": rate, "borders_load_s": load_s,
            "verdict": decide_country(disks, "CHN").outcome, "runs": n}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="0.3 s per measurement instead of 2 s")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    seconds = 0.3 if args.quick else 2.0
    out = {"quotes": bench_quotes(seconds), "location": bench_location(seconds),
           "country": bench_country(seconds)}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    q, loc, c = out["quotes"], out["location"], out["country"]
    print(f"TPM quotes verified: {q['quotes_verified_per_s']:,.0f}/s "
          f"(bare ECDSA P-256 verify {q['bare_ecdsa_verifies_per_s']:,.0f}/s; checker/bare "
          f"{q['checker_vs_bare_ratio']:.2f}); MakeCredential (RSA 2048 EK) "
          f"{q['make_credentials_per_s']:,.0f}/s")
    print(f"location site decisions: {loc['closed_form_decisions_per_s']:,.0f}/s closed form vs "
          f"{loc['naive_grid_decisions_per_s']:,.1f}/s naive 0.1° grid "
          f"(x{loc['closed_form_vs_naive_ratio']:,.0f}; verdicts agree: {loc['verdicts_agree']})")
    print(f"signed location checks ({loc['landmarks']} landmarks, 2 Ed25519 verifies each): "
          f"{loc['signed_checks_per_s']:,.0f}/s")
    if "skipped" in c:
        print(f"country decisions: skipped: {c['skipped']}")
    else:
        print(f"country decisions (Natural Earth 1:50m, shapely): {c['country_decisions_per_s']:,.0f}/s "
              f"(borders loaded in {c['borders_load_s']:.2f} s; verdict {c['verdict']})")


if __name__ == "__main__":
    main()
