"""A report's identity is its payload: ``reports.payload_sha256``, unique.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

Adds ``reports.payload_sha256`` (SHA-256 of the envelope's Statement in canonical JSON, the same
whatever signatures the envelope carries) and a unique index on it, so one organisation holds a
given payload. Existing rows are filled in id order; when two stored rows carry the same payload
(another organisation's signature appended, or the payload re-signed: possible before this
revision), the first keeps the digest and the later ones are left NULL and flagged, so they are
never shown as verified. Nothing is deleted; the log is not touched.
"""

from __future__ import annotations

import base64
import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_DUPLICATE_FLAG = ("the same payload was stored earlier under another envelope (migration 0004: a report's identity "
                   "is its payload, so this copy is not the report)")


def _payload_sha256(envelope_json: str) -> str | None:
    try:
        statement = json.loads(base64.b64decode(json.loads(envelope_json)["payload"], validate=True))
        canonical = json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (ValueError, KeyError, TypeError):
        return None
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def upgrade() -> None:
    """Add the column and its unique index, and fill it for every stored report."""
    op.add_column("reports", sa.Column("payload_sha256", sa.String(64), nullable=True))
    conn = op.get_bind()
    seen: set[str] = set()
    for rid, envelope_json, flag in conn.execute(
            sa.text("SELECT id, envelope_json, flag FROM reports ORDER BY id")).all():
        digest = _payload_sha256(envelope_json)
        if digest is None:
            continue
        if digest in seen:
            conn.execute(sa.text("UPDATE reports SET flag = :flag WHERE id = :id"),
                         {"flag": flag or _DUPLICATE_FLAG, "id": rid})
            continue
        seen.add(digest)
        conn.execute(sa.text("UPDATE reports SET payload_sha256 = :d WHERE id = :id"), {"d": digest, "id": rid})
    op.create_index("ux_reports_payload_sha256", "reports", ["payload_sha256"], unique=True)


def downgrade() -> None:
    """Drop the index and the column."""
    op.drop_index("ux_reports_payload_sha256", table_name="reports")
    op.drop_column("reports", "payload_sha256")
