"""``computegov attest``: put hardware evidence into a compute report.

* ``attest tpm`` — a TPM 2.0 quote whose qualifying data is the ledger's head hash, with the
  TPM's EK certificate and the proof that the AK was activated against that EK.
* ``attest tpm-enrol`` / ``attest tpm-challenge`` — credential activation: the lab sends its EK
  certificate and AK, the verifier checks the EK chain and answers with a challenge only that
  TPM can open.
* ``attest location`` — a delay-based location claim from a landmark session file.
* ``attest location-sim`` — how small a region a landmark set certifies, and which smuggling
  routes it catches, over real city coordinates.

Exit status: 0 done, 2 unusable input or no TPM.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from computegov.cli.common import JSON_OPTION, console, float_option, guarded, print_json

__all__ = ["register"]

#: Half the Earth's mean circumference (IUGG mean radius 6371.0088 km x pi): no site is larger.
MAX_GREAT_CIRCLE_KM = 20015.1
#: 1 s of delay is ~100,000 km of fibre, more than any path on Earth: larger values mean nothing.
MAX_DELAY_MS = 1000.0

attest_app = typer.Typer(
    help="Hardware evidence for compute reports: TPM quotes and location claims.",
    no_args_is_help=True,
)

LEDGER_OPTION = typer.Option(..., "--ledger", help="The run's ledger (its head hash is the nonce).")
REPORT_OPTION = typer.Option(..., "--report", help="The signed compute report to add evidence to.")
KEY_OPTION = typer.Option(
    None,
    "--key",
    help="The ledger's private key, to re-sign the report (default: computegov.key beside the report).",
)


EK_CERT_OPTION = typer.Option(
    None, "--ek-cert",
    help="The TPM's EK certificate, PEM (default: read from the TPM's NV index 0x01c00002).",
)
EK_CHAIN_OPTION = typer.Option(
    None, "--ek-chain", help="Intermediate CA certificates between the EK certificate and its root, PEM."
)


def _parse_pcrs(text: str) -> tuple[int, ...]:
    from computegov.errors import InputError

    try:
        return tuple(int(p) for p in text.split(",") if p.strip())
    except ValueError as err:
        raise InputError(f"--pcrs: expected comma-separated PCR indices, got {text!r}") from err


@attest_app.command("tpm")
@guarded
def tpm(
    ledger: Path = LEDGER_OPTION,
    report: Path = REPORT_OPTION,
    key: Path | None = KEY_OPTION,
    tcti: str | None = typer.Option(
        None,
        "--tcti",
        help="Which TPM, as a TCTI string: device:/dev/tpmrm0, swtpm:host=127.0.0.1,port=2321 "
        "(default: $TPM2TOOLS_TCTI, else /dev/tpmrm0).",
    ),
    pcrs: str = typer.Option("0,1,2,3,4,5,6,7", "--pcrs", help="SHA-256 PCRs to quote."),
    ek_cert: Path | None = EK_CERT_OPTION,
    ek_chain: Path | None = EK_CHAIN_OPTION,
    activation: Path | None = typer.Option(
        None,
        "--activation",
        help="The verifier's challenge from 'attest tpm-challenge' (activated on this TPM), or "
        "the activation proof of earlier evidence. Without it verifiers fail the quote.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Quote the TPM's PCRs with the ledger's head hash as nonce; store it in the report."""
    from computegov.attest.slot import attach_evidence, checked_head
    from computegov.attest.tpm_producer import quote_evidence
    from computegov.ledger.report import load_report
    from computegov.ledger.signing import load_private_key

    rep = load_report(report)
    head = checked_head(rep, ledger)
    signer = load_private_key(key or report.parent / "computegov.key")
    challenge = _read_json(activation, "activation challenge") if activation is not None else None
    evidence = quote_evidence(
        head, tcti=tcti, pcrs=_parse_pcrs(pcrs), ek_cert_pem=_read_pem(ek_cert, "--ek-cert"),
        ek_chain_pem=tuple(_pem_blocks(ek_chain)), activation=challenge,
    )
    attach_evidence(rep, "tpm2-quote", evidence, signer)
    missing = [w for w, k in (("EK certificate", "ek"), ("credential activation", "activation"))
               if k not in evidence]
    if as_json:
        print_json({"report": str(report), "ak_sha256": evidence["ak_sha256"],
                    "pcrs": evidence["pcrs"], "clock": evidence["clock"],
                    "ek_certificate": "ek" in evidence, "activated": "activation" in evidence})
        return
    console.print(f"quote bound to ledger head {head.hex()[:16]}... stored in {report}", highlight=False)
    console.print(f"AK fingerprint: {evidence['ak_sha256']}", highlight=False, soft_wrap=True)
    if missing:
        console.print(f"[yellow]no {' and no '.join(missing)}: verifiers will fail this quote "
                      "(see attest tpm-enrol and attest tpm-challenge)[/yellow]", soft_wrap=True)


def _read_json(path: Path, what: str) -> dict[str, Any]:
    from computegov.errors import InputError
    from computegov.inputfiles import read_input_json  # regular file, size cap, depth-limited JSON

    data = read_input_json(path, what=what)
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object ({what})")
    return data


def _read_pem(path: Path | None, what: str) -> str | None:
    if path is None:
        return None
    from computegov.attest.ek_chain import load_certificates
    from computegov.errors import InputError
    from computegov.inputfiles import read_input_text

    text = read_input_text(path, what=what)
    try:
        load_certificates(text)
    except ValueError as err:
        raise InputError(f"{path}: expected a PEM X.509 certificate ({err})") from err
    return text


def _pem_blocks(path: Path | None) -> list[str]:
    if path is None:
        return []
    from cryptography.hazmat.primitives import serialization

    from computegov.attest.ek_chain import load_certificates

    text = _read_pem(path, "--ek-chain") or ""
    return [c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in load_certificates(text)]


@attest_app.command("tpm-enrol")
@guarded
def tpm_enrol(
    out: Path = typer.Option(..., "--out", help="Where to write the activation request (JSON) for the verifier."),
    tcti: str | None = typer.Option(None, "--tcti", help="Which TPM, as a TCTI string (see attest tpm)."),
    ek_cert: Path | None = EK_CERT_OPTION,
    ek_chain: Path | None = EK_CHAIN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Write an activation request: the TPM's EK certificate and its AK's public area."""
    import json

    from computegov.attest.tpm_activation import activation_request
    from computegov.attest.tpm_producer import ak_public_area, read_ek_certificate
    from computegov.errors import InputError

    ek = _read_pem(ek_cert, "--ek-cert") or read_ek_certificate(tcti)
    if ek is None:
        raise InputError("the TPM holds no EK certificate in NV (0x01c00002): pass --ek-cert FILE")
    request = activation_request(ek, _pem_blocks(ek_chain), ak_public_area(tcti))
    out.write_text(json.dumps(request, indent=1) + "\n", encoding="utf-8")
    if as_json:
        print_json({"request": str(out)})
        return
    console.print(f"activation request written to {out}: send it to the verifier", highlight=False)


@attest_app.command("tpm-challenge")
@guarded
def tpm_challenge(
    request: Path = typer.Option(..., "--request", help="The lab's activation request (attest tpm-enrol)."),
    key: Path = typer.Option(..., "--key", help="The challenger's Ed25519 private key (computegov keys new)."),
    name: str = typer.Option(..., "--name", help="The challenger's name, as verifiers list it."),
    trust: Path = typer.Option(
        ..., "--trust", help="Trust file whose tpm_ek_ca_pem the EK chain must end at."
    ),
    out: Path = typer.Option(..., "--out", help="Where to write the challenge (JSON) for the lab."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Verifier side: check the EK chain and AK, and answer with a credential only that TPM opens."""
    import json

    from computegov.attest.tpm_activation import make_challenge
    from computegov.attest.trust import parse_trust
    from computegov.ledger.signing import load_private_key

    trust_list = parse_trust(_read_json(trust, "trust file"), trust)
    challenge = make_challenge(_read_json(request, "activation request"), load_private_key(key),
                               name, trust_list)
    out.write_text(json.dumps(challenge, indent=1) + "\n", encoding="utf-8")
    if as_json:
        print_json({"challenge": str(out), "ak_name": challenge["statement"]["ak_name"],
                    "ek_certificate_sha256": challenge["statement"]["ek_certificate_sha256"]})
        return
    console.print(f"EK chain checked; challenge for AK {challenge['statement']['ak_name'][:20]}... "
                  f"written to {out}", highlight=False)


@attest_app.command("location")
@guarded
def location(
    report: Path = REPORT_OPTION,
    evidence: Path = typer.Option(
        ..., "--evidence", help="location-rtt evidence JSON (the landmarks' signed measurements)."
    ),
    key: Path | None = KEY_OPTION,
) -> None:
    """Store a landmark session's location-rtt evidence in the report's attestation slot."""
    from computegov.attest.slot import attach_evidence
    from computegov.inputfiles import read_input_json  # regular file, size cap, depth-limited JSON
    from computegov.ledger.signing import load_private_key

    data = read_input_json(evidence, what="location evidence file")
    signer = load_private_key(key or report.parent / "computegov.key")
    attach_evidence(report, "location-rtt", data, signer)
    console.print(f"location evidence stored in {report}", highlight=False)


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


@attest_app.command("location-sim")
@guarded
def location_sim(
    landmarks: str | None = typer.Option(
        None, "--landmarks", help="Landmark cities, comma-separated (default: 11 hubs, mostly Asia)."
    ),
    route: list[str] | None = typer.Option(
        None, "--route", help="CLAIMED:ACTUAL city pair, repeatable (default: six routes)."
    ),
    radius_km: float = float_option(
        25.0, "--radius-km", help="Claimed site radius, km.", low=0.0, high=MAX_GREAT_CIRCLE_KM
    ),
    delay_ms: str = typer.Option(
        "0,0.5,2", "--delay-ms", help="Extra delays the chip adds (processing, queueing), ms."
    ),
    chart: Path | None = typer.Option(
        None, "--chart", help="Write a map of the routes and deciding disks (.html, .svg, .png, .json)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Which smuggling routes a landmark set catches, and how small a region it certifies."""
    from rich.table import Table

    from computegov.attest.location_sim import (
        DEFAULT_LANDMARKS,
        DEFAULT_ROUTES,
        find_city,
        simulate_route,
    )
    from computegov.errors import InputError

    lms = [find_city(n) for n in (_names(landmarks) if landmarks else DEFAULT_LANDMARKS)]
    pairs = DEFAULT_ROUTES
    if route:
        if any(r.count(":") != 1 for r in route):
            raise InputError("--route: expected CLAIMED:ACTUAL, e.g. Singapore:Shenzhen")
        pairs = tuple((r.split(":")[0], r.split(":")[1]) for r in route)
    try:
        delays = [float(d) / 1e3 for d in _names(delay_ms)]
    except ValueError as err:
        raise InputError(f"--delay-ms: expected numbers, got {delay_ms!r}") from err
    if any(d < 0 for d in delays):
        raise InputError("--delay-ms: a prover can only add delay (values >= 0)")
    if not delays or any(not d <= MAX_DELAY_MS / 1e3 for d in delays):
        raise InputError(f"--delay-ms: expected finite delays of at most {MAX_DELAY_MS:g} ms")
    if chart is not None:
        from computegov.cli.common import chart_output

        chart_output(chart)
    results = [
        simulate_route(lms, find_city(c), find_city(a), radius_km, d)
        for c, a in pairs for d in delays
    ]
    if chart is not None:
        from computegov.attest.location_map import location_map
        from computegov.charts.base import save_chart

        save_chart(location_map(lms, results), chart)
    if as_json:
        from dataclasses import asdict

        print_json({"landmarks": [c.name for c in lms], "radius_km": radius_km,
                    "results": [{**asdict(r), "caught": r.caught} for r in results]})
        return
    table = Table(title=f"location claims, site radius {radius_km:g} km, {len(lms)} landmarks",
                  title_justify="left")
    for col in ("claimed", "actual", "km apart", "+delay ms", "certified radius km", "verdict", "landmark"):
        table.add_column(col)
    for r in results:
        style = "green" if r.outcome == "consistent" else ("bold red" if r.outcome == "inconsistent" else "yellow")
        table.add_row(r.claimed, r.actual, f"{r.distance_km:.0f}", f"{r.added_delay_ms:g}",
                      f"{r.certified_radius_km:.0f}", f"[{style}]{r.outcome}[/{style}]", r.landmark or "—")
    console.print(table)
    moved = [r for r in results if r.distance_km > radius_km]
    console.print(f"chips moved outside the claimed site: {sum(r.caught for r in moved)} of "
                  f"{len(moved)} not certified ({sum(r.outcome == 'inconsistent' for r in moved)} "
                  "positively ruled out)", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``attest`` group."""
    app.add_typer(attest_app, name="attest")
