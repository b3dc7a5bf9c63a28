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
one call per block). orjson's encoding is the canonical one (the writer's stdlib encoding) except
for a few float spellings (``2.5e-7`` for ``2.5e-07``, ``0.00001`` for ``1e-05``), which always
leave a ``+``, an ``e-`` or a ``.0000`` in the text
(:func:`~computegov.ledger.records.orjson_spelling_differs`): a body holding one is compared with
the stdlib encoding as well, so only the canonical spelling passes, as in the line reader. Where
the block's orjson encoding differs from its bytes, each body is tested as the line reader tests
it.

The framing is tested per block too: every line's first 8 bytes, joined, must equal
``{"body":`` repeated, and every line's last 75 bytes, joined, must equal the body digests
joined with ``"},"hash":"`` between them and the fixed start and end around them. The pieces
have equal lengths (every line is at least the shortest record), so each join equals its
expected text exactly when every line's piece does: the same test as the line reader's start,
``,"hash":"`` field, closing ``"}`` and claimed-hash comparison, in two joins instead of four
per-line calls. Each object's five fields are read with ``dict.values`` after one key-set test
(the canonical check has fixed their order: sorted, as written).

The records come back as columns (:data:`RecordColumns`): each field of every record, in file
order; :class:`~computegov.ledger.batch.Batch` builds :class:`Record` tuples from them only where
a check asks for one.
"""

from __future__ import annotations

import hashlib
import math
from itertools import repeat
from operator import eq, itemgetter
from typing import Any

from computegov.ledger import records as _records
from computegov.ledger.records import RECORD_KINDS

__all__ = ["RecordColumns", "decode_lines", "parser_is_finite"]

#: ``(seqs, kinds, times, prevs, data, hashes)``: each field of every record of a block, in file
#: order (the fields of :class:`~computegov.ledger.records.Record`, in its order).
RecordColumns = tuple[
    tuple[int, ...], tuple[str, ...], tuple[float, ...], tuple[str, ...],
    tuple[dict[str, Any], ...], list[str],
]

_PREFIX = b'{"body":'
_SUFFIX_START = b',"hash":"'
_SUFFIX_END = b'"}'
_SUFFIX_LEN = len(_SUFFIX_START) + 64 + len(_SUFFIX_END)
_MIN_LINE = len(_PREFIX) + _SUFFIX_LEN + 2
_BODY = itemgetter(slice(len(_PREFIX), -_SUFFIX_LEN))
_TAIL = itemgetter(slice(-_SUFFIX_LEN, None))
#: Between two records' hashes in the lines' tails joined: one's end, the next one's start.
_SUFFIX_JOIN = (_SUFFIX_END + _SUFFIX_START).decode("ascii")
_HEAD = itemgetter(slice(len(_PREFIX)))
#: The body's keys in canonical (sorted) order.
_BODY_KEYS = ("data", "kind", "prev", "seq", "time_unix_s")
_BODY_KEY_SET = frozenset(_BODY_KEYS)
_KINDS = frozenset(RECORD_KINDS)
_sha256 = hashlib.sha256
_hexdigest = type(hashlib.sha256()).hexdigest


def _refuses_non_finite(loads: Any) -> bool:
    """Whether ``loads`` refuses every JSON number beyond double range (as orjson 3.x does).

    JSON has no NaN or infinity; a number such as ``1e400`` is the only way to one, and orjson
    refuses it ("number is infinity when parsed as double") where the stdlib reads ``inf``.
    Checked once at import on the boundary cases, so a parser that changed this is not trusted.
    """
    big = b"1" + b"0" * 400
    for text in (b"1e400", b"-1e400", b"1.7976931348623159e308", b"[0.0,1e309]", b"123e999999", big):
        try:
            loads(text)
        except ValueError:  # orjson.JSONDecodeError subclasses ValueError
            continue
        return False
    return True


#: The parser whose numbers are all finite (None: none known); a batch it decoded skips the
#: checks' ``< inf`` tests (:func:`parser_is_finite`).
_FINITE_LOADS = (
    _records._ORJSON_LOADS
    if _records._ORJSON_LOADS is not None and _refuses_non_finite(_records._ORJSON_LOADS)
    else None
)


def parser_is_finite() -> bool:
    """Whether :func:`decode_lines` now parses with a reader that refuses non-finite numbers.

    True for orjson (checked at import): every float of a block it accepts is finite, so the
    checks need not test its columns against infinity. Read at call time, as the parser is.
    """
    return _FINITE_LOADS is not None and _records._ORJSON_LOADS is _FINITE_LOADS


def decode_lines(
    lines: list[bytes],
    lengths: list[int],
    prev_hash: str,
    first_seq: int,
    max_record_bytes: int,
) -> RecordColumns | None:
    """The records of ``lines``, as columns, if every line is a well-formed, canonical, linked record.

    Args:
        lines: the lines, without their newlines (at least one).
        lengths: ``len`` of each line, bytes.
        prev_hash: the hash the first line's ``prev`` must equal ("" after a damaged line:
            then nothing is accepted here, as the first record cannot be linked).
        first_seq: the first line's expected ``seq``.
        max_record_bytes: the longest line accepted, bytes.

    Returns:
        The records' columns, holding what :func:`~computegov.ledger.records.decode_span`
        builds for each line; None when any line is not plainly fine (the caller then reads the
        lines one at a time).
    """
    loads = _records._ORJSON_LOADS  # read at call time: tests switch the parser off
    dumps = _records._ORJSON_DUMPS
    if loads is None or dumps is None or not prev_hash or not lines:
        return None
    if min(lengths) < _MIN_LINE or max(lengths) > max_record_bytes:
        return None
    n = len(lines)
    # Every line starts with {"body": (equal-length pieces: the joined texts are equal iff every
    # piece is; one join instead of a bytes.startswith call per line).
    if b"".join(map(_HEAD, lines)) != _PREFIX * n:
        return None
    bodies = list(map(_BODY, lines))
    digests = list(map(_hexdigest, map(_sha256, bodies)))
    # Every line ends with ,"hash":"<its body's SHA-256>"}: the pieces are of equal length
    # (75 bytes each: every line is long enough and a hex digest is 64 characters), so the joined
    # texts are equal iff every piece is.
    expected = _SUFFIX_JOIN.join(digests).encode("ascii")
    if b"".join(map(_TAIL, lines)) != b"".join((_SUFFIX_START, expected, _SUFFIX_END)):
        return None
    try:
        objs: list[Any] = list(map(loads, bodies))  # each a dict: tested with dict.keys below
        # orjson writes a list as [ + its items joined by commas + ]: the bodies joined (no
        # copies for the brackets) must fill exactly the space between them
        joined = b",".join(bodies)
        spelt = dumps(objs, option=_records._ORJSON_SORT)
        if len(spelt) == len(joined) + 2 and spelt.startswith(joined, 1):
            # every body is orjson's encoding; the canonical one too unless it may spell a
            # float otherwise: those bodies (if any) are compared with the canonical encoding
            if _records.orjson_spelling_differs(joined) and not all(
                _records._canonical_bytes(objs[i]) == bodies[i]
                for i in _records.spelling_suspects(bodies, joined)
            ):
                return None
        elif not all(map(_records._is_canonical, objs, bodies)):
            return None
    except (ValueError, TypeError, RecursionError):  # orjson's errors subclass these
        return None
    # Exactly these five keys (a key view compares with a set as a set), in sorted order: each
    # body is its canonical encoding (checked above), whose keys are sorted, and a parsed
    # object keeps its keys in the order written; so each object's values come in this order.
    # dict.keys refuses anything but a dict (TypeError): JSON gives no dict subclass.
    try:
        if not all(map(eq, map(dict.keys, objs), repeat(_BODY_KEY_SET))):
            return None
    except TypeError:
        return None
    data, kinds, prevs, seqs, times = zip(*map(dict.values, objs), strict=True)
    try:
        # Every kind is one of the six names: of the values JSON gives, only a string equals a
        # string (so no separate type test); a list or dict kind is unhashable (TypeError).
        # One kind throughout (the usual block) is found by equality alone, no string hashed.
        one_kind = kinds.count(kinds[0]) == n
        if kinds[0] not in _KINDS or not (one_kind or _KINDS.issuperset(kinds)):
            return None
    except TypeError:
        return None
    if (
        set(map(type, seqs)) != {int}
        or seqs != tuple(range(first_seq, first_seq + n))
        or set(map(type, times)) != {float}
        or (loads is not _FINITE_LOADS and not (-math.inf < min(times) and max(times) < math.inf))
        # each prev equals a hash (a string), so each is a string: no separate type test
        or prevs[0] != prev_hash
        or list(prevs[1:]) != digests[:-1]
        or set(map(type, data)) != {dict}
    ):
        return None
    return seqs, kinds, times, prevs, data, digests
