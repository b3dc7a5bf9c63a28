"""Shared fixtures: one real demo run (ledger + signed report) and a real swtpm when installed."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Run:
    dir: Path
    ledger: Path
    report: Path
    private_key: Path
    public_key: Path


@pytest.fixture(scope="session")
def run_master(tmp_path_factory: pytest.TempPathFactory) -> Run:
    from computegov.ledger.demo import run_demo_with_ledger

    d = tmp_path_factory.mktemp("attest-run")
    res = run_demo_with_ledger(steps=6, ledger_path=d / "run.jsonl", seed=1, checkpoint_every=3)
    return Run(d, res.ledger_path, res.report_path, d / "computegov.key", d / "computegov.pub")


@pytest.fixture()
def run(run_master: Run, tmp_path: Path) -> Run:
    """A private copy of the session's run that a test may change."""
    dst = tmp_path / "run"
    shutil.copytree(run_master.dir, dst)
    m = run_master
    return Run(dst, dst / m.ledger.name, dst / m.report.name, dst / m.private_key.name,
               dst / m.public_key.name)


def _missing_tpm_binaries() -> list[str]:
    from computegov.attest.tpm_producer import tpm_tools_missing

    return (["swtpm"] if shutil.which("swtpm") is None else []) + tpm_tools_missing()


def _start_swtpm(state: Path):  # type: ignore[no-untyped-def]
    """``Swtpm(state).start()``, on a new pair of ports if another process (a second pytest-xdist
    worker's swtpm or server) took the pair between picking and binding it."""
    from computegov.attest.tpm_producer import Swtpm, TpmUnavailableError

    for attempt in range(3):
        try:
            return Swtpm(state).start()
        except TpmUnavailableError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def swtpm(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A real software TPM (swtpm socket mode) on a loopback port, stopped after the session."""
    missing = _missing_tpm_binaries()
    if missing:
        pytest.skip(f"needs swtpm and tpm2-tools (apt-get install swtpm tpm2-tools): {', '.join(missing)} missing")
    tpm = _start_swtpm(tmp_path_factory.mktemp("swtpm-state"))
    try:
        yield tpm
    finally:
        tpm.stop()


@dataclass(frozen=True)
class EkCa:
    """A throw-away EK CA made at test time: its key and certificate as PEM files, and the objects."""

    key_pem: Path
    cert_pem: Path
    key: object
    cert: object


@pytest.fixture(scope="session")
def ek_ca(tmp_path_factory: pytest.TempPathFactory) -> EkCa:
    from cryptography.hazmat.primitives import serialization

    from computegov.attest.tpm_software import make_test_ca

    d = tmp_path_factory.mktemp("ek-ca")
    key, cert = make_test_ca("computegov test TPM manufacturer EK CA")
    (d / "ca.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    (d / "ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return EkCa(d / "ca.key", d / "ca.pem", key, cert)


@pytest.fixture(scope="session")
def swtpm_ek(tmp_path_factory: pytest.TempPathFactory, ek_ca: EkCa):  # type: ignore[no-untyped-def]
    """A real swtpm whose EKs are certified by ``ek_ca`` (swtpm_setup --create-ek-cert)."""
    missing = _missing_tpm_binaries() + [t for t in ("swtpm_setup", "swtpm_localca") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs swtpm, swtpm-tools and tpm2-tools: {', '.join(missing)} missing")
    from computegov.attest.tpm_producer import manufacture_swtpm

    state = tmp_path_factory.mktemp("swtpm-ek") / "state"
    manufacture_swtpm(state, ek_ca.key_pem, ek_ca.cert_pem)
    tpm = _start_swtpm(state)
    try:
        yield tpm
    finally:
        tpm.stop()


@pytest.fixture(scope="session")
def swtpm_activated(swtpm_ek, ek_ca: EkCa):  # type: ignore[no-untyped-def]
    """(a trust list for ``swtpm_ek``, its AK's activation proof): one real credential activation."""
    from computegov.attest.tpm_activation import activation_request, make_challenge
    from computegov.attest.tpm_producer import (
        activate_credential,
        ak_public_area,
        read_ek_certificate,
    )
    from computegov.attest.trust import Challenger, TrustList
    from computegov.ledger.signing import Signer, public_key_hex

    challenger = Signer.generate()
    trust = TrustList(tpm_ek_cas=(ek_ca.cert,),
                      challengers=(Challenger("auditor", public_key_hex(challenger.public_key)),))
    request = activation_request(str(read_ek_certificate(swtpm_ek.tcti)), [], ak_public_area(swtpm_ek.tcti))
    challenge = make_challenge(request, challenger, "auditor", trust)
    return trust, activate_credential(challenge, swtpm_ek.tcti)
