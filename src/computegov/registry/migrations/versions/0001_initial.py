"""Initial registry schema: organisations, API tokens, reports, verdicts, audit events.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("public_key_pem", sa.Text, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "organisation_id",
            sa.Integer,
            sa.ForeignKey("organisations.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS, nullable=True),
    )
    op.create_index("ix_api_tokens_organisation_id", "api_tokens", ["organisation_id"])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("digest_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "organisation_id",
            sa.Integer,
            sa.ForeignKey("organisations.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("envelope_json", sa.Text, nullable=False),
        sa.Column("ledger_text", sa.Text, nullable=True),
        sa.Column("summary_json", sa.Text, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("total_flop", sa.Float, nullable=True),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("submitted_at", _TS, nullable=False),
        sa.Column("withdrawn_at", _TS, nullable=True),
    )
    op.create_index("ix_reports_organisation_id", "reports", ["organisation_id"])
    op.create_index("ix_reports_submitted_at", "reports", ["submitted_at"])
    op.create_table(
        "verdicts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="RESTRICT"),
            nullable=False,
            unique=True,
        ),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("verifier", sa.String(100), nullable=False),
        sa.Column("verdict_json", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("object_id", sa.String(100), nullable=False),
        sa.Column("detail_json", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])


def downgrade() -> None:
    """Drop every table (loses all data)."""
    for table in ("audit_events", "verdicts", "reports", "api_tokens", "organisations"):
        op.drop_table(table)
