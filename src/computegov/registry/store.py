"""The registry's database: organisations, tokens, reports, verdicts and the audit trail.

:class:`Store` is the only code that talks SQL. It runs the Alembic migrations on open, keeps
every change in one transaction together with its audit row, and returns frozen dataclasses
(never ORM objects). SQLite is the default (a file in the user data dir, WAL mode, writes
under ``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing); PostgreSQL is used
when a ``postgresql+psycopg://`` URL is given.

Report identity is the envelope digest. :meth:`Store.submit` is idempotent: the same digest
from the same organisation returns the stored record (``created=False``); from another
organisation it raises :class:`ConflictError` and changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, sessionmaker

from computegov.errors import InputError
from computegov.registry import tokens as tokenlib
from computegov.registry.models import (
    ApiToken,
    AuditEvent,
    Organisation,
    Report,
    VerdictRow,
    utcnow,
)
from computegov.registry.submission import ParsedSubmission, canonical_json

__all__ = [
    "AuditInfo",
    "ConflictError",
    "ForbiddenError",
    "NotFoundError",
    "OrgInfo",
    "ReportInfo",
    "Store",
    "SubmitOutcome",
    "TokenInfo",
    "default_database_url",
    "validate_org_name",
]

logger = logging.getLogger(__name__)

_ORG_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_migrate_lock = threading.Lock()


class NotFoundError(InputError):
    """No such report or organisation (HTTP 404)."""

    status_code = 404


class ForbiddenError(InputError):
    """The organisation may not change this object (HTTP 403)."""

    status_code = 403


class ConflictError(InputError):
    """The object exists and belongs to someone else, or already exists (HTTP 409)."""

    status_code = 409


def validate_org_name(name: str) -> str:
    """Return ``name`` if it is a valid organisation name.

    Raises:
        InputError: not 1-64 of letters, digits, ``-``, ``_``, starting with a letter or digit.
    """
    if not isinstance(name, str) or not _ORG_NAME.fullmatch(name):
        raise InputError(
            f"organisation name {name!r}: expected 1 to 64 letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return name


def default_database_url() -> str:
    """``$COMPUTEGOV_DATABASE_URL``, else SQLite in ``$COMPUTEGOV_DATA_DIR`` or the user data dir."""
    url = os.environ.get("COMPUTEGOV_DATABASE_URL")
    if url:
        return url
    data_dir = os.environ.get("COMPUTEGOV_DATA_DIR")
    if not data_dir:
        import platformdirs

        data_dir = platformdirs.user_data_dir("computegov")
    path = Path(data_dir)
    path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path / 'registry.sqlite3'}"


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class OrgInfo:
    """An organisation."""

    id: int
    name: str
    created_at: dt.datetime
    public_key_pem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"name": self.name, "created_at": self.created_at.isoformat(),
                "has_public_key": self.public_key_pem is not None}


@dataclasses.dataclass(frozen=True)
class TokenInfo:
    """An API token's public facts (never the token itself)."""

    organisation: str
    prefix: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "organisation": self.organisation,
            "prefix": self.prefix,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


@dataclasses.dataclass(frozen=True)
class ReportInfo:
    """A stored report with its verdict."""

    digest_sha256: str
    organisation: str
    title: str
    total_flop: float | None
    size_bytes: int
    submitted_at: dt.datetime
    withdrawn_at: dt.datetime | None
    verdict_ok: bool
    verifier: str
    verdict: dict[str, Any]
    summary: dict[str, Any]
    has_ledger: bool
    envelope: dict[str, Any] | None = None

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """JSON-ready form; ``full`` adds the verdict's checks and the envelope."""
        out: dict[str, Any] = {
            "digest_sha256": self.digest_sha256,
            "organisation": self.organisation,
            "title": self.title,
            "total_flop": self.total_flop,
            "size_bytes": self.size_bytes,
            "submitted_at": self.submitted_at.isoformat(),
            "withdrawn_at": self.withdrawn_at.isoformat() if self.withdrawn_at else None,
            "verdict_ok": self.verdict_ok,
            "verifier": self.verifier,
            "has_ledger": self.has_ledger,
        }
        if full:
            out["verdict"] = self.verdict
            out["summary"] = self.summary
            out["envelope"] = self.envelope
        return out


@dataclasses.dataclass(frozen=True)
class SubmitOutcome:
    """Result of :meth:`Store.submit`: ``created`` is False for an idempotent resubmission."""

    created: bool
    report: ReportInfo


@dataclasses.dataclass(frozen=True)
class AuditInfo:
    """One audit event."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    detail: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "detail": self.detail,
        }


def _report_info(row: Report, *, full: bool = False) -> ReportInfo:
    verdict = row.verdict
    return ReportInfo(
        digest_sha256=row.digest_sha256,
        organisation=row.organisation.name,
        title=row.title,
        total_flop=row.total_flop,
        size_bytes=row.size_bytes,
        submitted_at=_aware(row.submitted_at) or utcnow(),
        withdrawn_at=_aware(row.withdrawn_at),
        verdict_ok=bool(verdict.ok),
        verifier=verdict.verifier,
        verdict=json.loads(verdict.verdict_json),
        summary=json.loads(row.summary_json),
        has_ledger=row.ledger_text is not None,
        envelope=json.loads(row.envelope_json) if full else None,
    )


class Store:
    """The registry database.

    Args:
        database_url: SQLAlchemy URL (``sqlite:///path`` or ``postgresql+psycopg://...``);
            None means :func:`default_database_url`.
        migrate: run the Alembic migrations to the latest revision on open.
    """

    def __init__(self, database_url: str | None = None, *, migrate: bool = True) -> None:
        self.url = database_url or default_database_url()
        self.engine = _make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the latest Alembic revision (no-op when it is there)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        with _migrate_lock, self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # one migrator at a time across processes; released at commit
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7345201)")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """A session in a write transaction, committed on success, rolled back on error."""
        with self._sessions() as session, session.begin():
            if self.dialect == "sqlite":
                session.connection(execution_options={"sqlite_immediate": True})
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    @staticmethod
    def _audit(session: Session, actor: str, action: str, obj_type: str, obj_id: str, **detail: Any) -> None:
        session.add(
            AuditEvent(
                at=utcnow(),
                actor=actor[:100],
                action=action,
                object_type=obj_type,
                object_id=obj_id[:100],
                detail_json=canonical_json(detail),
            )
        )

    # organisations and tokens -------------------------------------------------------------

    def ensure_org(self, name: str, *, public_key_pem: str | None = None, actor: str = "admin") -> OrgInfo:
        """Return the organisation ``name``, creating it (and auditing that) if needed."""
        validate_org_name(name)
        try:
            with self._write() as session:
                org = session.scalar(select(Organisation).where(Organisation.name == name))
                if org is None:
                    org = Organisation(name=name, public_key_pem=public_key_pem, created_at=utcnow())
                    session.add(org)
                    session.flush()
                    self._audit(session, actor, "org.create", "organisation", name)
                elif public_key_pem is not None and public_key_pem != org.public_key_pem:
                    org.public_key_pem = public_key_pem
                    self._audit(session, actor, "org.set_public_key", "organisation", name)
                return OrgInfo(org.id, org.name, _aware(org.created_at) or utcnow(), org.public_key_pem)
        except IntegrityError:  # created concurrently: read it back
            return self.get_org(name)

    def get_org(self, name: str) -> OrgInfo:
        """The organisation ``name``.

        Raises:
            NotFoundError: no such organisation.
        """
        with self._read() as session:
            org = session.scalar(select(Organisation).where(Organisation.name == name))
            if org is None:
                raise NotFoundError(f"no organisation named {name!r}")
            return OrgInfo(org.id, org.name, _aware(org.created_at) or utcnow(), org.public_key_pem)

    def list_orgs(self) -> list[OrgInfo]:
        """Every organisation, by name."""
        with self._read() as session:
            rows = session.scalars(select(Organisation).order_by(Organisation.name)).all()
            return [OrgInfo(o.id, o.name, _aware(o.created_at) or utcnow(), o.public_key_pem) for o in rows]

    def create_token(self, org_name: str, *, actor: str = "admin") -> tuple[str, TokenInfo]:
        """Create an API token for ``org_name`` (creating the organisation if needed).

        Returns:
            The token (shown once; only its hash is stored) and its public facts.
        """
        org = self.ensure_org(org_name, actor=actor)
        token = tokenlib.new_token()
        now = utcnow()
        prefix = tokenlib.display_prefix(token)
        with self._write() as session:
            session.add(
                ApiToken(organisation_id=org.id, token_sha256=tokenlib.hash_token(token), prefix=prefix, created_at=now)
            )
            self._audit(session, actor, "token.create", "api_token", prefix, organisation=org.name)
        return token, TokenInfo(org.name, prefix, now, None)

    def revoke_token(self, prefix: str, *, actor: str = "admin") -> TokenInfo:
        """Revoke the token whose display prefix is ``prefix``.

        Raises:
            NotFoundError: no live token has that prefix.
        """
        with self._write() as session:
            row = session.scalar(
                select(ApiToken).options(joinedload(ApiToken.organisation))
                .where(ApiToken.prefix == prefix, ApiToken.revoked_at.is_(None))
            )
            if row is None:
                raise NotFoundError(f"no live token with prefix {prefix!r}")
            row.revoked_at = utcnow()
            self._audit(session, actor, "token.revoke", "api_token", prefix, organisation=row.organisation.name)
            return TokenInfo(row.organisation.name, row.prefix, _aware(row.created_at) or utcnow(), row.revoked_at)

    def list_tokens(self, org_name: str | None = None) -> list[TokenInfo]:
        """Every token (public facts only), optionally of one organisation."""
        with self._read() as session:
            query = select(ApiToken).options(joinedload(ApiToken.organisation)).order_by(ApiToken.id)
            if org_name is not None:
                query = query.join(Organisation).where(Organisation.name == org_name)
            return [
                TokenInfo(t.organisation.name, t.prefix, _aware(t.created_at) or utcnow(), _aware(t.revoked_at))
                for t in session.scalars(query).unique().all()
            ]

    def authenticate(self, token: str) -> OrgInfo | None:
        """The organisation owning a live token, or None for an unknown or revoked token."""
        if not tokenlib.looks_like_token(token):
            return None
        with self._read() as session:
            row = session.scalar(
                select(ApiToken).options(joinedload(ApiToken.organisation))
                .where(ApiToken.token_sha256 == tokenlib.hash_token(token), ApiToken.revoked_at.is_(None))
            )
            if row is None:
                return None
            org = row.organisation
            return OrgInfo(org.id, org.name, _aware(org.created_at) or utcnow(), org.public_key_pem)

    # reports ------------------------------------------------------------------------------

    def find_report(self, digest: str, *, full: bool = False) -> ReportInfo | None:
        """The report with this envelope digest, or None."""
        with self._read() as session:
            row = session.scalar(
                select(Report)
                .options(joinedload(Report.verdict), joinedload(Report.organisation))
                .where(Report.digest_sha256 == digest)
            )
            return _report_info(row, full=full) if row else None

    def get_report(self, digest: str, *, full: bool = True) -> ReportInfo:
        """The report with this digest.

        Raises:
            NotFoundError: no such report.
        """
        info = self.find_report(digest, full=full)
        if info is None:
            raise NotFoundError(f"no report with digest {digest}")
        return info

    def get_ledger(self, digest: str) -> str | None:
        """The ledger text submitted with a report (None when there was none)."""
        with self._read() as session:
            row = session.scalar(select(Report).where(Report.digest_sha256 == digest))
            if row is None:
                raise NotFoundError(f"no report with digest {digest}")
            return row.ledger_text

    def _existing(self, org: OrgInfo, digest: str) -> SubmitOutcome | None:
        found = self.find_report(digest)
        if found is None:
            return None
        if found.organisation != org.name:
            raise ConflictError(
                f"report {digest} was already submitted by another organisation; "
                "an organisation cannot submit or overwrite another's report"
            )
        if found.withdrawn_at is not None:
            with self._write() as session:
                row = session.scalar(select(Report).where(Report.digest_sha256 == digest))
                assert row is not None
                row.withdrawn_at = None
                self._audit(session, org.name, "report.reinstate", "report", digest)
            return SubmitOutcome(False, self.get_report(digest, full=False))
        return SubmitOutcome(False, found)

    def check_submittable(self, org: OrgInfo, digest: str) -> SubmitOutcome | None:
        """The outcome of resubmitting an existing report, or None for a new one.

        Lets the caller skip verification of a report that is already stored.

        Raises:
            ConflictError: another organisation submitted this report.
        """
        return self._existing(org, digest)

    def submit(self, org: OrgInfo, parsed: ParsedSubmission, verdict: dict[str, Any], *,
               verdict_ok: bool, verifier: str) -> SubmitOutcome:
        """Store a report and its verdict, or return the stored one for a resubmission.

        Raises:
            ConflictError: another organisation submitted this report.
        """
        existing = self._existing(org, parsed.digest_sha256)
        if existing is not None:
            return existing
        now = utcnow()
        try:
            with self._write() as session:
                report = Report(
                    digest_sha256=parsed.digest_sha256,
                    organisation_id=org.id,
                    envelope_json=canonical_json(parsed.envelope),
                    ledger_text=parsed.ledger_text,
                    summary_json=canonical_json(parsed.summary),
                    title=parsed.title,
                    total_flop=parsed.total_flop,
                    size_bytes=parsed.size_bytes,
                    submitted_at=now,
                )
                session.add(report)
                session.flush()
                session.add(
                    VerdictRow(
                        report_id=report.id,
                        ok=verdict_ok,
                        verifier=verifier[:100],
                        verdict_json=canonical_json(verdict),
                        created_at=now,
                    )
                )
                self._audit(session, org.name, "report.submit", "report", parsed.digest_sha256,
                            verdict_ok=verdict_ok, verifier=verifier, size_bytes=parsed.size_bytes)
        except IntegrityError:
            # the same digest was inserted concurrently; answer as for a resubmission
            existing = self._existing(org, parsed.digest_sha256)
            if existing is None:  # pragma: no cover - integrity error for another reason
                raise
            return existing
        return SubmitOutcome(True, self.get_report(parsed.digest_sha256, full=False))

    def withdraw(self, org: OrgInfo, digest: str) -> ReportInfo:
        """Mark a report as withdrawn by its own organisation (it stays visible as withdrawn).

        Raises:
            NotFoundError: no such report.
            ForbiddenError: the report belongs to another organisation.
        """
        with self._write() as session:
            row = session.scalar(
                select(Report).options(joinedload(Report.organisation)).where(Report.digest_sha256 == digest)
            )
            if row is None:
                raise NotFoundError(f"no report with digest {digest}")
            if row.organisation_id != org.id:
                raise ForbiddenError(
                    f"report {digest} belongs to another organisation; only its submitter can withdraw it"
                )
            if row.withdrawn_at is None:
                row.withdrawn_at = utcnow()
                self._audit(session, org.name, "report.withdraw", "report", digest)
        return self.get_report(digest, full=False)

    def list_reports(self, *, organisation: str | None = None, limit: int = 50, offset: int = 0,
                     include_withdrawn: bool = True) -> tuple[list[ReportInfo], int]:
        """Reports, newest first, and the total count matching the filter."""
        with self._read() as session:
            query = select(Report).options(joinedload(Report.verdict), joinedload(Report.organisation))
            count = select(func.count(Report.id))
            if organisation is not None:
                query = query.join(Organisation).where(Organisation.name == organisation)
                count = count.join(Organisation).where(Organisation.name == organisation)
            if not include_withdrawn:
                query = query.where(Report.withdrawn_at.is_(None))
                count = count.where(Report.withdrawn_at.is_(None))
            rows = session.scalars(
                query.order_by(Report.submitted_at.desc(), Report.id.desc()).limit(limit).offset(offset)
            ).unique().all()
            return [_report_info(r) for r in rows], int(session.scalar(count) or 0)

    def count_reports(self) -> int:
        """Number of stored reports (withdrawn ones included)."""
        with self._read() as session:
            return int(session.scalar(select(func.count(Report.id))) or 0)

    def audit_log(self, *, limit: int = 100, offset: int = 0) -> list[AuditInfo]:
        """Audit events, newest first."""
        with self._read() as session:
            rows = session.scalars(
                select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit).offset(offset)
            ).all()
            return [
                AuditInfo(a.id, _aware(a.at) or utcnow(), a.actor, a.action, a.object_type, a.object_id,
                          json.loads(a.detail_json))
                for a in rows
            ]


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if ":memory:" not in url and url not in {"sqlite://", "sqlite:///"}:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            immediate = conn.get_execution_options().get("sqlite_immediate", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
