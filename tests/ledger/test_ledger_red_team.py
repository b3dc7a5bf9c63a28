"""Red team: a dishonest lab with its own real signing key tries to get VERIFIED (exit 0).

Each test is one attack, forged with the run's *real* key (so signatures, hashes and links hold)
through :class:`test_ledger_dishonest.Lab`; it asserts the attack fails (exit code != 0). An
attack that still succeeds is marked ``xfail(strict=True)`` with the hole named in its reason,
so the test turns red the moment the hole is closed (and the mark must go).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from test_ledger_dishonest import Lab, Variant, _measurements

from computegov.ledger.report import parse_report, sign_statement

#: The verifier's catalogue peak is used (no verifier-supplied peak) in the catalogue attacks.
NO_PEAK: dict[str, Any] = {"peak_flop_per_s": None, "catalog": None}


@pytest.fixture()
def lab(demo_run_master: Any, forger_cls: Any) -> Lab:
    return Lab(demo_run_master, forger_cls)


def _verdict(lab: Lab, ledger: bytes, report: bytes, **kwargs: Any) -> Any:
    return lab.verify(Variant("red team", "", ledger, report, kwargs))


def _assert_refused(verdict: Any) -> None:
    assert verdict.exit_code != 0, [c.to_dict() for c in verdict.checks if c.status != "skip"]


def _meta(**fields: Any) -> Callable[[list[dict]], None]:
    def mutate(bodies: list[dict]) -> None:
        md = bodies[0]["data"]["metadata"]
        for k, v in fields.items():
            md[k] = v

    return mutate


def _all_intervals(fn: Callable[[dict], None], then: Callable[[list[dict]], None] | None = None
                   ) -> Callable[[list[dict]], None]:
    def mutate(bodies: list[dict]) -> None:
        if then is not None:
            then(bodies)
        for b in _measurements(bodies):
            fn(b["data"]["interval"])

    return mutate


def _span(iv: dict) -> float:
    return float(iv["time_end_unix_s"] - iv["time_start_unix_s"])


def test_the_honest_run_verifies_here(lab: Lab) -> None:
    ledger, report = lab.forge()
    v = _verdict(lab, ledger, report)
    assert v.exit_code == 0, [c.to_dict() for c in v.failed]


# -- numbers in the totals (report only, or ledger and report together) ----------------------

BAD_NUMBERS = ["1e30", -0.0, 1e308, -1.0, True, None, [1.0], {"v": 1.0}]


@pytest.mark.parametrize("value", BAD_NUMBERS, ids=lambda v: ascii(v)[:20])
@pytest.mark.parametrize("field", ["flop", "duration_s", "chip_hours", "energy_j", "tokens", "steps"])
def test_a_bad_number_in_the_report_totals_is_refused(lab: Lab, field: str, value: Any) -> None:
    if parse_report(lab.honest_report).statement["predicate"]["totals"].get(field) == value:
        pytest.skip("the honest report already holds this value")
    ledger, report = lab.forge(edit=lambda st: st["predicate"]["totals"].__setitem__(field, value))
    _assert_refused(_verdict(lab, ledger, report))


@pytest.mark.parametrize("field", ["flop", "duration_s", "steps"])
def test_a_huge_integer_in_the_report_totals_gives_a_verdict(lab: Lab, field: str) -> None:
    ledger, report = lab.forge(edit=lambda st: st["predicate"]["totals"].__setitem__(field, 10**400))
    _assert_refused(_verdict(lab, ledger, report))


def test_a_huge_integer_flop_in_a_ledger_record_gives_a_verdict(lab: Lab) -> None:
    import re

    k = next(i for i, b in enumerate(lab.bodies) if b["kind"] == "measurement")

    def big(body: bytes) -> bytes:
        return re.sub(rb'"flop":[0-9.e+-]+', b'"flop":1' + b"0" * 400, body, count=1)

    try:
        ledger, report = lab.forge(raw={k: big})
    except OverflowError:  # the forger's own totals cannot sum it: rebuild the report only
        pytest.skip("the forger cannot sum 10**400")
    _assert_refused(_verdict(lab, ledger, report))


@pytest.mark.parametrize("value", [1e308, "1e3", -1.0], ids=lambda v: ascii(v)[:20])
def test_a_bad_interval_flop_signed_into_the_ledger_is_refused(lab: Lab, value: Any) -> None:
    def mutate(bodies: list[dict]) -> None:
        _measurements(bodies)[1]["data"]["interval"]["flop"] = value

    ledger, report = lab.forge(mutate)
    _assert_refused(_verdict(lab, ledger, report))


@pytest.mark.parametrize("field,value", [("energy_j", 1e20), ("tokens", 1e30), ("samples", 7),
                                         ("chip_hours", 1e9), ("intervals", 99), ("steps", 10**6)])
def test_report_totals_that_disagree_with_the_ledger_in_any_field_are_refused(
        lab: Lab, field: str, value: Any) -> None:
    ledger, report = lab.forge(edit=lambda st: st["predicate"]["totals"].__setitem__(field, value))
    _assert_refused(_verdict(lab, ledger, report))


def test_an_extra_totals_field_in_the_report_only_is_refused(lab: Lab) -> None:
    ledger, report = lab.forge(edit=lambda st: st["predicate"]["totals"].__setitem__("flop_fp8", 1e30))
    _assert_refused(_verdict(lab, ledger, report))


# -- interval durations under another name: the bound chips x peak x seconds ----------------


def test_a_huge_duration_s_beside_honest_seconds_cannot_lift_the_peak_bound(lab: Lab) -> None:
    def fn(iv: dict) -> None:
        iv["duration_s"] = iv["seconds"] * 1e6
        iv["flop"] *= 1e6

    ledger, report = lab.forge(_all_intervals(fn, _meta(parameters=None)))
    _assert_refused(_verdict(lab, ledger, report))


@pytest.mark.parametrize("key", ["elapsed_s", "wall_s"])
def test_a_duration_under_another_name_is_checked_against_the_wall_span(lab: Lab, key: str) -> None:
    def fn(iv: dict) -> None:
        iv[key] = iv.pop("seconds") * 1e6
        iv["flop"] *= 1e6

    ledger, report = lab.forge(_all_intervals(fn, _meta(parameters=None)))
    _assert_refused(_verdict(lab, ledger, report))


def test_intervals_overlapping_in_wall_time_cannot_double_count_seconds(lab: Lab) -> None:
    def mutate(bodies: list[dict]) -> None:
        ms = _measurements(bodies)
        t0 = ms[0]["data"]["interval"]["time_start_unix_s"]
        for b in ms:
            iv = b["data"]["interval"]
            iv["time_start_unix_s"] = t0  # every interval claims the whole run so far
            iv["seconds"] = _span(iv)
            iv["flop"] *= 4

    ledger, report = lab.forge(mutate)
    _assert_refused(_verdict(lab, ledger, report))


# -- the verifier's catalogue: chip names, precision, chip count -----------------------------


def _on_chip(chip: str, precision: str | None, flop_factor_of_bf16: float,
             chip_count: int = 1) -> Callable[[list[dict]], None]:
    """The run declared on ``chip`` with FLOP = factor x the H100 bf16 bound per interval."""
    bf16 = 989.4e12 if "h100" in chip.lower() or "H100" in chip else 312e12

    def mutate(bodies: list[dict]) -> None:
        md = bodies[0]["data"]["metadata"]
        hw = {**md["hardware"], "chip": chip, "chip_count": chip_count}
        if precision is None:
            hw.pop("precision", None)
        else:
            hw["precision"] = precision
        md["hardware"] = hw
        md.pop("parameters", None)
        for b in _measurements(bodies):
            iv = b["data"]["interval"]
            iv["flop"] = flop_factor_of_bf16 * bf16 * iv["seconds"] * chip_count

    return mutate


def test_bf16_flop_at_half_the_h100_bf16_peak_verifies(lab: Lab) -> None:
    """Control: the catalogue attacks below differ from an accepted claim only in the attack."""
    ledger, report = lab.forge(_on_chip("NVIDIA H100 SXM5 80GB", "bf16", 0.5))
    v = _verdict(lab, ledger, report, **NO_PEAK)
    assert v.exit_code == 0, [c.to_dict() for c in v.failed]


@pytest.mark.parametrize("name", ["h100 sxm ", "H100", "  NVIDIA  h100\t", "H100 SXM5 80 GB"])
def test_chip_name_spellings_do_not_lift_the_bound(lab: Lab, name: str) -> None:
    ledger, report = lab.forge(_on_chip(name, "bf16", 1.5))
    _assert_refused(_verdict(lab, ledger, report, **NO_PEAK))


def test_a_name_matching_several_chips_is_not_verified(lab: Lab) -> None:
    ledger, report = lab.forge(_on_chip("NVIDIA", "bf16", 0.5))
    _assert_refused(_verdict(lab, ledger, report, **NO_PEAK))


@pytest.mark.parametrize("precision", ["int8", "INT8", " int8"])
def test_an_integer_precision_does_not_bound_flop(lab: Lab, precision: str) -> None:
    ledger, report = lab.forge(_on_chip("A100 SXM4 80 GB", precision, 1.9))
    _assert_refused(_verdict(lab, ledger, report, **NO_PEAK))


def test_fp8_declared_on_a_chip_without_fp8_is_bounded_by_its_float_peak(lab: Lab) -> None:
    ledger, report = lab.forge(_on_chip("A100 SXM4 80 GB", "fp8", 1.9))
    _assert_refused(_verdict(lab, ledger, report, **NO_PEAK))


@pytest.mark.parametrize("precision", ["fp8 ", "FP-8", "float8_e4m3fn", "bogus", ""])
def test_precision_spellings_do_not_exceed_the_best_float_peak(lab: Lab, precision: str) -> None:
    ledger, report = lab.forge(_on_chip("H100", precision, 2.5))  # > fp8 peak (2 x bf16)
    _assert_refused(_verdict(lab, ledger, report, **NO_PEAK))


@pytest.mark.parametrize("chips", [0, -8, 8.0, "8", True, 10**30])
def test_a_chip_count_that_is_not_a_whole_number_is_refused(lab: Lab, chips: Any) -> None:
    def mutate(bodies: list[dict]) -> None:
        _on_chip("H100", "bf16", 0.5)(bodies)
        bodies[0]["data"]["metadata"]["hardware"]["chip_count"] = chips
        for b in _measurements(bodies):
            b["data"]["interval"]["flop"] *= 1e6

    ledger, report = lab.forge(mutate)
    _assert_refused(_verdict(lab, ledger, report, **NO_PEAK))


def test_report_hardware_differing_from_the_ledger_is_refused(lab: Lab) -> None:
    def edit(st: dict) -> None:
        st["predicate"]["hardware"] = {**st["predicate"]["hardware"], "chip_count": 1000}

    ledger, report = lab.forge(_on_chip("H100", "bf16", 0.5), edit)
    _assert_refused(_verdict(lab, ledger, report, **NO_PEAK))


def test_unknown_chip_with_a_verifier_peak_still_bounds_flop(lab: Lab) -> None:
    def mutate(bodies: list[dict]) -> None:
        bodies[0]["data"]["metadata"]["hardware"]["chip"] = "Totally New Chip 9000"
        bodies[0]["data"]["metadata"]["hardware"]["precision"] = "fp4"
        bodies[0]["data"]["metadata"].pop("parameters", None)
        for b in _measurements(bodies):
            iv = b["data"]["interval"]
            iv["flop"] = 1.2e12 * iv["seconds"]  # just over the verifier's 1e12 peak (+5 %)

    ledger, report = lab.forge(mutate)
    _assert_refused(_verdict(lab, ledger, report))


# -- end records, records after the end, checkpoint lists ------------------------------------


def test_two_end_records_are_refused(lab: Lab) -> None:
    def mutate(bodies: list[dict]) -> None:
        end = next(b for b in bodies if b["kind"] == "end")
        bodies.append(json.loads(json.dumps(end)))

    ledger, report = lab.forge(mutate)
    _assert_refused(_verdict(lab, ledger, report))


def test_a_measurement_after_the_end_is_refused(lab: Lab) -> None:
    def mutate(bodies: list[dict]) -> None:
        extra = json.loads(json.dumps(_measurements(bodies)[-1]))
        extra["time_unix_s"] = bodies[-1]["time_unix_s"] + 0.001
        bodies.append(extra)

    ledger, report = lab.forge(mutate)
    _assert_refused(_verdict(lab, ledger, report))


@pytest.mark.parametrize("how", ["drop last", "drop first", "reverse", "duplicate", "other digest"])
def test_a_report_checkpoint_list_differing_from_the_ledger_is_refused(lab: Lab, how: str) -> None:
    def edit(st: dict) -> None:
        c = st["predicate"]["checkpoints"]
        if how == "drop last":
            c.pop()
        elif how == "drop first":
            c.pop(0)
        elif how == "reverse":
            c.reverse()
        elif how == "duplicate":
            c.append(c[-1])
        else:
            c[0] = {**c[0], "sha256": "00" * 32}

    ledger, report = lab.forge(edit=edit)
    _assert_refused(_verdict(lab, ledger, report))


# -- the DSSE envelope ---------------------------------------------------------------------


def _env(report: bytes) -> dict:
    return json.loads(report)


def _bytes(env: dict) -> bytes:
    return json.dumps(env, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def test_a_garbage_signature_under_the_trusted_keyid_beside_the_real_one_is_refused(lab: Lab) -> None:
    ledger, report = lab.forge()
    env = _env(report)
    real = env["signatures"][0]
    env["signatures"] = [real, {"keyid": real["keyid"], "sig": base64.b64encode(b"\0" * 64).decode()}]
    _assert_refused(_verdict(lab, ledger, _bytes(env)))


def test_a_real_signature_under_another_keyid_is_refused(lab: Lab) -> None:
    ledger, report = lab.forge()
    env = _env(report)
    env["signatures"][0]["keyid"] = "ab" * 32
    _assert_refused(_verdict(lab, ledger, _bytes(env)))


@pytest.mark.parametrize("ptype", ["application/vnd.in-toto+json ", "APPLICATION/VND.IN-TOTO+JSON",
                                   "application/vnd.in-toto+json; charset=utf-8", ""])
def test_payload_type_variants_are_refused(lab: Lab, ptype: str) -> None:
    ledger, report = lab.forge()
    env = _env(report)
    env["payloadType"] = ptype
    _assert_refused(_verdict(lab, ledger, _bytes(env)))


@pytest.mark.parametrize("how", ["newline", "space", "urlsafe", "no padding", "extra padding"])
def test_non_canonical_base64_payloads_are_refused(lab: Lab, how: str) -> None:
    ledger, report = lab.forge()
    env = _env(report)
    p = env["payload"]
    raw = base64.b64decode(p)
    if how == "newline":
        p = p[:40] + "\n" + p[40:]
    elif how == "space":
        p = p[:40] + " " + p[40:]
    elif how == "urlsafe":
        p = base64.urlsafe_b64encode(raw).decode()
        if p == env["payload"]:
            pytest.skip("payload has no +/ characters")
    elif how == "no padding":
        p = p.rstrip("=")
        if p == env["payload"]:
            pytest.skip("payload has no padding")
    else:
        p += "=="
    env["payload"] = p
    _assert_refused(_verdict(lab, ledger, _bytes(env)))


def test_duplicate_keys_in_the_signed_payload_are_refused(lab: Lab) -> None:
    ledger, report = lab.forge()
    st = parse_report(report).statement
    honest_totals = json.dumps(st["predicate"]["totals"], sort_keys=True, separators=(",", ":"))
    small = json.dumps({**st["predicate"]["totals"], "flop": 1.0}, sort_keys=True, separators=(",", ":"))
    payload = json.dumps(st, sort_keys=True, separators=(",", ":"))
    payload = payload.replace('"totals":' + honest_totals, '"totals":' + small + ',"totals":' + honest_totals)
    assert payload.count('"totals":') == 2
    from computegov.ledger.report import PAYLOAD_TYPE
    forged = _sign_raw(lab, payload.encode(), PAYLOAD_TYPE)
    _assert_refused(_verdict(lab, ledger, forged))


def _sign_raw(lab: Lab, payload: bytes, payload_type: str) -> bytes:
    from computegov.ledger.signing import pae

    signer = lab.forger_cls(lab.run).signer
    sig = signer.sign(pae(payload_type, payload))
    env = {"payloadType": payload_type, "payload": base64.b64encode(payload).decode(),
           "signatures": [{"keyid": signer.keyid, "sig": base64.b64encode(sig).decode()}]}
    return _bytes(env)


def test_nan_and_infinity_in_the_signed_payload_are_refused(lab: Lab) -> None:
    ledger, report = lab.forge()
    st = parse_report(report).statement
    st["predicate"]["totals"]["energy_j"] = float("nan")
    from computegov.ledger.report import PAYLOAD_TYPE

    forged = _sign_raw(lab, json.dumps(st, sort_keys=True, separators=(",", ":")).encode(), PAYLOAD_TYPE)
    _assert_refused(_verdict(lab, ledger, forged))


# -- when: key registration --------------------------------------------------------------------


def test_a_report_created_after_registration_but_run_before_is_refused(lab: Lab) -> None:
    first = lab.bodies[0]["time_unix_s"]
    ledger, report = lab.forge()
    _assert_refused(_verdict(lab, ledger, report, key_registered_unix_s=first + 600.0))


def test_a_run_backdated_to_before_the_key_existed_then_redated_is_refused(lab: Lab) -> None:
    """Shift every record an hour back (the run 'started' before registration)."""
    def mutate(bodies: list[dict]) -> None:
        for b in bodies:
            b["time_unix_s"] -= 3600
            iv = b["data"].get("interval")
            if isinstance(iv, dict):
                iv["time_start_unix_s"] -= 3600
                iv["time_end_unix_s"] -= 3600

    ledger, report = lab.forge(mutate)
    _assert_refused(_verdict(lab, ledger, report, key_registered_unix_s=lab.meta_time - 60))


# -- evidence entries --------------------------------------------------------------------------

QUOTE = {"quote": "AAAA", "ak_sha256": "ab" * 32}
LOC = {"type": "location-rtt", "evidence": {"rtt_ms": [1.0]}}


@pytest.mark.parametrize("slot", [
    {"type": "tpm2\u2010quote", "evidence": QUOTE},           # U+2010 hyphen
    {"type": "tpm2\u2011quote", "evidence": QUOTE},           # U+2011 non-breaking hyphen
    {"type": "tpm2-quot\u0435", "evidence": QUOTE},           # Cyrillic e
    {"type": "tpm2-quote\u200b", "evidence": QUOTE},          # zero-width space
    {"type": "\ufefftpm2-quote", "evidence": QUOTE},          # BOM
    {"type": "ｔｐｍ2-quote", "evidence": QUOTE},                # full-width letters
    [LOC, {"type": "location-rtt\u00a0", "evidence": QUOTE}],
    [LOC, {**LOC, "extra": True}, {"type": "tpm2-quote", "evidence": QUOTE}],
    [{**LOC, "type": "tpm2-quote"}, LOC],
    [{"type": "tpm2-quote", "evidence": QUOTE, "skip": True}],
    [{"type": "tpm2-quote", "evidence": QUOTE, "status": "checked", "ok": True}],
    {"types": "tpm2-quote", "evidence": QUOTE},
], ids=lambda s: ascii(s)[:60])
def test_evidence_that_would_hide_a_failing_quote_is_refused(lab: Lab, slot: Any) -> None:
    ledger, report = lab.forge(edit=lambda st: st["predicate"].__setitem__("attestation", slot))
    _assert_refused(_verdict(lab, ledger, report))


def test_many_and_long_evidence_entries_are_answered_quickly(lab: Lab) -> None:
    slot = [LOC] * 20000 + [{"type": "x" * 100_000, "evidence": {"pad": "y" * 100_000}}]
    ledger, report = lab.forge(edit=lambda st: st["predicate"].__setitem__("attestation", slot))
    t0 = time.perf_counter()
    v = _verdict(lab, ledger, report)
    assert time.perf_counter() - t0 < 10
    _assert_refused(v)


# -- ledger bytes --------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["crlf", "bom", "trailing space", "no final newline", "blank line"])
def test_ledger_byte_variants_are_refused(lab: Lab, how: str) -> None:
    ledger, _ = lab.forge()
    if how == "crlf":
        ledger = ledger.replace(b"\n", b"\r\n")
    elif how == "bom":
        ledger = b"\xef\xbb\xbf" + ledger
    elif how == "trailing space":
        ledger = ledger.replace(b"\n", b" \n", 1)
    elif how == "no final newline":
        ledger = ledger[:-1]
    else:
        ledger = ledger.replace(b"\n", b"\n\n", 1)
    # the report is re-made for the altered bytes, so only the ledger's own format can refuse it
    report = lab.forger_cls(lab.run).report_bytes(ledger)
    _assert_refused(_verdict(lab, ledger, report))


def test_an_attacker_key_signing_a_copy_of_the_report_is_refused(lab: Lab) -> None:
    from computegov.ledger.signing import Signer

    ledger, report = lab.forge()
    st = parse_report(report).statement
    forged = sign_statement(st, Signer.generate()).to_bytes()
    _assert_refused(_verdict(lab, ledger, forged))


# -- ledger lines that say two things ----------------------------------------------------------


def test_a_ledger_body_with_a_duplicate_flop_key_is_refused(lab: Lab) -> None:
    import re

    k = next(i for i, b in enumerate(lab.bodies) if b["kind"] == "measurement")

    def dup(body: bytes) -> bytes:  # a small FLOP first, the summed one last
        return re.sub(rb'"flop":', b'"flop":1.0,"flop":', body, count=1)

    ledger, report = lab.forge(raw={k: dup})
    _assert_refused(_verdict(lab, ledger, report))


def test_a_ledger_line_with_an_extra_top_level_key_is_refused(lab: Lab) -> None:
    ledger, _ = lab.forge()
    lines = ledger.splitlines(keepends=True)
    lines[3] = lines[3].rstrip(b"}\n") + b',"note":"hidden"}\n'
    ledger = b"".join(lines)
    report = lab.forger_cls(lab.run).report_bytes(ledger)
    _assert_refused(_verdict(lab, ledger, report))


# -- the CLI, as an auditor runs it ---------------------------------------------------------------


def test_cli_verify_refuses_flop_above_the_float_peak_declared_as_int8(lab: Lab, tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from computegov.cli import app

    ledger, report = lab.forge(_on_chip("A100 SXM4 80 GB", "int8", 1.9))
    (tmp_path / "run.jsonl").write_bytes(ledger)
    rep = tmp_path / "run.report.json"
    rep.write_bytes(report)
    args = ["verify", str(rep), "--ledger", str(tmp_path / "run.jsonl"), "--key", str(lab.run.public_key),
            "--checkpoints", str(lab.run.dir), "--json"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code != 0, res.output[-2000:]


# -- who signed: the report and the ledger naming a key that did not sign them -------------------


def test_a_report_and_ledger_naming_another_labs_key_as_signer_are_refused(lab: Lab) -> None:
    """Signed with the lab's real key, but the predicate and the meta record name a rival's key."""
    from computegov.ledger.signing import Signer

    rival = Signer.generate()

    def mutate(bodies: list[dict]) -> None:
        bodies[0]["data"]["keyid"] = rival.keyid
        bodies[0]["data"]["public_key_pem"] = rival.public_pem()

    def edit(st: dict) -> None:
        st["predicate"]["signer"] = {"keyid": rival.keyid, "public_key_pem": rival.public_pem()}

    ledger, report = lab.forge(mutate, edit)
    _assert_refused(_verdict(lab, ledger, report))
