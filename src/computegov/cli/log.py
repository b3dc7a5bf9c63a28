"""``computegov log``: watch a registry's transparency log, witness it, check receipts, size an audit.

``log monitor URL --state FILE`` exits 0 when the log and what the registry serves check out,
**1** naming the evidence when it was rewritten, rolled back or forked, or serves what its log does
not say (the state file then keeps the last good checkpoint), and **2** on malformed answers, a
checkpoint not signed by the pinned key, or bad options. ``log checkpoint``, ``log verify-receipt``
and ``log witness`` follow the same exit codes; ``log publish`` is the operator's scheduled job.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from computegov.cli.common import JSON_OPTION, console, err_console, guarded, print_json
from computegov.cli.registry import DATABASE_OPTION, open_store

__all__ = ["register"]

log_app = typer.Typer(help="The registry's transparency log: monitor it, compare views, size audits.",
                      no_args_is_help=True)


def _evidence_exit(evidence: list[str] | tuple[str, ...], as_json: bool, payload: dict[str, Any]) -> None:
    if as_json:
        print_json(payload)
    if evidence:
        for line in evidence:
            err_console.print(f"[bold red]evidence:[/bold red] {line}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)


@log_app.command("monitor")
@guarded
def monitor(
    url: str = typer.Argument(..., help="The registry's base URL, e.g. https://registry.example.org"),
    state: Path = typer.Option(..., "--state", help="JSON file keeping the last good tree head (created on first run)."),
    pin_key: str | None = typer.Option(None, "--pin-key",
                                       help="The log's Ed25519 public key (64 hex, PEM or a file); default: "
                                            "the key in the state file, or trust the served one on first run."),
    report: list[str] = typer.Option([], "--report", help="Report digest to check against its leaves (repeatable)."),
    all_reports: bool = typer.Option(False, "--all-reports", help="Check every report the log holds."),
    no_leaf_audit: bool = typer.Option(False, "--no-leaf-audit",
                                       help="Skip streaming and re-checking every entry (checkpoints and proofs only)."),
    witness: list[str] = typer.Option([], "--witness", help="A trusted witness's cosignature vkey (repeatable)."),
    min_witnesses: int = typer.Option(0, "--min-witnesses", min=0, help="Cosignatures required of --witness keys."),
    max_age_s: float | None = typer.Option(None, "--max-age", min=1.0,
                                           help="Alarm (exit 1) on a checkpoint older than this, seconds "
                                                "(the log re-signs every 300 s; e.g. 900)."),
    timeout_s: float = typer.Option(30.0, "--timeout", min=0.1, help="HTTP timeout per request, seconds."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check the log's checkpoint, every entry (again), and what the registry serves against what it logged."""
    from computegov.registry import monitor as mon
    from computegov.registry.treehead import parse_public_key

    key = parse_public_key(pin_key) if pin_key else None
    previous = mon.load_state(state)
    result = mon.run_monitor(mon.http_fetcher(url, timeout_s=timeout_s), url, previous, pin_key=key,
                             reports=report, all_reports=all_reports, audit_leaves=not no_leaf_audit,
                             leaves_path=state.with_name(state.name + ".leaves"),
                             witnesses=_witness_verifiers(witness), min_witnesses=min_witnesses, max_age_s=max_age_s)
    if result.ok:
        mon.save_state(state, result.state)
        if not as_json:
            since = f" (extends size {result.previous_size})" if result.previous_size is not None else " (first run)"
            console.print(f"log OK: size {result.head.tree_size}, root {result.head.root_hash.hex()}{since}; "
                          f"{result.leaves_audited} new and {result.entries_rechecked} earlier entries checked, "
                          f"served state {'matches the log' if result.served_checked else 'not compared'}, "
                          f"{len(result.reports_checked)} reports checked", highlight=False)
    _evidence_exit(result.evidence, as_json, result.to_dict())


def _witness_verifiers(vkeys: list[str]) -> list[Any]:
    from computegov.tlog.vkey import witness_verifiers

    return list(witness_verifiers(vkeys))


@log_app.command("checkpoint")
@guarded
def checkpoint(
    url: str = typer.Argument(..., help="The registry's base URL."),
    pin_key: str = typer.Option(..., "--pin-key", help="The log's key: vkey, 64 hex, PEM or a file."),
    witness: list[str] = typer.Option([], "--witness", help="A trusted witness's cosignature vkey (repeatable)."),
    min_witnesses: int = typer.Option(0, "--min-witnesses", min=0, help="Cosignatures required of --witness keys."),
    max_age_s: float | None = typer.Option(None, "--max-age", min=1.0, help="Oldest checkpoint accepted, seconds."),
    timeout_s: float = typer.Option(30.0, "--timeout", min=0.1, help="HTTP timeout per request, seconds."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Fetch and verify the log's C2SP checkpoint: exit 1 when stale, unwitnessed or from the future."""
    import time

    from computegov.registry import monitor as mon
    from computegov.tlog.checkpoint import parse_log_key
    from computegov.tlog.errors import LogProofError

    fetch = mon.http_fetcher(url, timeout_s=timeout_s)
    try:
        cp = mon.witnessed_checkpoint(fetch, parse_log_key(pin_key), witnesses=_witness_verifiers(witness),
                                      min_witnesses=min_witnesses, max_age_s=max_age_s, now_s=int(time.time()))
    except LogProofError as err:
        if not err.mismatch:
            raise
        _evidence_exit([str(err)], as_json, {"ok": False, "evidence": [str(err)]})
        return
    note = cp.note
    payload = {"ok": True, "origin": cp.checkpoint.origin, "tree_size": cp.size, "root_hash": cp.root_hash.hex(),
               "timestamp_s": cp.timestamp_s, "cosigners": [n for n, _ in cp.cosigners], "checkpoint": note}
    if as_json:
        print_json(payload)
    else:
        console.print(note, end="", highlight=False, markup=False)


@log_app.command("verify-receipt")
@guarded
def verify_receipt(
    receipt: Path = typer.Argument(..., help="A receipt (JSON) from a submission or GET /api/v1/log/receipt."),
    log_key: str = typer.Option(..., "--log-key", help="The log's key: vkey, 64 hex, PEM or a file."),
    witness: list[str] = typer.Option([], "--witness", help="A trusted witness's cosignature vkey (repeatable)."),
    min_witnesses: int = typer.Option(0, "--min-witnesses", min=0, help="Cosignatures required of --witness keys."),
    envelope: Path | None = typer.Option(None, "--envelope", help="Also check the entry commits to this DSSE "
                                                                  "envelope (JSON file)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Verify a receipt offline: the checkpoint's signatures, the entry's leaf hash and its inclusion proof."""
    from computegov.inputfiles import read_input_json
    from computegov.tlog.checkpoint import parse_log_key
    from computegov.tlog.entries import canonical_bytes, sha256_hex
    from computegov.tlog.errors import LogProofError
    from computegov.tlog.receipt import Receipt
    from computegov.tlog.receipt import verify_receipt as verify

    parsed = Receipt.from_dict(read_input_json(receipt, what="receipt"))
    try:
        cp = verify(parsed, parse_log_key(log_key), witnesses=_witness_verifiers(witness), min_witnesses=min_witnesses)
    except LogProofError as err:
        if not err.mismatch:
            raise
        _evidence_exit([str(err)], as_json, {"ok": False, "evidence": [str(err)]})
        return
    problems = []
    if envelope is not None:
        got = sha256_hex(canonical_bytes(read_input_json(envelope, what="envelope")))
        import json

        logged = json.loads(parsed.entry).get("envelope_sha256")
        if got != logged:
            problems.append(f"{envelope} hashes to {got}, but the logged entry commits to {logged}")
    payload = {"ok": not problems, "leaf_index": parsed.leaf_index, "tree_size": cp.size,
               "origin": cp.checkpoint.origin, "timestamp_s": cp.timestamp_s,
               "cosigners": [n for n, _ in cp.cosigners], "evidence": problems}
    if not problems and not as_json:
        console.print(f"receipt OK: leaf {parsed.leaf_index} is in {cp.checkpoint.origin}'s tree of {cp.size} "
                      f"leaves (checkpoint signed at {cp.timestamp_s}, {len(cp.cosigners)} witness cosignatures)",
                      highlight=False)
    _evidence_exit(problems, as_json, payload)


witness_app = typer.Typer(help="Run a C2SP witness: cosign a log's checkpoints only when consistent.",
                          no_args_is_help=True)


@witness_app.command("vkey")
@guarded
def witness_vkey(
    key: Path = typer.Option(..., "--key", help="The witness's Ed25519 private key (PEM; created 0600 if missing)."),
    name: str = typer.Option(..., "--name", help="The witness's name, e.g. witness.example.org/w1."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Print the witness's cosignature vkey (give it to clients: --witness VKEY)."""
    from computegov.registry.treehead import load_or_create_key
    from computegov.tlog.cosignature import CosignatureSigner

    vkey = CosignatureSigner(name, load_or_create_key(key)).verifier().vkey()
    if as_json:
        print_json({"name": name, "vkey": vkey})
    else:
        console.print(vkey, highlight=False)


@witness_app.command("serve")
@guarded
def witness_serve(
    key: Path = typer.Option(..., "--key", help="The witness's Ed25519 private key (PEM; created 0600 if missing)."),
    name: str = typer.Option(..., "--name", help="The witness's name, e.g. witness.example.org/w1."),
    log: list[str] = typer.Option(..., "--log", help="A log to witness: its vkey (origin+id+key) (repeatable)."),
    state: Path = typer.Option(..., "--state", help="JSON file of the last checkpoint cosigned per log."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8090, "--port", min=0, max=65535),
    as_json: bool = JSON_OPTION,
) -> None:
    """Serve POST /add-checkpoint (c2sp.org/tlog-witness) until interrupted."""
    from computegov.registry.treehead import load_or_create_key
    from computegov.tlog.checkpoint import parse_log_key
    from computegov.tlog.cosignature import CosignatureSigner
    from computegov.tlog.errors import LogProofError
    from computegov.tlog.witness import Witness
    from computegov.tlog.witness_server import make_server

    logs = {}
    for text in log:
        lk = parse_log_key(text)
        if not lk.origin:
            raise LogProofError(f"--log {text[:40]}: give the log's vkey (origin+id+key), not a bare key")
        logs[lk.origin] = lk
    signer = CosignatureSigner(name, load_or_create_key(key))
    server = make_server(Witness(signer, logs, state), host, port)
    info = {"url": f"http://{host}:{server.server_address[1]}", "vkey": signer.verifier().vkey(), "logs": list(logs)}
    if as_json:
        print_json(info)
    else:
        console.print(f"witness {name} on {info['url']} for {', '.join(logs)}; vkey {info['vkey']}", highlight=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@log_app.command("publish")
@guarded
def publish(
    witness: list[str] = typer.Option([], "--witness", help="URL=VKEY of a witness to ask (repeatable)."),
    database_url: str | None = DATABASE_OPTION,
    timeout_s: float = typer.Option(10.0, "--timeout", min=0.1, help="HTTP timeout per witness, seconds."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Operator's scheduled job: sign a fresh checkpoint and gather witness cosignatures (run every few minutes)."""
    from computegov.tlog.errors import LogProofError
    from computegov.tlog.witness_client import WitnessEndpoint

    endpoints = []
    for item in witness:
        url, sep, vkey = item.partition("=")
        if not sep:
            raise LogProofError(f"--witness {item[:40]}: expected URL=VKEY")
        endpoints.append(WitnessEndpoint(url, _witness_verifiers([vkey])[0]))
    store = open_store(database_url)
    note, outcomes = store.publish_checkpoint(endpoints, timeout_s=timeout_s, max_age_s=0)
    payload = {"checkpoint": note, "witnesses": [{"witness": o.witness, "status": o.status,
                                                  "cosigned": o.cosignature is not None, "message": o.message}
                                                 for o in outcomes]}
    if as_json:
        print_json(payload)
    else:
        console.print(note, end="", highlight=False, markup=False)
        for o in outcomes:
            console.print(f"{o.witness}: {'cosigned' if o.cosignature else f'refused (HTTP {o.status}: {o.message})'}",
                          highlight=False)


def _head_of(source: str, pin_key: str | None, timeout_s: float) -> tuple[Any, Any, Any]:
    """(tree head, public key, fetch or None) of a state file or a registry URL."""
    from computegov.registry import monitor as mon
    from computegov.registry.errors import LogProofError
    from computegov.registry.treehead import TreeHead, parse_public_key, verify_tree_head

    if source.startswith(("http://", "https://")):
        fetch = mon.http_fetcher(source, timeout_s=timeout_s)
        if pin_key is None:
            raise LogProofError(f"{source}: give --pin-key to compare a live registry's tree head")
        key = parse_public_key(pin_key)
        head = TreeHead.from_dict(mon.fetch_json(fetch, "/api/v1/log/sth"), where=f"{source} tree head")
        verify_tree_head(head, key)
        return head, key, fetch
    state = mon.load_state(Path(source))
    if state is None:
        raise LogProofError(f"{source}: no such state file")
    key = parse_public_key(pin_key) if pin_key else state.public_key()
    head = state.tree_head()
    verify_tree_head(head, key)
    return head, key, None


@log_app.command("compare")
@guarded
def compare(
    first: str = typer.Argument(..., help="A monitor state file or a registry URL."),
    second: str = typer.Argument(..., help="Another monitor's state file or a registry URL."),
    via: str | None = typer.Option(None, "--via", help="Registry URL to fetch a consistency proof from "
                                                       "(needed when the sizes differ and neither side is a URL)."),
    pin_key: str | None = typer.Option(None, "--pin-key", help="The log's public key (needed for URLs)."),
    timeout_s: float = typer.Option(30.0, "--timeout", min=0.1, help="HTTP timeout per request, seconds."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Compare two views of one log: exit 1 with the evidence on a split view (a fork)."""
    from computegov.registry import monitor as mon

    a, _, fa = _head_of(first, pin_key, timeout_s)
    b, _, fb = _head_of(second, pin_key, timeout_s)
    fetch = mon.http_fetcher(via, timeout_s=timeout_s) if via else (fb if b.tree_size >= a.tree_size else fa) or fa or fb
    evidence = mon.compare_heads(a, b, fetch)
    if not evidence and not as_json:
        console.print(f"consistent: sizes {a.tree_size} and {b.tree_size} belong to one history", highlight=False)
    _evidence_exit(evidence, as_json, {"ok": not evidence, "first": a.to_dict(), "second": b.to_dict(),
                                       "evidence": evidence})


@log_app.command("budget")
@guarded
def budget(
    segments: int = typer.Option(..., "--segments", min=1, help="Segments (checkpoint to checkpoint) in the run."),
    fake_fraction: float = typer.Option(0.01, "--fake-fraction", help="Share of segments faked, 0-1."),
    delta: float = typer.Option(0.05, "--delta", help="Accepted chance of missing the fake, 0-1."),
    flop: float | None = typer.Option(None, "--flop", help="The run's total FLOP (for the replay's cost)."),
    chip: str | None = typer.Option(None, "--chip", help="Chip to replay on, e.g. H100 (for the cost)."),
    year: int | None = typer.Option(None, "--year", help="Also: a funder's budget to audit every run above "
                                                         "--threshold forecast for this year."),
    threshold: float = typer.Option(1e26, "--threshold", help="FLOP threshold for --year (e.g. 1e25 or 1e26)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the forecast's Monte Carlo draws."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Segments to replay so a run that faked a share of its steps is caught with probability >= 1 - delta."""
    from computegov.registry.auditbudget import audit_budget, yearly_audit_budget

    chip_obj = None
    if chip is not None:
        from computegov.cli.common import load_catalog_for_cli

        chip_obj = load_catalog_for_cli().get(chip)
    if year is not None:
        import numpy as np

        if chip_obj is None:
            from computegov.errors import InputError

            raise InputError("--year needs --chip (the replay's cost is per chip)")
        yearly = yearly_audit_budget(year, threshold, segments, fake_fraction, delta, chip_obj,
                                     np.random.default_rng(seed))
        if as_json:
            print_json(yearly.to_dict())
            return
        runs, hours, usd = yearly.runs, yearly.chip_hours, yearly.cost_usd
        console.print(f"{year}: {runs[1]:.0f} runs above {threshold:g} FLOP forecast ({runs[0]:.0f}-{runs[2]:.0f}, "
                      f"p10-p90); replaying {yearly.per_run.segments} of {segments} segments of each, costed at the "
                      f"threshold (a lower bound): {hours[1]:,.0f} chip-hours ({hours[0]:,.0f}-{hours[2]:,.0f}), "
                      f"${usd[1]:,.0f} ({usd[0]:,.0f}-{usd[2]:,.0f}, {yearly.per_run.dollar_year} USD) on "
                      f"{yearly.per_run.chip}" if hours and usd else f"{year}: no cost figures for this chip",
                      highlight=False)
        return
    result = audit_budget(segments, fake_fraction, delta, total_flop=flop, chip=chip_obj)
    if as_json:
        print_json(result.to_dict())
        return
    console.print(f"replay {result.segments} of {segments} segments: a run that faked {result.faked_segments} "
                  f"({fake_fraction:g}) escapes with probability {result.miss_probability:.4g} <= {delta:g} "
                  "(hypergeometric)", highlight=False)
    if result.chip_hours is not None and result.cost_usd is not None:
        lo, mid, hi = result.chip_hours
        clo, cmid, chi = result.cost_usd
        energy = (f", energy {result.energy_j[1] / 3.6e9:,.0f} MWh" if result.energy_j else "")  # J_PER_MWH = 3.6e9
        console.print(f"replay cost on {result.chip}: {mid:,.0f} chip-hours ({lo:,.0f}-{hi:,.0f}), "
                      f"${cmid:,.0f} ({clo:,.0f}-{chi:,.0f}, {result.dollar_year} USD){energy}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``computegov log``."""
    log_app.add_typer(witness_app, name="witness")
    app.add_typer(log_app, name="log")
