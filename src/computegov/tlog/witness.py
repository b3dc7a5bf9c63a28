"""A C2SP witness (https://c2sp.org/tlog-witness, read 2026-12-07): cosign only consistent checkpoints.

:class:`Witness` is the protocol's core, no HTTP inside: ``add-checkpoint`` takes the request
body (``old N``, consistency proof lines in base64, a blank line, the checkpoint note) and
answers a status, content type and body exactly as the spec says:

* 404: unknown origin; 403: no valid signature by the log key it trusts for the origin;
* 400: old size above the checkpoint's; 409 (``text/x.tlog.size``, the size it holds): old size
  is not the size it last cosigned; 422: a bad consistency proof, a proof sent from size 0,
  another root for the size it holds, or a size-0 checkpoint without the empty root;
* 200: timestamped Ed25519 cosignature lines (:mod:`computegov.tlog.cosignature`).

The check and the update of the last cosigned size are one atomic step (a lock, then the state
file replaced with fsync before the answer). :func:`add_checkpoint_request` builds a request;
:mod:`computegov.tlog.witness_client` sends it, :mod:`computegov.tlog.witness_server` serves it.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from computegov.durable import write_atomic
from computegov.tlog import merkle
from computegov.tlog.checkpoint import LogKey, parse_checkpoint_text
from computegov.tlog.cosignature import CosignatureSigner
from computegov.tlog.errors import LogProofError
from computegov.tlog.note import open_note, parse_note

__all__ = ["AddCheckpoint", "Witness", "WitnessAnswer", "add_checkpoint_request", "parse_add_checkpoint"]

#: tlog-witness: a client must not send more than 63 consistency proof lines.
MAX_PROOF_LINES = 63
#: The largest request body a witness reads (a checkpoint with 64 signatures is a few kB).
MAX_BODY_BYTES = 64 * 1024
SIZE_CONTENT_TYPE = "text/x.tlog.size"


@dataclasses.dataclass(frozen=True)
class AddCheckpoint:
    """An ``add-checkpoint`` request: the old size, the consistency proof, the checkpoint note."""

    old_size: int
    proof: tuple[bytes, ...]
    note: str


def add_checkpoint_request(old_size: int, proof: Sequence[bytes], note: str) -> bytes:
    """The request body of ``add-checkpoint``."""
    lines = [f"old {old_size}", *(base64.b64encode(h).decode() for h in proof), ""]
    return ("\n".join(lines) + "\n" + note).encode()


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Parse an ``add-checkpoint`` body.

    Raises:
        LogProofError: malformed (the witness answers 400).
    """
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise LogProofError("add-checkpoint: body is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or not lines[0].startswith("old "):
        raise LogProofError("add-checkpoint: expected 'old N', proof lines, a blank line, then the checkpoint")
    size_text = lines[0][4:]
    if not size_text.isdigit() or not size_text.isascii() or (size_text != "0" and size_text.startswith("0")):
        raise LogProofError(f"add-checkpoint: old size {size_text[:20]!r} is not a decimal without leading zeros")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise LogProofError(f"add-checkpoint: {len(lines) - 1} proof lines, more than {MAX_PROOF_LINES}")
    try:
        proof = tuple(base64.b64decode(line, validate=True) for line in lines[1:])
    except (binascii.Error, ValueError):
        raise LogProofError("add-checkpoint: a proof line is not base64") from None
    if any(len(h) != 32 for h in proof):
        raise LogProofError("add-checkpoint: a proof hash is not 32 bytes")
    return AddCheckpoint(int(size_text), proof, note)


@dataclasses.dataclass(frozen=True)
class WitnessAnswer:
    """An HTTP answer: status, content type, body."""

    status: int
    content_type: str
    body: bytes


def _text(status: int, message: str) -> WitnessAnswer:
    return WitnessAnswer(status, "text/plain; charset=utf-8", (message + "\n").encode())


class Witness:
    """Cosigns checkpoints of the logs it trusts, each only if consistent with the last it cosigned.

    Args:
        signer: the witness's cosigning key and name.
        logs: trusted logs, by origin.
        state_path: JSON file of the last cosigned (size, root) per origin; None keeps it in memory.
        clock: POSIX time source (s), for the cosignature timestamps.
    """

    def __init__(self, signer: CosignatureSigner, logs: Mapping[str, LogKey], state_path: Path | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.signer = signer
        self.logs = dict(logs)
        self.state_path = state_path
        self.clock = clock
        self._lock = threading.Lock()
        self._state: dict[str, dict[str, Any]] = {}
        if state_path is not None and state_path.exists():
            try:
                self._state = {str(k): dict(v) for k, v in json.loads(state_path.read_text()).items()}
            except (ValueError, AttributeError) as err:
                raise LogProofError(f"{state_path}: not a witness state file ({err})") from None

    def latest(self, origin: str) -> tuple[int, bytes] | None:
        """The (size, root) this witness last cosigned for ``origin``, or None."""
        got = self._state.get(origin)
        return None if got is None else (int(got["size"]), base64.b64decode(got["root"]))

    def _persist(self) -> None:
        if self.state_path is None:
            return
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        # fsynced and renamed, directory fsynced: a crash never loses a cosigned size (see durable)
        write_atomic(self.state_path, json.dumps(self._state, sort_keys=True), mode=0o600)

    def add_checkpoint(self, body: bytes) -> WitnessAnswer:
        """Answer one ``add-checkpoint`` request body (see the module docstring for the statuses)."""
        if len(body) > MAX_BODY_BYTES:
            return _text(400, f"request body over {MAX_BODY_BYTES} bytes")
        try:
            req = parse_add_checkpoint(body)
            note = parse_note(req.note)
            cp = parse_checkpoint_text(note.text)
        except LogProofError as err:
            return _text(400, str(err))
        key = self.logs.get(cp.origin)
        if key is None:
            return _text(404, f"unknown log origin {cp.origin!r}")
        try:
            open_note(note, key.verifiers(cp.origin)[:1])
        except LogProofError as err:
            return _text(403, f"checkpoint not signed by the trusted key of {cp.origin}: {err}")
        if req.old_size > cp.size:
            return _text(400, f"old size {req.old_size} is above the checkpoint size {cp.size}")
        with self._lock:
            held = self.latest(cp.origin)
            held_size, held_root = held if held is not None else (0, merkle.EMPTY_ROOT)
            if req.old_size != held_size:
                return WitnessAnswer(409, SIZE_CONTENT_TYPE, f"{held_size}\n".encode())
            if req.old_size == 0:
                if req.proof:
                    return _text(422, "a consistency proof from size 0 must be empty")
            elif req.old_size == cp.size:
                if req.proof or cp.root_hash != held_root:
                    return _text(422, f"size {cp.size} was cosigned with another root: the log forked")
            else:
                try:
                    merkle.verify_consistency(req.old_size, cp.size, held_root, cp.root_hash, list(req.proof))
                except LogProofError as err:
                    return _text(422, f"not consistent with the checkpoint of size {held_size} cosigned "
                                      f"before: {err}")
            sig = self.signer.sign(note.text, max(1, int(self.clock())))
            self._state[cp.origin] = {"size": cp.size, "root": base64.b64encode(cp.root_hash).decode()}
            self._persist()
        return WitnessAnswer(200, "text/plain; charset=utf-8", sig.line().encode())
