"""Model bundles that are unsafe: Lambda and custom layers, path traversal in zips.

The models here are built and saved with Keras itself, then put in a bundle
folder next to a valid preprocessing.json, exactly as an attacker would.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import keras
import pytest

from core import bundle as bundles
from core.errors import BundleError

layers = keras.layers


@keras.saving.register_keras_serializable(package="Untrusted")
class Doubler(layers.Layer):
    """A custom layer: its code would have to be imported to load it."""

    def call(self, inputs):
        return inputs * 2


@pytest.fixture
def valid_folder(drop_run, tmp_path) -> Path:
    """A valid saved bundle (the tiny drop-unknowns model)."""
    return bundles.save_bundle(drop_run.bundle, tmp_path / "bundle")


def width(folder: Path) -> int:
    preprocessing = json.loads((folder / bundles.PREPROCESSING_FILE).read_text())
    return len(preprocessing["preprocessor"]["feature_names"])


def replace_model(folder: Path, model) -> None:
    """Save ``model`` as the bundle's model.keras (the real Keras format)."""
    model.save(folder / bundles.MODEL_FILE)


def lambda_model(inputs: int):
    features = keras.Input(shape=(inputs,))
    doubled = layers.Lambda(lambda x: x * 2)(features)
    return keras.Model(features, layers.Dense(10, activation="softmax")(doubled))


def custom_layer_model(inputs: int):
    features = keras.Input(shape=(inputs,))
    doubled = Doubler()(features)
    return keras.Model(features, layers.Dense(10, activation="softmax")(doubled))


def rewrite_config(path: Path, change) -> None:
    """Edit the config.json inside a .keras file."""
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    change(config)
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)


def test_the_valid_bundle_loads(valid_folder):
    assert bundles.load_bundle(valid_folder).network.n_features == width(valid_folder)


def test_a_lambda_layer_is_refused(valid_folder):
    replace_model(valid_folder, lambda_model(width(valid_folder)))
    with pytest.raises(
        BundleError, match=r"does not build \(.*Lambda.*refused for safety"
    ):
        bundles.load_bundle(valid_folder)


def test_a_custom_layer_is_refused(valid_folder):
    replace_model(valid_folder, custom_layer_model(width(valid_folder)))
    with pytest.raises(
        BundleError, match=r"does not build \(.*Doubler.*refused for safety"
    ):
        bundles.load_bundle(valid_folder)


@pytest.mark.parametrize(
    "module", ["keras.src.layers.core.lambda_layer", "keras.src.layers", "builtins"]
)
def test_a_lambda_hidden_behind_another_module_name_is_refused(valid_folder, module):
    replace_model(valid_folder, lambda_model(width(valid_folder)))

    def rename(config):
        for layer in config["config"]["layers"]:
            if layer["class_name"] == "Lambda":
                layer["module"] = module

    rewrite_config(valid_folder / bundles.MODEL_FILE, rename)
    with pytest.raises(BundleError, match="refused for safety"):
        bundles.load_bundle(valid_folder)


def test_a_lambda_model_in_an_uploaded_zip_is_refused(valid_folder):
    replace_model(valid_folder, lambda_model(width(valid_folder)))
    with pytest.raises(BundleError, match="refused for safety"):
        bundles.load_bundle_zip(bundles.bundle_zip_bytes(valid_folder))


def test_refusing_a_lambda_never_runs_its_code(valid_folder, tmp_path):
    # A Lambda whose code would write a file when the model is built.
    marker = tmp_path / "ran.txt"
    features = keras.Input(shape=(width(valid_folder),))
    hidden = layers.Lambda(
        lambda x, path=str(marker): (open(path, "w").close(), x)[1]  # noqa: SIM115
    )(features)
    model = keras.Model(features, layers.Dense(10, activation="softmax")(hidden))
    marker.unlink(missing_ok=True)  # building it above ran the code once
    replace_model(valid_folder, model)
    marker.unlink(missing_ok=True)
    with pytest.raises(BundleError):
        bundles.load_bundle(valid_folder)
    assert not marker.exists()


def zip_with(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_path_traversal_names_are_ignored_and_nothing_is_written_outside(
    valid_folder, tmp_path, monkeypatch
):
    files = {
        name: (valid_folder / name).read_bytes() for name in bundles.REQUIRED_FILES
    }
    evil = {
        "../evil.txt": b"escaped",
        "../../evil.txt": b"escaped",
        "/tmp/evil_absolute.txt": b"escaped",
        "sub/../../evil.txt": b"escaped",
        "..\\evil_windows.txt": b"escaped",
    }
    work = tmp_path / "work"
    (work / "temp").mkdir(parents=True)
    monkeypatch.setattr("tempfile.tempdir", str(work / "temp"))
    monkeypatch.chdir(work)
    before = set(tmp_path.rglob("*"))
    loaded = bundles.load_bundle_zip(zip_with({**evil, **files}))
    assert loaded.network.n_outputs == 10
    after = set(tmp_path.rglob("*"))
    assert after == before, sorted(str(path) for path in after - before)
    assert not Path("/tmp/evil_absolute.txt").exists()
    assert list((work / "temp").iterdir()) == []  # the temporary folder is gone


def test_a_traversal_name_cannot_stand_in_for_a_required_file(valid_folder):
    files = {
        name: (valid_folder / name).read_bytes() for name in bundles.REQUIRED_FILES
    }
    files["../model.keras"] = files.pop(bundles.MODEL_FILE)
    with pytest.raises(BundleError, match="model.keras is missing"):
        bundles.load_bundle_zip(zip_with(files))


def test_a_symlinked_model_file_outside_the_bundle_is_not_followed_in_zips(
    valid_folder, tmp_path
):
    # Zip entries that are symlinks are written as plain bytes (their target
    # text), so they cannot point outside; the bundle is then damaged.
    info = zipfile.ZipInfo(bundles.MODEL_FILE)
    info.external_attr = 0o120777 << 16  # a symlink entry
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(info, "/etc/passwd")
        for name in (bundles.PREPROCESSING_FILE, bundles.METRICS_FILE):
            archive.writestr(name, (valid_folder / name).read_bytes())
    with pytest.raises(BundleError, match="damaged"):
        bundles.load_bundle_zip(buffer.getvalue())


def test_a_bundle_folder_whose_model_is_a_folder(valid_folder):
    (valid_folder / bundles.MODEL_FILE).unlink()
    (valid_folder / bundles.MODEL_FILE).mkdir()
    with pytest.raises(BundleError, match="model.keras is missing"):
        bundles.load_bundle(valid_folder)


@pytest.mark.parametrize(
    "damage",
    [
        "empty model",
        "model is text",
        "preprocessing is a list",
        "metrics not utf-8",
        "no config.json in model",
        "feature list changed",
    ],
)
def test_more_kinds_of_damage_give_a_bundle_error(valid_folder, damage):
    model_path = valid_folder / bundles.MODEL_FILE
    preprocessing_path = valid_folder / bundles.PREPROCESSING_FILE
    if damage == "empty model":
        model_path.write_bytes(b"")
    elif damage == "model is text":
        model_path.write_text("not a model")
    elif damage == "preprocessing is a list":
        preprocessing_path.write_text("[1, 2]")
    elif damage == "metrics not utf-8":
        (valid_folder / bundles.METRICS_FILE).write_bytes(b"\xff\xfe\x00{")
    elif damage == "no config.json in model":
        with zipfile.ZipFile(model_path) as archive:
            kept = {
                n: archive.read(n) for n in archive.namelist() if n != "config.json"
            }
        model_path.unlink()
        with zipfile.ZipFile(model_path, "w") as archive:
            for name, content in kept.items():
                archive.writestr(name, content)
    elif damage == "feature list changed":
        preprocessing = json.loads(preprocessing_path.read_text())
        preprocessing["preprocessor"]["feature_names"].append("secret_feature")
        preprocessing_path.write_text(json.dumps(preprocessing))
    with pytest.raises(BundleError) as raised:
        bundles.load_bundle(valid_folder)
    message = str(raised.value)
    assert "\n" not in message and "Traceback" not in message


def test_loading_never_uses_pickle(valid_folder, monkeypatch):
    import pickle

    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    bundles.load_bundle(valid_folder)
