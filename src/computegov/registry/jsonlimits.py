"""JSON the registry reads from clients, parsed with limits: depth checked *before* parsing.

Python's JSON decoder recurses once per nesting level, so a body such as ``[[[[...]]]]`` 50,000
levels deep ends in a ``RecursionError`` (an HTTP 500) inside the decoder, and anything nested
a little less deep can still blow the stack later (walking it, re-serialising it). Every JSON
text the registry parses (the request body, the DSSE payload, each ledger line) therefore goes
through :func:`loads_limited`:

* nesting deeper than :data:`MAX_JSON_DEPTH` levels is refused before the decoder sees it
  (:func:`json_depth` counts brackets outside strings in vectorised passes, no recursion; a
  5 MiB body costs tens of milliseconds);
* a duplicate key in any object is refused (a signed body must mean one thing);
* every decoder failure, including integers longer than Python's digit limit, becomes a
  :class:`~computegov.registry.errors.SubmissionError` (HTTP 422) naming the field.

Sizes are bounded before this: the request body by the app's ``max_body_bytes`` (413) and each
ledger line by :data:`MAX_LEDGER_LINE_BYTES`.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from computegov.registry.errors import SubmissionError

__all__ = ["MAX_JSON_DEPTH", "MAX_LEDGER_LINE_BYTES", "exceeds_depth", "json_depth", "loads_limited"]

#: Deepest nesting of arrays and objects accepted in any JSON the registry parses. A compute
#: report nests about 5 levels and a ledger record about 4; 64 leaves room for metadata while
#: staying far below the interpreter's recursion limit (1,000 frames by default).
MAX_JSON_DEPTH = 64
#: Longest ledger line accepted, bytes (a record is 400-600 bytes; 1 MiB leaves room for metadata).
MAX_LEDGER_LINE_BYTES = 1024 * 1024

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


def json_depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` in ``text``, counting only brackets outside strings.

    Works on any text (valid JSON or not) without recursion; an unterminated string counts the
    brackets after it, so the answer errs on the deep side.
    """
    if "[" not in text and "{" not in text:
        return 0
    skeleton = _STRING.sub("", text) if '"' in text else text
    if len(skeleton) < 4096:
        brackets = _NOT_BRACKET.sub("", skeleton)
        return max(0, max(accumulate(map(_DELTA.__getitem__, brackets)), default=0))
    import numpy as np  # a 5 MiB body: tens of milliseconds instead of about a second

    lut = np.zeros(256, dtype=np.int8)
    lut[[ord("["), ord("{")]] = 1
    lut[[ord("]"), ord("}")]] = -1
    steps = lut[np.frombuffer(skeleton.encode("utf-8", errors="replace"), dtype=np.uint8)]
    return max(0, int(np.cumsum(steps, dtype=np.int64).max()))


def exceeds_depth(text: str, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """True when ``text`` nests arrays/objects deeper than ``max_depth`` levels."""
    if text.count("[") + text.count("{") <= max_depth:  # cannot nest deeper than it opens
        return False
    return json_depth(text) > max_depth


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKeyError(key)
        obj[key] = value
    return obj


def loads_limited(text: str | bytes, field: str, *, max_depth: int = MAX_JSON_DEPTH,
                  what: str = "not JSON") -> Any:
    """Parse JSON with a depth limit checked first and duplicate keys refused.

    Args:
        text: the JSON text (bytes must be UTF-8).
        field: the field named in errors (``body``, ``envelope.payload``, ``ledger line 3``).
        max_depth: deepest nesting accepted, levels.
        what: how an undecodable text is described in the message.

    Returns:
        The parsed value.

    Raises:
        SubmissionError: (HTTP 422) too deep, a duplicate key, not UTF-8, or not JSON.
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as err:
            raise SubmissionError(field, f"{what}: not UTF-8 ({err.reason} at byte {err.start})") from err
    if exceeds_depth(text, max_depth):
        raise SubmissionError(field, f"JSON nested deeper than {max_depth} levels; not accepted")
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKeyError as err:
        raise SubmissionError(field, f"duplicate key {err.key!r}: a JSON object may name a key once") from err
    except json.JSONDecodeError as err:
        raise SubmissionError(field, f"{what}: {err.msg} (line {err.lineno}, column {err.colno})") from err
    except (ValueError, RecursionError) as err:  # e.g. an integer over Python's digit limit
        raise SubmissionError(field, f"{what}: {err}") from err
