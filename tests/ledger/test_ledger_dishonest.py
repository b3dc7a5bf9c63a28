"""A dishonest lab holding its own real signing key cannot get VERIFIED (exit 0).

Every variant below is validly signed with the run's *real* key (or concerns the key itself), so
signatures, hashes and links all hold: only the checks that refuse weak keys, unknown evidence,
a missing trusted key, a ledger that disagrees with itself, or an implausible claim can catch
it. Classes (issue: strict keys, a closed set of evidence types, no trusted key no VERIFIED,
self-consistent ledgers, plausibility from the verifier's side):

* ``weak key``: small-order, non-canonical and mixed-order keys given as the trusted key, and
  malleated (S + L) report and head signatures;
* ``evidence type``: misspelt, unknown, duplicated and empty attestation entries;
* ``no trusted key``: honest and attacker-signed reports verified without ``--key``;
* ``inconsistent ledger``: interval seconds beyond their wall span, records dated in the future
  or before the key's registration, reports "created" before their last record, overlapping or
  gapped step ranges, checkpoints out of step, records after the end;
* ``implausible``: FLOP beyond chips x peak x seconds, far from 6ND, non-positive parameters,
  chips the verifier does not know.

The test prints how many variants were tried and how many exited 0 (it must be none); a
hypothesis property test adds generated inconsistent ledgers.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import copy
import json
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from computegov.errors import UnknownNameError
from computegov.ledger.attestation import AttestationResult
from computegov.ledger.report import parse_report, sign_statement
from computegov.ledger.signing import Signer
from computegov.ledger.timeline import SPAN_REL_TOLERANCE
from computegov.ledger.verify import verify_report

#: The verifier's peak for the demo's host CPU (an estimate; see conftest.DEMO_PEAK).
DEMO_PEAK = 1e12
#: L, the prime subgroup order (RFC 8032 section 5.1).
L = 2**252 + 27742317777372353535851937790883648493
YEAR_S = 365.25 * 86400
#: Small-order and non-canonical public keys (from the speccheck vectors and the curve's
#: 8-torsion: identity, the order-2 point p-1, the all-zero and all-ones encodings).
WEAK_KEYS = (
    "00" * 32,
    "ff" * 32,
    "01" + "00" * 31,
    "ec" + "ff" * 30 + "7f",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # small order
    "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",  # mixed order
    "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",  # mixed order
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  # non-canonical
)


class NoChips:
    """A verifier catalogue that knows no chip."""

    def get(self, name: str) -> Any:
        raise UnknownNameError(f"no chip named {name!r}", name=name)


class UntrustedQuote:
    """``tpm2-quote`` checker whose verdict is "untrusted attestation key" (always fails)."""

    type = "tpm2-quote"

    def check(self, evidence: Any, statement: Any) -> AttestationResult:
        return AttestationResult("checked", False, self.type, "attestation key is not trusted")


class GoodLocation:
    """``location-rtt`` checker that passes any non-empty evidence."""

    type = "location-rtt"

    def check(self, evidence: Any, statement: Any) -> AttestationResult:
        return AttestationResult("checked", True, self.type, "location holds")


CHECKERS = {"tpm2-quote": UntrustedQuote(), "location-rtt": GoodLocation()}


class Variant(collections.namedtuple("Variant", "cls label ledger report kwargs")):
    """One dishonest input: class, label, ledger bytes, report bytes, extra verify kwargs."""


class Lab:
    """The dishonest lab: the honest run's bodies, its real key, and a forger."""

    def __init__(self, run: Any, forger_cls: Any) -> None:
        self.run = run
        self.forger_cls = forger_cls
        self.honest_ledger = run.ledger.read_bytes()
        self.honest_report = run.report.read_bytes()
        self.bodies = [json.loads(x)["body"] for x in self.honest_ledger.splitlines()]
        self.meta_time = self.bodies[0]["time_unix_s"]

    def forge(
        self,
        mutate: Callable[[list[dict]], None] | None = None,
        edit: Callable[[dict], None] | None = None,
        raw: dict[int, Callable[[bytes], bytes]] | None = None,
    ) -> tuple[bytes, bytes]:
        """Ledger and report re-signed with the real key after ``mutate`` (bodies), ``edit``
        (report statement) and ``raw`` (body bytes) edits; totals recomputed."""
        forger = self.forger_cls(self.run)
        forger.bodies = copy.deepcopy(self.bodies)
        if mutate is not None:
            mutate(forger.bodies)
        meta = forger.bodies[0]["data"]["metadata"]
        chips = (meta.get("hardware") or {}).get("chip_count")
        ledger, forger.bodies = forger.forge_chain(
            forger.bodies, forger.signer, raw=raw,
            totals_chip_count=chips if type(chips) is int and chips > 0 else 1,
        )

        def sync(st: dict) -> None:  # the report's copy of the run metadata follows the ledger
            p = st["predicate"]
            p["hardware"] = meta.get("hardware") or {}
            p["run"] = {k: v for k, v in meta.items() if k not in ("hardware", "replay", "attestation")}
            p["claims"] = next(b for b in forger.bodies if b["kind"] == "end")["data"].get("summary")
            if edit is not None:
                edit(st)

        return ledger, forger.report_bytes(ledger, sync)

    def verify(self, v: Variant) -> Any:
        kwargs = {
            "public_key": self.run.public_key,
            "checkpoints_dir": self.run.dir,
            "catalog": NoChips(),
            "peak_flop_per_s": DEMO_PEAK,
            "checkers": CHECKERS,
            **v.kwargs,
        }
        return verify_report(v.report, v.ledger, **kwargs)


def _measurements(bodies: list[dict]) -> list[dict]:
    return [b for b in bodies if b["kind"] == "measurement"]


def _malleate(sig_b64: str) -> str:
    sig = base64.b64decode(sig_b64)
    s = int.from_bytes(sig[32:], "little") + L
    if s >= 2**256:  # pragma: no cover - only for S within L of 2^256
        s -= L
    return base64.b64encode(sig[:32] + s.to_bytes(32, "little")).decode()


# -- the variants, by class ---------------------------------------------------------------------


def weak_key_variants(lab: Lab) -> list[Variant]:
    out = []
    L0, R0 = lab.honest_ledger, lab.honest_report
    for hex_key in WEAK_KEYS:
        raw = bytes.fromhex(hex_key)
        forms: list[Any] = [hex_key]
        with contextlib.suppress(ValueError):  # OpenSSL itself refuses to encode some
            forms.append(
                Ed25519PublicKey.from_public_bytes(raw).public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )
        out += [Variant("weak key", f"trusted key {hex_key[:8]}...", L0, R0, {"public_key": f})
                for f in forms]
        # the report names the weak key as its signer; no trusted key given
        env = json.loads(R0)
        st = json.loads(base64.b64decode(env["payload"]))
        st["predicate"]["signer"]["public_key_pem"] = hex_key
        out.append(Variant("weak key", f"report names {hex_key[:8]}...", L0,
                           sign_statement(st, lab.forger_cls(lab.run).signer).to_bytes(),
                           {"public_key": None, "integrity_only": True}))
    env = json.loads(R0)
    env["signatures"][0]["sig"] = _malleate(env["signatures"][0]["sig"])
    out.append(Variant("weak key", "report signature S + L", L0,
                       json.dumps(env, sort_keys=True, separators=(",", ":")).encode() + b"\n", {}))
    heads = [i for i, b in enumerate(lab.bodies) if b["kind"] == "head"]
    for k in heads:
        def mall(body: bytes) -> bytes:
            from computegov.ledger.records import canonical_json

            o = json.loads(body)
            o["data"]["sig"] = _malleate(o["data"]["sig"])
            return canonical_json(o)

        ledger, report = lab.forge(raw={k: mall})
        out.append(Variant("weak key", f"head {k} signature S + L", ledger, report, {}))
    return out


SPELLINGS = ("TPM2-QUOTE", "tpm2_quote", "tpm2-quote ", " tpm2-quote", "Tpm2-Quote", "tpm2quote",
             "tpm2-quote\n", "tpm2\u2010quote", "tpm2-quote/v1", "magic", "")


def evidence_variants(lab: Lab) -> list[Variant]:
    quote = {"quote": "AAAA", "ak_sha256": "ab" * 32}
    loc = {"type": "location-rtt", "evidence": {"rtt_ms": [1.0]}}
    slots: list[tuple[str, Any]] = [("the failing quote itself", {"type": "tpm2-quote", "evidence": quote})]
    for s in SPELLINGS:
        slots.append((f"quote typed {s!r}", {"type": s, "evidence": quote}))
        slots.append((f"[quote typed {s!r}]", [{"type": s, "evidence": quote}]))
        slots.append((f"[location, quote typed {s!r}]", [loc, {"type": s, "evidence": quote}]))
    slots += [
        ("[location, {type: magic}]", [loc, {"type": "magic"}]),
        ("[location, location]", [loc, loc]),
        ("[]", []),
        ("{}", {}),
        ("[{}]", [{}]),
        ("[location, {}]", [loc, {}]),
        ("[None]", [None]),
        ("[location, None]", [loc, None]),
        ("location without evidence", {"type": "location-rtt"}),
        ("location with empty evidence", {"type": "location-rtt", "evidence": {}}),
        ("a string slot", "tpm2-quote"),
        ("false", False),
        ("0", 0),
        ("type is a number", {"type": 7, "evidence": quote}),
        ("type is a list", {"type": ["tpm2-quote"], "evidence": quote}),
    ]
    out = []
    for label, slot in slots:
        def edit(st: dict, slot: Any = slot) -> None:
            st["predicate"]["attestation"] = slot

        ledger, report = lab.forge(edit=edit)
        out.append(Variant("evidence type", label, ledger, report, {}))
    return out


def no_key_variants(lab: Lab) -> list[Variant]:
    attacker = Signer.generate()
    forger = lab.forger_cls(lab.run)
    ledger, _ = forger.forge_chain(copy.deepcopy(lab.bodies), attacker, rekey_meta=True,
                                   totals_chip_count=1)
    st = parse_report(lab.honest_report).statement
    st = json.loads(json.dumps(st))
    st["predicate"]["signer"] = {"keyid": attacker.keyid, "public_key_pem": attacker.public_pem()}
    import hashlib

    st["predicate"]["ledger"]["head_hash"] = hashlib.sha256(ledger.splitlines()[-1][8:-75]).hexdigest()
    for s in st["subject"]:
        if s["name"].startswith("ledger/"):
            s["digest"] = {"blake3": __import__("blake3").blake3(ledger).hexdigest(),
                           "sha256": hashlib.sha256(ledger).hexdigest()}
    attacker_report = sign_statement(st, attacker).to_bytes()
    return [
        Variant("no trusted key", "honest report, no --key", lab.honest_ledger, lab.honest_report,
                {"public_key": None}),
        Variant("no trusted key", "attacker-signed report, no --key", ledger, attacker_report,
                {"public_key": None}),
        Variant("no trusted key", "attacker-signed report, allow-missing checkpoints", ledger,
                attacker_report, {"public_key": None, "allow_missing": ("checkpoints",)}),
    ]


def _shift_from(k: int, dt: float) -> Callable[[list[dict]], None]:
    """Shift record k and every later one (and their intervals) by dt seconds."""

    def mutate(bodies: list[dict]) -> None:
        for b in bodies[k:]:
            b["time_unix_s"] += dt
            iv = b["data"].get("interval")
            if isinstance(iv, dict):
                iv["time_start_unix_s"] += dt
                iv["time_end_unix_s"] += dt

    return mutate


def _span(iv: dict) -> float:
    return float(iv["time_end_unix_s"] - iv["time_start_unix_s"])


def _set_interval(i: int, **fields: Any) -> Callable[[list[dict]], None]:
    def mutate(bodies: list[dict]) -> None:
        iv = _measurements(bodies)[i]["data"]["interval"]
        for key, value in fields.items():
            iv[key] = value(iv) if callable(value) else value

    return mutate


def inconsistent_variants(lab: Lab) -> list[Variant]:
    n_meas = len(_measurements(lab.bodies))
    last_t = lab.bodies[-1]["time_unix_s"]
    cases: list[tuple[str, Any, Any, dict]] = []
    for i in range(n_meas):
        # + 5 ms past the span's 1% allowance: 3 ms beyond the stated 1% + 2 ms, whatever the
        # span (a bare "x1 + 5 ms" is within 1% + 2 ms of a span over 0.3 s, which a loaded
        # machine's first interval can take)
        cases.extend(
            (f"interval {i} seconds = wall span x{f:g} + 5 ms",
             _set_interval(i, seconds=lambda iv, f=f: _span(iv) * f + 0.005), None, {})
            for f in (1.0 + SPAN_REL_TOLERANCE, 1.5, 10.0, 1e3, 1e6)
        )
        cases.append((f"interval {i} starts 100 s before the run",
                      _set_interval(i, time_start_unix_s=lab.meta_time - 100.0), None, {}))
        cases.append((f"interval {i} ends 10 s after its record",
                      _set_interval(i, time_end_unix_s=lambda iv: iv["time_end_unix_s"] + 10), None, {}))
        cases.append((f"interval {i} without a wall-clock span",
                      _set_interval(i, time_start_unix_s=None, time_end_unix_s=None), None, {}))
        cases.extend(
            (f"interval {i} step range shifted {d:+d}",
             _set_interval(i, step_first=lambda iv, d=d: iv["step_first"] + d,
                           step_last=lambda iv, d=d: iv["step_last"] + d), None, {})
            for d in (-1, 1, 5)
        )
        cases.append((f"interval {i} step range widened",
                      _set_interval(i, step_last=lambda iv: iv["step_last"] + 3), None, {}))
        cases.append((f"interval {i} counted_steps > steps",
                      _set_interval(i, counted_steps=lambda iv: iv["steps"] + 1), None, {}))
    for k in (1, 3, 20, 40, len(lab.bodies) - 2):
        cases.append((f"records {k}.. dated 1000 years ahead", _shift_from(k, 1000 * YEAR_S), None, {}))
        cases.append((f"records {k}.. dated 1 day ahead", _shift_from(k, 86400.0), None, {}))
    cases.append(("every record ~year 2976", _shift_from(0, 950 * YEAR_S),
                  lambda st: st["predicate"].__setitem__("created_unix_s", last_t + 950 * YEAR_S + 1), {}))
    for label, created in (("1970", 0.0), ("before the run", lab.meta_time - 1.0),
                           ("1 ms before the last record", last_t - 1e-3),
                           ("1000 years ahead", last_t + 1000 * YEAR_S), ("a string", "now")):
        cases.append((f"report created {label}", None,
                      lambda st, c=created: st["predicate"].__setitem__("created_unix_s", c), {}))
    cases.append(("run starts an hour before the key was registered", None, None,
                  {"key_registered_unix_s": lab.meta_time + 3600.0}))
    cases.append(("run starts a year before the key was registered", None, None,
                  {"key_registered_unix_s": lab.meta_time + YEAR_S}))

    def ckpt_step(j: int, step: int) -> Callable[[list[dict]], None]:
        def mutate(bodies: list[dict]) -> None:
            [b for b in bodies if b["kind"] == "checkpoint"][j]["data"]["step"] = step

        return mutate

    for j, step in ((2, 10), (2, 19), (1, 0), (3, 40), (4, 30)):
        cases.append((f"checkpoint {j} at step {step}", ckpt_step(j, step), None, {}))

    def drop_checkpoint(j: int) -> Callable[[list[dict]], None]:
        def mutate(bodies: list[dict]) -> None:
            k = [i for i, b in enumerate(bodies) if b["kind"] == "checkpoint"][j]
            del bodies[k]

        return mutate

    cases.extend(
        (f"checkpoint {j} removed (a segment longer than declared)", drop_checkpoint(j), None, {})
        for j in (0, 1, 2, 3, 4)
    )

    def end_early(bodies: list[dict]) -> None:
        e = next(i for i, b in enumerate(bodies) if b["kind"] == "end")
        m = max(i for i, b in enumerate(bodies) if b["kind"] == "measurement")
        end = bodies.pop(e)
        end["time_unix_s"] = bodies[m - 1]["time_unix_s"]
        bodies.insert(m, end)

    cases.append(("end record before the last measurement", end_early, None, {}))

    def batch_beyond(bodies: list[dict]) -> None:
        [b for b in bodies if b["kind"] == "batch"][-1]["data"]["step"] = 40

    cases.append(("batch digest for a step after the run", batch_beyond, None, {}))
    out = []
    for label, mutate, edit, kwargs in cases:
        ledger, report = lab.forge(mutate, edit)
        out.append(Variant("inconsistent ledger", label, ledger, report, kwargs))
    return out


def implausible_variants(lab: Lab) -> list[Variant]:
    def meta(**fields: Any) -> Callable[[list[dict]], None]:
        def mutate(bodies: list[dict]) -> None:
            md = bodies[0]["data"]["metadata"]
            for key, value in fields.items():
                if value is _DROP:
                    md.pop(key, None)
                else:
                    md[key] = value

        return mutate

    def flop_times(f: float, **meta_fields: Any) -> Callable[[list[dict]], None]:
        def mutate(bodies: list[dict]) -> None:
            meta(**meta_fields)(bodies)
            for b in _measurements(bodies):
                b["data"]["interval"]["flop"] *= f

        return mutate

    hw = lab.bodies[0]["data"]["metadata"]["hardware"]
    cases: list[tuple[str, Any, dict]] = []
    # x1e3 can still fit the generous CPU peak on a slow host, so the bound is tried from x1e5
    cases += [(f"FLOP x{f:g}, parameters dropped", flop_times(f, parameters=_DROP), {})
              for f in (1e5, 1e6, 1e12)]
    cases += [(f"FLOP x{f:g} against 6ND", flop_times(f), {}) for f in (3.0, 10.0, 0.3, 0.01)]
    cases += [(f"parameters {p!r}", meta(parameters=p), {}) for p in (0, -5256, 1e-30, "5256", True)]
    cases.append(("parameters 0 with 5.8e29 FLOP (the issue's case)",
                  flop_times(5.8e29 / 5.767e7, parameters=0), {}))
    cases.append(("unknown chip, no verifier peak", meta(hardware={**hw, "chip": "NoSuchChip"}),
                  {"peak_flop_per_s": None}))
    cases.append(("unknown chip, FLOP x1e6, no verifier peak",
                  flop_times(1e6, hardware={**hw, "chip": "NoSuchChip"}, parameters=_DROP),
                  {"peak_flop_per_s": None}))
    cases.append(("no chip named, no verifier peak", meta(hardware={"chip_count": 1}),
                  {"peak_flop_per_s": None}))
    cases.append(("chip count dropped", meta(hardware={"chip": hw["chip"]}), {}))
    cases.append(("chip count 0", meta(hardware={**hw, "chip_count": 0}), {}))
    out = []
    for label, mutate, kwargs in cases:
        ledger, report = lab.forge(mutate)
        out.append(Variant("implausible", label, ledger, report, kwargs))
    return out


_DROP = object()


# -- the campaign ---------------------------------------------------------------------------------


def test_honest_run_verifies_under_the_campaign_settings(demo_run_master, forger_cls) -> None:
    lab = Lab(demo_run_master, forger_cls)
    honest = lab.verify(Variant("honest", "as recorded", lab.honest_ledger, lab.honest_report, {}))
    assert honest.ok and honest.exit_code == 0, [c.to_dict() for c in honest.failed]
    ledger, report = lab.forge()  # re-signing an unchanged run changes nothing a check sees
    again = lab.verify(Variant("honest", "re-signed", ledger, report, {}))
    assert again.ok, [c.to_dict() for c in again.failed + again.unaccepted_missing]


#: Which checks may catch each class (the verdict must name at least one of them).
EXPECTED = {
    "weak key": {"key_trust", "report_signature", "ledger_signatures"},
    "evidence type": {"attestation"},
    "no trusted key": {"key_trust"},
    "inconsistent ledger": {"ledger_order", "ledger_times", "ledger_records"},
    "implausible": {"plausibility", "ledger_records", "report_values"},
}


def test_no_dishonest_variant_exits_0(demo_run_master, forger_cls) -> None:
    lab = Lab(demo_run_master, forger_cls)
    variants = (
        weak_key_variants(lab)
        + evidence_variants(lab)
        + no_key_variants(lab)
        + inconsistent_variants(lab)
        + implausible_variants(lab)
    )
    tried: collections.Counter = collections.Counter()
    exit0: collections.Counter = collections.Counter()
    caught_by: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    wrong = []
    for v in variants:
        verdict = lab.verify(v)
        tried[v.cls] += 1
        if verdict.exit_code == 0 and verdict.authenticated:
            exit0[v.cls] += 1
            wrong.append((v.cls, v.label))
            continue
        if verdict.exit_code == 0:  # integrity only: allowed to pass, never as authenticated
            assert not verdict.authenticated and v.kwargs.get("integrity_only")
            wrong.append((v.cls, f"{v.label} (integrity-only exit 0)"))
            continue
        named = {c.name for c in verdict.failed} | {c.name for c in verdict.unaccepted_missing}
        caught_by[v.cls].update(named)
        if not named & EXPECTED[v.cls]:
            wrong.append((v.cls, f"{v.label}: caught only by {sorted(named)}"))
    for cls in tried:
        print(f"{cls}: {tried[cls]} variants, {exit0[cls]} exit 0; caught by "
              f"{dict(caught_by[cls].most_common(4))}")
    print(f"dishonest-lab campaign: {sum(tried.values())} variants, {sum(exit0.values())} exit 0")
    assert not wrong, wrong
    assert sum(exit0.values()) == 0 and sum(tried.values()) >= 180


# -- property: generated, validly signed, internally inconsistent ledgers ----------------------

DEFECTS = ("seconds", "future", "created", "step_shift", "checkpoint", "flop", "params", "start")


@st.composite
def defects(draw: st.DrawFn) -> tuple[str, int, float]:
    kind = draw(st.sampled_from(DEFECTS))
    which = draw(st.integers(0, 3))
    size = draw(st.floats(min_value=0.0, max_value=1.0))
    return kind, which, size


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(defect=defects())
def test_generated_inconsistent_ledgers_never_verify(demo_run_master, forger_cls, defect) -> None:
    kind, which, size = defect
    lab = Lab(demo_run_master, forger_cls)
    last_t = lab.bodies[-1]["time_unix_s"]
    edit = None
    kwargs: dict[str, Any] = {}
    if kind == "seconds":  # seconds beyond the wall span: x(1.1 .. 1e6)
        f = 1.1 * (1e6 / 1.1) ** size
        mutate = _set_interval(which, seconds=lambda iv: _span(iv) * f + 0.005)
    elif kind == "future":  # some records dated 301 s .. 1000 years ahead of the verifier
        dt = 301.0 + (1000 * YEAR_S) * size
        k = 1 + int(size * (len(lab.bodies) - 2))
        mutate = _shift_from(k, dt)
    elif kind == "created":  # the report created before its last record (1 ms .. 56 years)
        mutate = None
        back = 1e-3 + (last_t * size)
        edit = lambda st: st["predicate"].__setitem__("created_unix_s", last_t - back)  # noqa: E731
    elif kind == "step_shift":  # a step range moved by a non-zero amount (overlap or gap)
        d = 1 + int(size * 30)
        d = d if which % 2 else -d
        mutate = _set_interval(which, step_first=lambda iv: iv["step_first"] + d,
                               step_last=lambda iv: iv["step_last"] + d)
    elif kind == "checkpoint":  # a checkpoint moved to a step it cannot be at
        step = [0, 10, 20, 30, 40][which]
        bad = step + (1 + int(size * 8)) * (-1 if which else 1)

        def mutate(bodies: list[dict]) -> None:
            [b for b in bodies if b["kind"] == "checkpoint"][which]["data"]["step"] = bad
    elif kind == "flop":  # FLOP inflated past chips x peak x seconds, parameters hidden
        f = 1e5 * (1e7 ** size)

        def mutate(bodies: list[dict]) -> None:
            bodies[0]["data"]["metadata"].pop("parameters", None)
            for b in _measurements(bodies):
                b["data"]["interval"]["flop"] *= f
    elif kind == "params":  # parameters zero or negative
        p = -size * 1e12

        def mutate(bodies: list[dict]) -> None:
            bodies[0]["data"]["metadata"]["parameters"] = p
    else:  # "start": an interval beginning before the run (1.5 s .. 1 year)
        back = 1.5 + YEAR_S * size
        mutate = _set_interval(which, time_start_unix_s=lab.meta_time - back)
    ledger, report = lab.forge(mutate, edit)
    verdict = lab.verify(Variant("generated", kind, ledger, report, kwargs))
    assert verdict.exit_code != 0, (kind, which, size, verdict.to_dict()["checks"])
    assert {c.name for c in verdict.failed} & {"ledger_times", "ledger_order", "plausibility",
                                                "ledger_records"}
