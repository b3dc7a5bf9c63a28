r"""TPM 2.0 quote structures, parsed and written in pure Python (no TPM library needed to verify).

A ``TPM2_Quote`` returns a ``TPMS_ATTEST`` structure (big-endian, TCG TPM 2.0 Library
Specification, Part 2: Structures, rev. 1.59, §10.12.12 TPMS_ATTEST and §10.12.8
TPMS_QUOTE_INFO; https://trustedcomputinggroup.org/resource/tpm-library-specification/,
read 2026-12-04) and a signature over it made by the attestation key (AK)::

    magic            u32   TPM_GENERATED_VALUE 0xff544347 ("\\xffTCG")
    type             u16   TPM_ST_ATTEST_QUOTE 0x8018
    qualifiedSigner  TPM2B_NAME   (u16 size + bytes)
    extraData        TPM2B_DATA   (u16 size + bytes)   <- the caller's qualifying data (nonce)
    clockInfo        u64 clock (ms), u32 resetCount, u32 restartCount, u8 safe
    firmwareVersion  u64
    attested         TPMS_QUOTE_INFO:
        pcrSelect    TPML_PCR_SELECTION: u32 count, then per bank u16 hashAlg, u8 sizeofSelect, bitmap
        pcrDigest    TPM2B_DIGEST: hash (of the bank's algorithm) over the selected PCR values,
                     concatenated in bank order and ascending PCR index

Algorithm ids are from the TCG Algorithm Registry (rev. 1.34, table 3): SHA-1 0x0004,
SHA-256 0x000B, SHA-384 0x000C, SHA-512 0x000D.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from computegov.errors import InputError

__all__ = [
    "HASH_ALGS",
    "TPM_GENERATED_VALUE",
    "TPM_ST_ATTEST_QUOTE",
    "ClockInfo",
    "PcrBank",
    "QuoteFormatError",
    "QuoteInfo",
    "encode_quote",
    "parse_quote",
    "pcr_digest",
]

#: TPM 2.0 Part 2 §6.2 TPM_GENERATED: every structure the TPM signs starts with it.
TPM_GENERATED_VALUE = 0xFF544347
#: TPM 2.0 Part 2 §6.9 TPM_ST: the tag of a quote's TPMS_ATTEST.
TPM_ST_ATTEST_QUOTE = 0x8018
#: TCG Algorithm Registry rev. 1.34 table 3: hash algorithm id -> hashlib name.
HASH_ALGS: dict[int, str] = {0x0004: "sha1", 0x000B: "sha256", 0x000C: "sha384", 0x000D: "sha512"}
_ALG_IDS = {name: alg for alg, name in HASH_ALGS.items()}


class QuoteFormatError(InputError):
    """Bytes that are not a well-formed TPMS_ATTEST quote (the message says where)."""


@dataclass(frozen=True)
class ClockInfo:
    """TPMS_CLOCK_INFO: the TPM's clock (ms since its last reset of the clock) and counters."""

    clock_ms: int
    reset_count: int
    restart_count: int
    safe: bool


@dataclass(frozen=True)
class PcrBank:
    """One bank of a PCR selection: its hash algorithm and the selected PCR indices (ascending)."""

    hash_alg: str
    pcrs: tuple[int, ...]


@dataclass(frozen=True)
class QuoteInfo:
    """A parsed quote (TPMS_ATTEST of type TPM_ST_ATTEST_QUOTE)."""

    qualified_signer: bytes
    extra_data: bytes
    clock: ClockInfo
    firmware_version: int
    banks: tuple[PcrBank, ...]
    pcr_digest: bytes


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, n: int, what: str) -> bytes:
        if self.at + n > len(self.data):
            raise QuoteFormatError(
                f"quote truncated at byte {self.at}: {what} needs {n} bytes, "
                f"{len(self.data) - self.at} left"
            )
        out = self.data[self.at : self.at + n]
        self.at += n
        return out

    def uint(self, size: int, what: str) -> int:
        return int.from_bytes(self.take(size, what), "big")

    def sized(self, what: str) -> bytes:
        return self.take(self.uint(2, f"{what} size"), what)


def parse_quote(data: bytes) -> QuoteInfo:
    """Parse TPMS_ATTEST bytes of a quote.

    Raises:
        QuoteFormatError: truncated, trailing bytes, wrong magic or type, unknown bank algorithm.
    """
    r = _Reader(bytes(data))
    magic = r.uint(4, "magic")
    if magic != TPM_GENERATED_VALUE:
        raise QuoteFormatError(
            f"quote magic is 0x{magic:08x}, expected TPM_GENERATED_VALUE 0x{TPM_GENERATED_VALUE:08x} "
            "(not produced by a TPM)"
        )
    kind = r.uint(2, "type")
    if kind != TPM_ST_ATTEST_QUOTE:
        raise QuoteFormatError(f"attestation type is 0x{kind:04x}, expected a quote (0x8018)")
    signer = r.sized("qualifiedSigner")
    extra = r.sized("extraData")
    clock = ClockInfo(
        r.uint(8, "clock"), r.uint(4, "resetCount"), r.uint(4, "restartCount"),
        r.uint(1, "safe") == 1,
    )
    firmware = r.uint(8, "firmwareVersion")
    banks: list[PcrBank] = []
    for _ in range(r.uint(4, "pcrSelect count")):
        alg = r.uint(2, "pcrSelect hash")
        bitmap = r.take(r.uint(1, "sizeofSelect"), "pcrSelect bitmap")
        if alg not in HASH_ALGS:
            raise QuoteFormatError(f"PCR bank hash algorithm 0x{alg:04x} is not a known hash")
        pcrs = tuple(i for i in range(len(bitmap) * 8) if bitmap[i // 8] >> (i % 8) & 1)
        banks.append(PcrBank(HASH_ALGS[alg], pcrs))
    digest = r.sized("pcrDigest")
    if r.at != len(r.data):
        raise QuoteFormatError(f"{len(r.data) - r.at} trailing bytes after the quote")
    return QuoteInfo(signer, extra, clock, firmware, tuple(banks), digest)


def pcr_digest(hash_alg: str, values: list[bytes]) -> bytes:
    """The quote's pcrDigest: ``hash_alg`` over the selected PCR values concatenated in order."""
    return hashlib.new(hash_alg, b"".join(values)).digest()


def encode_quote(info: QuoteInfo) -> bytes:
    """TPMS_ATTEST bytes of ``info`` (the inverse of :func:`parse_quote`; for software quotes)."""

    def sized(b: bytes) -> bytes:
        return struct.pack(">H", len(b)) + b

    out = struct.pack(">IH", TPM_GENERATED_VALUE, TPM_ST_ATTEST_QUOTE)
    out += sized(info.qualified_signer) + sized(info.extra_data)
    c = info.clock
    out += struct.pack(">QIIB", c.clock_ms, c.reset_count, c.restart_count, int(c.safe))
    out += struct.pack(">QI", info.firmware_version, len(info.banks))
    for bank in info.banks:
        size = max(3, (max(bank.pcrs, default=0) // 8) + 1)
        bitmap = bytearray(size)
        for i in bank.pcrs:
            bitmap[i // 8] |= 1 << (i % 8)
        out += struct.pack(">HB", _ALG_IDS[bank.hash_alg], size) + bytes(bitmap)
    return out + sized(info.pcr_digest)
