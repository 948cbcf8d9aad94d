"""Try several values on the Train page (AppTest).

A tiny sweep, a search, refusals, a stopped sweep.
"""

from __future__ import annotations

import json

from tests.app.conftest import assert_clean, open_app


def tiny_form(app):
    app.number_input(key="train_epochs").set_value(2)
    app.text_input(key="train_hidden_layers").input("8")
    next(b for b in app.button if b.label == "Apply without training").click().run()
    assert not app.exception, app.exception


def test_a_tiny_sweep_gives_three_scored_runs_in_order(small_data):
    app = open_app("train").run()
    tiny_form(app)
    app.selectbox(key="train_sweep_setting").select("learning_rate").run()
    app.text_input(key="train_sweep_values_learning_rate").input(
        "0.001; 0.01; 0.05"
    ).run()
    app.button(key="train_sweep_start").click().run()

    assert_clean(app)
    table = next(
        frame.value for frame in app.dataframe if "learning_rate" in frame.value
    )
    assert table["learning_rate"].tolist() == [0.001, 0.01, 0.05]
    assert table["validation accuracy"].between(0, 1).all()
    assert any(
        m.value.startswith(
            ("More was better", "Less was better", "Raising", "The learning rate made")
        )
        for m in app.markdown
    )
    titles = [
        json.loads(c.proto.spec)["layout"]["title"]["text"]
        for c in app.get("plotly_chart")
    ]
    assert "Validation scores by learning rate" in titles
    assert "Validation accuracy while learning" in titles
    # The test score is shown for the picked run only.
    assert any(
        "Its test score, on tracks no choice was made on" in m.value
        for m in app.markdown
    )
    assert app.session_state["runs"] == []
    app.button(key="train_sweep_add").click().run()
    assert not app.exception
    assert len(app.session_state["runs"]) == 1
    assert app.session_state["active_model"] != app.session_state["runs"][0]["id"]
    app.button(key="train_sweep_use").click().run()
    assert app.session_state["active_model"] == app.session_state["runs"][-1]["id"]


def test_a_bad_value_is_refused_in_plain_words(small_data):
    app = open_app("train").run()
    app.selectbox(key="train_sweep_setting").select("epochs").run()
    app.text_input(key="train_sweep_values_epochs").input("2; lots").run()
    app.button(key="train_sweep_start").click().run()
    assert not app.exception
    assert app.error[0].value == "Epochs must be a number, not 'lots'."
    assert app.session_state["runs"] == []


def test_a_search_offers_the_best_run(small_data):
    app = open_app("train").run()
    tiny_form(app)
    app.segmented_control(key="train_sweep_mode").set_value("search").run()
    app.slider(key="train_search_runs").set_value(3).run()
    app.button(key="train_search_start").click().run()
    assert not app.exception, app.exception
    assert len(app.dataframe[0].value) == 3
    assert any(
        m.value.startswith("Best of 3 runs by validation accuracy")
        for m in app.markdown
    )
    types = [
        json.loads(c.proto.spec)["data"][0]["type"] for c in app.get("plotly_chart")
    ]
    assert "parcoords" in types
    picker = app.selectbox(key="train_sweep_pick")
    assert "(best on validation)" in picker.options[picker.index]


def test_a_stopped_sweep_keeps_its_finished_runs(small_data):
    from core import data, sweep
    from tests.app.conftest import small_csv_bytes
    from tests.conftest import tiny_config

    typed = data.load_csv(small_csv_bytes(), require_label=True)
    finished = sweep.sweep(typed, tiny_config(epochs=2), "dropout", ["0", "0.3"])[:1]
    app = open_app("train")
    # What a Stop during the second of three runs leaves in the session.
    app.session_state["train_sweep"] = {
        "mode": "sweep",
        "settings": ["dropout"],
        "planned": 3,
        "runs": finished,
        "finished": False,
    }
    app.run()
    assert not app.exception, app.exception
    assert "stopped after 1 of 3 runs" in app.warning[0].value
    table = next(frame.value for frame in app.dataframe if "dropout" in frame.value)
    assert table["dropout"].tolist() == [0.0]
