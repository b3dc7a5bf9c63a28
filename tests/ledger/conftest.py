"""Shared fixtures: one real demo run (ledger, report, checkpoints, key) per test session."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

#: The peak FLOP/s a verifier supplies for the demo's host CPU (not in the catalogue), passed as
#: ``peak_flop_per_s`` / ``--peak-flop-per-s``. An estimate, labelled as such: a few-core AVX2
#: host peaks at roughly 1e11-1e12 FP32 FLOP/s; the honest demo runs at ~2e9 FLOP/s (well under
#: it) while a x1000 overstatement of its FLOP exceeds it.
DEMO_PEAK = 1e12


@pytest.fixture(scope="session")
def demo_peak() -> float:
    """:data:`DEMO_PEAK`."""
    return DEMO_PEAK


@dataclass(frozen=True)
class DemoRun:
    dir: Path
    ledger: Path
    report: Path
    public_key: Path
    private_key: Path
    checkpoints: tuple[Path, ...]


@pytest.fixture(scope="session")
def demo_run_master(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    from computegov.ledger.demo import run_demo_with_ledger

    d = tmp_path_factory.mktemp("demo")
    res = run_demo_with_ledger(steps=40, ledger_path=d / "run.jsonl", seed=3, checkpoint_every=10)
    return DemoRun(
        d,
        res.ledger_path,
        res.report_path,
        d / "computegov.pub",
        d / "computegov.key",
        res.checkpoint_paths,
    )


@pytest.fixture()
def demo_run(demo_run_master: DemoRun, tmp_path: Path) -> DemoRun:
    """A private copy of the session's demo run that a test may damage."""
    dst = tmp_path / "run"
    shutil.copytree(demo_run_master.dir, dst)
    m = demo_run_master
    return DemoRun(
        dst,
        dst / m.ledger.name,
        dst / m.report.name,
        dst / m.public_key.name,
        dst / m.private_key.name,
        tuple(dst / p.relative_to(m.dir) for p in m.checkpoints),
    )


@pytest.fixture(params=["orjson", "stdlib"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with each ledger body parser (orjson when installed, the stdlib fallback)."""
    from computegov.ledger import records

    if request.param == "orjson" and records._ORJSON_LOADS is None:
        pytest.skip("orjson not installed")
    if request.param == "stdlib":
        monkeypatch.setattr(records, "_ORJSON_LOADS", None)
    return str(request.param)


class Forger:
    """Forges a run's ledger and report *signed with the run's real key* (a dishonest signer).

    ``ledger_bytes`` re-hashes the chain and re-signs every head; ``raw`` may rewrite one body's
    bytes after canonical encoding (to forge non-canonical bodies such as duplicate keys). The
    ``end`` record's totals are recomputed from the measurement records, and the report is made
    consistent with the forged ledger, so only the checks under test can catch the forgery.
    """

    def __init__(self, run: DemoRun) -> None:
        import json

        from computegov.ledger.signing import load_private_key

        self.run = run
        self.signer = load_private_key(run.private_key)
        self.bodies = [json.loads(line)["body"] for line in run.ledger.read_bytes().splitlines()]

    def measurement_indices(self) -> list[int]:
        return [i for i, b in enumerate(self.bodies) if b["kind"] == "measurement"]

    def checkpoint_indices(self) -> list[int]:
        return [i for i, b in enumerate(self.bodies) if b["kind"] == "checkpoint"]

    def ledger_bytes(self, raw=None) -> bytes:
        chip_count = self.bodies[0]["data"]["metadata"]["hardware"]["chip_count"]
        ledger, self.bodies = self.forge_chain(
            self.bodies, self.signer, raw=raw, totals_chip_count=chip_count
        )
        return ledger

    @staticmethod
    def forge_chain(bodies, signer, *, raw=None, totals_chip_count=None, rekey_meta=False):
        """Re-hash a chain of record bodies and re-sign every head with ``signer``.

        Returns the ledger bytes and the bodies as written. ``raw`` maps a record number to a
        rewrite of its canonical body bytes (non-canonical forgeries); ``totals_chip_count``
        recomputes the end record's totals from the measurements (None: keep them);
        ``rekey_meta`` names ``signer``'s key in the meta record (an attacker's own key).
        """
        import base64
        import hashlib

        from computegov.ledger.chain import head_message
        from computegov.ledger.records import GENESIS_HASH, canonical_json
        from computegov.ledger.totals import totals_from_records

        raw = raw or {}
        intervals = [b["data"]["interval"] for b in bodies if b["kind"] == "measurement"]
        out, written, prev, last = [], [], GENESIS_HASH, None
        for seq, b in enumerate(bodies):
            data = b["data"]
            if b["kind"] == "meta" and rekey_meta:
                data = {**data, "keyid": signer.keyid, "public_key_pem": signer.public_pem()}
            if b["kind"] == "head" and last is not None:
                sig = signer.sign(head_message(last[0], last[1]))
                data = {
                    "signed_hash": last[0],
                    "signed_seq": last[1],
                    "keyid": signer.keyid,
                    "sig": base64.b64encode(sig).decode(),
                }
            if b["kind"] == "end" and totals_chip_count is not None:
                data = {**data, "totals": totals_from_records(intervals, totals_chip_count)}
            written.append({**b, "data": data})
            body = canonical_json(
                {"seq": seq, "kind": b["kind"], "time_unix_s": b["time_unix_s"], "prev": prev,
                 "data": data}
            )
            if seq in raw:
                body = raw[seq](body)
            digest = hashlib.sha256(body).hexdigest()
            out.append(b'{"body":' + body + b',"hash":"' + digest.encode() + b'"}\n')
            prev, last = digest, (digest, seq)
        return b"".join(out), written

    def report_bytes(self, ledger: bytes, edit=None) -> bytes:
        import copy
        import hashlib

        import blake3

        from computegov.ledger.report import parse_report, sign_statement

        st = copy.deepcopy(parse_report(self.run.report.read_bytes()).statement)
        p = st["predicate"]
        p["ledger"]["head_hash"] = hashlib.sha256(ledger.splitlines()[-1][8:-75]).hexdigest()
        p["ledger"]["records"] = len(ledger.splitlines())
        end = [b for b in self.bodies if b["kind"] == "end"][-1]
        p["totals"] = end["data"]["totals"]
        ckpts = [self.bodies[i]["data"] for i in self.checkpoint_indices()]
        p["checkpoints"] = [
            {"step": c["step"], "path": c.get("path"), "blake3": c["state"]["blake3"],
             "sha256": c["state"]["sha256"]}
            for c in ckpts
        ]
        for s in st["subject"]:
            if s["name"].startswith("ledger/"):
                s["digest"] = {
                    "blake3": blake3.blake3(ledger).hexdigest(),
                    "sha256": hashlib.sha256(ledger).hexdigest(),
                }
        if edit is not None:
            edit(st)
        return sign_statement(st, self.signer).to_bytes()

    def write(self, raw=None, edit=None) -> None:
        """Write the forged ledger and report over the run's own files."""
        ledger = self.ledger_bytes(raw)
        self.run.ledger.write_bytes(ledger)
        self.run.report.write_bytes(self.report_bytes(ledger, edit))


@pytest.fixture()
def forger(demo_run: DemoRun) -> Forger:
    """A :class:`Forger` over a private copy of the demo run."""
    return Forger(demo_run)


@pytest.fixture(scope="session")
def forger_cls() -> type[Forger]:
    """The :class:`Forger` class, to forge several variants in one test."""
    return Forger
