"""``computegov registry audit DIGEST``: a verifier claims a report, replays it, and posts a signed verdict.

Exit status: **0** the replay verified and the posted counter-verdict is in the registry's signed
log; **1** it was posted but the replay failed or was incomplete (or the registry did not show it
logged); **2** a user mistake (a bad URL or digest, an unreadable key, a missing checkpoint folder
or checkpoint files, a pinned log key the registry does not serve, a trainer not trusted here, a
token that is not a verifier's, an unknown report), with a one-line message and *nothing posted*.
Running it again posts a new counter-verdict that supersedes this verifier's previous one.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from computegov.cli.common import (
    JSON_OPTION,
    MAX_SEED,
    console,
    err_console,
    float_option,
    int_option,
    load_catalog_for_cli,
    print_json,
)
from computegov.errors import InputError

__all__ = ["audit_command"]

_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def audit_command(
    digest: str = typer.Argument(..., help="The report's digest (64 hex digits, as on its registry page)."),
    url: str = typer.Option(..., "--url", envvar="COMPUTEGOV_REGISTRY_URL",
                            help="The registry's base URL, e.g. https://registry.example.org"),
    token: str = typer.Option(..., "--token", envvar="COMPUTEGOV_TOKEN",
                              help="An API token of your verifier organisation."),
    key: Path = typer.Option(..., "--key", help="Your organisation's Ed25519 private key (PEM, from "
                                                "`computegov keys new`), registered with the registry."),
    checkpoints: Path = typer.Option(..., "--checkpoints",
                                     help="Folder holding the run's checkpoint files (the lab hands them over)."),
    ray_address: str | None = typer.Option(None, "--ray", help="Replay on Ray: 'local', 'auto' or "
                                                               "'ray://host:10001'; default in-process."),
    segments: int | None = int_option(None, "--segments", low=1,
                                      help="Replay this many segments (capped at the run's)."),
    fake_fraction: float | None = float_option(
        None, "--fake-fraction", low=0, low_open=True, high=1,
        help="Instead of --segments: replay enough segments to catch a run that faked this share of them."),
    confidence: float | None = float_option(
        None, "--confidence", low=0, low_open=True, high=1,
        help="With --fake-fraction: the chance of catching it, 1 - delta (default 0.95)."),
    seed: int | None = int_option(None, "--seed", low=0, high=MAX_SEED,
                                  help="Seed of the random segment draw (default: a fresh random one, recorded)."),
    chip: str | None = typer.Option(None, "--chip", help="Price the replay's measured compute on this catalogued "
                                                         "chip (default: not priced, and the verdict says so)."),
    allow_missing_checkpoints: bool = typer.Option(
        False, "--allow-missing-checkpoints",
        help="Post an incomplete verdict when checkpoint files are missing (default: refuse, post nothing)."),
    trust_trainer: list[str] | None = typer.Option(
        None, "--trust-trainer", help="Allow the ledger's replay trainer MODULE:CLASS to run here (repeatable)."),
    pin_key: str | None = typer.Option(None, "--pin-key", help="The log's Ed25519 public key (64 hex, PEM or a "
                                       "file) to check the tree head against; default: the key the registry serves "
                                       "(consistent, but not proof of whose log it is)."),
    timeout_s: float = float_option(60.0, "--timeout", low=0, low_open=True, high=3600,
                                    help="HTTP timeout per request, seconds."),
    witness: list[str] = typer.Option([], "--witness", help="A trusted witness's cosignature vkey (repeatable); "
                                      "with --min-witnesses, the log's checkpoint must carry that many of their "
                                      "cosignatures before anything is claimed or posted (needs --pin-key)."),
    min_witnesses: int = typer.Option(0, "--min-witnesses", min=0, help="Cosignatures required of --witness keys."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Claim a report, replay sampled segments, and post a counter-verdict signed with your key (logged).

    Failed or incomplete replays are posted too (exit 1): an independent verdict is the point. With
    --witness/--min-witnesses the log view is first checked against a quorum of witnesses (a split
    view shown only to this verifier is caught there): no quorum exits 1 and posts nothing.
    """
    from computegov.ledger.signing import load_private_key
    from computegov.registry.audit_client import RegistryClient, http_transport
    from computegov.registry.audit_run import run_audit, segments_for_audit

    if not _DIGEST.match(digest):
        raise InputError(f"DIGEST {digest!r}: expected the report's 64 lower-case hex digits")
    if confidence is not None and fake_fraction is None:
        raise InputError("--confidence needs --fake-fraction")
    segments_for_audit(1_000_000, segments=segments, fake_fraction=fake_fraction, confidence=confidence)
    if not checkpoints.is_dir():
        raise InputError(f"--checkpoints {checkpoints}: no such folder")
    signer = load_private_key(key)
    from computegov.registry.treehead import parse_public_key

    log_key = parse_public_key(pin_key) if pin_key else None
    if witness or min_witnesses:
        _require_witnessed_view(url, pin_key, witness, min_witnesses, timeout_s, as_json)
    chip_obj = load_catalog_for_cli().get(chip) if chip is not None else None
    client = RegistryClient(http_transport(url, token, timeout_s=timeout_s))
    result = run_audit(client, digest, signer, checkpoints, ray_address=ray_address, segments=segments,
                       fake_fraction=fake_fraction, confidence=confidence,
                       seed=secrets.randbelow(MAX_SEED) if seed is None else seed, chip=chip_obj,
                       trust_trainers=tuple(trust_trainer or ()), pin_key=log_key,
                       allow_missing_checkpoints=allow_missing_checkpoints)
    if as_json:
        print_json(result.to_dict())
    else:
        _render(result)
    raise typer.Exit(result.exit_code)


def _require_witnessed_view(url: str, pin_key: str | None, witness: list[str], min_witnesses: int,
                            timeout_s: float, as_json: bool) -> None:
    """Exit 1 (evidence, nothing posted) unless the log's checkpoint carries ``min_witnesses`` cosignatures."""
    from computegov.registry import monitor as mon
    from computegov.tlog.checkpoint import parse_log_key
    from computegov.tlog.errors import LogProofError
    from computegov.tlog.vkey import witness_verifiers

    if not pin_key:
        raise InputError("--witness/--min-witnesses need --pin-key: cosignatures vouch for a log named by its key")
    if min_witnesses > len(witness):
        raise InputError(f"--min-witnesses {min_witnesses} but only {len(witness)} --witness keys given")
    try:
        mon.witnessed_checkpoint(mon.http_fetcher(url, timeout_s=timeout_s), parse_log_key(pin_key),
                                 witnesses=witness_verifiers(witness), min_witnesses=min_witnesses)
    except LogProofError as err:
        if not err.mismatch:
            raise
        if as_json:
            print_json({"ok": False, "posted": False, "evidence": [str(err)]})
        else:
            err_console.print(f"[bold red]LOG VIEW NOT WITNESSED[/bold red]: {escape(str(err))}; nothing was posted",
                              highlight=False)
        raise typer.Exit(1) from err


def _render(result: Any) -> None:
    p = result.payload
    console.print(f"claimed report {result.digest} (log leaf {result.claim['leaf_index']})", highlight=False)
    console.print(f"replayed segments {p['segments']} ({p['segments_replayed']} of {p['segments_total']}); "
                  f"{p['method']}", highlight=False, soft_wrap=True)
    usd = (f"${p['usd']:.4g} ({p['usd_year']} USD) on {p['chip']}" if p["usd"] is not None
           else p["usd_note"])
    energy = (f"{p['energy_j']:.4g} J ({'measured' if p['energy_measured'] else 'estimated'})"
              if p["energy_j"] is not None else "energy not measured")
    console.print(f"cost (the replayed segments' measured compute, not start-up): {p['device_s']:.3g} s "
                  f"({p['chip_hours']:.3g} device-hours), {p['wall_s']:.3g} s wall; {energy}; {usd}",
                  highlight=False, soft_wrap=True)
    posted = result.posted["counter_verdict"]
    leaf = posted["leaf_index"]
    verb = "posted" if posted.get("created", True) else "already live (identical, not re-posted):"
    superseded = (f", superseding this verifier's verdict at leaf {posted['supersedes']}"
                  if posted.get("supersedes") is not None else "")
    console.print(f"{verb} counter-verdict [bold]{p['outcome']}[/bold] as log leaf {leaf}{superseded}; "
                  f"{result.inclusion_note}", highlight=False, soft_wrap=True)
    if result.posted.get("conflicting"):
        err_console.print("[bold yellow]conflicting[/bold yellow]: the verdicts on this report disagree",
                          highlight=False)
    if result.exit_code:
        err_console.print(f"[bold red]AUDIT {p['outcome'].upper()}[/bold red]"
                          + ("" if result.included else f": {result.inclusion_note}"), highlight=False)
