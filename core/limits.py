"""Limits on what an upload may make the server read, unpack and compute.

Every limit is declared once, in :data:`LIMITS`. An upload is small on the
wire but may unpack to far more: a 5 MB gzip CSV to 1.4 GB, a 22 KB model
bundle to 6 GiB (issue 29). So each limit is enforced *while reading*: a
reader stops at the limit and raises, it never inflates first and checks
afterwards. The command line streams files of any size from the person's own
disk (``limited=False`` in :mod:`core.data`); model bundles are bounded
everywhere, since a bundle is read whole.

The figures behind each value are in ``docs/performance.md`` ("Uploads").
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from core.errors import GenreLabError

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much one upload may hold, unpack to, and cost the app's server."""

    # Megabytes of an upload as sent; .streamlit/config.toml's
    # server.maxUploadSize says the same (a test checks). Measured on the
    # app's server: a training dataset holds about 12 MB per MB of CSV while
    # in use, so 30 MB stays within Streamlit Cloud's 0.7-2.7 GB.
    upload_mb: float = 30
    # Megabytes of text an upload may unpack to (gzip): no more than a plain
    # upload could hold, so that the measurement above still holds.
    unpacked_mb: float = 30
    # Data rows of an upload (blank rows count). A 30 MB CSV of real tracks
    # has about 200,000 (Kaggle's file: 150 bytes a row); the Spotify Tracks
    # Dataset 114,000. Measured here, Batch predict spends 11 s of CPU on
    # 250,000 rows and writes a 41 MB temporary file (a 10-million-row gzip
    # took 141 s and 2 GB before this limit); files of short or empty lines
    # (millions of rows in 30 MB) stop here instead.
    rows: int = 250_000
    # Columns a header may name: Spotify files have 15-25; 100,000 names in
    # one line would cost pandas hundreds of MB before any row is read.
    columns: int = 500
    # Megabytes of a JSON file (the Web API's audio features), read whole in
    # the app. 5 MB is about 9,000 tracks (90 API answers). Python's objects
    # take up to 30 times the text ("[{},{},...]"); see also json_containers.
    json_mb: float = 5
    # Objects and lists in such a JSON file per row allowed: one per track,
    # plus the wrapper.
    json_containers_per_row: int = 1
    # Megabytes of a model file (.keras) and of the weights inside it, each
    # unpacked, at either level of a bundle zip (the shipped model: 0.55 MB).
    model_mb: float = 50
    # Megabytes of each JSON file of a bundle (config.json, preprocessing.json,
    # metrics.json) and of its model card: 9-30 KB for the shipped model.
    bundle_text_mb: float = 2

    @property
    def model_parameters(self) -> int:
        """Weights a model may declare: what ``model_mb`` holds as float32.

        Checked against the HDF5 file's declared shapes before any weight is
        read: HDF5 compresses datasets internally, so a small file can
        declare a dataset of many gigabytes.
        """
        return int(self.model_mb * MB) // 4


LIMITS = Limits()


def megabytes(limit_mb: float) -> int:
    """A limit in megabytes, in bytes."""
    return int(limit_mb * MB)


class BoundedReader(io.RawIOBase):
    """A binary stream that raises ``too_much()`` past ``limit`` bytes read.

    Wraps a decompressing stream (gzip), so that inflating stops at the
    limit: the bytes past it are never produced.
    """

    def __init__(
        self,
        stream: IO[bytes] | io.BufferedIOBase,
        limit: int,
        too_much: Callable[[], Exception],
    ) -> None:
        super().__init__()
        self._stream = stream
        self._limit = limit
        self._too_much = too_much
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        # Never ask for more than one byte past the limit: the inner stream
        # would inflate the whole request first.
        wanted = min(len(buffer), self._limit + 1 - self._read)
        if wanted <= 0:
            raise self._too_much()
        data = self._stream.read(wanted)
        self._read += len(data)
        if self._read > self._limit:
            raise self._too_much()
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


def read_member(
    archive: zipfile.ZipFile, name: str, limit: int, error: type[GenreLabError]
) -> bytes:
    """One member of a zip, unpacked, refused past ``limit`` bytes.

    The size the archive declares is checked first, and the reading stops
    one byte past the limit whatever it declares.

    Raises:
        KeyError: the archive has no such member.
        error: the member unpacks to more than ``limit`` bytes.
    """
    info = archive.getinfo(name)
    too_large = error(
        f"The model file is too large: its {name} unpacks to more than "
        f"{limit / MB:g} MB. A GenreLab model bundle is a few MB; use one "
        "downloaded from the Train page."
    )
    if info.file_size > limit:
        raise too_large
    with archive.open(info) as member:
        content = member.read(limit + 1)
    if len(content) > limit:
        raise too_large
    return content


def parse_json(content: bytes | str, error: GenreLabError) -> Any:
    """Parse JSON text, raising ``error`` for anything unreadable.

    A deeply nested document raises RecursionError inside :mod:`json`, which
    is not a ValueError: it is turned into ``error`` too.
    """
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        raise error from None
