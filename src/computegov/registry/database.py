"""The registry's database connection: URL, engine, Alembic migrations and transactions.

SQLite is the default (a file in the user data dir, WAL mode, writes under ``BEGIN IMMEDIATE``
so concurrent writers queue instead of failing); PostgreSQL is used when a
``postgresql+psycopg://`` URL is given. :class:`Database` is the base of
:class:`~computegov.registry.store.Store`; it owns no tables.
"""

from __future__ import annotations

import datetime as dt
import os
import select
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from computegov.errors import InputError
from computegov.registry import timings

__all__ = ["Database", "aware", "default_database_url", "make_engine", "pool_for_workers", "pool_settings"]

_migrate_lock = threading.Lock()

#: Connections a PostgreSQL engine keeps open (``pool_size``) and may open beyond them under load
#: (``max_overflow``), per process; ``$COMPUTEGOV_DB_POOL_SIZE`` / ``$COMPUTEGOV_DB_MAX_OVERFLOW``.
#: No overflow by default: an overflow connection is closed when it is given back while the pool is
#: full, so under sustained load every request beyond ``pool_size`` opened a new connection (a
#: PostgreSQL backend process) and closed it; 20 + 0 allows the 20 connections 10 + 10 did, kept open.
DEFAULT_POOL_SIZE = 20
DEFAULT_MAX_OVERFLOW = 0
ENV_POOL_SIZE = "COMPUTEGOV_DB_POOL_SIZE"
ENV_MAX_OVERFLOW = "COMPUTEGOV_DB_MAX_OVERFLOW"
#: Connections all of ``serve --workers N``'s pools may hold together: PostgreSQL's default
#: ``max_connections`` is 100 (https://www.postgresql.org/docs/15/runtime-config-connection.html: "typically 100";
#: `serve` reads the server's own value and warns); this leaves 40 for monitors, migrations, psql.
DEFAULT_CONNECTION_BUDGET = 60
#: Seconds a request waits for a pooled connection before failing (SQLAlchemy's default).
POOL_TIMEOUT_S = 30
#: Seconds after which a pooled connection is replaced.
POOL_RECYCLE_S = 1800
#: A pooled connection idle longer than this (s) is pinged at checkout (see ``_check_on_checkout``).
PING_IDLE_S = 10.0


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


def aware(moment: dt.datetime | None) -> dt.datetime | None:
    """``moment`` as a UTC-aware datetime (SQLite hands back naive ones; every stored time is UTC)."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Database:
    """Engine, sessions and migrations of the registry database.

    Args:
        database_url: SQLAlchemy URL (``sqlite:///path`` or ``postgresql+psycopg://...``);
            None means :func:`default_database_url`.
        migrate: run the Alembic migrations to the latest revision on open.
    """

    def __init__(self, database_url: str | None = None, *, migrate: bool = True) -> None:
        self.url = database_url or default_database_url()
        self.engine = make_engine(self.url)
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
        """A session in a write transaction, committed on success, rolled back on error.

        Within a recorded request (:mod:`computegov.registry.timings`), the wait for SQLite's
        write lock counts as phase ``lock`` and the commit (with its fsync) as ``commit``.
        """
        with self._sessions() as session:
            with session.begin():
                if self.dialect == "sqlite":
                    with timings.phase("lock"):  # BEGIN IMMEDIATE: the database's one writer
                        session.connection(execution_options={"sqlite_immediate": True})
                yield session
                committing = time.perf_counter()
            phases = timings.current()
            if phases is not None:
                phases.add("commit", time.perf_counter() - committing)

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session


def make_engine(url: str) -> Engine:
    """A SQLAlchemy engine for ``url`` (SQLite: foreign keys, WAL, ``BEGIN IMMEDIATE`` writes).

    Args:
        url: SQLAlchemy URL; a bare ``postgresql://`` URL is given the psycopg 3 driver.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")  # ms
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
    size, overflow = pool_settings()
    # recycle: no connection older than half an hour (idle-session limits, proxies)
    engine = create_engine(url, pool_size=size, max_overflow=overflow, pool_timeout=POOL_TIMEOUT_S,
                           pool_recycle=POOL_RECYCLE_S)
    _check_on_checkout(engine)
    return engine


def _check_on_checkout(engine: Engine) -> None:
    """Replace a dead pooled connection at checkout, without a round trip for a live one.

    ``pool_pre_ping`` sends a query on every checkout: one round trip each, ~6 per submission,
    most of them on connections used milliseconds earlier. Instead a connection is pinged only
    when it sat idle longer than :data:`PING_IDLE_S`; a recently used one is checked by looking
    at its socket: an idle PostgreSQL connection has nothing to read, so a readable socket means
    the server closed it or sent its last words (``FATAL: terminating connection``, on a restart
    or ``pg_terminate_backend``). Either way the pool is told to open a fresh connection
    (``DisconnectionError`` makes it retry), so a restarted server still costs no failed request.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since_s"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since_s")
        if since is None:  # a fresh connection
            return
        if _socket_has_data(dbapi_conn):
            raise DisconnectionError("the server closed this pooled connection")
        if time.monotonic() - since > PING_IDLE_S:
            try:
                engine.dialect.do_ping(dbapi_conn)
            except Exception as err:
                raise DisconnectionError(f"a pooled connection did not answer a ping: {err}") from err


def _socket_has_data(dbapi_conn: Any) -> bool:
    """True when an idle connection's socket is readable or closed (no socket: cannot tell, False)."""
    if getattr(dbapi_conn, "closed", False) or getattr(dbapi_conn, "broken", False):
        return True
    try:
        fd = dbapi_conn.pgconn.socket
    except Exception:  # not psycopg 3, or no socket: leave it to the idle ping
        return False
    try:
        readable, _, failed = select.select([fd], [], [fd], 0)
    except (OSError, ValueError):
        return True
    return bool(readable or failed)


def pool_settings() -> tuple[int, int]:
    """(pool_size, max_overflow) of a PostgreSQL engine, per process.

    ``$COMPUTEGOV_DB_POOL_SIZE`` and ``$COMPUTEGOV_DB_MAX_OVERFLOW``, else :data:`DEFAULT_POOL_SIZE`
    and :data:`DEFAULT_MAX_OVERFLOW`.

    Raises:
        InputError: a setting that is not a whole number in 1..200 (0..200 for the overflow).
    """
    out = []
    for name, default, low in ((ENV_POOL_SIZE, DEFAULT_POOL_SIZE, 1), (ENV_MAX_OVERFLOW, DEFAULT_MAX_OVERFLOW, 0)):
        raw = os.environ.get(name, "").strip()
        try:
            value = int(raw) if raw else default
        except ValueError:
            raise InputError(f"${name}={raw!r}: expected a whole number of connections") from None
        if not low <= value <= 200:
            raise InputError(f"${name}={value}: expected {low} to 200 connections")
        out.append(value)
    return out[0], out[1]


def pool_for_workers(workers: int, budget: int = DEFAULT_CONNECTION_BUDGET) -> tuple[int, int]:
    """(pool_size, max_overflow) per worker so that ``workers`` pools together stay within ``budget``.

    A worker serves at most 40 requests at once (the thread pool FastAPI runs endpoints in), and a
    request holds one connection at a time; new reports that arrive together share one writing
    connection (the group commit). Each worker gets an equal share of ``budget``, at most
    :data:`DEFAULT_POOL_SIZE` and at least 4, kept open (no overflow: see :data:`DEFAULT_MAX_OVERFLOW`):
    PostgreSQL refuses connections beyond its ``max_connections`` (100 by default, a few of them
    reserved).
    """
    share = max(4, budget // max(1, workers))
    return min(DEFAULT_POOL_SIZE, share), DEFAULT_MAX_OVERFLOW
