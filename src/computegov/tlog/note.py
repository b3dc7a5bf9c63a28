"""C2SP signed notes (https://c2sp.org/signed-note, read 2026-12-07): text signed by named keys.

A note is UTF-8 text ending in a newline, a blank line, then signature lines
``— <key name> base64(key ID || signature)``. A key ID is the first four bytes of
``SHA-256(name || 0x0A || signature type || public key)``. Two signature types are used here:

* ``0x01``: Ed25519 over the note text (:class:`Ed25519Verifier`, :class:`Ed25519Signer`);
* ``0x04``: a timestamped Ed25519 *cosignature* (c2sp.org/tlog-cosignature), see
  :mod:`computegov.tlog.cosignature`.

Verifier keys (vkeys) are ``<name>+<hex key ID>+base64(type || public key)`` (parsed by
:func:`computegov.tlog.vkey.parse_vkey`). :func:`open_note`
follows the spec's rules: signatures by unknown keys are ignored, a known key whose signature
fails rejects the whole note, and a note with no verified signature is rejected. Checked
against the spec's example and golang.org/x/mod/sumdb/note's test vectors (tests/tlog).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from computegov.tlog import ed25519
from computegov.tlog.errors import LogProofError

__all__ = [
    "ALG_COSIGNATURE_V1",
    "ALG_ED25519",
    "MAX_SIGNATURES",
    "Ed25519Signer",
    "Ed25519Verifier",
    "Note",
    "NoteSignature",
    "VerifiedNote",
    "Verifier",
    "check_key_name",
    "format_note",
    "key_id",
    "open_note",
    "parse_note",
]

#: c2sp.org/signed-note, "Signature types".
ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
#: Verifiers must accept at least 16 signatures (signed-note); more is refused as malformed.
MAX_SIGNATURES = 64
_DASH = "\u2014 "


def key_id(name: str, alg: int, public_key: bytes) -> int:
    """The signed-note key ID: ``SHA-256(name || 0x0A || alg || public key)[:4]`` as a big-endian uint32."""
    return int.from_bytes(hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[:4], "big")


def check_key_name(name: str) -> str:
    """``name`` when it is a valid note key name (non-empty, no spaces, no '+').

    Raises:
        LogProofError: it is not.
    """
    if not name or any(c.isspace() or c == "+" for c in name):
        raise LogProofError(f"note key name {name!r}: must be non-empty, without spaces or '+'")
    return name


@dataclasses.dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, key ID (uint32) and the signature bytes after the ID."""

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        """The signature line, newline included."""
        return f"{_DASH}{self.name} {base64.b64encode(self.key_id.to_bytes(4, 'big') + self.signature).decode()}\n"


@dataclasses.dataclass(frozen=True)
class Note:
    """A note's text (ending in a newline) and its signature lines, in order."""

    text: str
    signatures: tuple[NoteSignature, ...] = ()


def format_note(note: Note) -> str:
    """The note's wire form: text, blank line, signature lines."""
    return note.text + "\n" + "".join(s.line() for s in note.signatures)


def parse_note(data: str | bytes) -> Note:
    """Split a signed note into text and signature lines (no signature is checked).

    Raises:
        LogProofError: not UTF-8, a control character, no blank line before the signatures,
            a malformed signature line, or more than :data:`MAX_SIGNATURES` signatures.
    """
    try:
        text = data.decode() if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise LogProofError("malformed note: not UTF-8") from None
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise LogProofError("malformed note: a control character other than newline")
    split = text.rfind("\n\n")
    if split < 0 or not text.endswith("\n"):
        raise LogProofError("malformed note: no blank line between text and signatures, or no final newline")
    body, sig_block = text[: split + 1], text[split + 2 :]
    lines = sig_block.split("\n")[:-1]
    if not lines or len(lines) > MAX_SIGNATURES:
        raise LogProofError(f"malformed note: {len(lines)} signature lines (need 1..{MAX_SIGNATURES})")
    sigs = []
    for line in lines:
        if not line.startswith(_DASH):
            raise LogProofError(f"malformed note: signature line {line[:40]!r} does not start with an em dash")
        name, _, b64 = line[len(_DASH):].partition(" ")
        try:
            raw = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise LogProofError(f"malformed note: signature of {name!r} is not base64") from None
        if len(raw) < 5 or " " in b64:
            raise LogProofError(f"malformed note: signature of {name!r} is too short")
        sigs.append(NoteSignature(check_key_name(name), int.from_bytes(raw[:4], "big"), raw[4:]))
    return Note(body, tuple(sigs))


class Verifier(Protocol):
    """A key that checks note signatures: its name, key ID and signature check."""

    @property
    def name(self) -> str:
        """The key name in signature lines."""

    @property
    def key_id(self) -> int:
        """The key ID (uint32)."""

    def verify(self, text: str, signature: bytes) -> bool:
        """True when ``signature`` (the bytes after the key ID) signs ``text``."""

    def vkey(self) -> str:
        """The verifier key string."""


@dataclasses.dataclass(frozen=True)
class Ed25519Verifier:
    """An Ed25519 (type 0x01) note verifier: ``name`` and the 32-byte public key."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        ed25519.check_public_key(self.public_key, what=f"note key {self.name}")

    @property
    def key_id(self) -> int:
        """The signed-note key ID."""
        return key_id(self.name, ALG_ED25519, self.public_key)

    def verify(self, text: str, signature: bytes) -> bool:
        """Strict Ed25519 over the note text."""
        return ed25519.verify(ed25519.check_public_key(self.public_key), signature, text.encode())

    def vkey(self) -> str:
        """``name+hexid+base64(0x01 || key)``."""
        return _vkey(self.name, self.key_id, ALG_ED25519, self.public_key)


def _vkey(name: str, kid: int, alg: int, public_key: bytes) -> str:
    return f"{name}+{kid:08x}+{base64.b64encode(bytes([alg]) + public_key).decode()}"


@dataclasses.dataclass(frozen=True)
class Ed25519Signer:
    """Signs notes with an Ed25519 private key under ``name`` (type 0x01)."""

    name: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> bytes:
        """The 32-byte public key."""
        return self.private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def verifier(self) -> Ed25519Verifier:
        """The matching verifier."""
        return Ed25519Verifier(self.name, self.public_key)

    def sign(self, text: str) -> NoteSignature:
        """The signature line of ``text``."""
        return NoteSignature(self.name, key_id(self.name, ALG_ED25519, self.public_key),
                             self.private_key.sign(text.encode()))


@dataclasses.dataclass(frozen=True)
class VerifiedNote:
    """An opened note: its text, the signatures that verified (with their verifier), and the rest."""

    text: str
    verified: tuple[tuple[Verifier, NoteSignature], ...]
    unverified: tuple[NoteSignature, ...]

    def by(self, verifiers: Iterable[Verifier]) -> list[NoteSignature]:
        """The verified signatures made by any of ``verifiers``."""
        wanted = {(v.name, v.key_id) for v in verifiers}
        return [s for _, s in self.verified if (s.name, s.key_id) in wanted]


def open_note(data: str | bytes | Note, verifiers: Sequence[Verifier]) -> VerifiedNote:
    """Parse a note and check its signatures against ``verifiers`` (c2sp.org/signed-note rules).

    Raises:
        LogProofError: malformed; two verifiers share a name and key ID; a known key's signature
            fails (the whole note is rejected); or no signature verified.
    """
    note = data if isinstance(data, Note) else parse_note(data)
    known: dict[tuple[str, int], Verifier] = {}
    for v in verifiers:
        if (v.name, v.key_id) in known and known[(v.name, v.key_id)] != v:
            raise LogProofError(f"ambiguous key {v.name}+{v.key_id:08x}")
        known[(v.name, v.key_id)] = v
    verified: list[tuple[Verifier, NoteSignature]] = []
    unverified: list[NoteSignature] = []
    for sig in note.signatures:
        match = known.get((sig.name, sig.key_id))
        if match is None:
            unverified.append(sig)
        elif match.verify(note.text, sig.signature):
            if all(s != sig for _, s in verified):
                verified.append((match, sig))
        else:
            raise LogProofError(f"invalid signature for key {sig.name}+{sig.key_id:08x}")
    if not verified:
        raise LogProofError("note has no verifiable signatures (no signature by a trusted key)")
    return VerifiedNote(note.text, tuple(verified), tuple(unverified))
