"""Decoding a block of ledger lines at once: the verifier's fast path, exact or declined.

:func:`decode_lines` takes every complete line of a block read from a ledger file and returns
their records only when every line is one that :func:`~computegov.ledger.records.decode_span`
would accept *and* links to the one before it (``seq`` counts up, ``prev`` is the previous
hash). Otherwise it returns None and the caller decodes the block line by line, which says
exactly what is wrong and where. It never accepts a line the per-line reader refuses, and
builds the same records, so the two paths give the same scan.

It is faster because the per-line work runs inside C loops (``map`` over ``bytes`` and ``dict``
methods) instead of Python statements, and because the canonical-JSON test is done once per
block: the bodies joined by commas inside ``[...]`` are compared with orjson's sorted encoding
of the parsed list. Each body is a single JSON object starting at the same byte as its
canonical encoding, and a JSON object's extent is fixed by its bytes, so the joined texts are
equal exactly when every body equals its own canonical encoding (what the per-line reader
checks with one ``orjson.dumps`` call per line, which costs several times more per record than
one call per block). Where the block's encoding differs (orjson spells a few floats unlike the
writer's stdlib encoder, ``2.5e-07``), each body is tested as the line reader tests it.
"""

from __future__ import annotations

import hashlib
import math
from functools import partial
from itertools import repeat
from operator import itemgetter
from typing import Any

from computegov.ledger import records as _records
from computegov.ledger.records import RECORD_KINDS, Record

__all__ = ["decode_lines"]

_PREFIX = b'{"body":'
_SUFFIX_START = b',"hash":"'
_SUFFIX_END = b'"}'
_SUFFIX_LEN = len(_SUFFIX_START) + 64 + len(_SUFFIX_END)
_MIN_LINE = len(_PREFIX) + _SUFFIX_LEN + 2
_BODY = itemgetter(slice(len(_PREFIX), -_SUFFIX_LEN))
_SUFFIX_STARTS = itemgetter(slice(-_SUFFIX_LEN, -_SUFFIX_LEN + len(_SUFFIX_START)))
_CLAIMED = itemgetter(slice(-66, -2))
#: The body's keys in canonical (sorted) order.
_BODY_KEYS = ("data", "kind", "prev", "seq", "time_unix_s")
_BODY_FIELDS = itemgetter(*_BODY_KEYS)
_KINDS = frozenset(RECORD_KINDS)
_sha256 = hashlib.sha256
_hexdigest = type(hashlib.sha256()).hexdigest
_new_record = partial(tuple.__new__, Record)
_startswith = bytes.startswith
_endswith = bytes.endswith


def decode_lines(
    lines: list[bytes], lengths: list[int], prev_hash: str, first_seq: int, max_record_bytes: int
) -> list[Record] | None:
    """The records of ``lines`` if every line is a well-formed, canonical, linked record.

    Args:
        lines: the lines, without their newlines (at least one).
        lengths: ``len`` of each line, bytes.
        prev_hash: the hash the first line's ``prev`` must equal ("" after a damaged line:
            then nothing is accepted here, as the first record cannot be linked).
        first_seq: the first line's expected ``seq``.
        max_record_bytes: the longest line accepted, bytes.

    Returns:
        The records, as :func:`~computegov.ledger.records.decode_span` builds them; None when
        any line is not plainly fine (the caller then reads the lines one at a time).
    """
    loads = _records._ORJSON_LOADS  # read at call time: tests switch the parser off
    dumps = _records._ORJSON_DUMPS
    if loads is None or dumps is None or not prev_hash or not lines:
        return None
    if min(lengths) < _MIN_LINE or max(lengths) > max_record_bytes:
        return None
    if not (
        all(map(_startswith, lines, repeat(_PREFIX)))
        and all(map(_endswith, lines, repeat(_SUFFIX_END)))
        and set(map(_SUFFIX_STARTS, lines)) == {_SUFFIX_START}
    ):
        return None
    bodies = list(map(_BODY, lines))
    digests = list(map(_hexdigest, map(_sha256, bodies)))
    # equal-length pieces (64 bytes each), so the joined texts are equal iff every piece is
    if b"".join(map(_CLAIMED, lines)) != "".join(digests).encode("ascii"):
        return None
    try:
        objs: list[Any] = list(map(loads, bodies))
        if set(map(type, objs)) != {dict}:
            return None
        if dumps(objs, option=_records._ORJSON_SORT) != b"[" + b",".join(bodies) + b"]" and not all(
            map(_records._is_canonical, objs, bodies)
        ):  # orjson spells a few floats unlike the writer (2.5e-7 vs 2.5e-07): ask line by line
            return None
    except (ValueError, TypeError, RecursionError):  # orjson's errors subclass these
        return None
    if set(map(len, objs)) != {len(_BODY_KEYS)}:
        return None
    try:  # five keys each, all of these: exactly these
        data, kinds, prevs, seqs, times = zip(*map(_BODY_FIELDS, objs), strict=True)
    except KeyError:
        return None
    if (
        set(map(type, seqs)) != {int}
        or seqs != tuple(range(first_seq, first_seq + len(lines)))
        or set(map(type, kinds)) != {str}  # before hashing: a list or dict kind is unhashable
        or not _KINDS.issuperset(kinds)
        or set(map(type, times)) != {float}
        or not (-math.inf < min(times) and max(times) < math.inf)
        or set(map(type, prevs)) != {str}
        or prevs[0] != prev_hash
        or list(prevs[1:]) != digests[:-1]
        or set(map(type, data)) != {dict}
    ):
        return None
    return list(map(_new_record, zip(seqs, kinds, times, prevs, data, digests, strict=True)))
