r"""Ledger records and their byte-exact line encoding.

A ledger is a JSON-lines file. Each line is one record::

    {"body":{"data":{...},"kind":"measurement","prev":"<64 hex>","seq":7,"time_unix_s":1700000000.0},"hash":"<64 hex>"}\n

``body`` is canonical JSON (sorted keys, no spaces, UTF-8, no NaN); ``hash`` is the SHA-256 of
exactly those body bytes; ``prev`` is the hash of the record before (64 zeros for the first).
The canonical encoding is exactly :func:`canonical_json`'s, which is Python's ``json.dumps(obj,
sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)`` in UTF-8: keys
sorted by code point, strings escaped as that encoder escapes them (``\"``, ``\\``, ``\n``...,
other control characters as ``\u00XX``, nothing else), integers in decimal and floats as
Python's ``repr`` spells them (the shortest digits that read back to the same double; exponent
form outside 1e-4 <= |x| < 1e16, with a sign and at least two digits: ``1e-05``, ``2.5e-07``,
``1e+16``). Every JSON value therefore has exactly one spelling. A reader re-encodes each parsed
body and compares bytes: a body with duplicate keys, unsorted keys, spaces or another number
spelling (``2.5e-7``, ``0.00001``, ``1e16``, ``1.0E5``) is refused even when its hash matches.
Hashing the bytes as written (rather than a re-serialisation) makes verification one
``sha256`` and one ``json.loads`` per line, and makes every byte of the file significant:
any change to a line either breaks its hash or its fixed framing.

Record kinds:

* ``meta`` (always record 0): run metadata, the signer's public key and key id, format version.
* ``measurement``: one interval from the compute meter (steps, FLOP, seconds, energy).
* ``checkpoint``: the digests of a state dict (tensor digest, file digest, path) at a step.
* ``batch``: the digest of the data batch used at a step.
* ``head``: an Ed25519 signature over the hash of the record before it (signed periodically).
* ``end``: the run summary written by :meth:`RunRecorder.finish`.
"""

from __future__ import annotations

import hashlib
import json
import math
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate
from typing import Any, NamedTuple

from computegov.errors import LedgerError

__all__ = [
    "FORMAT_VERSION",
    "GENESIS_HASH",
    "HASH_ALG",
    "RECORD_KINDS",
    "Record",
    "canonical_json",
    "decode_line",
    "decode_span",
    "encode_record",
]

#: Version of the ledger line format written into the ``meta`` record.
FORMAT_VERSION = "computegov-ledger/1"
#: Hash function of the chain (FIPS 180-4 SHA-256).
HASH_ALG = "sha256"
#: ``prev`` of the first record.
GENESIS_HASH = "0" * 64
RECORD_KINDS = ("meta", "measurement", "checkpoint", "batch", "head", "end")

_PREFIX = b'{"body":'
_SUFFIX_START = b',"hash":"'
_SUFFIX_END = b'"}'
# ,"hash":" + 64 hex + "}
_SUFFIX_LEN = len(_SUFFIX_START) + 64 + len(_SUFFIX_END)
_HEX = frozenset(b"0123456789abcdef")


def canonical_json(obj: Any) -> bytes:
    """Encode ``obj`` as canonical JSON: sorted keys, no whitespace, UTF-8, NaN refused.

    Raises:
        LedgerError: ``obj`` holds NaN/infinity or a value JSON cannot represent.
    """
    try:
        return json.dumps(
            obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    except (TypeError, ValueError) as err:
        raise LedgerError(
            f"record data is not JSON-safe (finite numbers, str keys): {err}"
        ) from err


class Record(NamedTuple):
    """One committed ledger record (immutable).

    A ``NamedTuple`` rather than a frozen dataclass: verification builds one per line and tuple
    construction is several times cheaper, which matters for 100,000-record ledgers.

    Attributes:
        seq: position in the ledger, 0 for the ``meta`` record.
        kind: one of :data:`RECORD_KINDS`.
        time_unix_s: wall-clock time the record was written (seconds since the Unix epoch).
        prev: hash of the previous record (hex SHA-256), :data:`GENESIS_HASH` for record 0.
        data: the kind-specific payload.
        hash: SHA-256 (hex) of the canonical body bytes.
    """

    seq: int
    kind: str
    time_unix_s: float
    prev: str
    data: dict[str, Any]
    hash: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the record."""
        return {
            "seq": self.seq,
            "kind": self.kind,
            "time_unix_s": self.time_unix_s,
            "prev": self.prev,
            "hash": self.hash,
            "data": self.data,
        }


def encode_record(
    seq: int, kind: str, time_unix_s: float, prev: str, data: dict[str, Any]
) -> tuple[Record, bytes]:
    """Build a record and its line (with the trailing newline).

    Raises:
        LedgerError: unknown kind or data that is not JSON-safe.
    """
    if kind not in RECORD_KINDS:
        raise LedgerError(
            f"unknown record kind {kind!r}; expected one of {', '.join(RECORD_KINDS)}"
        )
    body = canonical_json(
        {"seq": seq, "kind": kind, "time_unix_s": time_unix_s, "prev": prev, "data": data}
    )
    digest = hashlib.sha256(body).hexdigest()
    line = _PREFIX + body + _SUFFIX_START + digest.encode("ascii") + _SUFFIX_END + b"\n"
    # Round-trip through the reader's parser so the record holds exactly what a reader will see.
    parsed = _ORJSON_LOADS(body) if _ORJSON_LOADS is not None else json.loads(body)
    return Record(seq, kind, float(time_unix_s), prev, parsed["data"], digest), line


class LineError(ValueError):
    """A line that is not a well-formed record (framing, JSON, hash or fields)."""

    def __init__(self, message: str, *, column: int = 0) -> None:
        self.column = column
        super().__init__(message)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a ledger (JSON has no NaN or infinity)")


# orjson (strict RFC 8259, ~3x faster than the stdlib here; see benchmarks/ledger.py) parses
# bodies when installed; otherwise the stdlib's C scanner, called directly (no wrapper overhead).
# Both refuse NaN/Infinity literals, invalid UTF-8, trailing data and nesting deeper than
# ~1,000. They differ only on input the writer never emits: orjson refuses numbers that overflow
# to infinity (1e400; the stdlib reads inf, which the checks treat as a non-finite total) and
# lone surrogates, and reads integers beyond 64 bits as floats (which the checks then refuse
# wherever a count is expected). A regex pre-filter to make the stdlib refuse 1e400 too cost
# more than the whole parse, so it is not done.
try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised by forcing _ORJSON_LOADS = None in tests
    _orjson = None  # type: ignore[assignment]
_ORJSON_LOADS: Callable[[Any], Any] | None = _orjson.loads if _orjson is not None else None
_ORJSON_ERROR: type[Exception] = _orjson.JSONDecodeError if _orjson is not None else ValueError
_SCAN_ONCE = json.JSONDecoder(parse_constant=_refuse_constant).scan_once  # type: ignore[attr-defined]

_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode


def _canonical_bytes(obj: Any) -> bytes:
    """The writer's encoding of a parsed body (:func:`canonical_json`), or b"" if impossible."""
    try:
        return _CANONICAL(obj).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError, RecursionError):
        return b""


_ORJSON_DUMPS: Callable[..., bytes] | None = _orjson.dumps if _orjson is not None else None
_ORJSON_SORT = _orjson.OPT_SORT_KEYS if _orjson is not None else 0


#: Where orjson's number spelling may differ from the canonical one: a ``.0000`` (orjson writes
#: 1e-5 <= |x| < 1e-4 as ``0.0000ddd``, the canonical encoding as ``d e-05``). Searched from the
#: end (``bytes.rfind``): ``0`` is common in a ledger and ``.`` rarer, so the backward search
#: skips more; over 64 KiB blocks of a benchmark ledger it took ~0.8x a regex search and ~0.4x
#: ``bytes.find`` (CPython 3.11, shared 2-core machine, 2026-12-08).
_SMALL_DECIMAL = b".0000"
#: The marks :func:`orjson_spelling_differs` looks for (``e-`` stands for ``-`` and ``e-``).
_SUSPECT_MARKS = (b"+", b"e-", b".0000")


def orjson_spelling_differs(text: bytes) -> bool:
    """Whether orjson's encoding ``text`` may spell a float unlike :func:`canonical_json`.

    orjson (3.x) and Python's ``repr`` both write a float's shortest round-trip digits, but
    orjson writes exponents without zero padding (``2.5e-7``, ``1e-6``; ``repr``: ``2.5e-07``)
    and 1e-5 <= |x| < 1e-4 in decimal (``0.00001``; ``repr``: ``1e-05``). Every float orjson
    spells in exponent form has ``e-`` or ``e+`` (so a ``-`` or a ``+``), and every one below
    1e-4 in decimal form has ``.0000``; a text with none of these spells every number exactly as
    the canonical encoding does (integers and strings are spelt alike by both: checked for every
    code point in ``tests/ledger/test_ledger_canonical_spelling.py``, with the float rule over
    millions of doubles). True may be a false alarm (a string holding ``e-`` or ``.0000``): the
    caller then asks the canonical encoder itself. Three searches, the first two ``memchr``-fast
    (``e-`` is looked for only where a ``-`` is: ``e`` is common, ``-`` rare).
    """
    return (
        b"+" in text
        or (b"-" in text and b"e-" in text)
        or text.rfind(_SMALL_DECIMAL) >= 0
    )


def spelling_suspects(bodies: list[bytes], joined: bytes | None = None) -> list[int]:
    """The positions of the ``bodies`` for which :func:`orjson_spelling_differs` is True, in order.

    The three marks are looked for in the bodies joined by commas (``joined``, where the caller
    has it), from the end with ``bytes.rfind``; each hit names its body (by the bodies' start
    offsets) and the search goes on before that body's start, so a body is found once however
    many marks it holds, and bodies without marks cost no Python step (usually one or two
    bodies of a block hold a mark: a head's base64 signature with a ``+``). No mark holds a
    comma, so every hit lies inside one body, and a body holds a mark exactly when the joined
    text holds it there.
    """
    if joined is None:
        joined = b",".join(bodies)
    starts = list(accumulate(map(len, bodies[:-1]), _next_start, initial=0))
    found: set[int] = set()
    for mark in _SUSPECT_MARKS:
        hi = len(joined)
        while True:
            at = joined.rfind(mark, 0, hi)
            if at < 0:
                break
            k = bisect_right(starts, at) - 1
            found.add(k)
            hi = starts[k]
    return sorted(found)


def _next_start(start: int, length: int) -> int:
    """The next body's start in the joined text: after this body and its comma."""
    return start + length + 1


def _orjson_agrees() -> bool:
    """Whether this orjson spells values as :func:`orjson_spelling_differs` assumes.

    Checked once at import on the boundary values of the rule (an orjson that changed its
    number or string spelling switches the orjson shortcut off: the stdlib encoder then decides
    every body alone, slower and as exact).
    """
    if _ORJSON_DUMPS is None:
        return False
    floats = [
        0.0, -0.0, 5e-324, 2.2250738585072014e-308, 1e-300, 1e-100, 1.5e-10, 2.5e-7, 1e-6,
        1e-5, 1.5e-5, 9.999999999999999e-5, 1e-4, 1.0001e-4, 0.001, 0.1, 1 / 3, 1.0, 1.5, 2.0**53,
        1e15, 9999999999999998.0, 1e16, 1.2345e16, 1e22, 1e100, 1.7976931348623157e308, 1.7e9,
        1234567890123456.7, 123456789012345680.0,
    ]
    values: list[Any] = [*floats, *(-x for x in floats)]
    values += ["\x00\x1f\x7f\"\\/\n\t\u2028\ud7ff\ue000\uffff\U0001f600", 2**63, -(2**63), 2**64 - 1]
    values.append({"\U00010000": 1, "\uffff": 2, "a": [{}, []], "B": None, "e": True, "é": False})
    try:
        for v in values:
            spelt = _ORJSON_DUMPS(v, option=_ORJSON_SORT)
            if not orjson_spelling_differs(spelt) and spelt != _canonical_bytes(v):
                return False
    except TypeError:  # pragma: no cover - an orjson that cannot encode these at all
        return False
    return True


_ORJSON_AGREES = _orjson_agrees()


def _is_canonical(obj: Any, body: bytes) -> bool:
    """Whether ``body`` is exactly the canonical encoding (:func:`canonical_json`) of ``obj``.

    Re-encoding the parsed value and comparing bytes refuses duplicate keys (the parse keeps
    only one), unsorted keys, whitespace and every other spelling. orjson's sorted encoding is
    tried first (several times faster): a match decides when the body holds nothing orjson may
    spell unlike the canonical encoding (:func:`orjson_spelling_differs`); otherwise the
    writer's own encoder decides. So exactly one spelling of each value is accepted.
    """
    if _ORJSON_AGREES:
        try:
            if _ORJSON_DUMPS(obj, option=_ORJSON_SORT) == body and not orjson_spelling_differs(body):  # type: ignore[misc]
                return True
        except TypeError:  # orjson.JSONEncodeError subclasses TypeError
            pass
    return _canonical_bytes(obj) == body


_PREFIX_LEN = len(_PREFIX)
_MIN_LINE = _PREFIX_LEN + _SUFFIX_LEN + 2
_sha256 = hashlib.sha256


def _parse_body(data: bytes, view: memoryview, start: int, end: int) -> dict[str, Any]:
    """Parse ``data[start:end]``, which must be exactly one JSON object, nothing around it."""
    if data[start] != 0x7B or data[end - 1] != 0x7D:  # "{" ... "}"
        raise LineError("body is not exactly one JSON object", column=_PREFIX_LEN)
    obj: Any
    if _ORJSON_LOADS is not None:
        try:
            obj = _ORJSON_LOADS(view[start:end])
        except _ORJSON_ERROR as err:
            raise LineError(f"body is not valid JSON: {err}", column=_PREFIX_LEN) from err
    else:
        try:
            text = str(view[start:end], "utf-8")
            obj, stop = _SCAN_ONCE(text, 0)
        except (ValueError, StopIteration, RecursionError) as err:
            raise LineError(f"body is not valid JSON: {err!r}", column=_PREFIX_LEN) from err
        if stop != len(text):
            raise LineError("body is not exactly one JSON object", column=_PREFIX_LEN)
    if type(obj) is not dict:
        raise LineError("body is not exactly one JSON object", column=_PREFIX_LEN)
    return obj


def decode_line(line: bytes) -> Record:
    """Parse one line (without its newline) and check its own hash.

    The hash is checked over the raw body bytes before anything is parsed. Linking to the
    previous record is checked by the caller.

    Raises:
        LineError: bad framing, invalid JSON, missing fields or a hash that does not match.
    """
    line = bytes(line)
    return decode_span(line, memoryview(line), 0, len(line))


def decode_span(data: bytes, view: memoryview, start: int, end: int) -> Record:
    """:func:`decode_line` of ``data[start:end]`` without copying it (``view`` = ``memoryview(data)``).

    :attr:`LineError.column` is relative to ``start``.

    Raises:
        LineError: bad framing, invalid JSON, missing fields or a hash that does not match.
    """
    n = end - start
    if not data.startswith(_PREFIX, start, end):
        raise LineError('line does not start with {"body":', column=0)
    if n < _MIN_LINE:
        raise LineError("line too short to be a record", column=0)
    suffix_at = end - _SUFFIX_LEN
    hash_at = suffix_at + len(_SUFFIX_START)
    if not data.startswith(_SUFFIX_START, suffix_at, hash_at) or not data.endswith(
        _SUFFIX_END, hash_at, end
    ):
        raise LineError('line does not end with ,"hash":"<64 hex>"}', column=n - _SUFFIX_LEN)
    body_at = start + _PREFIX_LEN
    body = data[body_at:suffix_at]  # one copy, hashed, parsed and compared
    actual = _sha256(body).hexdigest()
    claimed = data[hash_at : end - 2]
    if actual.encode("ascii") != claimed:
        if not _HEX.issuperset(claimed):
            raise LineError("hash is not 64 lower-case hex digits", column=n - _SUFFIX_LEN)
        raise LineError(
            f"hash mismatch: line says {claimed.decode()[:16]}..., body hashes to {actual[:16]}...",
            column=_PREFIX_LEN,
        )
    obj: Any = None
    if _ORJSON_LOADS is not None and body[:1] == b"{" and body[-1:] == b"}":
        try:
            obj = _ORJSON_LOADS(body)
        except _ORJSON_ERROR:
            obj = None
    if type(obj) is not dict:  # anything unusual: the general path says what is wrong
        obj = _parse_body(data, view, body_at, suffix_at)
    try:
        seq, kind, time_unix_s, prev, rec_data = (
            obj["seq"],
            obj["kind"],
            obj["time_unix_s"],
            obj["prev"],
            obj["data"],
        )
    except KeyError as err:
        raise LineError(f"body lacks field {err}", column=_PREFIX_LEN) from err
    if (
        type(seq) is not int
        or kind not in RECORD_KINDS
        or type(time_unix_s) not in (int, float)
        or not math.isfinite(time_unix_s)
        or type(prev) is not str
        or type(rec_data) is not dict
        or len(obj) != 5
    ):
        raise LineError("body fields have the wrong types", column=_PREFIX_LEN)
    if not _is_canonical(obj, body):
        raise LineError(
            "body is not canonical JSON (duplicate keys, unsorted keys, spacing or number "
            "formatting differ from the writer's encoding)",
            column=_PREFIX_LEN,
        )
    return _new_record(
        Record, (seq, kind, time_unix_s if type(time_unix_s) is float else float(time_unix_s),
                 prev, rec_data, actual)
    )


_new_record = tuple.__new__
