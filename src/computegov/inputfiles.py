"""Opening a file a user names: one guarded reader for every input path.

Every file a user passes to computegov (a catalogue, an assumptions file, a monitor's state, a
trust list, evidence, a clusters table) is opened here, so that the same rules hold everywhere:

* **Regular files only.** The file is opened with ``O_NONBLOCK`` and checked with ``fstat``
  before a byte is read, so a FIFO, a device (``/dev/zero``, ``/dev/urandom``), a directory or
  a socket is refused at once instead of blocking forever or filling memory.
* **A size cap.** At most :func:`max_input_bytes` bytes are read (default
  :data:`DEFAULT_MAX_INPUT_BYTES`; the environment variable ``COMPUTEGOV_MAX_INPUT_BYTES`` or a
  ``max_bytes`` argument changes it); a file that is, or grows, larger is refused without
  reading past the cap.
* **UTF-8 text**, a leading byte-order mark allowed; any other encoding is named by the offset
  and value of its first bad byte.
* **JSON parsed with limits**: nesting deeper than :data:`MAX_JSON_DEPTH` is refused before
  the decoder (which recurses once per level) sees it, so no ``RecursionError``; duplicate keys,
  ``NaN``/``Infinity`` and numbers that overflow to infinity are refused.
* **CSV errors name the file and the row** (a field over the csv module's size limit, a stray
  quote), never a ``_csv.Error`` traceback.
* **YAML safe-loaded with limits** (:mod:`computegov.inputyaml`): a nesting depth and a count of
  aliases (so an alias "billion laughs" cannot expand), errors naming the line.

Every failure is a :class:`~computegov.errors.DataError` naming the file, which the CLI prints
as one line with exit status 2.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import os
import re
import stat
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path
from typing import Any

from computegov.errors import DataError, InputError

__all__ = [
    "DEFAULT_MAX_INPUT_BYTES",
    "MAX_INPUT_BYTES_ENV",
    "MAX_JSON_DEPTH",
    "check_input_file",
    "csv_dict_rows",
    "decode_utf8",
    "file_kind",
    "json_nesting_depth",
    "max_input_bytes",
    "parse_json_text",
    "read_input_bytes",
    "read_input_json",
    "read_input_text",
    "unique_keys",
]

#: Largest input file read, bytes, unless ``COMPUTEGOV_MAX_INPUT_BYTES`` says otherwise. The
#: largest file computegov ships (the Epoch hardware table) is ~0.2 MB and a monitor state or a
#: clusters download a few MB; 64 MiB leaves a wide margin while stopping ``/dev/zero``, a disk
#: image or a runaway log from exhausting memory.
DEFAULT_MAX_INPUT_BYTES = 64 * 2**20
#: The environment variable that sets the cap (a whole number of bytes, at least 1).
MAX_INPUT_BYTES_ENV = "COMPUTEGOV_MAX_INPUT_BYTES"
#: Deepest nesting of JSON arrays/objects accepted. Our files nest under 10 levels; 100 leaves
#: room for metadata and stays far below Python's recursion limit (1,000 frames by default).
MAX_JSON_DEPTH = 100

_READ_CHUNK_BYTES = 1 << 20


def max_input_bytes(override: int | None = None) -> int:
    """The input size cap in force, bytes.

    Args:
        override: a cap given by the caller, bytes (None: the environment variable, else the
            default :data:`DEFAULT_MAX_INPUT_BYTES`).

    Raises:
        InputError: the override or the environment variable is not a whole number >= 1.
    """
    if override is not None:
        if isinstance(override, bool) or not isinstance(override, int) or override < 1:
            raise InputError(f"input size cap must be a whole number of bytes >= 1, got {override!r}")
        return override
    text = os.environ.get(MAX_INPUT_BYTES_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_INPUT_BYTES
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise InputError(f"{MAX_INPUT_BYTES_ENV}={text!r}: expected a whole number of bytes >= 1")
    return value


def _a(what: str) -> str:
    """``what`` with its indefinite article ("a ledger", "an assumptions file")."""
    return f"{'an' if what[:1].lower() in 'aeiou' else 'a'} {what}"


def file_kind(mode: int) -> str:
    """What an ``os.stat`` mode names: ``"regular file"``, ``"directory"``, ``"FIFO (named pipe)"``..."""
    if stat.S_ISREG(mode):
        return "regular file"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def _kind(mode: int) -> str:
    return _a(file_kind(mode))


def _open_regular(path: str | Path, what: str, cap: int) -> int:
    """A read-only fd on the regular file ``path``, checked before any read."""
    label = str(path)
    if not label.strip():
        raise DataError(f"empty file name; expected {_a(what)}", path="''")
    flags = (
        os.O_RDONLY
        | getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once instead of waiting for a writer
        | getattr(os, "O_NOCTTY", 0)
        | getattr(os, "O_CLOEXEC", 0)
    )
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise DataError(f"cannot read the {what}: no such file", path=label) from None
    except IsADirectoryError:
        raise DataError(f"is a directory; expected {_a(what)}", path=label) from None
    except OSError as err:
        try:  # a socket cannot be opened at all (ENXIO): name what it is
            mode = os.stat(path).st_mode
        except OSError:
            mode = stat.S_IFREG
        if not stat.S_ISREG(mode):
            raise DataError(f"is {_kind(mode)}, not a regular file; expected {_a(what)}", path=label) from None
        raise DataError(f"cannot open the {what}: {err.strerror or err}", path=label) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DataError(f"is {_kind(info.st_mode)}, not a regular file; expected {_a(what)}", path=label)
        if info.st_size > cap:
            raise DataError(
                f"{info.st_size:,} bytes, larger than {cap:,} bytes, the input cap (raise it "
                f"with {MAX_INPUT_BYTES_ENV} if the {what} is genuine)",
                path=label,
            )
    except BaseException:
        os.close(fd)
        raise
    return fd


def check_input_file(
    path: str | Path, *, what: str = "file", max_bytes: int | None = None
) -> Path:
    """Check, without reading it, that ``path`` is a readable regular file under the cap.

    For a file another library reads itself: call this first, so a FIFO or a device is refused
    before that library could block on it.

    Args:
        path: the file.
        what: what the file is, for messages ("trust file", "ledger").
        max_bytes: the size cap, bytes (None: :func:`max_input_bytes`).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        DataError: missing, unreadable, not a regular file, or over the cap.
    """
    os.close(_open_regular(path, what, max_input_bytes(max_bytes)))
    return Path(path)


def read_input_bytes(
    path: str | Path, *, what: str = "file", max_bytes: int | None = None
) -> bytes:
    """The bytes of the regular file ``path``, at most the cap.

    Args:
        path: the file.
        what: what the file is, for messages.
        max_bytes: the size cap, bytes (None: :func:`max_input_bytes`).

    Raises:
        DataError: missing, unreadable, not a regular file (FIFO, device, directory, socket),
            or larger than the cap (also when it grows past the cap while being read).
    """
    file = Path(path)
    cap = max_input_bytes(max_bytes)
    fd = _open_regular(path, what, cap)
    chunks: list[bytes] = []
    total = 0
    try:
        while total <= cap:
            try:
                chunk = os.read(fd, min(_READ_CHUNK_BYTES, cap + 1 - total))
            except OSError as err:
                raise DataError(f"cannot read the {what}: {err.strerror or err}", path=str(file)) from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > cap:
        raise DataError(
            f"grew larger than {cap:,} bytes, the input cap, while being read; expected {_a(what)}",
            path=str(file),
        )
    return b"".join(chunks)


def decode_utf8(
    data: bytes, *, path: str | Path, offset_bytes: int = 0, row: int | None = None
) -> str:
    """Decode UTF-8 bytes (a leading byte-order mark is dropped).

    Args:
        data: the bytes.
        path: the file they came from, for the message.
        offset_bytes: where ``data`` starts in the file (when decoding line by line), bytes.
        row: the line or row number, for the message, if known.

    Raises:
        DataError: the bytes are not UTF-8; the message gives the offset of the first bad byte
            from the start of the file and its value.
    """
    bom = len(codecs.BOM_UTF8) if offset_bytes == 0 and data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as err:
        at = bom + err.start
        raise DataError(
            f"not UTF-8 text: byte {offset_bytes + at} is 0x{data[at]:02x}; save the file as UTF-8",
            path=path,
            row=row,
        ) from None


def read_input_text(
    path: str | Path, *, what: str = "file", max_bytes: int | None = None
) -> str:
    """The text of the regular UTF-8 file ``path`` (see :func:`read_input_bytes`).

    Raises:
        DataError: as :func:`read_input_bytes`, or the file is not UTF-8.
    """
    return decode_utf8(read_input_bytes(path, what=what, max_bytes=max_bytes), path=path)


# --- JSON -------------------------------------------------------------------------------------

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_nesting_depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` in ``text``, counting brackets outside strings only.

    No recursion, whatever the text (valid JSON or not); an unterminated string counts the
    brackets after it, so the answer errs on the deep side.
    """
    if text.count("[") + text.count("{") == 0:
        return 0
    skeleton = _JSON_STRING.sub("", text) if '"' in text else text
    brackets = _NOT_BRACKET.sub("", skeleton)
    if len(brackets) < 100_000:
        return max(0, max(accumulate(map(_BRACKET_STEP.__getitem__, brackets)), default=0))
    import numpy as np  # long texts: vectorised instead of a Python loop

    lut = np.zeros(256, dtype=np.int8)
    lut[[ord("["), ord("{")]] = 1
    lut[[ord("]"), ord("}")]] = -1
    steps = lut[np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)]
    return max(0, int(np.cumsum(steps, dtype=np.int64).max()))


class _DuplicateKeyError(ValueError):
    pass


class _NonFiniteError(ValueError):
    pass


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads``'s ``object_pairs_hook`` refusing a key named twice (parsers disagree on which wins).

    Raises:
        ValueError: a duplicate key, named.
    """
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKeyError(f"duplicate key {key!r}: an object may name a key once")
        obj[key] = value
    return obj


def _refuse_constant(name: str) -> Any:
    raise _NonFiniteError(f"{name} is not a JSON number; give a finite number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NonFiniteError(f"number {text} overflows to infinity; give a finite number")
    return value


def parse_json_text(text: str, *, path: str | Path, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON with limits (see the module docstring).

    Args:
        text: the JSON text.
        path: the file it came from, for messages.
        max_depth: deepest nesting accepted, levels.

    Raises:
        DataError: nested deeper than ``max_depth``, a duplicate key, ``NaN``/``Infinity`` or a
            number overflowing to infinity, or not JSON (with line and column).
    """
    depth = json_nesting_depth(text) if text.count("[") + text.count("{") > max_depth else 0
    if depth > max_depth:
        raise DataError(f"JSON nested {depth:,} levels deep, over the limit of {max_depth}", path=path)
    try:
        return json.loads(
            text,
            object_pairs_hook=unique_keys,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as err:
        raise DataError(f"not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})", path=path) from None
    except (ValueError, RecursionError) as err:  # duplicate key, non-finite, huge integer
        raise DataError(f"not usable JSON: {err}", path=path) from None


def read_input_json(
    path: str | Path,
    *,
    what: str = "JSON file",
    max_bytes: int | None = None,
    max_depth: int = MAX_JSON_DEPTH,
) -> Any:
    """The parsed JSON of the regular file ``path`` (read and parsed with limits).

    Raises:
        DataError: as :func:`read_input_text` and :func:`parse_json_text`.
    """
    return parse_json_text(read_input_text(path, what=what, max_bytes=max_bytes), path=path, max_depth=max_depth)


# --- CSV --------------------------------------------------------------------------------------


def csv_dict_rows(
    text: str, *, path: str | Path
) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    """The header and the rows of CSV ``text``, as :class:`csv.DictReader` gives them.

    Rows are numbered as a spreadsheet shows them (the header is row 1). A malformed row (a
    field over the csv module's size limit, a NUL byte, a stray quote) raises a DataError
    naming the file and the row, instead of a ``_csv.Error``.

    Args:
        text: the CSV text.
        path: the file it came from, for messages.

    Returns:
        (header names, iterator of (row number, row dict)).

    Raises:
        DataError: the header row itself is malformed (the iterator raises for later rows).
    """
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = list(reader.fieldnames or [])
    except csv.Error as err:
        raise DataError(f"malformed CSV header: {err}", path=path, row=1) from None

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        number = 1
        while True:
            number += 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                reason = str(err)
                if "field larger than field limit" in reason:
                    reason = f"a field is longer than {csv.field_size_limit():,} characters"
                raise DataError(f"malformed CSV: {reason}", path=path, row=number) from None
            yield number, row

    return header, rows()
