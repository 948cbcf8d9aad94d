"""Issue 26: Evaluate's "Two models, song by song" with two tiny trained models."""

from __future__ import annotations

import pytest

from core import data
from tests.app.conftest import open_app, small_csv_bytes
from tests.conftest import tiny_config
from ui import state


@pytest.fixture(scope="module")
def second_model():
    """Another tiny model of the small file, weaker than the shipped tiny one."""
    from core import pipeline

    typed = data.load_csv(small_csv_bytes(), require_label=True)
    config = tiny_config(epochs=2, hidden_layers=(4,), unknowns="impute")
    return pipeline.train_from_frame(typed, config).bundle


def with_run(app, bundle):
    """The app with ``bundle`` kept as this session's first run."""
    run = {
        "id": "run-test000001",
        "number": 1,
        "name": "Run 1 (Tiny)",
        "settings": bundle.config.to_dict(),
        "metrics": bundle.metrics,
    }
    app.session_state[state.RUNS] = [run]
    app.session_state[state.MODELS] = {run["id"]: {"bundle": bundle, "zip": b""}}
    return app


def test_two_models_counts_table_sentence_and_flipped_songs(
    data_and_model, second_model
):
    app = with_run(open_app("evaluate"), second_model).run()
    assert not app.exception, app.exception
    assert app.selectbox(key="evaluate_pair_first").value == state.DEFAULT_MODEL_KEY
    assert app.selectbox(key="evaluate_pair_second").value == "run-test000001"

    metrics = {metric.label: metric.value for metric in app.metric}
    compared = int(metrics["Songs compared"].replace(",", ""))
    assert compared > 0
    grid = next(
        frame.value for frame in app.dataframe if "Run 1 (Tiny) right" in frame.value
    )
    assert int(grid.to_numpy().sum()) == compared
    first_right = int(metrics["Shipped model: right"].split()[0])
    second_right = int(metrics["Run 1 (Tiny): right"].split()[0])
    fixed = int(grid.loc["Shipped model wrong", "Run 1 (Tiny) right"])
    broken = int(grid.loc["Shipped model right", "Run 1 (Tiny) wrong"])
    assert fixed - broken == second_right - first_right
    assert any(
        f"Run 1 (Tiny) fixes {fixed} songs and breaks {broken}" in m.value
        for m in app.markdown
    )
    # The 2-epoch model is much weaker: songs flipped, and each is listed.
    assert fixed + broken > 0
    flipped = next(frame.value for frame in app.dataframe if "change" in frame.value)
    assert len(flipped) == fixed + broken
    assert set(flipped["change"]) <= {"fixed", "broken"}
    assert flipped["link"].str.startswith("Predict?track=").all()
    app.button(key="evaluate_pair_open_song").click().run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Predict"


def test_one_model_alone_asks_for_a_second(data_and_model):
    app = open_app("evaluate").run()
    assert not app.exception
    assert any("Comparing needs two models" in info.value for info in app.info)
