"""Reading a user's text file: UTF-8 (a leading byte-order mark allowed), or a clear DataError.

Files a user names on the command line (catalogue files, Epoch tables, meter records) are read
through :func:`read_text` or decoded with :func:`decode_utf8`, so that a file saved in another
encoding (Latin-1, UTF-16), a binary file, a folder or an oversized file gives one message that
names the file and the first undecodable byte, instead of a ``UnicodeDecodeError`` traceback.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from computegov.errors import DataError

__all__ = ["MAX_TEXT_FILE_BYTES", "decode_utf8", "read_text"]

#: Largest text file read whole (bytes). The bundled Epoch table is ~0.2 MB and a user catalogue
#: far less; the bound stops ``/dev/zero`` or a misnamed disk image from exhausting memory.
MAX_TEXT_FILE_BYTES = 64 * 2**20


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
            f"not UTF-8 text: byte {offset_bytes + at} is 0x{data[at]:02x}; "
            "save the file as UTF-8",
            path=path,
            row=row,
        ) from None


def read_text(path: str | Path, *, max_bytes: int = MAX_TEXT_FILE_BYTES) -> str:
    """The text of a UTF-8 file, read whole.

    Args:
        path: the file.
        max_bytes: refuse files larger than this, bytes.

    Raises:
        DataError: the file cannot be read (missing, a folder, no permission), is not a
            regular file (a FIFO would block), is larger than ``max_bytes``, or is not UTF-8.
    """
    file = Path(path)
    if file.is_dir():
        raise DataError("is a directory; expected a file", path=path)
    if file.exists() and not file.is_file():
        raise DataError("not a regular file (a device or pipe); expected a file", path=path)
    try:
        with file.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as err:
        raise DataError(f"cannot read the file: {err.strerror or err}", path=path) from err
    if len(data) > max_bytes:
        raise DataError(
            f"file larger than {max_bytes:,} bytes; expected a text file", path=path
        )
    return decode_utf8(data, path=path)
