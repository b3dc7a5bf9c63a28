"""Registered signing keys, three-state verdicts, and flags on reports whose signer is unproven.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

What it does, on SQLite and PostgreSQL alike:

* creates ``signing_keys`` (one row per registered Ed25519 public key; a key id belongs to one
  organisation, ever) and copies each organisation's legacy ``public_key_pem`` into it (that
  column was set only by the operator's ``registry token create --public-key``);
* adds ``verdicts.outcome`` (``verified``/``failed``/``incomplete``) and ``verdicts.partial``, and
  maps every stored verdict: one that records an outcome keeps it; otherwise ``ok`` false is
  ``failed``; ``ok`` true is ``verified`` unless a check was skipped for want of evidence: a
  skipped ledger check (the ledger was not submitted) makes it ``incomplete``; a skipped
  ``checkpoint_files`` check (the registry never holds checkpoint files) makes it ``partial``;
* adds ``reports.signer_keyid`` and ``reports.flag``, and checks every stored report: the
  registered key of its organisation whose signature verifies is recorded; a report that no key
  registered to its organisation signed (squatted, or trusted on a key the request supplied) is
  *flagged* (``flag`` says why), its verdict is demoted to ``failed`` (``ok`` false), and an
  ``report.flag`` audit event is written. Nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_ACTOR = "migration 0002"
_PAGE = 200
#: Checks whose skip says "not applicable", not "evidence missing".
_NOT_APPLICABLE = frozenset({"attestation", "plausibility", "key_trust", "report_signature"})
#: Checks skipped when no ledger was submitted.
_LEDGER_CHECKS = frozenset({"ledger_format", "ledger_chain", "ledger_signatures", "ledger_order",
                            "report_matches_ledger", "totals"})


def legacy_outcome(ok: bool, verdict_json: str) -> tuple[str, bool]:
    """``(outcome, partial)`` of a verdict stored before outcomes existed (see module doc)."""
    try:
        verdict: Any = json.loads(verdict_json)
    except ValueError:
        verdict = {}
    if not isinstance(verdict, dict):
        verdict = {}
    stated = verdict.get("outcome")
    if stated in ("verified", "failed", "incomplete"):
        return ("failed" if stated == "verified" and not ok else stated), bool(verdict.get("partial"))
    if not ok:
        return "failed", False
    checks = verdict.get("checks")
    skipped = {
        str(c.get("name")) for c in (checks if isinstance(checks, list) else [])
        if isinstance(c, dict) and c.get("status") == "skip"
    }
    skipped -= _NOT_APPLICABLE
    partial = "checkpoint_files" in skipped
    skipped.discard("checkpoint_files")
    if skipped:  # the ledger (or other evidence) was not there: never verified
        return "incomplete", partial
    return "verified", partial


def upgrade() -> None:
    """Add the tables and columns, then register legacy keys, map verdicts and flag reports."""
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organisation_id", sa.Integer,
                  sa.ForeignKey("organisations.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("keyid", sa.String(64), nullable=False, unique=True),
        sa.Column("public_key_pem", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS, nullable=True),
    )
    op.create_index("ix_signing_keys_organisation_id", "signing_keys", ["organisation_id"])
    op.add_column("reports", sa.Column("signer_keyid", sa.String(64), nullable=True))
    op.add_column("reports", sa.Column("flag", sa.Text, nullable=True))
    op.add_column("verdicts", sa.Column("outcome", sa.String(16), nullable=False, server_default="failed"))
    op.add_column("verdicts", sa.Column("partial", sa.Boolean, nullable=False, server_default=sa.false()))
    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    _register_legacy_keys(bind, now)
    _map_verdicts(bind)
    _flag_unproven_reports(bind, now)


def _audit(bind: Any, now: dt.datetime, action: str, object_type: str, object_id: str, **detail: Any) -> None:
    bind.execute(
        sa.text("INSERT INTO audit_events (at, actor, action, object_type, object_id, detail_json) "
                "VALUES (:at, :actor, :action, :object_type, :object_id, :detail)"),
        {"at": now, "actor": _ACTOR, "action": action, "object_type": object_type,
         "object_id": object_id[:100], "detail": json.dumps(detail, sort_keys=True)},
    )


def _register_legacy_keys(bind: Any, now: dt.datetime) -> None:
    from computegov.registry.errors import SubmissionError
    from computegov.registry.signers import parse_key

    rows = bind.execute(sa.text(
        "SELECT id, name, public_key_pem FROM organisations WHERE public_key_pem IS NOT NULL ORDER BY id"
    )).fetchall()
    taken: set[str] = set()
    for org_id, name, pem in rows:
        try:
            keyid, pem_norm = parse_key(pem)
        except SubmissionError:
            _audit(bind, now, "key.skip", "organisation", name, reason="legacy public key does not load")
            continue
        if keyid in taken:  # two organisations had the same key: it stays with the first
            _audit(bind, now, "key.skip", "signing_key", keyid, organisation=name,
                   reason="already registered to another organisation")
            continue
        taken.add(keyid)
        bind.execute(
            sa.text("INSERT INTO signing_keys (organisation_id, keyid, public_key_pem, created_at) "
                    "VALUES (:org, :keyid, :pem, :at)"),
            {"org": org_id, "keyid": keyid, "pem": pem_norm, "at": now},
        )
        _audit(bind, now, "key.add", "signing_key", keyid, organisation=name, source="organisations.public_key_pem")


def _map_verdicts(bind: Any) -> None:
    last = 0
    while True:
        rows = bind.execute(
            sa.text("SELECT id, ok, verdict_json FROM verdicts WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": _PAGE},
        ).fetchall()
        if not rows:
            return
        for vid, ok, verdict_json in rows:
            outcome, partial = legacy_outcome(bool(ok), verdict_json)
            bind.execute(
                sa.text("UPDATE verdicts SET outcome = :outcome, partial = :partial, ok = :ok WHERE id = :id"),
                {"outcome": outcome, "partial": partial, "ok": outcome == "verified", "id": vid},
            )
        last = rows[-1][0]


def _flag_unproven_reports(bind: Any, now: dt.datetime) -> None:
    from computegov.registry.signers import envelope_keyids, signed_by

    keys: dict[int, list[tuple[str, str]]] = {}
    owner: dict[str, str] = {}
    for org_id, org_name, keyid, pem in bind.execute(sa.text(
        "SELECT k.organisation_id, o.name, k.keyid, k.public_key_pem FROM signing_keys k "
        "JOIN organisations o ON o.id = k.organisation_id"
    )).fetchall():
        keys.setdefault(org_id, []).append((keyid, pem))
        owner[keyid] = org_name
    last = 0
    while True:
        rows = bind.execute(
            sa.text("SELECT r.id, r.digest_sha256, r.organisation_id, o.name, r.envelope_json, v.outcome "
                    "FROM reports r JOIN organisations o ON o.id = r.organisation_id "
                    "LEFT JOIN verdicts v ON v.report_id = r.id "
                    "WHERE r.id > :last ORDER BY r.id LIMIT :n"),
            {"last": last, "n": _PAGE},
        ).fetchall()
        if not rows:
            return
        for rid, digest, org_id, org_name, envelope_json, outcome in rows:
            try:
                envelope = json.loads(envelope_json)
            except ValueError:
                envelope = {}
            signer = next((kid for kid, pem in keys.get(org_id, []) if signed_by(envelope, pem)), None)
            if signer is not None:
                bind.execute(sa.text("UPDATE reports SET signer_keyid = :k WHERE id = :id"),
                             {"k": signer, "id": rid})
                continue
            named = _named_keyids(envelope, envelope_keyids)
            elsewhere = sorted({owner[k] for k in named if k in owner and owner[k] != org_name})
            why = (f"signed by key {named[0] if named else '(none named)'}, not registered to {org_name}"
                   + (" (it is registered to another organisation)" if elsewhere else ""))
            flag = (f"flagged by migration 0002: {why}; the report's ownership is unproven "
                    f"(its verdict was {outcome or 'missing'}, now failed)")
            bind.execute(sa.text("UPDATE reports SET flag = :flag WHERE id = :id"), {"flag": flag, "id": rid})
            bind.execute(sa.text("UPDATE verdicts SET outcome = 'failed', ok = :false WHERE report_id = :id"),
                         {"false": False, "id": rid})
            _audit(bind, now, "report.flag", "report", digest, organisation=org_name,
                   previous_outcome=outcome, keyids=named[:4], reason=why)
        last = rows[-1][0]


def _named_keyids(envelope: Any, envelope_keyids: Any) -> list[str]:
    """Key ids the report names (its signatures' keyids, the predicate's signer), best first."""
    if not isinstance(envelope, dict):
        return []
    statement: Any = {}
    try:
        import base64

        statement = json.loads(base64.b64decode(str(envelope.get("payload", "")), validate=True))
    except ValueError:
        statement = {}
    result: list[str] = envelope_keyids(envelope, statement if isinstance(statement, dict) else {})
    return result


def downgrade() -> None:
    """Drop what 0002 added (registered keys, outcomes and flags are lost)."""
    op.drop_index("ix_signing_keys_organisation_id", table_name="signing_keys")
    op.drop_table("signing_keys")
    # native ALTER TABLE ... DROP COLUMN (PostgreSQL; SQLite >= 3.35), no table copy
    for table, column in (("reports", "signer_keyid"), ("reports", "flag"),
                          ("verdicts", "outcome"), ("verdicts", "partial")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
