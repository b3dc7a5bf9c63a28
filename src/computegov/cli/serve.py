"""``computegov serve``: the dashboard, the JSON API and the compute-report registry."""

from __future__ import annotations

from typing import Any

import typer

from computegov.cli.common import console, exit_with, guarded

__all__ = ["register", "serve", "unkeyed_organisations"]


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
) -> None:
    """Serve the dashboard and the registry (API docs at /api/docs)."""
    try:
        import uvicorn

        from computegov.registry import create_app
    except ImportError as err:  # pragma: no cover - the server extra is missing
        exit_with(f"the web server needs the 'server' extra: pip install 'computegov[server]' ({err.name})")
    from sqlalchemy.exc import SQLAlchemyError

    try:
        app = create_app(database_url, max_body_bytes=int(max_body_mb * 1024 * 1024))
    except SQLAlchemyError as err:
        exit_with(f"cannot open the database: {err.__class__.__name__}: {str(err).splitlines()[0]}")
    console.print(
        f"computegov serving on http://{host}:{port}/ (database: {app.state.store.dialect}, "
        f"request bodies up to {max_body_mb:g} MiB); Ctrl+C to stop", highlight=False
    )
    log_key = app.state.store.log_public_key()  # created on first start (mode 0600)
    console.print(f"transparency log key id {log_key['keyid']} (public key {log_key['public_key_hex']}); "
                  "monitors pin it: computegov log monitor URL --state FILE --pin-key KEY", highlight=False)
    keyless = unkeyed_organisations(app.state.store)
    if keyless:
        console.print(
            f"note: {', '.join(keyless)} can log in but registered no signing key, so every report "
            "they submit is refused (403); register one with: computegov registry key add ORG KEY.pub",
            highlight=False,
        )
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)


def unkeyed_organisations(store: Any) -> list[str]:
    """Organisations with a live API token but no live signing key (their submissions get 403)."""
    with_tokens = {t.organisation for t in store.list_tokens() if t.revoked_at is None}
    return sorted(o.name for o in store.list_orgs() if o.name in with_tokens and not o.keyids)


def register(app: typer.Typer) -> None:
    """Add ``computegov serve``."""
    app.command("serve")(serve)
