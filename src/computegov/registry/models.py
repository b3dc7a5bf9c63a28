"""SQLAlchemy 2 table definitions of the registry (the Alembic migrations create them).

Tables: ``organisations``, ``api_tokens`` (hash only), ``signing_keys`` (the Ed25519 public
keys each organisation registered; a report is accepted only when one of them signed it),
``reports`` (the submitted DSSE envelope and optional ledger, keyed by the envelope's SHA-256,
with the registered key that signed it), ``verdicts`` (what the verifier concluded on arrival:
``verified``, ``failed`` or ``incomplete``) and ``audit_events`` (one row per change, written in
the same transaction). The transparency log (migration 0003) is ``log_leaves`` (one row per
logged entry, its canonical JSON and RFC 6962 leaf hash), ``log_nodes`` (the hash of every
complete aligned subtree above the leaves) and ``log_tree_heads`` (every signed tree head); migration 0005 adds ``log_checkpoints`` (C2SP
signed-note checkpoints with witness cosignatures).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "OUTCOMES",
    "ApiToken",
    "AuditEvent",
    "Base",
    "CounterVerdict",
    "LogCheckpoint",
    "LogLeaf",
    "LogNode",
    "LogTreeHead",
    "Organisation",
    "Report",
    "SigningKey",
    "VerdictRow",
]

#: The three outcomes of a verdict; only ``verified`` passes (see :mod:`computegov.ledger.verdict`).
OUTCOMES = ("verified", "failed", "incomplete")


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of the registry tables."""


class Organisation(Base):
    """A lab or other body that submits compute reports."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    #: ``lab`` (submits reports) or ``verifier`` (may post signed counter-verdicts); migration 0003.
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="lab", server_default="lab")
    #: Legacy (revision 0001): copied into ``signing_keys`` by migration 0002; no longer read.
    public_key_pem: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="organisation")
    keys: Mapped[list[SigningKey]] = relationship(back_populates="organisation")


class SigningKey(Base):
    """An Ed25519 public key an organisation registered; a key belongs to one organisation, ever."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    keyid: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    public_key_pem: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    organisation: Mapped[Organisation] = relationship(back_populates="keys")


class ApiToken(Base):
    """One API token of an organisation; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    organisation: Mapped[Organisation] = relationship(back_populates="tokens")


class Report(Base):
    """A submitted compute report (DSSE envelope), stored once per envelope digest."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest_sha256: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    envelope_json: Mapped[str] = mapped_column(Text, nullable=False)
    ledger_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    summary_json: Mapped[str] = mapped_column(Text, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    total_flop: Mapped[float | None] = mapped_column(Float, nullable=True)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: key id of the registered key that signed it (None: a row from before migration 0002 that
    #: no key registered to its organisation verifies; then ``flag`` says so).
    signer_keyid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: why the row is not trusted as stored (set by migration 0002), or None.
    flag: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: SHA-256 of the Statement's canonical JSON: the report's identity whatever signatures its
    #: envelope carries (migration 0004; unique, so one organisation holds a payload).
    payload_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)

    verdict: Mapped[VerdictRow] = relationship(back_populates="report", uselist=False)
    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (Index("ix_reports_submitted_at", "submitted_at"),
                      Index("ux_reports_payload_sha256", "payload_sha256", unique=True))


class VerdictRow(Base):
    """The verifier's verdict on a report, computed when it arrived."""

    __tablename__ = "verdicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="RESTRICT"), unique=True, nullable=False
    )
    ok: Mapped[bool] = mapped_column(Boolean, nullable=False)
    #: ``verified``, ``failed`` or ``incomplete`` (:data:`OUTCOMES`); ``ok`` is ``outcome == "verified"``.
    outcome: Mapped[str] = mapped_column(String(16), nullable=False, default="failed")
    #: True when evidence was missing and accepted explicitly (the verdict is partial).
    partial: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    verifier: Mapped[str] = mapped_column(String(100), nullable=False)
    verdict_json: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    report: Mapped[Report] = relationship(back_populates="verdict")


class AuditEvent(Base):
    """One change to the registry: who did what to which object, when."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100), nullable=False)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    object_type: Mapped[str] = mapped_column(String(40), nullable=False)
    object_id: Mapped[str] = mapped_column(String(100), nullable=False)
    detail_json: Mapped[str] = mapped_column(Text, nullable=False, default="{}")


class LogLeaf(Base):
    """One entry of the transparency log: its canonical JSON and RFC 6962 leaf hash (hex)."""

    __tablename__ = "log_leaves"

    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    #: what the entry is about: a report digest, an organisation name, a key id.
    subject: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    entry_json: Mapped[str] = mapped_column(Text, nullable=False)
    leaf_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class LogNode(Base):
    """The hash (hex) of the complete aligned subtree ``(level, node_index)``, level >= 1."""

    __tablename__ = "log_nodes"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    node_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class LogTreeHead(Base):
    """A signed tree head: the log's size and root, when, and the registry's Ed25519 signature."""

    __tablename__ = "log_tree_heads"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    timestamp_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    keyid: Mapped[str] = mapped_column(String(64), nullable=False)
    signature: Mapped[str] = mapped_column(String(128), nullable=False)


class CounterVerdict(Base):
    """A verifier organisation's signed verdict on a report; kept beside the registry's, never replacing it."""

    __tablename__ = "counter_verdicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="RESTRICT"), nullable=False, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), nullable=False)
    signer_keyid: Mapped[str] = mapped_column(String(64), nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    #: the signed payload (canonical JSON): outcome, what was replayed, at what cost.
    payload_json: Mapped[str] = mapped_column(Text, nullable=False)
    envelope_json: Mapped[str] = mapped_column(Text, nullable=False)
    leaf_index: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class LogCheckpoint(Base):
    """A C2SP checkpoint the registry signed (migration 0005): the signed note, with witness cosignatures appended."""

    __tablename__ = "log_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    #: POSIX seconds of the log's timestamped signature.
    timestamp_s: Mapped[int] = mapped_column(BigInteger, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
