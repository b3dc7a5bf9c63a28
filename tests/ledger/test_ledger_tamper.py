"""Tamper campaign: >= 1,000 seeded random mutations of a real ledger + report, every one caught.

Mutations: byte flips (ledger and report), edited numbers (with and without re-hashing, and with
the whole chain re-hashed and re-signed by an attacker's key), deleted / duplicated / reordered
records, truncation (mid-line and at a line boundary), the report re-signed with another key,
a head record re-signed with another key, swapped / altered / missing checkpoint files.

Fail-closed mutations (a dishonest signer holding the *real* key, or evidence taken away): the
ledger removed, some or all checkpoint files removed, the checkpoint directory pointed
elsewhere; checkpoint paths that escape the evidence directory (``..``, absolute, a symlink
out); bodies with duplicate keys; negative, zero, boolean and string values in numeric fields.
None of them may end in exit status 0.
"""

from __future__ import annotations

import base64
import collections
import json
import os
import shutil
import time
import types
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from computegov.errors import UnknownNameError
from computegov.ledger.chain import head_message
from computegov.ledger.digests import digest_file
from computegov.ledger.records import GENESIS_HASH, decode_line, encode_record
from computegov.ledger.report import parse_report, sign_statement
from computegov.ledger.signing import Signer, load_private_key, load_public_key
from computegov.ledger.verify import verify_report


class NoChips:
    """A catalogue stub that knows no chip (keeps plausibility off the bundled data)."""

    def get(self, name: str):
        raise UnknownNameError(f"no chip named {name!r}", name=name)


MUTATIONS = 1200
#: The verifier's peak for the demo's host CPU (an estimate; see conftest.DEMO_PEAK).
DEMO_PEAK = 1e12


class Case:
    """The honest inputs and helpers to forge variants of them."""

    def __init__(self, run, tmp: Path, forge_chain: Callable[..., tuple[bytes, list]]) -> None:
        self.forge_chain = forge_chain  # conftest's Forger.forge_chain, shared with the other forgers
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
        # evidence removal: some / all checkpoint files gone, the directory pointed elsewhere
        self.removal_dirs: list[tuple[str, Path]] = []
        d = tmp / "some-removed"
        shutil.copytree(run.dir, d)
        for r in rel[1::2]:
            (d / r).unlink()
        self.removal_dirs.append(("some checkpoints removed", d))
        d = tmp / "all-removed"
        shutil.copytree(run.dir, d)
        for r in rel:
            (d / r).unlink()
        self.removal_dirs.append(("all checkpoints removed", d))
        (tmp / "empty").mkdir()
        self.removal_dirs.append(("checkpoints pointed at an empty directory", tmp / "empty"))
        self.removal_dirs.append(("checkpoints pointed at a missing directory", tmp / "nowhere"))
        # path escape: a file outside the run directory, and a symlink to it from inside
        self.outside = tmp / "outside" / "secret.bin"
        self.outside.parent.mkdir()
        self.outside.write_bytes(files[1].read_bytes())
        d = tmp / "symlinked"
        shutil.copytree(run.dir, d)
        (d / rel[1]).unlink()
        (d / rel[1]).symlink_to(self.outside)
        self.symlink_dir = d
        self.real = load_private_key(run.private_key)

    def verify(self, ledger: bytes | None, report: bytes, ckpt_dir: Path | None = None):
        return verify_report(
            report,
            ledger,
            self.key,
            checkpoints_dir=ckpt_dir or self.run.dir,
            catalog=NoChips(),
            peak_flop_per_s=DEMO_PEAK,
        )

    # -- forging helpers ----------------------------------------------------------------------
    def records(self) -> list[dict]:
        return [json.loads(line)["body"] for line in self.lines]

    def rebuild(
        self,
        bodies: list[dict],
        signer: Signer,
        raw: dict[int, Callable[[bytes], bytes]] | None = None,
        retotal: bool = False,
    ) -> bytes:
        """Re-hash the whole chain and re-sign every head with ``signer`` (a full forgery).

        ``raw`` rewrites a body's canonical bytes before hashing (non-canonical forgeries);
        ``retotal`` recomputes the end record's totals from the (edited) measurements.
        """
        if raw or retotal:
            return self._rebuild_raw(bodies, signer, raw or {}, retotal)
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

    def _rebuild_raw(self, bodies, signer, raw, retotal) -> bytes:
        ledger, _ = self.forge_chain(
            bodies, signer, raw=raw, totals_chip_count=1 if retotal else None, rekey_meta=True
        )
        return ledger

    def forge_report(
        self, ledger: bytes, signer: Signer, edit: Callable[[dict], None] | None = None
    ) -> bytes:
        """A report consistent with ``ledger`` (head, count, digest), signed by ``signer``."""
        st = json.loads(json.dumps(parse_report(self.report).statement))
        # read leniently (json.loads, the hash as written): forged bodies may be non-canonical
        recs = [
            types.SimpleNamespace(
                hash=(o := json.loads(line))["hash"], kind=o["body"]["kind"], data=o["body"]["data"]
            )
            for line in ledger.splitlines()
        ]
        p = st["predicate"]
        p["ledger"]["head_hash"] = recs[-1].hash
        p["ledger"]["records"] = len(recs)
        ends = [r for r in recs if r.kind == "end"]
        if ends:
            p["totals"] = ends[-1].data["totals"]
        p["checkpoints"] = [
            {
                "step": r.data["step"],
                "path": r.data.get("path"),
                "blake3": r.data["state"]["blake3"],
                "sha256": r.data["state"]["sha256"],
            }
            for r in recs
            if r.kind == "checkpoint"
        ]
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
    if kind == "ledger removed":
        return kind, None, R, None
    if kind == "checkpoint evidence removed":
        label, d = case.removal_dirs[int(rng.integers(len(case.removal_dirs)))]
        return label, L, R, d
    if kind == "checkpoint path escapes, re-signed with the real key":
        bodies = case.records()
        ckpts = [k for k, b in enumerate(bodies) if b["kind"] == "checkpoint"]
        k = int(rng.choice(ckpts))
        how = str(rng.choice(["dotdot", "absolute", "symlink"]))
        if how == "symlink":  # the path is honest; the file there is a symlink leaving the dir
            return f"{kind} ({how})", L, R, case.symlink_dir
        target = case.outside
        name = (
            str(target)
            if how == "absolute"
            else "../" * int(rng.integers(1, 4)) + os.path.relpath(target, case.run.dir)
        )
        bodies[k]["data"]["path"] = name
        bodies[k]["data"]["file"] = digest_file(target)
        forged = case.rebuild(bodies, case.real)
        return f"{kind} ({how})", forged, case.forge_report(forged, case.real), None
    if kind == "duplicate key, re-signed with the real key":
        bodies = case.records()
        k = int(rng.choice([k for k, b in enumerate(bodies) if b["kind"] == "measurement"]))
        field = str(rng.choice(["flop", "seconds", "steps", "tokens"]))
        value = str(rng.choice(["1e30", "0", "-1", "99999"])).encode()

        def dup(body: bytes) -> bytes:
            return body.replace(b'"interval":{', b'"interval":{"' + field.encode() + b'":' + value + b",", 1)

        forged = case.rebuild(bodies, case.real, raw={k: dup})
        return kind, forged, case.forge_report(forged, case.real), None
    if kind == "bad numeric value, re-signed with the real key":
        bodies = case.records()
        field, value = BAD_VALUES[int(rng.integers(len(BAD_VALUES)))]
        ms = [k for k, b in enumerate(bodies) if b["kind"] == "measurement"]
        for k in rng.choice(ms, size=int(rng.integers(1, len(ms) + 1)), replace=False):
            bodies[int(k)]["data"]["interval"][field] = value
        forged = case.rebuild(bodies, case.real, retotal=True)
        return kind, forged, case.forge_report(forged, case.real), None
    raise AssertionError(kind)


BAD_VALUES = (
    ("flop", -1.0e15),
    ("flop", -1),
    ("flop", True),
    ("flop", "14417920"),
    ("seconds", 0.0),
    ("seconds", -0.5),
    ("seconds", False),
    ("tokens", 640.5),
    ("tokens", -640),
    ("tokens", "640"),
    ("energy_j", -1.0),
    ("model_flop_6nd", -2.0e7),
    ("counted_steps", True),
)


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
    "ledger removed",
    "checkpoint evidence removed",
    "checkpoint path escapes, re-signed with the real key",
    "duplicate key, re-signed with the real key",
    "bad numeric value, re-signed with the real key",
)


def test_honest_run_passes_every_check(demo_run_master, tmp_path: Path, forger_cls) -> None:
    case = Case(demo_run_master, tmp_path, forger_cls.forge_chain)
    verdict = case.verify(case.ledger, case.report)
    assert verdict.ok, [c.to_dict() for c in verdict.failed]
    assert verdict.exit_code == 0


def test_every_random_mutation_is_detected_with_the_check_named(
    demo_run_master, tmp_path: Path, parser: str, forger_cls
) -> None:
    case = Case(demo_run_master, tmp_path, forger_cls.forge_chain)
    rng = np.random.default_rng(9)
    caught: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    exits: collections.Counter = collections.Counter()
    outcomes: collections.Counter = collections.Counter()
    missed = []
    tried = 0
    t0 = time.perf_counter()
    for _ in range(MUTATIONS):
        kind, ledger, report, ckpt = _mutate(case, rng)
        if ledger == case.ledger and report == case.report and ckpt is None:
            continue  # a no-op mutation (e.g. swapping two identical lines) is not tampering
        tried += 1
        verdict = case.verify(ledger, report, ckpt)
        exits[verdict.exit_code] += 1
        outcomes[verdict.outcome] += 1
        if verdict.ok or verdict.exit_code == 0:
            missed.append(kind)
            continue
        assert verdict.exit_code in (1, 2)
        named = verdict.failed or verdict.unaccepted_missing
        assert named and all(c.summary for c in named)
        for c in named:
            caught[kind][c.name if c.status == "fail" else f"missing:{c.name}"] += 1
        names = {c.name for c in verdict.failed}
        if kind.startswith("bad numeric value"):
            assert "ledger_records" in names, kind
        elif kind.startswith("duplicate key"):
            assert "not canonical" in verdict.check("ledger_format").summary
        elif kind.startswith("checkpoint path escapes"):
            assert verdict.check("checkpoint_files").status == "fail"
        elif kind == "ledger removed" or kind.startswith(("checkpoints pointed", "all checkpoints")):
            assert verdict.outcome == "incomplete" and verdict.exit_code == 1, kind
    elapsed = time.perf_counter() - t0
    assert not missed, collections.Counter(missed)
    assert exits[0] == 0 and tried >= MUTATIONS * 0.95
    total = sum(max(c.values()) for c in caught.values())
    assert sum(caught[k].total() for k in caught) >= MUTATIONS * 0.9 and total > 0
    labels = {k.split(" (")[0] for k in caught}
    assert labels >= set(KINDS) - {"checkpoint files", "checkpoint evidence removed"}
    for kind, counter in sorted(caught.items()):
        print(f"{kind}: {dict(counter.most_common(3))}")
    print(
        f"{tried} mutations ({parser}) verified in {elapsed:.1f} s; exits by code "
        f"{dict(sorted(exits.items()))}; outcomes {dict(outcomes)}"
    )


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
