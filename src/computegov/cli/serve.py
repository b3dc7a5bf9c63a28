"""``computegov serve``: the dashboard, the JSON API and the compute-report registry."""

from __future__ import annotations

import os
from typing import Any

import typer

from computegov.cli.common import console, exit_with, guarded, print_json

__all__ = ["register", "serve", "unkeyed_organisations", "worker_pool"]


@guarded
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (0.0.0.0 for all)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        envvar="COMPUTEGOV_DATABASE_URL",
        help="SQLAlchemy URL (postgresql+psycopg://user:pass@host/db); default SQLite in the "
        "user data dir.",
    ),
    max_body_mb: float = typer.Option(
        5.0,
        "--max-body-mb",
        min=0.01,
        max=1024.0,
        help="Largest request body accepted, MiB (larger get 413). It caps the size of a submitted "
        "report with its ledger: 5 MiB holds a ledger of roughly 10,000 records (400-600 bytes each).",
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64,
        help="Worker processes sharing the port (uvicorn workers). Use several on PostgreSQL; on SQLite "
        "writers queue on the file lock, so more workers help reads only.",
    ),
    head_timeout_s: float = typer.Option(
        10.0, "--head-timeout", min=0.1, max=600.0,
        help="Seconds a client has to send its request line and headers; slower ones are disconnected.",
    ),
    body_timeout_s: float = typer.Option(
        60.0, "--body-timeout", min=0.1, max=3600.0,
        help="Seconds a client has to send a whole request body; slower ones get 408 and are disconnected.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the start-up facts as JSON, then serve."),
) -> None:
    """Serve the dashboard and the registry (API docs at /api/docs)."""
    try:
        import uvicorn

        from computegov.web import create_app
    except ImportError as err:  # pragma: no cover - the server extra is missing
        exit_with(f"the web server needs the 'server' extra: pip install 'computegov[server]' ({err.name})")
    from sqlalchemy.exc import SQLAlchemyError

    from computegov.web.server import DEFAULT_KEEP_ALIVE_S, GuardedH11Protocol, serve_forever

    max_body_bytes = int(max_body_mb * 1024 * 1024)
    try:  # migrates the database and creates the log key once, before any worker starts
        app = create_app(database_url, max_body_bytes=max_body_bytes, body_timeout_s=body_timeout_s)
    except SQLAlchemyError as err:
        exit_with(f"cannot open the database: {err.__class__.__name__}: {str(err).splitlines()[0]}")
    store = app.state.store
    log_key = store.log_public_key()  # created on first start (mode 0600)
    keyless = unkeyed_organisations(store)
    pool_size, max_overflow = worker_pool(workers)
    if as_json:
        print_json({"url": f"http://{host}:{port}/", "database": store.dialect, "workers": workers,
                    "pool_size": pool_size, "max_overflow": max_overflow,
                    "max_body_bytes": max_body_bytes, "head_timeout_s": head_timeout_s,
                    "body_timeout_s": body_timeout_s, "log_keyid": log_key["keyid"],
                    "log_public_key_hex": log_key["public_key_hex"], "organisations_without_key": keyless})
    else:
        console.print(
            f"computegov serving on http://{host}:{port}/ (database: {store.dialect}, {workers} worker"
            f"{'s' if workers > 1 else ''}, request bodies up to {max_body_mb:g} MiB, headers within "
            f"{head_timeout_s:g} s, bodies within {body_timeout_s:g} s); Ctrl+C to stop", highlight=False
        )
        console.print(f"transparency log key id {log_key['keyid']} (public key {log_key['public_key_hex']}); "
                      "monitors pin it: computegov log monitor URL --state FILE --pin-key KEY", highlight=False)
        if keyless:
            console.print(
                f"note: {', '.join(keyless)} can log in but registered no signing key, so every report "
                "they submit is refused (403); register one with: computegov registry key add ORG KEY.pub",
                highlight=False,
            )
        budget = _pool_budget(store, workers)
        if budget is not None:
            console.print(budget, highlight=False)
        if store.dialect == "postgresql":
            console.print(f"database pool per worker: {pool_size} connections + {max_overflow} under load "
                          "($COMPUTEGOV_DB_POOL_SIZE, $COMPUTEGOV_DB_MAX_OVERFLOW)", highlight=False)
        if workers > 1 and store.dialect == "sqlite":
            console.print("note: on SQLite the workers' writes queue on one file lock; PostgreSQL lets them "
                          "run side by side (--database-url postgresql+psycopg://...)", highlight=False)
    if workers == 1:
        os.environ["COMPUTEGOV_HEAD_TIMEOUT_S"] = str(head_timeout_s)  # read by GuardedH11Protocol
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False,
                    timeout_keep_alive=DEFAULT_KEEP_ALIVE_S, http=GuardedH11Protocol)
        return
    url = store.url
    store.close()
    serve_forever(database_url=url, host=host, port=port, workers=workers, max_body_bytes=max_body_bytes,
                  head_timeout_s=head_timeout_s, body_timeout_s=body_timeout_s)


def worker_pool(workers: int) -> tuple[int, int]:
    """(pool_size, max_overflow) each worker's PostgreSQL pool gets.

    ``$COMPUTEGOV_DB_POOL_SIZE`` / ``$COMPUTEGOV_DB_MAX_OVERFLOW`` when set; else 20 + 0 for one
    worker and an equal share of 60 connections for several (at most 20 each, kept open)
    (:func:`computegov.registry.database.pool_for_workers`).
    """
    from computegov.registry.database import (
        DEFAULT_MAX_OVERFLOW,
        DEFAULT_POOL_SIZE,
        ENV_MAX_OVERFLOW,
        ENV_POOL_SIZE,
        pool_for_workers,
        pool_settings,
    )

    size, overflow = pool_for_workers(workers) if workers > 1 else (DEFAULT_POOL_SIZE, DEFAULT_MAX_OVERFLOW)
    env_size, env_overflow = pool_settings()  # a bad setting is refused here, before any worker starts
    return (env_size if os.environ.get(ENV_POOL_SIZE, "").strip() else size,
            env_overflow if os.environ.get(ENV_MAX_OVERFLOW, "").strip() else overflow)


def _pool_budget(store: Any, workers: int) -> str | None:
    """A warning when the workers' connection pools could exceed PostgreSQL's ``max_connections``."""
    if store.dialect != "postgresql":
        return None
    from computegov.registry.logproofs import PROOF_CONNECTIONS_PER_PROCESS

    per_worker = sum(worker_pool(workers)) + PROOF_CONNECTIONS_PER_PROCESS
    try:
        with store.engine.connect() as conn:
            limit = int(conn.exec_driver_sql("SHOW max_connections").scalar() or 0)
    except Exception:  # the note is advice only; serving goes on
        return None
    if limit and per_worker * workers > limit * 0.8:
        return (f"note: {workers} workers x up to {per_worker} connections each (pool and log proofs) may exceed "
                f"PostgreSQL's "
                f"max_connections ({limit}, less what other clients use); use fewer workers or raise it")
    return None


def unkeyed_organisations(store: Any) -> list[str]:
    """Organisations with a live API token but no live signing key (their submissions get 403)."""
    with_tokens = {t.organisation for t in store.list_tokens() if t.revoked_at is None}
    return sorted(o.name for o in store.list_orgs() if o.name in with_tokens and not o.keyids)


def register(app: typer.Typer) -> None:
    """Add ``computegov serve``."""
    app.command("serve")(serve)
