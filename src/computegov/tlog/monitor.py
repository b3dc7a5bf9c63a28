"""A log monitor that needs only the log's public key, and re-checks every entry it has seen.

:func:`check_log` fetches the log's checkpoint (through a :class:`LogSource`, any transport),
verifies it against the pinned key, a witness policy and a freshness limit, checks it extends the
last checkpoint the monitor accepted (a consistency proof; a log that refuses the proof, shrinks,
signs two roots for one size or dates a head before the previous one is *evidence*), then streams
**every** entry from 0, recomputes each leaf hash, compares the ones it saw before with the hashes
it kept (a file of 32 bytes per leaf, :class:`LeafHashFile`), and rebuilds the root with a compact
range. An edited, deleted, reordered or swapped old entry therefore shows up even when the
operator also rewrote every stored hash, proof and signed head. Memory stays O(log n) apart from
what ``on_entry`` keeps; the leaf-hash file is read and written sequentially.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO, Protocol

from computegov.durable import AtomicFile
from computegov.tlog import merkle
from computegov.tlog.checkpoint import LogKey, SignedCheckpoint, open_checkpoint
from computegov.tlog.cosignature import CosignatureVerifier
from computegov.tlog.errors import LogProofError

__all__ = ["LeafHashFile", "LogCheck", "LogSource", "check_extends", "check_log"]

#: Most evidence lines one run reports about individual entries (the rest are counted).
MAX_ENTRY_EVIDENCE = 20


class LogSource(Protocol):
    """Where a monitor reads a log: its checkpoint, its entries by range, consistency proofs."""

    def checkpoint(self) -> str:
        """The latest checkpoint note."""

    def entries(self, start: int, end: int) -> list[bytes]:
        """Entries ``[start, end)`` as their exact bytes; may return fewer (a page), never others."""

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """The consistency proof between two sizes; raises :class:`LogProofError` when refused."""


class LeafHashFile:
    """The leaf hashes a monitor has seen: 32 bytes per leaf, in order, in one file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def count(self) -> int:
        """How many leaf hashes are kept."""
        try:
            return self.path.stat().st_size // 32
        except FileNotFoundError:
            return 0

    def read(self) -> Iterator[bytes]:
        """The kept hashes in order (streamed)."""
        if not self.path.exists():
            return
        with self.path.open("rb") as fh:
            while chunk := fh.read(32 * 4096):
                for i in range(0, len(chunk) - 31, 32):
                    yield chunk[i : i + 32]

    def writer(self) -> tuple[BinaryIO, Callable[[bool], None]]:
        """A temporary file to write the new hashes to, and ``finish(keep)`` to move it into place or drop it.

        ``finish(True)`` replaces the file durably (:class:`computegov.durable.AtomicFile`: fsync,
        rename, directory fsync); ``finish(False)`` leaves the hashes kept before untouched. A new
        file is private (0600), an existing one keeps its mode.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        pending = AtomicFile(self.path, mode=0o600)

        def finish(keep: bool) -> None:
            if keep:
                pending.commit()
            else:
                pending.discard()

        return pending.file, finish


@dataclasses.dataclass(frozen=True)
class LogCheck:
    """One monitor pass: the checkpoint accepted (or None), evidence found, and what was read."""

    checkpoint: SignedCheckpoint | None
    previous_size: int | None
    evidence: tuple[str, ...]
    entries_checked: int
    entries_seen_before: int

    @property
    def ok(self) -> bool:
        """True when no evidence was found."""
        return not self.evidence


def check_extends(source: LogSource, old: SignedCheckpoint, new: SignedCheckpoint) -> list[str]:
    """Evidence that ``new`` does not extend ``old`` (empty when it does).

    A log that refuses the consistency proof between two checkpoints it signed is evidence too:
    an honest log can always prove that one of its trees extends another.
    """
    if old.checkpoint.origin != new.checkpoint.origin:
        return [f"the log's origin changed from {old.checkpoint.origin!r} to {new.checkpoint.origin!r}"]
    if old.timestamp_s is not None and new.timestamp_s is not None and new.timestamp_s < old.timestamp_s:
        return [f"checkpoint of size {new.size} is dated {new.timestamp_s}, before the previous one "
                f"({old.timestamp_s}, size {old.size}): its clock or its history was rewritten"]
    if new.size < old.size:
        return [f"the log shrank: checkpoint of size {new.size} after one of size {old.size}: "
                "it was rolled back or rewritten"]
    if new.size == old.size:
        if new.root_hash != old.root_hash:
            return [f"two signed roots for size {new.size}: {old.root_hash.hex()} (before) and "
                    f"{new.root_hash.hex()} (now): the log was rewritten or forked"]
        return []
    if old.size == 0:
        return []
    try:
        proof = source.consistency_proof(old.size, new.size)
    except LogProofError as err:
        return [f"the log refuses a consistency proof from size {old.size} (a checkpoint it signed) to "
                f"{new.size}: {err}: evidence of a fork or a rewrite"]
    try:
        merkle.verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
    except LogProofError as err:
        return [f"checkpoint of size {new.size} does not extend the one of size {old.size} seen before ({err}): "
                "the log was rewritten or forked"]
    return []


def check_log(source: LogSource, log_key: LogKey, previous: SignedCheckpoint | None, leaves: LeafHashFile | None, *,
              on_entry: Callable[[int, bytes], None] | None = None, witnesses: Sequence[CosignatureVerifier] = (),
              min_witnesses: int = 0, now_s: int | None = None, max_age_s: float | None = None,
              audit_entries: bool = True, known_roots: Mapping[int, bytes] | None = None) -> LogCheck:
    """Check the log's current checkpoint and every entry (see the module docstring).

    Args:
        source: the log.
        log_key: its pinned key.
        previous: the last checkpoint this monitor accepted (None: a fresh monitor).
        leaves: where the monitor keeps the leaf hashes it saw (None: keep none).
        on_entry: called with (index, exact bytes) of every entry, in order.
        witnesses: trusted witness cosigners.
        min_witnesses: how many of ``witnesses`` must have cosigned the checkpoint.
        now_s: current POSIX time (s), for freshness.
        max_age_s: the oldest checkpoint accepted, seconds.
        audit_entries: stream and check every entry (False: checkpoint and consistency only).
        known_roots: roots the log signed at other sizes (its served history of heads); each is
            compared with the root the entries build at that size.

    A log that answers but will not serve its checkpoint, its entries or a proof (the source
    raises :class:`LogProofError` with ``mismatch`` True) gives evidence, not an error.

    Raises:
        LogProofError: malformed answers, a checkpoint not signed by the pinned key.
    """
    try:
        note = source.checkpoint()
        current = open_checkpoint(note, log_key, witnesses=witnesses, min_witnesses=min_witnesses, now_s=now_s,
                                  max_age_s=max_age_s, origin=previous.checkpoint.origin if previous else None)
    except LogProofError as err:
        if not err.mismatch:
            raise
        return LogCheck(None, previous.size if previous else None, (str(err),), 0, 0)
    evidence = check_extends(source, previous, current) if previous is not None else []
    if evidence or not audit_entries:
        return LogCheck(current, previous.size if previous else None, tuple(evidence), 0, 0)
    kept = leaves.count() if leaves is not None else 0
    old_hashes = leaves.read() if leaves is not None else iter(())
    out, finish = leaves.writer() if leaves is not None else (None, None)
    frontier = merkle.Frontier()
    stack: list[bytes] = []
    size = 0
    changed = 0
    missing = False
    previous_root_checked = previous is None
    roots = dict(known_roots or {})
    target = current.size
    previous_size = previous.size if previous is not None else -1
    sha256 = hashlib.sha256  # the RFC 6962 hashes of merkle.leaf_hash / node_hash, inlined in the hot loop
    try:
        while size < target:
            try:
                page = source.entries(size, target)
            except LogProofError as err:
                if not err.mismatch:
                    raise
                evidence.append(f"the log will not serve entries from {size}: {err}")
                missing = True
                break
            if not page:
                evidence.append(f"entries {size}..{current.size - 1} are missing from the log "
                                f"(its checkpoint says {current.size})")
                missing = True
                break
            for entry in page:
                h = sha256(b"\x00" + entry).digest()
                if size < kept:
                    seen = next(old_hashes, None)
                    if seen is not None and seen != h:
                        changed += 1
                        if changed <= MAX_ENTRY_EVIDENCE:
                            evidence.append(f"entry {size} differs from the one this monitor saw before "
                                            f"(leaf hash {seen.hex()[:16]}... now {h.hex()[:16]}...): an old entry "
                                            "was edited, deleted, reordered or swapped")
                if out is not None:
                    out.write(h)
                if on_entry is not None:
                    on_entry(size, entry)
                node, n = h, size
                while n & 1:
                    node = sha256(b"\x01" + stack.pop() + node).digest()
                    n >>= 1
                stack.append(node)
                size += 1
                if size == previous_size:
                    previous_root_checked = True
                    if previous is not None and merkle.hash_pieces(stack) != previous.root_hash:
                        evidence.append(f"the entries served for 0..{size - 1} do not build the root of the "
                                        f"checkpoint of size {size} accepted before: history was rewritten")
                if roots and size in roots and merkle.hash_pieces(stack) != roots[size]:
                    evidence.append(f"the log signed a head of size {size} whose root the entries served do not "
                                    "build: history was rewritten")
                if size >= target:
                    break
        if changed > MAX_ENTRY_EVIDENCE:
            evidence.append(f"... and {changed - MAX_ENTRY_EVIDENCE} more changed entries")
        frontier = merkle.Frontier(size, tuple(stack))
        if not missing and frontier.root() != current.root_hash:
            evidence.append(f"the entries served (0..{current.size - 1}) do not build the signed root "
                            f"{current.root_hash.hex()}: entries were changed, deleted or reordered")
        if not previous_root_checked and not missing:
            evidence.append(f"the log has {size} entries, fewer than the {previous.size if previous else 0} "
                            "of the checkpoint accepted before")
    except BaseException:
        if finish is not None:
            finish(False)  # an error mid-stream (not evidence): the hashes kept before stay whole
        raise
    if finish is not None:
        finish(not evidence)
    return LogCheck(current, previous.size if previous else None, tuple(evidence), size,
                    min(max(kept, previous.size if previous else 0), size))
