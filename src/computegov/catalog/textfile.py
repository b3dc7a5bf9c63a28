"""Reading a user's text file: UTF-8 (a leading byte-order mark allowed), or a clear DataError.

Files a user names on the command line (catalogue files, Epoch tables, meter records) are read
through :func:`read_text` or decoded with :func:`decode_utf8`. Both are the package's one guarded
reader, :mod:`computegov.inputfiles` (regular files only, a size cap, UTF-8), kept here under
their old names for the catalogue's callers.
"""

from __future__ import annotations

from pathlib import Path

from computegov.inputfiles import DEFAULT_MAX_INPUT_BYTES, decode_utf8, read_input_text

__all__ = ["MAX_TEXT_FILE_BYTES", "decode_utf8", "read_text"]

#: Largest text file read whole by default (bytes); see :data:`computegov.inputfiles.DEFAULT_MAX_INPUT_BYTES`.
MAX_TEXT_FILE_BYTES = DEFAULT_MAX_INPUT_BYTES


def read_text(path: str | Path, *, max_bytes: int | None = None) -> str:
    """The text of a UTF-8 file, read whole through the guarded reader.

    Args:
        path: the file.
        max_bytes: refuse files larger than this, bytes (None: the input cap in force).

    Raises:
        DataError: the file cannot be read (missing, a folder, no permission), is not a
            regular file (a FIFO would block), is larger than the cap, or is not UTF-8.
    """
    return read_input_text(path, max_bytes=max_bytes)
