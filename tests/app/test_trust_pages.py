"""Where the model fails and whose genre looks wrong (AppTest).

Evaluate's groups, heatmap and listings; fixing a genre; training with the
corrections.
"""

from __future__ import annotations

import json

from core import corrections, data, label_issues, songs, tables
from core.held_out import held_out_predictions
from tests.app.conftest import PAGES, assert_clean, noisy_csv_bytes, open_app


def chart_titles(app) -> list[str]:
    return [
        json.loads(chart.proto.spec)["layout"]
        .get("title", {})
        .get("text", "")
        .replace("<br>", " ")
        for chart in app.get("plotly_chart")
    ]


def texts(app) -> str:
    parts = [element.value for element in app.markdown]
    parts += [element.value for element in app.caption]
    parts += [element.value for element in app.info]
    return "\n".join(str(part) for part in parts)


def test_evaluate_shows_the_groups_and_the_error_heatmap(noisy_data_and_model):
    app = open_app("evaluate").run()

    assert not app.exception, app.exception
    assert "Where the model fails" in [header.value for header in app.header]
    groups = app.dataframe(key="evaluate_segments_groups").value
    assert len(groups) >= 2
    assert groups["reading"].str.contains("as often as overall").all()
    assert any(
        title.startswith("How often the model is wrong, by speechiness")
        for title in chart_titles(app)
    )
    # Another pair of features redraws it.
    app.selectbox(key="evaluate_segments_grid_x").select("energy").run()
    app.selectbox(key="evaluate_segments_grid_y").select("valence").run()
    assert not app.exception, app.exception
    assert "How often the model is wrong, by energy and valence" in chart_titles(app)
    assert "too few to say" in texts(app) or "Wrong for" in texts(app)


def test_picking_a_group_lists_its_songs(noisy_data_and_model, noisy_model_dir):
    from core import bundle as bundles
    from core import segments

    app = open_app("evaluate").run()
    groups = app.dataframe(key="evaluate_segments_groups").value
    last = len(groups) - 1
    app.selectbox(key="evaluate_segments_group").select_index(last).run()

    assert not app.exception, app.exception
    typed = data.load_csv(noisy_csv_bytes(), require_label=True)
    model = bundles.load_bundle(noisy_model_dir)
    report = segments.segments_of(held_out_predictions(model, typed))
    expected = report.rows_of(report.segments[last])
    listed = app.dataframe(key="evaluate_segments_group_songs").value
    assert len(listed) == len(expected) == groups["tracks"].iloc[last]
    assert f"**{len(expected):,} songs** where {groups['rule'].iloc[last]}" in texts(
        app
    )
    # The confusion cells' table: same columns.
    cell = app.dataframe(key="evaluate_cell_songs").value
    assert list(listed.columns) == list(cell.columns)
    assert songs.CONFIDENCE in listed.columns


def train_a_tiny_model(app):
    """Train a two-epoch model on the Train page; return its bundle."""
    app.number_input(key="train_epochs").set_value(2)
    app.text_input(key="train_hidden_layers").input("8")
    app.number_input(key="train_ensemble_size").set_value(1)
    next(button for button in app.button if button.label == "Train").click().run()
    assert not app.exception, app.exception
    run = app.session_state["runs"][-1]
    return app.session_state["models"][run["id"]]["bundle"]


def fix_first_listing(app):
    """Fix the first listed genre to the model's suggestion; its row and genre."""
    table = app.dataframe(key="evaluate_labels_issues").value
    row = int(table["row"].iloc[0])
    suggested = table["suggested_genre"].iloc[0]
    assert app.selectbox(key="evaluate_labels_fix_row").value == row
    assert app.selectbox(key=f"evaluate_labels_fix_genre_{row}").value == suggested
    app.button(key="evaluate_labels_fix").click().run()
    return row, suggested


def test_a_fixed_genre_is_in_the_download_and_the_next_training_uses_it(
    noisy_data_and_model, noisy_model_dir
):
    from core import bundle as bundles

    app = open_app("evaluate").run()
    table = app.dataframe(key="evaluate_labels_issues").value
    typed = data.load_csv(noisy_csv_bytes(), require_label=True)
    model = bundles.load_bundle(noisy_model_dir)
    issues = label_issues.file_label_issues(model, typed)
    assert len(table) == len(issues.table) and issues.flagged >= 1

    row, suggested = fix_first_listing(app)

    assert not app.exception, app.exception
    table = app.dataframe(key="evaluate_labels_issues").value
    assert table.set_index("row").at[row, "corrected_to"] == suggested
    assert "**1 genre fixed**" in texts(app)
    fixed = next(iter(app.session_state["genre_corrections"].values()))
    assert fixed == {row: suggested}
    # The download is corrections_csv of those: the row with its new genre.
    downloaded = data.load_csv(corrections.corrections_csv(typed, fixed))
    assert downloaded["track_name"].tolist() == [typed.at[row, "track_name"]]
    assert downloaded["music_genre"].tolist() == [suggested]

    app.switch_page(PAGES["train"]).run()
    assert not app.exception, app.exception
    use = app.checkbox(key="train_use_corrections")
    assert use.value is True
    assert "1 genre" in use.label
    trained = train_a_tiny_model(app)
    assert trained.metrics[corrections.CORRECTED_GENRES] == 1
    runs_table = next(frame.value for frame in app.dataframe if "run" in frame.value)
    assert runs_table["genres fixed"].tolist() == [1]
    corrected = corrections.apply_corrections(typed, fixed)
    assert trained.info["data_fingerprint"] == tables.fingerprint(corrected)
    # Evaluate still tells its training and test tracks apart in the loaded
    # file: it applies the model's own corrections.
    app.switch_page(PAGES["evaluate"]).run()
    assert not app.exception, app.exception
    assert not any("not the data this model" in w.value for w in app.warning)
    assert "test tracks" in app.selectbox(key="evaluate_cell_split").options[0]


def test_training_without_the_box_ignores_the_corrections(noisy_data_and_model):
    app = open_app("evaluate").run()
    fix_first_listing(app)
    app.switch_page(PAGES["train"]).run()
    app.checkbox(key="train_use_corrections").uncheck()
    trained = train_a_tiny_model(app)
    assert trained.metrics[corrections.CORRECTED_GENRES] == 0


def test_data_checks_every_track_behind_a_button_and_fixes_a_genre(
    noisy_data_and_model,
):
    app = open_app("data").run()
    assert not app.exception, app.exception
    assert "Tracks whose genre looks wrong" in [header.value for header in app.header]
    assert not any(frame.key == "data_labels_issues" for frame in app.dataframe)

    app.number_input(key="data_labels_folds").set_value(2)
    app.button(key="data_labels_start").click().run()

    assert_clean(app)
    table = app.dataframe(key="data_labels_issues").value
    assert len(table) >= 1
    assert " tracks** are listed under a genre" in texts(app)
    row = int(table["row"].iloc[0])
    genre = next(g for g in ("Blues", "Jazz") if g != table["listed_genre"].iloc[0])
    app.selectbox(key=f"data_labels_fix_genre_{row}").select(genre).run()
    app.button(key="data_labels_fix").click().run()
    fixed = next(iter(app.session_state["genre_corrections"].values()))
    assert fixed == {row: genre}
    assert "**1 genre fixed**" in texts(app)
