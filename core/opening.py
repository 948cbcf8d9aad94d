"""Open a file of tracks as text: its bytes checked against the upload limits.

The first step of reading (:mod:`core.reading` reads the table): a path,
an upload's bytes or an open upload becomes a text stream, after the checks
that must come before any parsing (size, rows and columns counted in the
bytes, a gzip unpacked within its limit) and the refusals of what is not a
text table (a workbook, a zip, a web page, binary data), with the encoding
guessed (UTF-8, UTF-16 with a byte order mark, else Windows-1252).
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import re
from pathlib import Path
from typing import IO, cast

from core import limits
from core.errors import DataError
from core.limits import BoundedReader, megabytes

# Every limit of an upload is declared in core.limits; this is the upload
# limit under the name the readers and their tests use. Every upload, and
# every file read whole (training data), must fit in it; only the command
# line's predict and evaluate, which stream a path, read any size.
MAX_FILE_MB = limits.LIMITS.upload_mb

CsvSource = str | os.PathLike[str] | bytes | IO[bytes] | IO[str]


def _too_large() -> DataError:
    return DataError(
        f"The file is larger than the {MAX_FILE_MB:g} MB limit; "
        "split it into smaller files, or predict it with the command line "
        "(python -m core predict), which reads a file of any size in chunks."
    )


def too_many_rows() -> DataError:
    return DataError(
        f"The file has more than {limits.LIMITS.rows:,} rows, the most the app reads "
        "from one upload; split it into smaller files, or use the command line "
        "(python -m core predict), which reads a file of any size in chunks."
    )


def _unpacked_too_large() -> DataError:
    return DataError(
        f"The file is too large once unpacked: this compressed file holds more "
        f"than {limits.LIMITS.unpacked_mb:g} MB of text, the most the app reads from "
        "one upload; split it into smaller files, or use the command line "
        "(python -m core predict), which reads a file of any size in chunks."
    )


_FIRST_TEXT = re.compile(rb"\S")


def _check_line_count(content: bytes) -> None:
    """Refuse, before any parsing, a plain CSV upload with too many rows.

    Without a quotation mark no field can hold a line break, so the lines
    under the header are exactly the rows pandas reads (blank lines count,
    as they do when read); a file with quotes is counted while it is read.
    """
    if content.startswith(_UTF16_BOMS):
        return
    start = _FIRST_TEXT.search(content)
    if start is None:
        return
    lines = content.count(b"\n", start.start()) + (not content.endswith(b"\n"))
    if lines - 1 > limits.LIMITS.rows and b'"' not in content:
        raise too_many_rows()


def open_binary(source: CsvSource, limited: bool) -> IO[bytes]:
    """A binary stream over the source; ``limited`` enforces ``MAX_FILE_MB``.

    Bytes and open uploads are held to the limit either way: they are in the
    app's memory already, and the limit is what it can take. ``limited``
    also refuses a plain CSV of more than ``limits.LIMITS.rows`` rows at once.
    """
    limit = megabytes(MAX_FILE_MB)
    if isinstance(source, bytes):
        if len(source) > limit:
            raise _too_large()
        return _checked_upload(source) if limited else io.BytesIO(source)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.exists():
            raise DataError(f"No file at {path}.")
        if path.is_dir():
            raise DataError(f"{path} is a folder, not a CSV file.")
        if limited and path.stat().st_size > limit:
            raise _too_large()
        try:
            return path.open("rb")
        except OSError as error:
            raise DataError(f"Could not read {path}: {error.strerror}.") from None
    content = source.read(limit + 1)
    if isinstance(content, str):
        content = content.encode("utf-8")
    if len(content) > limit:
        raise _too_large()
    return _checked_upload(content) if limited else io.BytesIO(content)


def _unpacked(content: bytes) -> bytes:
    """A gzip upload's text, unpacked only up to ``limits.LIMITS.unpacked_mb``."""
    packed = gzip.GzipFile(fileobj=io.BytesIO(content), mode="rb")
    bounded = BoundedReader(
        packed, megabytes(limits.LIMITS.unpacked_mb), _unpacked_too_large
    )
    try:
        with io.BufferedReader(bounded) as stream:
            return stream.read()
    except (OSError, EOFError):
        raise DataError(
            "This file is compressed (gzip) but damaged; unzip it and upload the "
            "CSV inside."
        ) from None


def _checked_upload(content: bytes) -> IO[bytes]:
    """An upload's bytes (a gzip unpacked), refused past the limits on its shape.

    Rows and columns are counted in the bytes before pandas reads any of
    them: a line of 100,000 fields costs pandas 140 MB and 3.5 s to refuse
    (measured), and millions of rows of one character each fit in 30 MB.
    """
    if content.startswith(_GZIP_SIGNATURE):
        content = _unpacked(content)
    first = _FIRST_TEXT.search(content[:_SNIFF_BYTES])
    if first is not None and content[first.start()] not in b"{[":
        # JSON has its own limits (_read_audio_features): its lines are not rows.
        _check_line_count(content)
        _check_line_widths(content)
    return io.BytesIO(content)


# A line with more than limits.LIMITS.columns separators, for each separator the
# header may use: matched from each line's start, so the search is linear.
_WIDE_LINES = {
    separator: re.compile(
        rb"^(?:[^\n"
        + separator
        + rb"]*"
        + separator
        + rb"){%d}" % limits.LIMITS.columns,
        re.MULTILINE,
    )
    for separator in (b",", b";", b"\t", b"|")
}


def _check_line_widths(content: bytes) -> None:
    """Refuse an upload with a line of more than ``limits.LIMITS.columns`` fields.

    A field in quotes may hold separators: such a line is refused too, which
    a table of tracks (15 to 25 columns) never comes near.
    """
    for separator, wide_line in _WIDE_LINES.items():
        if content.count(separator) < limits.LIMITS.columns:
            continue
        found = wide_line.search(content)
        if found is not None:
            line = content.count(b"\n", 0, found.start()) + 1
            raise DataError(
                f"This file could not be read as a table: line {line} has more "
                f"than {limits.LIMITS.columns:,} values, where a file of tracks has 15 "
                "to 25 columns. Check that it is a CSV file of tracks."
            )


# File signatures of formats people save by mistake under a .csv name.
_ZIP_SIGNATURE = b"PK\x03\x04"  # .xlsx, .ods and .zip

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # old .xls

_GZIP_SIGNATURE = b"\x1f\x8b"

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

_SNIFF_BYTES = 65536

_VALIDATE_BLOCK = 1 << 20


def _is_web_page(head: bytes) -> bool:
    """Whether a file's first bytes are an HTML page (one saved under a .csv name)."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith(b"<") and (b"<html" in start or b"<!doctype html" in start)


def _is_utf8(stream: IO[bytes]) -> bool:
    """Whether the whole stream decodes as UTF-8 (read in blocks, then rewound)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while block := stream.read(_VALIDATE_BLOCK):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)
    return True


def _only_whitespace(stream: IO[bytes]) -> bool:
    try:
        while block := stream.read(_VALIDATE_BLOCK):
            if block.strip():
                return False
    finally:
        stream.seek(0)
    return True


def open_text(binary: IO[bytes]) -> IO[str]:
    """Decode a binary stream: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252.

    Raises:
        DataError: the stream is empty, compressed beyond gzip, or binary.
    """
    head = binary.read(_SNIFF_BYTES)
    binary.seek(0)
    if head.startswith(_GZIP_SIGNATURE):
        # A gzip-compressed CSV (e.g. music_genre.csv.gz renamed): read through it.
        # (A binary stream: typeshed's GzipFile is no typing.IO subclass.)
        binary = cast(IO[bytes], gzip.GzipFile(fileobj=binary, mode="rb"))
        try:
            head = binary.read(_SNIFF_BYTES)
            binary.seek(0)
        except (OSError, EOFError):
            raise DataError(
                "This file is compressed (gzip) but damaged; unzip it and upload "
                "the CSV inside."
            ) from None
    if not head.strip() and _only_whitespace(binary):
        raise DataError("The file is empty.")
    if head.startswith((_ZIP_SIGNATURE, _OLE_SIGNATURE)):
        raise DataError(
            "This is not a text file: it looks like an Excel workbook or a zip "
            "archive. In your spreadsheet program choose Save As > CSV, then "
            "upload that file."
        )
    if _is_web_page(head):
        raise DataError(
            "This file is a web page (HTML), not a table: a browser's Save Page "
            "As keeps the page, not its data. Download the data itself (the "
            "site's CSV or export button) and use that file."
        )
    if head.startswith(_UTF16_BOMS):
        # Excel's "Unicode Text" export: UTF-16 with a byte order mark.
        return io.TextIOWrapper(binary, encoding="utf-16", newline="")
    if b"\x00" in head:
        raise DataError(
            "This is not a text file (it holds binary data); "
            "upload the music genre CSV file."
        )
    try:
        utf8 = _is_utf8(binary)
    except (OSError, EOFError):
        raise DataError(
            "This file is compressed (gzip) but damaged; unzip it and upload the "
            "CSV inside."
        ) from None
    # Spreadsheet programs often save CSV files as Windows-1252/Latin-1.
    encoding = "utf-8-sig" if utf8 else "cp1252"
    return io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")


def separator_of(header_line: str) -> str:
    if "," in header_line:
        return ","
    for candidate in (";", "\t", "|"):
        if candidate in header_line:
            return candidate
    return ","


def skip_blank_lines(text: IO[str]) -> tuple[str, int]:
    """Move past blank lines before the header; return the header line and their count.

    pandas would take a blank first line for an empty header. The count keeps
    line numbers in messages true to the file.
    """
    skipped = 0
    while True:
        position = text.tell()
        line = text.readline()
        if not line or line.strip(" \t\r\n"):
            text.seek(position)
            return line, skipped
        skipped += 1
