"""``computegov attest``: put hardware evidence into a compute report.

* ``attest tpm`` — a TPM 2.0 quote whose qualifying data is the ledger's head hash.
* ``attest location`` — a delay-based location claim from a landmark session file.
* ``attest location-sim`` — how small a region a landmark set certifies, and which smuggling
  routes it catches, over real city coordinates.

Exit status: 0 done, 2 unusable input or no TPM.
"""

from __future__ import annotations

from pathlib import Path

import typer

from computegov.cli.common import JSON_OPTION, console, guarded, print_json

__all__ = ["register"]

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
    evidence = quote_evidence(head, tcti=tcti, pcrs=_parse_pcrs(pcrs))
    attach_evidence(rep, "tpm2-quote", evidence, signer)
    if as_json:
        print_json({"report": str(report), "ak_sha256": evidence["ak_sha256"],
                    "pcrs": evidence["pcrs"], "clock": evidence["clock"]})
        return
    console.print(f"quote bound to ledger head {head.hex()[:16]}... stored in {report}", highlight=False)
    console.print(f"AK fingerprint (put it in the verifier's trust file): {evidence['ak_sha256']}",
                  highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``attest`` group."""
    app.add_typer(attest_app, name="attest")
