"""core.bundle: saving atomically, loading back identically, refusing bad bundles."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core import bundle as bundles
from core import predict, preprocessing, schema, tables
from core.errors import BundleError


def probabilities(bundle, typed) -> np.ndarray:
    usable, _ = bundle.preprocessor.usable_rows(typed)
    features_matrix = bundle.preprocessor.transform(typed[usable])
    return bundle.network.probabilities(features_matrix)


@pytest.fixture
def saved(tmp_path, drop_run) -> Path:
    """The tiny drop-policy bundle saved to a fresh folder."""
    return bundles.save_bundle(drop_run.bundle, tmp_path / "bundle", card="# Card\n")


def assert_plain(error: BundleError) -> None:
    message = str(error)
    assert "\n" not in message
    assert "Traceback" not in message
    assert message.endswith(".")


# --- round trips -------------------------------------------------------------------


def test_a_saved_bundle_holds_the_three_files_and_the_card(saved):
    names = sorted(path.name for path in saved.iterdir())
    assert names == ["README.md", "metrics.json", "model.keras", "preprocessing.json"]
    preprocessing = json.loads((saved / "preprocessing.json").read_text())
    assert preprocessing["format_version"] == bundles.FORMAT_VERSION
    assert preprocessing["genres"][0] == "Electronic"
    assert "keras" in preprocessing["info"]["versions"]
    metrics = json.loads((saved / "metrics.json").read_text())
    for split_name in ("train", "test"):
        for key in ("accuracy", "top2_accuracy", "macro_f1", "n_rows"):
            assert key in metrics[split_name]
        assert len(metrics[split_name]["confusion_matrix"]) == 10
        assert len(metrics[split_name]["genres"]) == 10


def test_load_gives_back_identical_probabilities(saved, drop_run, separable_typed):
    loaded = bundles.load_bundle(saved)
    assert loaded.config == drop_run.bundle.config
    assert loaded.preprocessor == drop_run.bundle.preprocessor
    assert loaded.metrics == json.loads(json.dumps(drop_run.bundle.metrics))
    np.testing.assert_array_equal(
        probabilities(loaded, separable_typed),
        probabilities(drop_run.bundle, separable_typed),
    )


def test_an_impute_bundle_round_trips(tmp_path, impute_run, separable_typed):
    folder = bundles.save_bundle(impute_run.bundle, tmp_path / "impute")
    loaded = bundles.load_bundle(folder)
    assert loaded.preprocessor.fill_values == impute_run.bundle.preprocessor.fill_values
    np.testing.assert_array_equal(
        probabilities(loaded, separable_typed),
        probabilities(impute_run.bundle, separable_typed),
    )
    assert not (folder / "README.md").exists()  # no card given


def test_zip_round_trip(saved, drop_run, separable_typed):
    content = bundles.bundle_zip_bytes(saved)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == [
            "README.md",
            "metrics.json",
            "model.keras",
            "preprocessing.json",
        ]
    loaded = bundles.load_bundle_zip(content)
    np.testing.assert_array_equal(
        probabilities(loaded, separable_typed),
        probabilities(drop_run.bundle, separable_typed),
    )


def test_saving_over_a_bundle_replaces_it(tmp_path, drop_run, impute_run):
    folder = tmp_path / "bundle"
    bundles.save_bundle(drop_run.bundle, folder)
    bundles.save_bundle(impute_run.bundle, folder)
    assert bundles.load_bundle(folder).preprocessor.unknowns == "impute"
    assert [path.name for path in tmp_path.iterdir()] == ["bundle"]


# --- atomic saving -------------------------------------------------------------------


def test_a_failure_mid_save_leaves_the_previous_bundle_and_no_temporary_folder(
    saved, drop_run, impute_run, monkeypatch, separable_typed
):
    before = probabilities(bundles.load_bundle(saved), separable_typed)

    def disk_full(self):
        raise OSError(28, "No space left on device")

    # Fails after the model file is written into the temporary folder.
    monkeypatch.setattr(preprocessing.Preprocessor, "to_dict", disk_full)
    with pytest.raises(OSError, match="No space left"):
        bundles.save_bundle(impute_run.bundle, saved)
    monkeypatch.undo()
    assert [path.name for path in saved.parent.iterdir()] == ["bundle"]
    loaded = bundles.load_bundle(saved)
    assert loaded.preprocessor.unknowns == "drop"
    np.testing.assert_array_equal(probabilities(loaded, separable_typed), before)


def test_a_failure_at_the_final_rename_restores_the_previous_bundle(
    saved, impute_run, monkeypatch
):
    real_rename = Path.rename

    def failing_rename(self, target):
        # The temporary folder's rename into place fails; other renames work.
        if self.name.startswith(".bundle-") and not self.name.endswith("-old"):
            raise OSError(5, "Input/output error")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", failing_rename)
    with pytest.raises(OSError, match="Input/output error"):
        bundles.save_bundle(impute_run.bundle, saved)
    monkeypatch.undo()
    assert [path.name for path in saved.parent.iterdir()] == ["bundle"]
    assert bundles.load_bundle(saved).preprocessor.unknowns == "drop"


def test_a_failed_first_save_leaves_nothing(tmp_path, drop_run, monkeypatch):
    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(preprocessing.Preprocessor, "to_dict", broken)
    with pytest.raises(RuntimeError):
        bundles.save_bundle(drop_run.bundle, tmp_path / "new")
    assert list(tmp_path.iterdir()) == []


# --- refusing bad bundles ----------------------------------------------------------


def test_a_missing_folder(tmp_path):
    with pytest.raises(BundleError, match="No model bundle at") as caught:
        bundles.load_bundle(tmp_path / "nowhere")
    assert_plain(caught.value)


@pytest.mark.parametrize("name", ["model.keras", "preprocessing.json", "metrics.json"])
def test_a_missing_file_is_named(saved, name):
    (saved / name).unlink()
    with pytest.raises(BundleError, match=f"incomplete: {name} is missing") as caught:
        bundles.load_bundle(saved)
    assert_plain(caught.value)


@pytest.mark.parametrize("name", ["preprocessing.json", "metrics.json"])
def test_corrupt_json(saved, name):
    (saved / name).write_text('{"format_version": 1, ')
    with pytest.raises(BundleError, match="JSON files cannot be read") as caught:
        bundles.load_bundle(saved)
    assert_plain(caught.value)


def test_json_of_the_wrong_shape(saved):
    (saved / "metrics.json").write_text("[1, 2]")
    with pytest.raises(BundleError, match="unexpected JSON content"):
        bundles.load_bundle(saved)


def edit_preprocessing(folder: Path, change) -> None:
    path = folder / "preprocessing.json"
    values = json.loads(path.read_text())
    change(values)
    path.write_text(json.dumps(values))


def test_a_wrong_format_version(saved):
    edit_preprocessing(saved, lambda values: values.update(format_version=99))
    with pytest.raises(
        BundleError, match="format version 99; .* reads version 1"
    ) as caught:
        bundles.load_bundle(saved)
    assert_plain(caught.value)


def test_genres_that_do_not_match_the_outputs_are_refused(saved):
    edit_preprocessing(saved, lambda values: values["genres"].append("Polka"))
    with pytest.raises(BundleError, match="11") as caught:
        bundles.load_bundle(saved)
    assert "10 outputs" in str(caught.value)


def test_genres_named_twice_are_refused(saved):
    edit_preprocessing(saved, lambda values: values["genres"].__setitem__(1, "rock"))
    with pytest.raises(BundleError, match="genres are invalid"):
        bundles.load_bundle(saved)


def test_a_bundle_saved_before_genres_were_recorded_has_the_ten(saved):
    before = bundles.load_bundle(saved)

    def forget(values):
        values.pop("genres")
        values.pop("genre_merges")

    edit_preprocessing(saved, forget)
    loaded = bundles.load_bundle(saved)
    assert loaded.genres.names == schema.GENRES
    assert not loaded.genres.merges
    rows = tables.track_rows([dict(schema.TYPICAL_TRACK)])
    np.testing.assert_array_equal(
        predict.predict_frame(loaded, rows)[predict.probability_columns(schema.GENRES)],
        predict.predict_frame(before, rows)[predict.probability_columns(schema.GENRES)],
    )


def test_a_bundle_keeps_its_genres_and_merges(saved):
    def six(values):
        values["genres"] = [
            *("Electronic", "Anime", "Jazz", "Alternative", "Country"),
            *("Hip-Hop/Rap", "Blues", "Rock", "Classical", "Folk"),
        ]
        values["genre_merges"] = ["Rap+Hip-Hop=Hip-Hop/Rap"]

    edit_preprocessing(saved, six)
    loaded = bundles.load_bundle(saved)
    assert loaded.genres.names[5] == "Hip-Hop/Rap"
    assert loaded.genres.name_of("hip hop") == "Hip-Hop/Rap"
    assert loaded.genres.name_of("RAP") == "Hip-Hop/Rap"
    again = bundles.load_bundle(bundles.save_bundle(loaded, saved.parent / "again"))
    assert again.genres == loaded.genres


def test_invalid_settings(saved):
    edit_preprocessing(saved, lambda values: values["config"].update(epochs=0))
    with pytest.raises(
        BundleError, match="preprocessing settings are invalid"
    ) as caught:
        bundles.load_bundle(saved)
    assert "Epochs must be a whole number" in str(caught.value)


def test_a_missing_preprocessor(saved):
    edit_preprocessing(saved, lambda values: values.pop("preprocessor"))
    with pytest.raises(BundleError, match="preprocessing settings are invalid"):
        bundles.load_bundle(saved)


def test_a_truncated_model_file(saved):
    path = saved / "model.keras"
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])
    with pytest.raises(BundleError, match="model file is damaged") as caught:
        bundles.load_bundle(saved)
    assert_plain(caught.value)


def test_a_model_file_with_an_unknown_layer_is_refused(saved):
    path = saved / "model.keras"
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    model_config = json.loads(files["config.json"])
    model_config["config"]["layers"].append(
        {"module": "keras.layers", "class_name": "Lambda", "config": {}}
    )
    files["config.json"] = json.dumps(model_config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    with pytest.raises(BundleError, match=r"layers GenreLab does not build \(Lambda\)"):
        bundles.load_bundle(saved)


def test_a_model_that_does_not_match_its_preprocessor(tmp_path, drop_run, impute_run):
    mismatched = bundles.Bundle(
        network=drop_run.bundle.network,
        model_file=drop_run.bundle.model_file,
        preprocessor=impute_run.bundle.preprocessor,
        config=impute_run.bundle.config,
        metrics={},
    )
    folder = bundles.save_bundle(mismatched, tmp_path / "mismatched")
    with pytest.raises(BundleError, match="does not match its preprocessing settings"):
        bundles.load_bundle(folder)


def test_a_zip_that_is_not_a_zip():
    with pytest.raises(BundleError, match="not a GenreLab model bundle"):
        bundles.load_bundle_zip(b"just text")


def test_a_zip_missing_files(saved):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(saved / "metrics.json", arcname="metrics.json")
        archive.writestr("../../escape.txt", "ignored")
    with pytest.raises(
        BundleError, match="incomplete: model.keras, preprocessing.json"
    ):
        bundles.load_bundle_zip(buffer.getvalue())


def test_a_zip_over_the_size_limit(saved, monkeypatch):
    content = bundles.bundle_zip_bytes(saved)
    monkeypatch.setattr(bundles, "MAX_BUNDLE_MB", 0)
    with pytest.raises(BundleError, match="larger than 0 MB"):
        bundles.load_bundle_zip(content)


def test_an_ensemble_bundle_round_trips(tmp_path, separable_typed):
    from core import pipeline
    from tests.conftest import tiny_config

    run = pipeline.train_from_frame(
        separable_typed, tiny_config(epochs=1, ensemble_size=2)
    )
    folder = bundles.save_bundle(run.bundle, tmp_path / "ensemble")
    loaded = bundles.load_bundle(folder)
    assert loaded.config.ensemble_size == 2
    np.testing.assert_allclose(
        probabilities(loaded, separable_typed),
        probabilities(run.bundle, separable_typed),
        rtol=1e-6,
    )


@pytest.mark.parametrize("kind", ["folder", "file"])
def test_saving_never_replaces_something_that_is_not_a_bundle(tmp_path, drop_run, kind):
    destination = tmp_path / "data"
    if kind == "folder":
        destination.mkdir()
        (destination / "music_genre.csv").write_text("precious")
    else:
        destination.write_text("precious")
    with pytest.raises(BundleError, match="already exists and is not a model bundle"):
        bundles.save_bundle(drop_run.bundle, destination)
    kept = destination / "music_genre.csv" if kind == "folder" else destination
    assert kept.read_text() == "precious"
    assert [path.name for path in tmp_path.iterdir()] == ["data"]


def test_saving_into_an_empty_folder(tmp_path, drop_run):
    (tmp_path / "empty").mkdir()
    folder = bundles.save_bundle(drop_run.bundle, tmp_path / "empty")
    assert bundles.load_bundle(folder).config == drop_run.bundle.config
