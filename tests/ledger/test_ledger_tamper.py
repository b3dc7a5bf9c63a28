"""Tamper campaign: >= 1,000 seeded random mutations of a real ledger + report, every one caught.

Mutations: byte flips (ledger and report), edited numbers (with and without re-hashing, and with
the whole chain re-hashed and re-signed by an attacker's key), deleted / duplicated / reordered
records, truncation (mid-line and at a line boundary), the report re-signed with another key,
a head record re-signed with another key, swapped / altered / missing checkpoint files.
"""

from __future__ import annotations

import base64
import collections
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from computegov.errors import UnknownNameError
from computegov.ledger.chain import head_message
from computegov.ledger.records import GENESIS_HASH, decode_line, encode_record
from computegov.ledger.report import parse_report, sign_statement
from computegov.ledger.signing import Signer, load_public_key
from computegov.ledger.verify import verify_report


class NoChips:
    """A catalogue stub that knows no chip (keeps plausibility off the bundled data)."""

    def get(self, name: str):
        raise UnknownNameError(f"no chip named {name!r}", name=name)


MUTATIONS = 1200


class Case:
    """The honest inputs and helpers to forge variants of them."""

    def __init__(self, run, tmp: Path) -> None:
        self.ledger = run.ledger.read_bytes()
        self.report = run.report.read_bytes()
        self.key = load_public_key(run.public_key)
        self.attacker = Signer.generate()
        self.run = run
        self.tmp = tmp
        self.lines = self.ledger.splitlines(keepends=True)
        # checkpoint directories with swapped / altered / missing files, built once
        self.ckpt_dirs: list[tuple[str, Path]] = []
        files = sorted(run.checkpoints)
        rel = [p.relative_to(run.dir) for p in files]
        for i, j in [(0, 1), (1, 2), (2, 3), (0, 4), (3, 4)]:
            d = tmp / f"swap{i}{j}"
            shutil.copytree(run.dir, d)
            (d / rel[i]).write_bytes(files[j].read_bytes())
            (d / rel[j]).write_bytes(files[i].read_bytes())
            self.ckpt_dirs.append((f"swapped checkpoints {i}<->{j}", d))
        d = tmp / "altered"
        shutil.copytree(run.dir, d)
        import torch

        state = torch.load(files[2], weights_only=True)
        first = next(iter(state["model"]))
        state["model"][first] = state["model"][first] + 1e-3
        torch.save(state, d / rel[2])
        self.ckpt_dirs.append(("altered checkpoint", d))
        d = tmp / "missing"
        shutil.copytree(run.dir, d)
        (d / rel[1]).unlink()
        self.ckpt_dirs.append(("missing checkpoint", d))

    def verify(self, ledger: bytes, report: bytes, ckpt_dir: Path | None = None):
        return verify_report(
            report, ledger, self.key, checkpoints_dir=ckpt_dir or self.run.dir, catalog=NoChips()
        )

    # -- forging helpers ----------------------------------------------------------------------
    def records(self) -> list[dict]:
        return [json.loads(line)["body"] for line in self.lines]

    def rebuild(self, bodies: list[dict], signer: Signer) -> bytes:
        """Re-hash the whole chain and re-sign every head with ``signer`` (a full forgery)."""
        out = []
        prev = GENESIS_HASH
        last = None
        for seq, b in enumerate(bodies):
            data = b["data"]
            if b["kind"] == "meta":
                data = {**data, "keyid": signer.keyid, "public_key_pem": signer.public_pem()}
            if b["kind"] == "head" and last is not None:
                sig = signer.sign(head_message(last.hash, last.seq))
                data = {
                    "signed_hash": last.hash,
                    "signed_seq": last.seq,
                    "keyid": signer.keyid,
                    "sig": base64.b64encode(sig).decode(),
                }
            rec, line = encode_record(seq, b["kind"], b["time_unix_s"], prev, data)
            prev, last = rec.hash, rec
            out.append(line)
        return b"".join(out)

    def forge_report(
        self, ledger: bytes, signer: Signer, edit: Callable[[dict], None] | None = None
    ) -> bytes:
        """A report consistent with ``ledger`` (head, count, digest), signed by ``signer``."""
        st = json.loads(json.dumps(parse_report(self.report).statement))
        recs = [decode_line(line.rstrip(b"\n")) for line in ledger.splitlines(keepends=True)]
        p = st["predicate"]
        p["ledger"]["head_hash"] = recs[-1].hash
        p["ledger"]["records"] = len(recs)
        ends = [r for r in recs if r.kind == "end"]
        if ends:
            p["totals"] = ends[-1].data["totals"]
        p["signer"] = {"keyid": signer.keyid, "public_key_pem": signer.public_pem()}
        import hashlib

        for s in st["subject"]:
            if s["name"].startswith("ledger/"):
                s["digest"] = {
                    "sha256": hashlib.sha256(ledger).hexdigest(),
                    "blake3": __import__("blake3").blake3(ledger).hexdigest(),
                }
        if edit:
            edit(st)
        return sign_statement(st, signer).to_bytes()


def _edit_number(obj: dict, rng: np.random.Generator) -> bool:
    """Change one number somewhere in ``obj`` (in place); False if it holds none."""
    paths = []

    def walk(o, path):
        if isinstance(o, dict):
            for k, v in o.items():
                walk(v, (*path, k))
        elif isinstance(o, list):
            for i, v in enumerate(o):
                walk(v, (*path, i))
        elif isinstance(o, int | float) and not isinstance(o, bool):
            paths.append(path)

    walk(obj, ())
    if not paths:
        return False
    path = paths[int(rng.integers(len(paths)))]
    target = obj
    for k in path[:-1]:
        target = target[k]
    old = target[path[-1]]
    new = (
        old + int(rng.integers(1, 1000))
        if isinstance(old, int)
        else old * float(rng.uniform(1.01, 3.0)) + 1.0
    )
    target[path[-1]] = new
    return True


def _mutate(case: Case, rng: np.random.Generator) -> tuple[str, bytes, bytes, Path | None]:
    L, R = case.ledger, case.report
    lines = case.lines
    n = len(lines)
    kind = str(rng.choice(KINDS))
    if kind == "ledger byte flip":
        b = bytearray(L)
        b[int(rng.integers(len(b)))] ^= int(rng.integers(1, 256))
        return kind, bytes(b), R, None
    if kind == "report byte flip":
        b = bytearray(R)
        b[int(rng.integers(len(b)))] ^= int(rng.integers(1, 256))
        return kind, L, bytes(b), None
    if kind == "edited number, hash kept":
        i = int(rng.integers(n))
        obj = json.loads(lines[i])
        if not _edit_number(obj["body"]["data"], rng):
            obj["body"]["time_unix_s"] += 1.0
        body = json.dumps(obj["body"], sort_keys=True, separators=(",", ":")).encode()
        line = b'{"body":' + body + b',"hash":"' + obj["hash"].encode() + b'"}\n'
        return kind, b"".join([*lines[:i], line, *lines[i + 1 :]]), R, None
    if kind == "edited number, record re-hashed":
        i = int(rng.integers(n))
        b = json.loads(lines[i])["body"]
        if not _edit_number(b["data"], rng):
            b["time_unix_s"] += 1.0
        _, line = encode_record(b["seq"], b["kind"], b["time_unix_s"], b["prev"], b["data"])
        return kind, b"".join([*lines[:i], line, *lines[i + 1 :]]), R, None
    if kind == "edited number, chain and report re-signed by attacker":
        bodies = case.records()
        measurements = [
            k for k, b in enumerate(bodies) if b["kind"] in ("measurement", "checkpoint", "end")
        ]
        _edit_number(bodies[int(rng.choice(measurements))]["data"], rng)
        forged = case.rebuild(bodies, case.attacker)
        return kind, forged, case.forge_report(forged, case.attacker), None
    if kind == "edited report number, re-signed by attacker":

        def edit(st):
            _edit_number(st["predicate"]["totals"], rng)

        return kind, L, case.forge_report(L, case.attacker, edit), None
    if kind == "edited report number, signature kept":
        env = json.loads(R)
        st = json.loads(base64.b64decode(env["payload"]))
        _edit_number(st["predicate"]["totals"], rng)
        env["payload"] = base64.b64encode(
            json.dumps(st, sort_keys=True, separators=(",", ":")).encode()
        ).decode()
        return (
            kind,
            L,
            json.dumps(env, sort_keys=True, separators=(",", ":")).encode() + b"\n",
            None,
        )
    if kind == "report re-signed with another key":
        return kind, L, sign_statement(parse_report(R).statement, case.attacker).to_bytes(), None
    if kind == "head re-signed with another key":
        bodies = case.records()
        heads = [k for k, b in enumerate(bodies) if b["kind"] == "head"]
        k = int(rng.choice(heads))
        prev_line = decode_line(lines[k - 1].rstrip(b"\n"))
        sig = case.attacker.sign(head_message(prev_line.hash, prev_line.seq))
        bodies[k]["data"] = {
            **bodies[k]["data"],
            "keyid": case.attacker.keyid,
            "sig": base64.b64encode(sig).decode(),
        }
        out, prev = [], GENESIS_HASH
        for seq, b in enumerate(bodies):  # re-hash, keeping every honest signature
            rec, line = encode_record(seq, b["kind"], b["time_unix_s"], prev, b["data"])
            prev = rec.hash
            out.append(line)
        forged = b"".join(out)
        return kind, forged, case.forge_report(forged, case.attacker), None
    if kind == "deleted record":
        i = int(rng.integers(n))
        return kind, b"".join(lines[:i] + lines[i + 1 :]), R, None
    if kind == "duplicated record":
        i = int(rng.integers(n))
        return kind, b"".join([*lines[: i + 1], lines[i], *lines[i + 1 :]]), R, None
    if kind == "reordered records":
        i, j = sorted(int(x) for x in rng.choice(n, size=2, replace=False))
        swapped = list(lines)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        return kind, b"".join(swapped), R, None
    if kind == "truncated ledger mid-line":
        return kind, L[: int(rng.integers(len(L)))], R, None
    if kind == "truncated ledger at a record boundary":
        return kind, b"".join(lines[: int(rng.integers(1, n))]), R, None
    if kind == "truncated report":
        return kind, L, R[: int(rng.integers(len(R)))], None
    if kind == "checkpoint files":
        label, d = case.ckpt_dirs[int(rng.integers(len(case.ckpt_dirs)))]
        return label, L, R, d
    raise AssertionError(kind)


KINDS = (
    "ledger byte flip",
    "report byte flip",
    "edited number, hash kept",
    "edited number, record re-hashed",
    "edited number, chain and report re-signed by attacker",
    "edited report number, re-signed by attacker",
    "edited report number, signature kept",
    "report re-signed with another key",
    "head re-signed with another key",
    "deleted record",
    "duplicated record",
    "reordered records",
    "truncated ledger mid-line",
    "truncated ledger at a record boundary",
    "truncated report",
    "checkpoint files",
)


def test_honest_run_passes_every_check(demo_run_master, tmp_path: Path) -> None:
    case = Case(demo_run_master, tmp_path)
    verdict = case.verify(case.ledger, case.report)
    assert verdict.ok, [c.to_dict() for c in verdict.failed]
    assert verdict.exit_code == 0


def test_every_random_mutation_is_detected_with_the_check_named(
    demo_run_master, tmp_path: Path, parser: str
) -> None:
    case = Case(demo_run_master, tmp_path)
    rng = np.random.default_rng(9)
    caught: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    missed = []
    t0 = time.perf_counter()
    for _ in range(MUTATIONS):
        kind, ledger, report, ckpt = _mutate(case, rng)
        if ledger == case.ledger and report == case.report and ckpt is None:
            continue  # a no-op mutation (e.g. swapping two identical lines) is not tampering
        verdict = case.verify(ledger, report, ckpt)
        if verdict.ok:
            missed.append(kind)
            continue
        assert verdict.exit_code in (1, 2)
        assert all(c.summary for c in verdict.failed)
        for c in verdict.failed:
            caught[kind][c.name] += 1
    elapsed = time.perf_counter() - t0
    assert not missed, collections.Counter(missed)
    total = sum(max(c.values()) for c in caught.values())
    assert sum(caught[k].total() for k in caught) >= MUTATIONS * 0.9 and total > 0
    assert set(caught) >= set(KINDS) - {"checkpoint files"}
    for kind, counter in sorted(caught.items()):
        print(f"{kind}: {dict(counter.most_common(3))}")
    print(f"{MUTATIONS} mutations verified in {elapsed:.1f} s")


def test_truncated_ledger_is_unusable_input_with_offset(demo_run, tmp_path: Path) -> None:
    data = demo_run.ledger.read_bytes()
    cut = len(data) - 30
    verdict = verify_report(
        demo_run.report,
        data[:cut],
        demo_run.public_key,
        catalog=NoChips(),
        checkpoints_dir=demo_run.dir,
    )
    fmt = verdict.check("ledger_format")
    assert fmt.status == "fail" and fmt.unusable
    start = data.rfind(b"\n", 0, cut) + 1
    assert f"byte offset {start}" in fmt.summary
    assert verdict.exit_code == 2


@pytest.mark.parametrize("which", ["ledger", "report"])
def test_swapping_report_and_ledger_of_two_runs_fails_matching(demo_run, tmp_path, which) -> None:
    from computegov.ledger.demo import run_demo_with_ledger

    other = run_demo_with_ledger(
        steps=10,
        ledger_path=tmp_path / "o.jsonl",
        seed=5,
        key_path=demo_run.private_key,
        checkpoint_every=5,
    )
    ledger = other.ledger_path if which == "ledger" else demo_run.ledger
    report = demo_run.report if which == "ledger" else other.report_path
    verdict = verify_report(report, ledger, demo_run.public_key, catalog=NoChips())
    assert verdict.check("report_matches_ledger").status == "fail"
    assert verdict.exit_code == 1
