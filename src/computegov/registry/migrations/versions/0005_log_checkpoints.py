"""C2SP checkpoints of the transparency log, with the witness cosignatures they gathered.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

Creates ``log_checkpoints``: one row per checkpoint the registry signed (c2sp.org/tlog-checkpoint
signed note: the log's Ed25519 signature and its timestamped cosignature/v1 signature, then any
witness cosignatures appended), with its tree size and signing time (POSIX s). Nothing else changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``log_checkpoints``."""
    op.create_table(
        "log_checkpoints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("timestamp_s", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_log_checkpoints_tree_size", "log_checkpoints", ["tree_size"])


def downgrade() -> None:
    """Drop ``log_checkpoints``."""
    op.drop_index("ix_log_checkpoints_tree_size", "log_checkpoints")
    op.drop_table("log_checkpoints")
