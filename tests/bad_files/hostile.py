"""Hostile uploads (issue 29): small files that unpack, read or compute to a lot.

Built here at test time, never committed as binaries. Each builder returns
the bytes a visitor would upload; ``scale`` shrinks the bombs for the unit
tests (a bomb only has to be far past the limit it tests, not as big as the
issue's), while ``benchmarks/bench_uploads.py`` builds them at full size.

The model bombs start from the shipped bundle (``models/default``), so that
everything but the hostile part is a real, valid GenreLab bundle.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from core.limits import LIMITS
from tests.conftest import COLUMNS, GOOD_ROW

SHIPPED = Path(__file__).resolve().parent.parent.parent / "models" / "default"
BUNDLE_FILES = ("model.keras", "preprocessing.json", "metrics.json", "README.md")
MB = 1024 * 1024


@dataclass(frozen=True)
class Hostile:
    """One hostile upload and where it goes in the app."""

    # The pytest id and the file's name stem.
    name: str
    build: Callable[[], bytes]
    # "data" (Home's dataset uploader), "batch" (Batch predict) or "model"
    # (Home's "Use a model you downloaded").
    target: str
    # The file's extension, as a browser would send it.
    suffix: str
    # Words the refusal must hold (lower case).
    message_words: tuple[str, ...]

    @cached_property
    def content(self) -> bytes:
        """The file's bytes, built on first use."""
        return self.build()


def _zeros_member(archive: zipfile.ZipFile, name: str, size: int) -> None:
    """Write ``size`` zero bytes as a deflated member, a megabyte at a time."""
    block = bytes(MB)
    with archive.open(name, "w", force_zip64=True) as member:
        for _ in range(size // MB):
            member.write(block)
        member.write(bytes(size % MB))


def _shipped_member(name: str) -> bytes:
    return (SHIPPED / name).read_bytes()


def _shipped_keras_member(name: str) -> bytes:
    with zipfile.ZipFile(SHIPPED / "model.keras") as archive:
        return archive.read(name)


def _keras_file(weights: bytes | int, config: bytes | None = None) -> bytes:
    """A .keras zip: the shipped config, these weights (or that many zeros)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as keras:
        keras.writestr("metadata.json", _shipped_keras_member("metadata.json"))
        keras.writestr("config.json", config or _shipped_keras_member("config.json"))
        if isinstance(weights, int):
            _zeros_member(keras, "model.weights.h5", weights)
        else:
            keras.writestr("model.weights.h5", weights)
    return buffer.getvalue()


def bundle_zip(model_file: bytes, **replaced: bytes) -> bytes:
    """A bundle zip as the Train page downloads it, with this model.keras."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        for name in BUNDLE_FILES:
            if name == "model.keras":
                bundle.writestr(name, model_file)
            else:
                bundle.writestr(name, replaced.get(name) or _shipped_member(name))
    return buffer.getvalue()


def nested_zip_bomb(unpacked: int) -> bytes:
    """A bundle whose model.keras holds weights that unpack to ``unpacked`` bytes."""
    return bundle_zip(_keras_file(unpacked))


def outer_zip_bomb(unpacked: int) -> bytes:
    """A bundle whose model.keras member itself unpacks to ``unpacked`` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        _zeros_member(bundle, "model.keras", unpacked)
        for name in BUNDLE_FILES[1:]:
            bundle.writestr(name, _shipped_member(name))
    return buffer.getvalue()


def _weights_with(change) -> bytes:
    """The shipped weights (.h5) with ``change(h5file)`` applied."""
    import h5py

    buffer = io.BytesIO(_shipped_keras_member("model.weights.h5"))
    with h5py.File(buffer, "r+") as weights:
        change(weights)
    return buffer.getvalue()


FIRST_KERNEL = "layers/sequential/layers/dense/vars/0"


def h5_huge_kernel(units: int = 1_000_000) -> bytes:
    """A bundle whose first layer has ``units`` units, in config and weights alike.

    Nothing is written into the kernel: HDF5 keeps only its declaration (the
    chunks are never stored, and read back as the fill value), so the file
    stays small while reading it would allocate inputs x units x 4 bytes
    (112 x 1,000,000: 450 MB).
    """
    inputs = 0

    def change(weights) -> None:
        nonlocal inputs
        inputs = weights[FIRST_KERNEL].shape[0]
        del weights[FIRST_KERNEL]
        weights.create_dataset(
            FIRST_KERNEL,
            shape=(inputs, units),
            dtype="float32",
            chunks=(inputs, 4096),
            compression="gzip",
        )
        bias = FIRST_KERNEL.removesuffix("0") + "1"
        del weights[bias]
        weights.create_dataset(bias, shape=(units,), dtype="float32")

    weights = _weights_with(change)
    config = json.loads(_shipped_keras_member("config.json"))
    first_member = next(
        layer
        for layer in config["config"]["layers"]
        if layer["class_name"] == "Sequential"
    )
    first_dense = next(
        layer
        for layer in first_member["config"]["layers"]
        if layer["class_name"] == "Dense"
    )
    first_dense["config"]["units"] = units
    return bundle_zip(_keras_file(weights, json.dumps(config).encode()))


def h5_wrong_shape() -> bytes:
    """A bundle whose first kernel's shape disagrees with its config (units)."""

    def change(weights) -> None:
        kernel = weights[FIRST_KERNEL]
        inputs = kernel.shape[0]
        del weights[FIRST_KERNEL]
        weights.create_dataset(FIRST_KERNEL, shape=(inputs, 300), dtype="float32")

    return bundle_zip(_keras_file(_weights_with(change)))


def deep_json(depth: int = 100_000) -> bytes:
    """A JSON file of ``depth`` nested lists."""
    return b"[" * depth + b"]" * depth


def deep_preprocessing_bundle(depth: int = 200_000) -> bytes:
    """A bundle whose preprocessing.json is nested ``depth`` deep."""
    return bundle_zip(
        _shipped_member("model.keras"), **{"preprocessing.json": deep_json(depth)}
    )


def json_of_empty_objects(size: int) -> bytes:
    """An audio-features-looking JSON of ``size`` bytes of empty objects."""
    count = max((size - 20) // 3, 1)
    return b'{"audio_features":[' + b",".join([b"{}"] * count) + b"]}"


def _header() -> bytes:
    return (",".join(COLUMNS) + "\n").encode()


def _good_line() -> bytes:
    return (",".join(GOOD_ROW[column] for column in COLUMNS) + "\n").encode()


def gzip_bomb(rows: int) -> bytes:
    """A gzip CSV of ``rows`` copies of one good row (compresses about 300:1)."""
    buffer = io.BytesIO()
    line = _good_line()
    block = line * 10_000
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as packed:
        packed.write(_header())
        for _ in range(rows // 10_000):
            packed.write(block)
        packed.write(line * (rows % 10_000))
    return buffer.getvalue()


def one_enormous_line(size: int) -> bytes:
    """A header, then one data line of ``size`` bytes of commas and digits."""
    return _header() + b"1," * (size // 2) + b"\n"


def enormous_header(size: int) -> bytes:
    """A header line of ``size`` bytes: hundreds of thousands of columns."""
    return b",".join(b"c%07d" % i for i in range(size // 9)) + b"\n1\n"


def tiny_rows(size: int) -> bytes:
    """A header, then ``size`` bytes of one-character rows (millions of them)."""
    return _header() + b"1\n" * (size // 2)


def quoted_tiny_rows(size: int) -> bytes:
    """Millions of one-field rows in quotes (so lines cannot be counted as rows)."""
    return _header() + b'"1"\n' * (size // 4)


def blank_rows(size: int) -> bytes:
    """A header, then ``size`` bytes of empty lines."""
    return _header() + b"\n" * size


def corpus(scale: float = 1.0) -> list[Hostile]:
    """Every hostile upload, its bombs ``scale`` times the issue's sizes.

    At scale 1: the bundle bomb unpacks to 6 GiB (the issue's 22 KB upload),
    the gzip bomb to 10 million rows (about 1 GB, about 3 MB packed), and
    the files within the upload limit are 28.5 MB. Each file is built when its
    ``content`` is first read (the 6 GiB bomb takes most of a minute).
    """
    gib = 1024 * MB
    # Streamlit's uploader counts a megabyte as 10^6 bytes: 95% of its limit.
    in_limit = int(LIMITS.upload_mb * 950_000 * min(scale * 4, 1.0))
    gzip_rows = int(10_000_000 * scale)
    table = [
        ("bundle_nested_zip_bomb", lambda: nested_zip_bomb(int(6 * gib * scale))),
        ("bundle_outer_zip_bomb", lambda: outer_zip_bomb(int(2 * gib * scale))),
        ("bundle_h5_huge_kernel", h5_huge_kernel),
        ("bundle_h5_wrong_shape", h5_wrong_shape),
        ("bundle_deep_json", deep_preprocessing_bundle),
        ("gzip_bomb_data", lambda: gzip_bomb(gzip_rows)),
        ("gzip_bomb_batch", lambda: gzip_bomb(gzip_rows)),
        ("deep_json", deep_json),
        (
            "json_empty_objects",
            lambda: json_of_empty_objects(int(LIMITS.json_mb * MB * 0.9)),
        ),
        ("one_enormous_line", lambda: one_enormous_line(in_limit)),
        ("enormous_header", lambda: enormous_header(in_limit)),
        ("tiny_rows_data", lambda: tiny_rows(in_limit)),
        ("tiny_rows_batch", lambda: tiny_rows(in_limit)),
        ("blank_rows_batch", lambda: blank_rows(in_limit)),
        ("quoted_tiny_rows_data", lambda: quoted_tiny_rows(in_limit)),
    ]
    return [Hostile(name, build, *OUTCOMES[name]) for name, build in table]


# name -> (where it is uploaded, its extension, words its refusal holds)
OUTCOMES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "bundle_nested_zip_bomb": ("model", ".zip", ("too large",)),
    "bundle_outer_zip_bomb": ("model", ".zip", ("too large",)),
    "bundle_h5_huge_kernel": ("model", ".zip", ("too large",)),
    "bundle_h5_wrong_shape": ("model", ".zip", ("damaged",)),
    "bundle_deep_json": ("model", ".zip", ("damaged",)),
    "gzip_bomb_data": ("data", ".csv.gz", ("too large",)),
    "gzip_bomb_batch": ("batch", ".csv.gz", ("too large",)),
    "deep_json": ("batch", ".json", ("json",)),
    "json_empty_objects": ("batch", ".json", ("json",)),
    "one_enormous_line": ("data", ".csv", ("line 2",)),
    "enormous_header": ("data", ".csv", ("columns",)),
    "tiny_rows_data": ("data", ".csv", ("rows",)),
    "tiny_rows_batch": ("batch", ".csv", ("rows",)),
    "blank_rows_batch": ("batch", ".csv", ("rows",)),
    "quoted_tiny_rows_data": ("data", ".csv", ("rows",)),
}
