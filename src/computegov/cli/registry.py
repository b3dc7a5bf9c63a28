"""``computegov registry``: the registry database, organisations' API tokens and signing keys.

A report is accepted only when it is signed by a key registered to the submitting organisation;
``computegov registry key add ORG KEY.pub`` is the only way to register one. ``computegov
registry audit`` (in :mod:`computegov.cli.registry_audit`) is what a verifier organisation runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from computegov.cli.common import (
    JSON_OPTION,
    console,
    csv_option,
    exit_with,
    guarded,
    print_json,
    print_table,
)

__all__ = ["register"]

registry_app = typer.Typer(
    help="The compute-report registry: database, organisations and API tokens.", no_args_is_help=True
)
token_app = typer.Typer(help="API tokens (only their hash is stored).", no_args_is_help=True)
registry_app.add_typer(token_app, name="token")
key_app = typer.Typer(
    help="Signing keys: a report is accepted only when signed by a key registered to its organisation.",
    no_args_is_help=True,
)
registry_app.add_typer(key_app, name="key")

DATABASE_OPTION = typer.Option(
    None,
    "--database-url",
    envvar="COMPUTEGOV_DATABASE_URL",
    help="SQLAlchemy URL; default SQLite in the user data dir.",
)


def open_store(database_url: str | None) -> Any:
    """The registry database for a command; a URL that cannot be opened exits 2 naming why."""
    try:
        from sqlalchemy.exc import SQLAlchemyError

        from computegov.registry.store import Store
    except ImportError as err:  # pragma: no cover - the server extra is missing
        exit_with(f"the registry needs the 'server' extra: pip install 'computegov[server]' ({err.name})")
    try:
        return Store(database_url)
    except SQLAlchemyError as err:
        exit_with(f"cannot open the database: {err.__class__.__name__}: {str(err).splitlines()[0]}")


_store = open_store


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
    public_key: str | None = typer.Option(
        None, "--public-key",
        help="Also register this Ed25519 public key (PEM file, or 64 hex digits) for ORG, as `registry key add`.",
    ),
    database_url: str | None = DATABASE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Create an API token for ORG. The token is shown once; only its hash is stored."""
    from computegov.registry.store import validate_org_name

    validate_org_name(org)
    pem = _read_key(public_key, "--public-key") if public_key is not None else None
    store = _store(database_url)
    if pem is not None:
        store.add_key(org, pem)
    token, info = store.create_token(org)
    if as_json:
        print_json({"organisation": org, "token": token, "prefix": info.prefix})
        return
    console.print(f"API token for [bold]{org}[/bold] (shown once; store it safely):", highlight=False)
    console.print(token, highlight=False, soft_wrap=True)


def _read_key(value: str, what: str) -> str:
    """The key text: 64 hex digits as given, else the contents of the file ``value`` names."""
    from computegov.registry.signers import parse_key
    from computegov.registry.submission import SubmissionError

    text = value.strip()
    if not (len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text)):
        path = Path(value)
        if not path.is_file():
            exit_with(f"{what}: {value}: no such file (give a PEM public key file or 64 hex digits)")
        if path.stat().st_size > 64 * 1024:
            exit_with(f"{what}: {value}: larger than 64 KiB; not a public key file")
        text = path.read_text(encoding="utf-8")
    try:
        parse_key(text, what)
    except SubmissionError as err:
        exit_with(f"{err} (public key expected)")
    return text


@key_app.command("add")
@guarded
def key_add(
    org: str = typer.Argument(..., help="Organisation name (created if new)."),
    public_key: str = typer.Argument(..., help="Ed25519 public key: a PEM file (e.g. keys/computegov.pub) or 64 hex digits."),
    database_url: str | None = DATABASE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Register a signing key for ORG: reports it signs may then be submitted by ORG, and by no one else."""
    from computegov.registry.store import validate_org_name

    validate_org_name(org)
    pem = _read_key(public_key, "PUBLIC_KEY")
    info, created = _store(database_url).add_key(org, pem)
    if as_json:
        print_json({**_key_json(info), "created": created})
        return
    what = "registered" if created else "already registered"
    console.print(f"key {info.keyid} {what} for [bold]{info.organisation}[/bold]", highlight=False)


def _key_json(info: Any) -> dict[str, Any]:
    return {k: v for k, v in info.to_dict().items() if k != "public_key_pem"}


@key_app.command("list")
@guarded
@csv_option("keys")
def key_list(
    org: str | None = typer.Argument(None, help="Only this organisation's keys."),
    database_url: str | None = DATABASE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Registered signing keys (key id, organisation, when registered and revoked)."""
    if org is not None:
        from computegov.registry.store import validate_org_name

        validate_org_name(org)
    keys = _store(database_url).list_keys(org)
    if as_json:
        print_json({"keys": [_key_json(k) for k in keys]})
        return
    table = Table(title="Registered signing keys")
    table.add_column("key id")  # 64 hex digits: print_table keeps it whole or prints blocks
    for col in ("organisation", "registered (UTC)", "revoked (UTC)"):
        table.add_column(col)
    for k in keys:
        table.add_row(k.keyid, k.organisation, k.created_at.strftime("%Y-%m-%d %H:%M"),
                      k.revoked_at.strftime("%Y-%m-%d %H:%M") if k.revoked_at else "—")
    print_table(table)


@key_app.command("revoke")
@guarded
def key_revoke(
    keyid: str = typer.Argument(..., help="The key id (64 hex digits) or a unique prefix of 8 or more."),
    database_url: str | None = DATABASE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Revoke a signing key: its reports stay; new reports it signs are refused (403)."""
    info = _store(database_url).revoke_key(keyid)
    if as_json:
        print_json({**_key_json(info), "revoked": True})
        return
    console.print(f"revoked key {info.keyid} of {info.organisation}", highlight=False)


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
@csv_option("organisations")
def list_registry(database_url: str | None = DATABASE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Organisations, their tokens (prefixes only) and report counts.

    ``--csv`` writes the JSON's ``organisations`` (one row each, with its report count); the
    tokens are in ``--json``.
    """
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
    print_table(table)


@registry_app.command("org-kind")
@guarded
def org_kind(
    org: str = typer.Argument(..., help="Organisation name (created if new)."),
    kind: str = typer.Argument(..., help="lab (submits reports) or verifier (posts signed counter-verdicts)."),
    database_url: str | None = DATABASE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Make ORG a lab or a verifier; a verifier may post signed counter-verdicts on any report."""
    from computegov.registry.store import validate_org_name

    validate_org_name(org)
    store = _store(database_url)
    store.set_org_kind(org, kind)
    if as_json:
        print_json({"organisation": org, "kind": kind})
        return
    console.print(f"{org} is now a {kind}", highlight=False)


@registry_app.command("log-key")
@guarded
def log_key(database_url: str | None = DATABASE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """The transparency log's public key (created on first use, private part kept with mode 0600): pin it."""
    from computegov.registry.translog import log_key_path

    store = _store(database_url)
    info = store.log_public_key() | {"private_key_file": str(log_key_path(store.url))}
    if as_json:
        print_json(info)
        return
    console.print(f"log key id {info['keyid']}\npublic key (hex) {info['public_key_hex']}\n"
                  f"{info['public_key_pem'].strip()}\nprivate key file {info['private_key_file']}", highlight=False,
                  soft_wrap=True)


@registry_app.command("log-verify")
@guarded
def log_verify(database_url: str | None = DATABASE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Rebuild the transparency log from its stored entries and hold it to every head and checkpoint signed; exit 1 listing any damage."""
    store = _store(database_url)
    problems = store.audit_log_tree()
    size = store.log_size()
    if as_json:
        print_json({"ok": not problems, "tree_size": size, "problems": problems})
    elif not problems:
        console.print(f"log intact: {size} leaves, every stored hash, signed tree head and checkpoint matches",
                      highlight=False)
    for line in problems if not as_json else ():
        console.print(f"log damaged: {line}", highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(1)


@registry_app.command("submit")
@guarded
def submit(
    report: Path = typer.Argument(..., help="The signed report file (the DSSE envelope, e.g. run/report.json)."),
    url: str = typer.Option(..., "--url", envvar="COMPUTEGOV_REGISTRY_URL",
                            help="The registry's base URL, e.g. https://registry.example.org"),
    token: str = typer.Option(..., "--token", envvar="COMPUTEGOV_TOKEN",
                              help="An API token of your organisation (computegov registry token create ORG)."),
    ledger: Path | None = typer.Option(None, "--ledger", help="The run's ledger (JSON lines) to submit with it; "
                                       "without it the registry's verdict is incomplete."),
    receipt_out: Path | None = typer.Option(None, "--receipt-out", help="Save the signed receipt the registry "
                                            "returns (entry, inclusion proof, checkpoint) to this JSON file."),
    timeout_s: float = typer.Option(60.0, "--timeout", min=0.1, max=3600.0, help="HTTP timeout, seconds."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Submit a signed report to a registry: prints its id (digest), the registry's outcome and the receipt.

    Exit 0 when the registry verified it, 1 when it was stored but failed or is incomplete, 2 when
    it was refused (the registry's reason: an unregistered key, another organisation's report, ...).
    """
    from computegov.registry.audit_client import RegistryClient, http_transport, submit_report_files

    client = RegistryClient(http_transport(url, token, timeout_s=timeout_s))
    result = submit_report_files(client, report, ledger, receipt_out=receipt_out)
    if as_json:
        print_json(result.to_dict())
        raise typer.Exit(result.exit_code)
    r = result.report
    state = "stored" if result.created else "already stored"
    partial = " (partial)" if r.get("partial") else ""
    console.print(f"{state}: report {r.get('digest_sha256')} of {r.get('organisation')}; "
                  f"outcome [bold]{r.get('outcome')}{partial}[/bold]", highlight=False, soft_wrap=True)
    console.print(f"{url.rstrip('/')}/registry/{r.get('digest_sha256')}", highlight=False, soft_wrap=True)
    if result.receipt_file:
        console.print(f"signed receipt saved to {result.receipt_file}", highlight=False, soft_wrap=True)
    elif result.receipt is not None:
        console.print("the registry returned a signed receipt; save it with --receipt-out FILE "
                      "(or see it with --json)", highlight=False)
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    """Add ``computegov registry``."""
    from computegov.cli.registry_audit import audit_command

    registry_app.command("audit")(guarded(audit_command))
    app.add_typer(registry_app, name="registry")
