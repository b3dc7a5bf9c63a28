"""``computegov registry``: set up the registry database and manage organisation API tokens."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from computegov.cli.common import JSON_OPTION, console, exit_with, guarded, print_json

__all__ = ["register"]

registry_app = typer.Typer(
    help="The compute-report registry: database, organisations and API tokens.", no_args_is_help=True
)
token_app = typer.Typer(help="API tokens (only their hash is stored).", no_args_is_help=True)
registry_app.add_typer(token_app, name="token")

DATABASE_OPTION = typer.Option(
    None,
    "--database-url",
    envvar="COMPUTEGOV_DATABASE_URL",
    help="SQLAlchemy URL; default SQLite in the user data dir.",
)


def _store(database_url: str | None) -> Any:
    try:
        from sqlalchemy.exc import SQLAlchemyError

        from computegov.registry.store import Store
    except ImportError as err:  # pragma: no cover - the server extra is missing
        exit_with(f"the registry needs the 'server' extra: pip install 'computegov[server]' ({err.name})")
    try:
        return Store(database_url)
    except SQLAlchemyError as err:
        exit_with(f"cannot open the database: {err.__class__.__name__}: {str(err).splitlines()[0]}")


@registry_app.command("init")
@guarded
def init(database_url: str | None = DATABASE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Create or upgrade the registry database (the server also does this on start)."""
    store = _store(database_url)
    if as_json:
        print_json({"dialect": store.dialect, "database_url": store.engine.url.render_as_string(hide_password=True)})
        return
    console.print(f"registry database ready ({store.dialect}): {store.engine.url.render_as_string(hide_password=True)}",
                  highlight=False)


@token_app.command("create")
@guarded
def token_create(
    org: str = typer.Argument(..., help="Organisation name (created if new): letters, digits, '-', '_'."),
    public_key: typer.FileText | None = typer.Option(
        None, "--public-key", help="The organisation's Ed25519 public key (PEM) to verify its reports with."
    ),
    database_url: str | None = DATABASE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Create an API token for ORG. The token is shown once; only its hash is stored."""
    from computegov.registry.store import validate_org_name

    validate_org_name(org)
    store = _store(database_url)
    if public_key is not None:
        from computegov.registry.submission import SubmissionError, parse_public_key

        pem = public_key.read()
        try:
            parse_public_key(pem)
        except SubmissionError as err:
            exit_with(f"--public-key: {err}")
        store.ensure_org(org, public_key_pem=pem)
    token, info = store.create_token(org)
    if as_json:
        print_json({"organisation": org, "token": token, "prefix": info.prefix})
        return
    console.print(f"API token for [bold]{org}[/bold] (shown once; store it safely):", highlight=False)
    console.print(token, highlight=False, soft_wrap=True)


@token_app.command("revoke")
@guarded
def token_revoke(
    prefix: str = typer.Argument(..., help="The token's 8-character prefix (see `registry list`)."),
    database_url: str | None = DATABASE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Revoke a token by its prefix."""
    info = _store(database_url).revoke_token(prefix)
    if as_json:
        print_json({"prefix": info.prefix, "organisation": info.organisation, "revoked": True})
        return
    console.print(f"revoked token {info.prefix} of {info.organisation}", highlight=False)


@registry_app.command("list")
@guarded
def list_registry(database_url: str | None = DATABASE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Organisations, their tokens (prefixes only) and report counts."""
    store = _store(database_url)
    orgs = store.list_orgs()
    tokens = store.list_tokens()
    counts = {o.name: store.list_reports(organisation=o.name, limit=1)[1] for o in orgs}
    if as_json:
        print_json({
            "organisations": [{**o.to_dict(), "reports": counts[o.name]} for o in orgs],
            "tokens": [t.to_dict() for t in tokens],
        })
        return
    table = Table(title="Registry organisations")
    for col in ("organisation", "reports", "live tokens", "revoked tokens"):
        table.add_column(col)
    for o in orgs:
        mine = [t for t in tokens if t.organisation == o.name]
        table.add_row(o.name, str(counts[o.name]),
                      ", ".join(t.prefix for t in mine if t.revoked_at is None) or "—",
                      ", ".join(t.prefix for t in mine if t.revoked_at is not None) or "—")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``computegov registry``."""
    app.add_typer(registry_app, name="registry")
