"""The transparency log: leaves, complete-subtree hashes and signed tree heads.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

What it does, on SQLite and PostgreSQL alike:

* creates ``log_leaves`` (leaf index, kind, subject, canonical entry JSON, RFC 6962 leaf hash),
  ``log_nodes`` (the hash of every complete aligned subtree above the leaves) and
  ``log_tree_heads`` (every signed tree head);
* adds ``organisations.kind`` (``lab``, the default for every existing one, or ``verifier``) and
  ``counter_verdicts`` (a verifier's signed verdict on a report, kept beside the registry's);
* logs what is already stored, in id order, so the log starts with the registry as it stands:
  each organisation (a ``org.create`` event at its creation time), each registered key (``key.add``,
  then ``key.revoke`` if revoked), and each report with its verdict (a ``report`` and a
  ``verdict`` leaf). Earlier history (the audit trail before 0003) is not in the log; the log
  proves nothing about it. Nothing is changed or deleted.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

from computegov.registry.logentries import event_entry, report_entry, verdict_entry
from computegov.registry.logstore import append_entry

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ACTOR = "migration 0003"


def _iso(value: dt.datetime | str | None) -> str:
    if value is None:
        return dt.datetime.now(dt.UTC).isoformat()
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()


def upgrade() -> None:
    """Create the log tables, then log every stored organisation, key, report and verdict."""
    op.create_table(
        "log_leaves",
        sa.Column("leaf_index", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("entry_json", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_log_leaves_subject", "log_leaves", ["subject"])
    op.create_table(
        "log_nodes",
        sa.Column("level", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("node_index", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "log_tree_heads",
        sa.Column("tree_size", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("keyid", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
    )
    op.add_column("organisations", sa.Column("kind", sa.String(16), nullable=False, server_default="lab"))
    op.create_table(
        "counter_verdicts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("reports.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisations.id", ondelete="RESTRICT"),
                  nullable=False),
        sa.Column("signer_keyid", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("envelope_json", sa.Text(), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_counter_verdicts_report_id", "counter_verdicts", ["report_id"])
    _log_existing(op.get_bind())


def _event(conn: sa.Connection, at: str, action: str, obj_type: str, obj_id: str, **detail: object) -> None:
    append_entry(conn, "event", obj_id, event_entry(at=at, actor=_ACTOR, action=action, object_type=obj_type,
                                                   object_id=obj_id, detail=detail))


def _log_existing(conn: sa.Connection) -> None:
    orgs = {}
    for oid, name, created in conn.execute(sa.text("SELECT id, name, created_at FROM organisations ORDER BY id")):
        orgs[oid] = name
        _event(conn, _iso(created), "org.create", "organisation", name)
    keys = conn.execute(sa.text(
        "SELECT organisation_id, keyid, created_at, revoked_at FROM signing_keys ORDER BY id")).all()
    for oid, keyid, created, revoked in keys:
        _event(conn, _iso(created), "key.add", "signing_key", keyid, organisation=orgs.get(oid))
        if revoked is not None:
            _event(conn, _iso(revoked), "key.revoke", "signing_key", keyid, organisation=orgs.get(oid))
    rows = conn.execute(sa.text(
        "SELECT r.digest_sha256, r.organisation_id, r.signer_keyid, r.envelope_json, r.ledger_text, r.title, "
        "r.total_flop, v.verifier, v.outcome, v.partial, v.verdict_json FROM reports r "
        "JOIN verdicts v ON v.report_id = r.id ORDER BY r.id")).all()
    for digest, oid, signer, env, ledger, title, flop, verifier, outcome, partial, verdict in rows:
        append_entry(conn, "report", digest, report_entry(
            digest_sha256=digest, organisation=orgs.get(oid, ""), signer_keyid=signer, envelope=json.loads(env),
            ledger_text=ledger, title=title, total_flop=flop))
        append_entry(conn, "verdict", digest, verdict_entry(
            report_digest=digest, verifier=verifier, outcome=outcome, partial=bool(partial),
            verdict=json.loads(verdict)))


def downgrade() -> None:
    """Drop the log (its leaves and signed heads are lost) and the verifiers' counter-verdicts."""
    op.drop_index("ix_counter_verdicts_report_id", table_name="counter_verdicts")
    op.drop_table("counter_verdicts")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("kind")
    op.drop_table("log_tree_heads")
    op.drop_table("log_nodes")
    op.drop_index("ix_log_leaves_subject", table_name="log_leaves")
    op.drop_table("log_leaves")
