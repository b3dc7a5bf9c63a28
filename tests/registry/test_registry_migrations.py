"""Migration 0002 on SQLite and PostgreSQL: a registry filled under revision 0001 (when any token
holder could claim a report, and a body's ``public_key`` was trusted) comes out with its legacy
keys registered, every verdict given an outcome, and every row whose signer is unproven flagged,
never silently kept as verified."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from registry_helpers import FakeVerifier, Keys, make_envelope, make_statement
from sqlalchemy import text

from computegov.registry.database import Database
from computegov.registry.submission import canonical_json, parse_submission

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def _database_at_0001(url: str) -> Database:
    from alembic import command
    from alembic.config import Config

    import computegov.registry.database as database

    db = Database(url, migrate=False)
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(database.__file__).parent / "migrations"))
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    return db


def _org(conn: Any, name: str, pem: str | None) -> int:
    conn.execute(text("INSERT INTO organisations (name, public_key_pem, created_at) VALUES (:n, :p, :t)"),
                 {"n": name, "p": pem, "t": NOW})
    return int(conn.execute(text("SELECT id FROM organisations WHERE name = :n"), {"n": name}).scalar_one())


def _report(conn: Any, org_id: int, envelope: dict[str, Any], ok: bool, checks: list[dict[str, Any]]) -> str:
    parsed = parse_submission({"envelope": envelope})
    conn.execute(
        text("INSERT INTO reports (digest_sha256, organisation_id, envelope_json, ledger_text, summary_json, "
             "title, total_flop, size_bytes, submitted_at) VALUES (:d, :o, :e, NULL, :s, :t, :f, :b, :at)"),
        {"d": parsed.digest_sha256, "o": org_id, "e": canonical_json(envelope), "s": canonical_json(parsed.summary),
         "t": parsed.title, "f": parsed.total_flop, "b": parsed.size_bytes, "at": NOW},
    )
    rid = conn.execute(text("SELECT id FROM reports WHERE digest_sha256 = :d"), {"d": parsed.digest_sha256}).scalar_one()
    conn.execute(
        text("INSERT INTO verdicts (report_id, ok, verifier, verdict_json, created_at) VALUES (:r, :ok, 'old', :v, :at)"),
        {"r": rid, "ok": ok, "v": json.dumps({"ok": ok, "checks": checks}), "at": NOW},
    )
    return parsed.digest_sha256


PASSED = [{"name": n, "status": "pass"} for n in ("report_format", "key_trust", "report_signature", "ledger_chain")]
NO_LEDGER = [*PASSED[:3], *({"name": n, "status": "skip"} for n in ("ledger_format", "ledger_chain", "totals"))]
NO_CHECKPOINTS = [*PASSED, {"name": "checkpoint_files", "status": "skip"}, {"name": "attestation", "status": "skip"}]


def test_migration_0002_registers_legacy_keys_maps_outcomes_and_flags_unproven_rows(database_url: str) -> None:
    lab_b, lab_a, stranger = (Keys(Ed25519PrivateKey.generate()) for _ in range(3))
    db = _database_at_0001(database_url)
    with db.engine.begin() as conn:
        b_id = _org(conn, "lab-b", lab_b.public_pem)
        c_id = _org(conn, "lab-c", None)
        a_id = _org(conn, "acme", lab_a.public_pem)
        squatted = _report(conn, c_id, make_envelope(make_statement(model="b-run"), lab_b), True, PASSED)
        overridden = _report(conn, c_id, make_envelope(make_statement(model="x-run"), stranger), True, PASSED)
        own = _report(conn, b_id, make_envelope(make_statement(model="b-own"), lab_b), True, PASSED)
        no_ledger = _report(conn, a_id, make_envelope(make_statement(model="a-1"), lab_a), True, NO_LEDGER)
        no_ckpt = _report(conn, a_id, make_envelope(make_statement(model="a-2"), lab_a), True, NO_CHECKPOINTS)
        failed = _report(conn, a_id, make_envelope(make_statement(model="a-3"), lab_a), False, PASSED)
    db.close()

    from computegov.registry.store import Store

    store = Store(database_url)  # runs 0002 and 0003
    try:
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() >= "0003"
        for digest in (squatted, overridden, own, no_ledger, no_ckpt, failed):  # 0003 logs what is stored
            leaves = store.report_leaves(digest)
            assert leaves["report_leaf"] is not None and leaves["verdict_leaf"] is not None
        assert store.audit_log_tree() == []
        assert {k.keyid: k.organisation for k in store.list_keys()} == {lab_b.keyid: "lab-b", lab_a.keyid: "acme"}
        got = {d: store.get_report(d) for d in (squatted, overridden, own, no_ledger, no_ckpt, failed)}
        for digest in (squatted, overridden):  # flagged, demoted, kept
            info = got[digest]
            assert info.flag and "flagged by migration 0002" in info.flag and "was verified" in info.flag
            assert info.outcome == "failed" and info.verdict_ok is False and info.signer_keyid is None
        assert "registered to another organisation" in got[squatted].flag and lab_b.keyid in got[squatted].flag
        assert stranger.keyid in got[overridden].flag
        assert (got[own].outcome, got[own].verdict_ok, got[own].flag, got[own].signer_keyid) == (
            "verified", True, None, lab_b.keyid)
        assert (got[no_ledger].outcome, got[no_ledger].verdict_ok) == ("incomplete", False)
        assert (got[no_ckpt].outcome, got[no_ckpt].partial, got[no_ckpt].verdict_ok) == ("verified", True, True)
        assert (got[failed].outcome, got[failed].verdict_ok, got[failed].flag) == ("failed", False, None)
        flagged = sorted(a.object_id for a in store.audit_log(limit=1000) if a.action == "report.flag")
        assert flagged == sorted([squatted, overridden])

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient
        from computegov.web import create_app

        with TestClient(create_app(store=store, verifier=FakeVerifier()), raise_server_exceptions=False) as client:
            page = client.get("/registry").text
            assert "flagged: not verified" in page and "incomplete: not verified" in page
            assert "verified (partial)" in page
            assert "Flagged:" in client.get(f"/registry/{squatted}").text
            token_b, token_c = store.create_token("lab-b")[0], store.create_token("lab-c")[0]
            body = {"envelope": got[squatted].envelope}
            # the squatter cannot even resubmit it; its signer reclaims it
            assert client.post("/api/v1/reports", json=body, headers={"Authorization": f"Bearer {token_c}"}
                               ).status_code == 403
            r = client.post("/api/v1/reports", json=body, headers={"Authorization": f"Bearer {token_b}"})
            assert r.status_code == 201, r.text
            report = r.json()["report"]
            assert (report["organisation"], report["flag"], report["outcome"]) == ("lab-b", None, "verified")
        assert any(a.action == "report.reclaim" and a.object_id == squatted for a in store.audit_log())
        assert store.count_reports() == 6
    finally:
        store.close()


@pytest.mark.parametrize(
    ("ok", "checks", "expected"),
    [
        (True, PASSED, ("verified", False)),
        (True, NO_LEDGER, ("incomplete", False)),
        (True, NO_CHECKPOINTS, ("verified", True)),
        (False, PASSED, ("failed", False)),
        (True, [{"name": "signatures", "ok": True}], ("verified", False)),  # the fake verifier's shape
    ],
)
def test_legacy_verdicts_map_to_outcomes(ok: bool, checks: list[dict[str, Any]], expected: tuple[str, bool]) -> None:
    import importlib.util

    import computegov.registry.database as database

    path = Path(database.__file__).parent / "migrations" / "versions" / "0002_signing_keys_outcomes.py"
    spec = importlib.util.spec_from_file_location("migration_0002", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.legacy_outcome(ok, json.dumps({"ok": ok, "checks": checks})) == expected
    assert module.legacy_outcome(False, json.dumps({"outcome": "verified"}))[0] == "failed"  # never verified unless ok
    assert module.legacy_outcome(True, "not json") == ("verified", False)
