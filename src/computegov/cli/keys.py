"""``computegov keys``: create Ed25519 signing keys for ledgers and compute reports."""

from __future__ import annotations

from pathlib import Path

import typer

from computegov.cli.common import JSON_OPTION, console, guarded, print_json

__all__ = ["register"]

keys_app = typer.Typer(
    help="Ed25519 signing keys for ledgers and compute reports.", no_args_is_help=True
)


@keys_app.command("new")
@guarded
def new(
    out: Path = typer.Option(
        Path("."), "--out", help="Directory for computegov.key (0600) and computegov.pub."
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing key in that directory."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a key pair: a private key readable only by you, and the public key to share."""
    from computegov.ledger.signing import generate_keypair

    pair = generate_keypair(out, overwrite=force)
    if as_json:
        print_json(pair)
        return
    console.print(f"private key: {pair.private_path} (mode 0600, keep it secret)", highlight=False)
    console.print(f"public key:  {pair.public_path} (give this to verifiers)", highlight=False)
    console.print(f"key id:      {pair.keyid}", highlight=False)


@keys_app.command("show")
@guarded
def show(
    key: str = typer.Argument(
        ..., help="A public key: a PEM file (computegov.pub), or its raw 32 bytes as 64 hex digits."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check a public key strictly and show its key id.

    Small-order keys (the all-zero key among them), mixed-order and non-canonically encoded
    keys are refused with exit 2, naming why: signatures for some of them can be made without
    any private key.
    """
    from computegov.ledger.signing import key_id, load_public_key, public_key_hex

    public_key = load_public_key(Path(key) if Path(key).exists() else key)
    shown = {"keyid": key_id(public_key), "public_key_hex": public_key_hex(public_key)}
    if as_json:
        print_json(shown)
        return
    console.print(f"key id:     {shown['keyid']}", highlight=False)
    console.print(f"public key: {shown['public_key_hex']} (Ed25519, strict checks pass)", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``keys`` group."""
    app.add_typer(keys_app, name="keys")
