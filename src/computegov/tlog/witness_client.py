"""The log's side of c2sp.org/tlog-witness: send ``add-checkpoint`` over HTTP, collect cosignatures.

Standard library only (``urllib``). :func:`request_cosignatures` asks each witness once; when a
witness answers 409 with the size it last cosigned, it retries once from that size (the spec's
way for a client without the witness's state to catch up). Cosignature lines are checked
against the witness's key before they are kept.
"""

from __future__ import annotations

import dataclasses
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence

from computegov.tlog.cosignature import CosignatureVerifier
from computegov.tlog.errors import LogProofError
from computegov.tlog.note import NoteSignature, open_note, parse_note
from computegov.tlog.witness import SIZE_CONTENT_TYPE, add_checkpoint_request

__all__ = ["WitnessEndpoint", "WitnessOutcome", "post_add_checkpoint", "request_cosignatures"]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class WitnessEndpoint:
    """A witness: its submission URL prefix and cosigning key."""

    url: str
    verifier: CosignatureVerifier


@dataclasses.dataclass(frozen=True)
class WitnessOutcome:
    """What one witness answered: its cosignature, or the HTTP status and message of its refusal."""

    witness: str
    cosignature: NoteSignature | None
    status: int
    message: str


def post_add_checkpoint(url: str, body: bytes, *, timeout_s: float = 10.0) -> tuple[int, str, bytes]:
    """POST ``body`` to ``url``/add-checkpoint; return (status, content type, body).

    Raises:
        LogProofError: the witness cannot be reached.
    """
    if not url.startswith(("http://", "https://")):
        raise LogProofError(f"witness URL {url!r}: expected http:// or https://")
    req = urllib.request.Request(url.rstrip("/") + "/add-checkpoint", data=body, method="POST",
                                 headers={"Content-Type": "text/plain; charset=utf-8"})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            return int(resp.status), str(resp.headers.get("Content-Type", "")), resp.read(65536)
    except urllib.error.HTTPError as err:
        return int(err.code), str(err.headers.get("Content-Type", "")), err.read(65536)
    except (urllib.error.URLError, OSError) as err:
        raise LogProofError(f"witness {url}: unreachable ({err})") from None


def request_cosignatures(note: str, size: int, witnesses: Sequence[WitnessEndpoint],
                         proof_from: Callable[[int], list[bytes]], *, old_sizes: dict[str, int] | None = None,
                         timeout_s: float = 10.0) -> list[WitnessOutcome]:
    """Ask each witness to cosign the checkpoint ``note`` of tree ``size``.

    Args:
        note: the checkpoint, signed by the log.
        size: its tree size.
        witnesses: where to send it.
        proof_from: the consistency proof from an older size to ``size``.
        old_sizes: the size each witness (by name) last cosigned, as far as the log knows.
        timeout_s: per request.
    """
    text = parse_note(note).text
    out = []
    for w in witnesses:
        old = (old_sizes or {}).get(w.verifier.name, 0)
        status, message, sig = 0, "", None
        for _ in range(2):
            try:
                proof = proof_from(old) if 0 < old < size else []
                status, ctype, body = post_add_checkpoint(w.url, add_checkpoint_request(old, proof, note),
                                                          timeout_s=timeout_s)
            except LogProofError as err:
                status, message = 0, str(err)
                break
            message = body.decode(errors="replace").strip()[:300]
            if status == 409 and ctype.startswith(SIZE_CONTENT_TYPE) and message.isdigit() and int(message) != old:
                old = int(message)
                if old > size:
                    break
                continue
            break
        if status == 200:
            try:
                opened = open_note(text + "\n" + body.decode(), [w.verifier])
                sig = opened.by([w.verifier])[0]
            except (LogProofError, UnicodeDecodeError) as err:
                status, message = 0, f"cosignature does not verify: {err}"
        if sig is None:
            logger.warning("witness %s refused checkpoint of size %d: HTTP %d %s", w.verifier.name, size, status,
                           message)
        out.append(WitnessOutcome(w.verifier.name, sig, status, message))
    return out
