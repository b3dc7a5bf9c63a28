"""Ask a TPM for a quote bound to a ledger head (through Debian's ``tpm2-tools``), and run swtpm.

This is the only module that talks to a TPM. Verification (:mod:`computegov.attest.tpm_checker`)
needs no TPM software. The attestation key (AK) is created under the endorsement key once
(``tpm2_createek``, ``tpm2_createak``) and made persistent at :data:`AK_HANDLE`, so the same AK
(and so the same fingerprint in the verifier's trust list) signs every later quote.

The TPM's EK certificate is read from its NV memory (or given), and the AK is bound to that EK
by credential activation (``tpm2_activatecredential``) against a challenge made by the verifier
(:mod:`computegov.attest.tpm_activation`): without both, verifiers fail the quote.

TCTI strings select the TPM: ``device:/dev/tpmrm0`` (a real TPM through the kernel's resource
manager) or ``swtpm:host=127.0.0.1,port=2321`` (the software TPM, https://github.com/stefanberger/swtpm).
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from computegov.attest.tpm_checker import EVIDENCE_FORMAT
from computegov.attest.tpm_format import parse_quote
from computegov.attest.trust import key_fingerprint
from computegov.errors import InputError

__all__ = [
    "AK_HANDLE",
    "EK_CERT_NV_INDEX",
    "Swtpm",
    "TpmProver",
    "TpmUnavailableError",
    "activate_credential",
    "ak_public_area",
    "default_tcti",
    "manufacture_swtpm",
    "quote_evidence",
    "read_ek_certificate",
    "tpm_tools_missing",
]

#: A persistent handle in the owner's range for the AK (TCG "Registry of reserved TPM 2.0
#: handles and localities" v1.1 §2.3.1: 0x81010000-0x8101FFFF are owner-defined keys).
AK_HANDLE = "0x81010002"
#: TCG EK Credential Profile v2.5 rev. 2 §2.2.1.5.1 (read 2026-12-07): NV indices of the EK
#: certificates for the default templates, RSA 2048 (L-1) and ECC P-256 (L-2).
EK_CERT_NV_INDEX = {"rsa": "0x01c00002", "ecc": "0x01c0000a"}
TOOLS = ("tpm2_createek", "tpm2_createak", "tpm2_evictcontrol", "tpm2_readpublic", "tpm2_quote",
         "tpm2_nvread", "tpm2_activatecredential", "tpm2_startauthsession", "tpm2_policysecret",
         "tpm2_flushcontext")
#: How long one tpm2-tools command may take, s (swtpm answers in milliseconds).
COMMAND_TIMEOUT_S = 30.0


class TpmUnavailableError(InputError):
    """No TPM could be used: tools missing, no device, or the TPM refused (the message says)."""


def tpm_tools_missing() -> list[str]:
    """The tpm2-tools commands not on PATH (empty when all are there)."""
    return [t for t in TOOLS if shutil.which(t) is None]


def default_tcti() -> str | None:
    """``$TPM2TOOLS_TCTI``, else ``device:/dev/tpmrm0`` when that device exists, else None."""
    env = os.environ.get("TPM2TOOLS_TCTI")
    if env:
        return env
    return "device:/dev/tpmrm0" if Path("/dev/tpmrm0").exists() else None


def _run(args: list[str], tcti: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, TPM2TOOLS_TCTI=tcti)
    try:
        return subprocess.run(
            args, cwd=cwd, env=env, capture_output=True, timeout=COMMAND_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as err:
        raise TpmUnavailableError(f"{args[0]} timed out after {COMMAND_TIMEOUT_S:g} s ({tcti})") from err


def _must(args: list[str], tcti: str, cwd: Path) -> None:
    out = _run(args, tcti, cwd)
    if out.returncode != 0:
        lines = out.stderr.decode(errors="replace").strip().splitlines() or ["no message"]
        last = next((ln for ln in lines if ln.startswith("ERROR:") and "Unable to run" not in ln), lines[-1])
        raise TpmUnavailableError(f"{args[0]} failed on TPM {tcti}: {last}")


def _ak_pem(tcti: str, work: Path) -> str:
    """The persistent AK's public PEM, creating and persisting the AK on first use."""
    pem = work / "ak.pem"
    if _run(["tpm2_readpublic", "-c", AK_HANDLE, "-f", "pem", "-o", str(pem)], tcti, work).returncode:
        _must(["tpm2_createek", "-c", "ek.ctx", "-G", "ecc", "-u", "ek.pub"], tcti, work)
        _must(
            ["tpm2_createak", "-C", "ek.ctx", "-c", "ak.ctx", "-G", "ecc", "-g", "sha256",
             "-s", "ecdsa", "-u", "ak.pub", "-f", "pem", "-n", "ak.name"],
            tcti, work,
        )
        # No resource manager sits on swtpm's socket: free the transient slots before loading.
        _run(["tpm2_flushcontext", "-t"], tcti, work)
        _run(["tpm2_flushcontext", "-s"], tcti, work)
        _must(["tpm2_evictcontrol", "-C", "o", "-c", "ak.ctx", AK_HANDLE], tcti, work)
        _run(["tpm2_flushcontext", "-t"], tcti, work)
        _must(["tpm2_readpublic", "-c", AK_HANDLE, "-f", "pem", "-o", str(pem)], tcti, work)
    return pem.read_text(encoding="ascii")


def _quote(tcti: str, work: Path, nonce: bytes, selection: list[int]) -> tuple[bytes, bytes, bytes]:
    """(TPMS_ATTEST, plain signature, PCR values) of one quote by the persistent AK."""
    _must(
        ["tpm2_quote", "-c", AK_HANDLE, "-l", "sha256:" + ",".join(map(str, selection)),
         "-q", nonce.hex(), "-m", "quote.msg", "-s", "quote.sig", "-f", "plain",
         "-g", "sha256", "-o", "pcrs.bin", "-F", "values"],
        tcti, work,
    )
    return tuple((work / n).read_bytes() for n in ("quote.msg", "quote.sig", "pcrs.bin"))  # type: ignore[return-value]


class TpmProver:
    """The chip answers location nonces with TPM quotes (qualifying data = the nonce) by its AK.

    Args:
        tcti: which TPM (see :func:`quote_evidence`).

    Raises:
        TpmUnavailableError: tools or TPM missing.
    """

    def __init__(self, tcti: str) -> None:
        missing = tpm_tools_missing()
        if missing:
            raise TpmUnavailableError(f"tpm2-tools not installed ({', '.join(missing)} missing)")
        self.tcti = tcti
        with tempfile.TemporaryDirectory(prefix="computegov-tpm-") as tmp:
            pem = _ak_pem(tcti, Path(tmp))
        self.identity = {"kind": "tpm2-ak", "ak_public_pem": pem}

    def answer(self, nonce: bytes) -> bytes:
        """Canonical JSON ``{"quote", "scheme", "signature"}`` of a quote over PCR 0."""
        import json

        with tempfile.TemporaryDirectory(prefix="computegov-tpm-") as tmp:
            quote, signature, _ = _quote(self.tcti, Path(tmp), nonce, [0])
        doc = {"quote": base64.b64encode(quote).decode("ascii"), "scheme": "ecdsa-sha256",
               "signature": base64.b64encode(signature).decode("ascii")}
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("ascii")


def _tcti(tcti: str | None) -> str:
    missing = tpm_tools_missing()
    if missing:
        raise TpmUnavailableError(
            f"tpm2-tools not installed ({', '.join(missing)} missing): apt-get install tpm2-tools"
        )
    tcti = tcti or default_tcti()
    if tcti is None:
        raise TpmUnavailableError(
            "no TPM: /dev/tpmrm0 does not exist and no --tcti was given (e.g. swtpm:port=2321)"
        )
    return tcti


def read_ek_certificate(tcti: str | None = None, key_type: str = "rsa") -> str | None:
    """The TPM's EK certificate (PEM) from its NV index, or None when the TPM holds none.

    Raises:
        TpmUnavailableError: tools or TPM missing.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    tcti = _tcti(tcti)
    with tempfile.TemporaryDirectory(prefix="computegov-tpm-") as tmp:
        work = Path(tmp)
        if _run(["tpm2_nvread", EK_CERT_NV_INDEX[key_type], "-o", "ek.der"], tcti, work).returncode:
            return None
        der = (work / "ek.der").read_bytes()
    try:  # NV areas may be padded after the DER (TCG EK profile §2.2.1.5.2)
        cert = x509.load_der_x509_certificate(der[: 4 + int.from_bytes(der[2:4], "big")])
    except (ValueError, IndexError) as err:
        raise TpmUnavailableError(f"NV index {EK_CERT_NV_INDEX[key_type]} holds no DER certificate ({err})") from err
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def ak_public_area(tcti: str | None = None) -> bytes:
    """The persistent AK's TPM2B_PUBLIC (creating the AK on first use).

    Raises:
        TpmUnavailableError: tools or TPM missing, or a tpm2-tools command failed.
    """
    tcti = _tcti(tcti)
    with tempfile.TemporaryDirectory(prefix="computegov-tpm-") as tmp:
        work = Path(tmp)
        _ak_pem(tcti, work)
        _must(["tpm2_readpublic", "-c", AK_HANDLE, "-f", "tss", "-o", "ak.tpm2b"], tcti, work)
        return (work / "ak.tpm2b").read_bytes()


def activate_credential(challenge: dict[str, Any], tcti: str | None = None, key_type: str = "rsa") -> dict[str, Any]:
    """TPM2_ActivateCredential of a challenge for the persistent AK, against the TPM's EK.

    Args:
        challenge: a challenger's answer (:func:`computegov.attest.tpm_activation.make_challenge`).
        tcti: which TPM.
        key_type: the EK's type, ``rsa`` or ``ecc`` (P-256): the default templates.

    Returns:
        The activation proof for the evidence: ``{"statement", "signature", "secret"}``.

    Raises:
        InputError: the challenge is malformed.
        TpmUnavailableError: the TPM refused (e.g. the credential is for another AK or EK).
    """
    tcti = _tcti(tcti)
    try:
        blob = base64.b64decode(str(challenge["credential"]), validate=True)
        proof = {"statement": challenge["statement"], "signature": challenge["signature"]}
    except (KeyError, TypeError, ValueError) as err:
        raise InputError("activation challenge: expected an object with credential, statement, signature") from err
    with tempfile.TemporaryDirectory(prefix="computegov-tpm-") as tmp:
        work = Path(tmp)
        _ak_pem(tcti, work)
        (work / "cred.bin").write_bytes(blob)
        _must(["tpm2_createek", "-c", "ek.ctx", "-G", key_type, "-u", "ek.pub"], tcti, work)
        _run(["tpm2_flushcontext", "-t"], tcti, work)
        _must(["tpm2_startauthsession", "--policy-session", "-S", "session.ctx"], tcti, work)
        try:
            _must(["tpm2_policysecret", "-S", "session.ctx", "-c", "e"], tcti, work)
            _must(["tpm2_activatecredential", "-c", AK_HANDLE, "-C", "ek.ctx", "-i", "cred.bin",
                   "-o", "secret.bin", "-P", "session:session.ctx"], tcti, work)
        finally:
            _run(["tpm2_flushcontext", "session.ctx"], tcti, work)
            _run(["tpm2_flushcontext", "-t"], tcti, work)
        return {**proof, "secret": (work / "secret.bin").read_bytes().hex()}


def quote_evidence(
    nonce: bytes,
    *,
    tcti: str | None = None,
    pcrs: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6, 7),
    ek_cert_pem: str | None = None,
    ek_chain_pem: tuple[str, ...] = (),
    activation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Ask the TPM for a SHA-256 quote over ``pcrs`` with qualifying data ``nonce``.

    Args:
        nonce: the qualifying data, normally the ledger's head hash (32 bytes).
        tcti: which TPM (default :func:`default_tcti`).
        pcrs: PCR indices of the SHA-256 bank to quote (0-23).
        ek_cert_pem: the EK certificate (default: read from the TPM's NV; omitted if none).
        ek_chain_pem: intermediate CA certificates between the EK certificate and its root.
        activation: a challenge to activate on this TPM (it holds ``credential``), or an
            activation proof from an earlier activation (it holds ``secret``); None: none, and
            verifiers will fail the quote ("AK not activated").

    Returns:
        ``tpm2-quote`` evidence (see :mod:`computegov.attest.tpm_checker`).

    Raises:
        TpmUnavailableError: tools or TPM missing, or a tpm2-tools command failed.
    """
    tcti = _tcti(tcti)
    if not pcrs or any(not 0 <= p <= 23 for p in pcrs):
        raise InputError(f"--pcrs: expected PCR indices 0-23, got {list(pcrs)}")
    selection = sorted(set(pcrs))
    with tempfile.TemporaryDirectory(prefix="computegov-tpm-") as tmp:
        work = Path(tmp)
        pem = _ak_pem(tcti, work)
        quote, signature, values = _quote(tcti, work, nonce, selection)
    if len(values) != 32 * len(selection):
        raise TpmUnavailableError(f"tpm2_quote wrote {len(values)} bytes of PCR values, expected {32 * len(selection)}")
    info = parse_quote(quote)
    from cryptography.hazmat.primitives import serialization

    der = serialization.load_pem_public_key(pem.encode("ascii")).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "format": EVIDENCE_FORMAT,
        "quote": base64.b64encode(quote).decode("ascii"),
        "signature": {"scheme": "ecdsa-sha256", "value": base64.b64encode(signature).decode("ascii")},
        "ak_public_pem": pem,
        "ak_sha256": key_fingerprint(der),
        "pcrs": {"sha256": {str(p): values[32 * i : 32 * i + 32].hex() for i, p in enumerate(selection)}},
        "clock": {
            "clock_ms": info.clock.clock_ms,
            "reset_count": info.clock.reset_count,
            "restart_count": info.clock.restart_count,
            "safe": info.clock.safe,
            "firmware_version": info.firmware_version,
        },
        "tpm": {"tcti": tcti if tcti.startswith(("swtpm", "mssim")) else tcti.split(":")[0]},
        "ak_tpm_public": base64.b64encode(ak_public_area(tcti)).decode("ascii"),
        **_ek_and_activation(tcti, ek_cert_pem, ek_chain_pem, activation),
    }


def _ek_and_activation(
    tcti: str, ek_cert_pem: str | None, ek_chain_pem: tuple[str, ...], activation: dict[str, Any] | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    ek = ek_cert_pem or read_ek_certificate(tcti)
    if ek is not None:
        out["ek"] = {"certificate_pem": ek, "chain_pem": list(ek_chain_pem)}
    if activation is not None:
        if "secret" in activation:
            out["activation"] = {k: activation[k] for k in ("statement", "signature", "secret") if k in activation}
        else:
            out["activation"] = activate_credential(activation, tcti, _ek_key_type(ek))
    return out


def _ek_key_type(ek_pem: str | None) -> str:
    """``ecc`` when the EK certificate holds an EC key, else ``rsa`` (tpm2_createek -G)."""
    if ek_pem is None:
        return "rsa"
    from cryptography.hazmat.primitives.asymmetric import ec

    from computegov.attest.ek_chain import load_certificates

    try:
        key = load_certificates(ek_pem)[0].public_key()
    except ValueError as err:
        raise InputError(f"EK certificate is not PEM X.509 ({err})") from err
    return "ecc" if isinstance(key, ec.EllipticCurvePublicKey) else "rsa"


def manufacture_swtpm(state_dir: Path, ca_key_pem: Path, ca_cert_pem: Path) -> None:
    """Make a swtpm state whose RSA and ECC EKs are certified by the given CA (``swtpm_setup``).

    ``swtpm_setup --create-ek-cert`` runs ``swtpm_localca`` with a configuration naming this CA's
    key and certificate (swtpm_setup.conf(5), swtpm-localca.conf(5)); the EK certificates land in
    the TPM's NV indices. Run before :meth:`Swtpm.start` on the same ``state_dir``.

    Raises:
        TpmUnavailableError: swtpm_setup is not installed or failed.
    """
    if shutil.which("swtpm_setup") is None or shutil.which("swtpm_localca") is None:
        raise TpmUnavailableError("swtpm_setup/swtpm_localca not installed: apt-get install swtpm swtpm-tools")
    state_dir.mkdir(parents=True, exist_ok=True)
    conf = state_dir.parent / f"{state_dir.name}-setup"
    conf.mkdir(exist_ok=True)
    (conf / "swtpm-localca.conf").write_text(
        f"statedir = {conf}\nsigningkey = {ca_key_pem}\nissuercert = {ca_cert_pem}\n"
        f"certserial = {conf}/certserial\n", encoding="utf-8")
    (conf / "swtpm-localca.options").write_text(
        "--platform-manufacturer computegov-test\n--platform-version 2.1\n--platform-model swtpm\n",
        encoding="utf-8")
    (conf / "swtpm_setup.conf").write_text(
        f"create_certs_tool = {shutil.which('swtpm_localca')}\n"
        f"create_certs_tool_config = {conf}/swtpm-localca.conf\n"
        f"create_certs_tool_options = {conf}/swtpm-localca.options\nactive_pcr_banks = sha256\n",
        encoding="utf-8")
    try:
        out = subprocess.run(
            ["swtpm_setup", "--tpm2", "--tpmstate", str(state_dir), "--create-ek-cert",
             "--config", str(conf / "swtpm_setup.conf"), "--overwrite"],
            capture_output=True, timeout=60, check=False)
    except subprocess.TimeoutExpired as err:
        raise TpmUnavailableError("swtpm_setup timed out after 60 s") from err
    if out.returncode != 0:
        tail = (out.stderr or out.stdout).decode(errors="replace").strip().splitlines()[-1:]
        raise TpmUnavailableError(f"swtpm_setup failed: {tail[0] if tail else 'no message'}")


def _free_port_pair() -> int:
    """A loopback port p with p and p+1 free (swtpm's server and control sockets)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port >= 65535:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise TpmUnavailableError("no free pair of loopback ports for swtpm")


@dataclass
class Swtpm:
    """A running software TPM (``swtpm socket``) on loopback, with its state in ``state_dir``.

    Use as a context manager; :attr:`tcti` names it for :func:`quote_evidence`.
    """

    state_dir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def tcti(self) -> str:
        """The TCTI string for tpm2-tools."""
        return f"swtpm:host=127.0.0.1,port={self.port}"

    def start(self, timeout_s: float = 10.0) -> Swtpm:
        """Start swtpm and wait until its server port accepts connections.

        Raises:
            TpmUnavailableError: swtpm is not installed or did not come up.
        """
        if shutil.which("swtpm") is None:
            raise TpmUnavailableError("swtpm not installed: apt-get install swtpm")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or _free_port_pair()
        self.process = subprocess.Popen(
            ["swtpm", "socket", "--tpm2", "--tpmstate", f"dir={self.state_dir}",
             "--server", f"type=tcp,port={self.port},bindaddr=127.0.0.1",
             "--ctrl", f"type=tcp,port={self.port + 1},bindaddr=127.0.0.1",
             "--flags", "not-need-init,startup-clear"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = (self.process.stderr.read() if self.process.stderr else b"").decode(errors="replace")
                raise TpmUnavailableError(f"swtpm exited at start: {err.strip()[:200]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise TpmUnavailableError(f"swtpm did not listen on 127.0.0.1:{self.port} within {timeout_s:g} s")

    def stop(self) -> None:
        """Stop swtpm (terminate, then kill after 5 s)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None

    def __enter__(self) -> Swtpm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
