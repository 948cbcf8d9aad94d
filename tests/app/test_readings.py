"""ui.readings: each chart's sentence and table, from hand-built inputs.

No Streamlit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core import predict, schema
from ui import charts, readings

GENRES = list(schema.GENRES)


def test_readings_import_no_streamlit():
    import subprocess
    import sys

    code = "import sys, ui.readings; print('streamlit' in sys.modules)"
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert shown == "False"


@pytest.mark.parametrize(
    ("share", "decimals", "said"),
    [
        (0.0992, 1, "9.9%"),
        (0.0004, 1, "under 0.1%"),
        (0.004, 0, "under 1%"),
        (0.0, 1, "0.0%"),
        (0.5, 0, "50%"),
    ],
)
def test_percent(share, decimals, said):
    assert readings.words.percent(share, decimals) == said


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (219_468.0, "219,468"),
        (120.0, "120"),
        (40.0, "40"),
        (12.34, "12.3"),
        (0.755, "0.755"),
        (-10.5, "-10.5"),
        (float("nan"), "unknown"),
    ],
)
def test_number(value, said):
    assert readings.words.number(value) == said


def test_feature_value_says_units_people_use():
    assert readings.words.feature_value("duration_ms", 261_667) == "4.4 minutes"
    assert readings.words.feature_value("tempo", 127.6) == "128 beats per minute"
    assert readings.words.feature_value("tempo", 127.6, unit=False) == "128"
    assert readings.words.feature_value("loudness", -5.649) == "-5.6 dB"
    assert readings.words.feature_value("popularity", 59.0) == "59"
    assert readings.words.feature_value("danceability", 0.7312) == "0.731"


def test_listing():
    assert readings.words.listing([]) == ""
    assert readings.words.listing(["a"]) == "a"
    assert readings.words.listing(["a", "b"]) == "a and b"
    assert readings.words.listing(["a", "b", "c"]) == "a, b and c"


# --- Data ---------------------------------------------------------------------------


def test_unknown_rates_names_the_unknown_columns_only():
    rates = dict.fromkeys(schema.FEATURE_COLUMNS, 0.0) | {
        "tempo": 0.0992,
        "duration_ms": 0.1,
    }
    reading = readings.dataset.unknown_rates(rates)
    # Columns in the chart's order (schema order: duration before tempo).
    assert reading.sentence == (
        "Duration is unknown in 10.0% of rows and tempo in 9.9%; every other column "
        "is always known."
    )
    assert reading.table["column"].tolist() == list(rates)
    assert reading.table["unknown share"].tolist() == list(rates.values())
    assert reading.formats["unknown share"] == readings.words.PERCENT


def test_unknown_rates_when_everything_is_known():
    assert (
        readings.dataset.unknown_rates({"tempo": 0.0}).sentence
        == "Every column is always known."
    )


def test_class_balance_gives_the_range_and_the_genres_at_its_ends():
    loaded = dict.fromkeys(GENRES, 4500) | {"Anime": 4527, "Country": 4455}
    dropped = dict.fromkeys(GENRES, 3600) | {"Rock": 3700, "Country": 3593}
    reading = readings.dataset.class_balance(
        {"loaded": loaded, "drop": dropped, "impute": loaded}
    )
    assert reading.sentence == (
        "As loaded, 4,455 (Country) to 4,527 (Anime) tracks per genre; after dropping "
        "unknowns, 3,593 (Country) to 3,700 (Rock); imputing unknowns keeps every "
        "track."
    )
    assert reading.table.columns.tolist() == [
        "genre",
        "as loaded",
        "after dropping unknowns",
        "after imputing unknowns",
    ]
    assert reading.table["genre"].tolist() == GENRES
    assert reading.table["as loaded"].sum() == sum(loaded.values())


def test_class_balance_of_a_balanced_file():
    counts = dict.fromkeys(GENRES, 12)
    reading = readings.dataset.class_balance({"loaded": counts})
    assert reading.sentence == "As loaded, every genre has 12 tracks."


def test_feature_by_genre_uses_every_known_value():
    frame = pd.DataFrame(
        {
            schema.TARGET: ["Rap"] * 4
            + ["Classical"] * 3
            + ["Jazz"] * 2
            + ["Rock"]
            + [None],
            "danceability": [0.8, 0.9, 0.7, None, 0.2, 0.3, 0.4, 0.5, 0.5, 0.6, 0.9],
        }
    )
    reading = readings.dataset.feature_by_genre(frame, "danceability")
    assert reading.sentence == (
        "Median danceability is highest for Rap (0.8) and Rock (0.6), lowest for "
        "Classical (0.3) and Jazz (0.5)."
    )
    table = reading.table.set_index("genre")
    assert table.index.tolist() == ["Jazz", "Rap", "Rock", "Classical"]  # schema order
    assert table.loc["Rap", "tracks"] == 3  # the unknown value is not counted
    assert table.loc["Rap", "lower quartile"] == pytest.approx(0.75)


def test_feature_by_genre_says_units_once():
    frame = pd.DataFrame({schema.TARGET: ["Anime", "Jazz"], "tempo": [128.0, 105.0]})
    reading = readings.dataset.feature_by_genre(frame, "tempo")
    assert (
        reading.sentence == "Median tempo: Anime (128 beats per minute) and Jazz (105)."
    )
    empty = readings.dataset.feature_by_genre(frame.iloc[:0], "tempo")
    assert empty.sentence == "No track has a known tempo and a genre."


# --- Train --------------------------------------------------------------------------


def logs(members: int, epochs: int, validation: bool = True) -> list[dict]:
    return [
        {
            "member": member,
            "members": members,
            "epoch": epoch,
            "epochs": epochs,
            "loss": 1.5 - 0.1 * epoch,
            "accuracy": 0.4 + 0.02 * epoch + 0.01 * member,
            "val_loss": (1.6 - 0.05 * epoch) if validation else None,
            "val_accuracy": (0.45 + 0.03 * epoch - 0.02 * (epoch == epochs))
            if validation
            else None,
        }
        for member in range(members)
        for epoch in range(1, epochs + 1)
    ]


def test_training_curves_give_the_last_epoch_and_the_best_validation_epoch():
    reading = readings.training.training_curves(logs(1, 5))
    # The last epoch is the best on validation: no "best" to name.
    assert reading.sentence == (
        "After 5 epochs: training accuracy 50.0%, validation accuracy 58.0%; "
        "loss 1.000 on the training tracks and 1.350 on the validation tracks."
    )
    assert reading.table.columns.tolist() == [
        "epoch",
        "training loss",
        "training accuracy",
        "validation loss",
        "validation accuracy",
    ]
    assert len(reading.table) == 5


def test_training_curves_name_an_earlier_best_epoch():
    history = logs(1, 6)
    history[2]["val_accuracy"] = 0.9  # epoch 3
    reading = readings.training.training_curves(history)
    assert "(best 90.0%, at epoch 3)" in reading.sentence


def test_training_curves_of_an_ensemble_without_validation():
    reading = readings.training.training_curves(logs(2, 3, validation=False))
    # Training accuracy of the two networks averaged: 0.46 and 0.47.
    assert reading.sentence == (
        "After 3 epochs (2 networks averaged): training accuracy 46.5% and loss 1.200; "
        "there is no validation line (no validation share was set)."
    )
    assert reading.table.columns.tolist() == [
        "epoch",
        "network",
        "training loss",
        "training accuracy",
    ]
    assert reading.table["network"].tolist() == [1, 1, 1, 2, 2, 2]
    assert (
        readings.training.training_curves([]).sentence == "No epoch has finished yet."
    )


def sweep_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dropout": [0.5, 0.1, 0.3],
            "validation accuracy": [0.58, 0.55, 0.61],
            "validation top-2": [0.8, 0.79, 0.82],
            "validation macro F1": [0.57, 0.54, 0.6],
            "training seconds": [6.2, 5.1, 7.4],
            "epochs run": [10, 10, 10],
        }
    )


def test_sweep_scores_in_the_order_of_the_values():
    reading = readings.training.sweep_scores(sweep_table(), "dropout", numeric=True)
    assert reading.sentence == (
        "Validation accuracy by dropout: 0.1: 55.0%, 0.3: 61.0% and 0.5: 58.0%; each "
        "run trained in 5 to 7 s."
    )
    assert reading.table["dropout"].tolist() == [0.1, 0.3, 0.5]


def test_sweep_curves_and_search_runs():
    curves = {
        "dropout 0.1": [0.3, 0.5, 0.52, 0.55],
        "dropout 0.5": [0.4, 0.45, 0.5, 0.58],
    }
    reading = readings.training.sweep_curves(curves)
    # dropout 0.5 also led after the first epoch: no early leader to name.
    assert reading.sentence == (
        "At its last epoch, dropout 0.5 ends highest (58.0%) and dropout 0.1 lowest "
        "(55.0%)."
    )
    assert reading.table.columns.tolist() == ["epoch", "dropout 0.1", "dropout 0.5"]
    assert reading.table["epoch"].tolist() == [1, 2, 3, 4]
    search = readings.training.search_runs(
        sweep_table().assign(learning_rate=[0.01, 0.001, 0.003]),
        ["dropout", "learning_rate"],
    )
    assert search.sentence == (
        "Best of 3 runs: dropout 0.3, learning rate 0.003 (61.0%); worst: dropout 0.1, "
        "learning rate 0.001 (55.0%)."
    )


def test_sweep_curves_say_who_led_early():
    curves = {"a": [0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6], "b": [0.3] * 7 + [0.7]}
    reading = readings.training.sweep_curves(curves)
    assert reading.sentence == (
        "At its last epoch, b ends highest (70.0%) and a lowest (60.0%); "
        "after 2 epochs a led (60.0%)."
    )


# --- confusion matrices -------------------------------------------------------------


def matrix() -> np.ndarray:
    counts = np.diag([90, 80, 70, 40, 60, 50, 60, 75, 88, 45]).astype(float)
    counts[9, 5] = 45  # Hip-Hop called Rap
    counts[3, 7] = 30  # Alternative called Rock
    counts[5, 9] = 20
    return counts


def test_confusion_matrix_gives_accuracy_best_worst_and_the_biggest_mix_up():
    counts = matrix()
    reading = readings.evaluation.confusion_matrix(counts, "test tracks", schema.GENRES)
    total = int(counts.sum())
    right = np.trace(counts) / total
    assert reading.sentence == (
        f"Right for {right:.1%} of {total:,} test tracks (most often for Electronic, "
        "100%; least for Hip-Hop, 50%); the most common mix-up: Hip-Hop called Rap, "
        "50% of Hip-Hop tracks."
    )
    table = reading.table
    assert table.iloc[:, 0].tolist() == GENRES
    assert table.columns.tolist()[1:] == GENRES
    assert table.loc[9, "Rap"] == 45
    assert reading.formats["Rap"] == "%d"


def test_confusion_matrix_shares_as_drawn():
    reading = readings.evaluation.confusion_matrix(
        matrix(), "test tracks", schema.GENRES, normalised=True
    )
    assert reading.table.loc[9, "Rap"] == pytest.approx(0.5)
    assert reading.table[GENRES].sum(axis=1).to_numpy() == pytest.approx(np.ones(10))
    assert reading.formats["Rap"] == readings.words.PERCENT


def test_confusion_matrix_without_tracks_or_mix_ups():
    assert readings.evaluation.confusion_matrix(
        np.zeros((10, 10)), "rows", schema.GENRES
    ).sentence == ("There are no rows to count.")
    perfect = readings.evaluation.confusion_matrix(
        np.eye(10) * 3, "test tracks", schema.GENRES
    ).sentence
    assert (
        perfect
        == "Right for 100.0% of 30 test tracks; no genre was mixed up with another."
    )


# --- Predict ------------------------------------------------------------------------


def test_probabilities_say_the_top_two_then_the_rest():
    values = np.array([0.52, 0.01, 0.02, 0.03, 0.2, 0.04, 0.1, 0.05, 0.02, 0.01])
    reading = readings.explanation.probabilities(
        predict.TrackPrediction.of(values, schema.GENRES)
    )
    assert reading.sentence == (
        "Mostly Electronic (52%), with some Country (20%). Then Blues 10% and Rock 5%; "
        "the other 6 genres 13% together."
    )
    assert reading.table["genre"].tolist()[:3] == ["Electronic", "Country", "Blues"]
    assert reading.table["probability"].is_monotonic_decreasing


def genre_sweep(values, **columns) -> pd.DataFrame:
    frame = pd.DataFrame({"value": values})
    for genre in GENRES:
        frame[genre] = columns.get(genre, [0.05] * len(values))
    return frame


def test_genre_lines_name_the_riser_and_the_faller():
    sweep = genre_sweep(
        [40.0, 130.0, 220.0], Rap=[0.05, 0.2, 0.3], Classical=[0.4, 0.2, 0.1]
    )
    reading = readings.explanation.genre_lines(
        sweep, "tempo (beats per minute)", current=120.0
    )
    assert reading.sentence == (
        "As tempo goes from 40 to 220 beats per minute, Rap rises most, "
        "from 5% to 30%; Classical falls most, from 40% to 10%. The likeliest genre "
        "is Classical at the low end and Rap at the high end. This track's tempo: "
        "120 beats per minute."
    )
    assert reading.table.columns.tolist() == ["tempo (beats per minute)", *GENRES]


def test_genre_lines_flat_and_categorical():
    flat = readings.explanation.genre_lines(genre_sweep([0.0, 1.0]), "energy")
    assert flat.sentence == (
        "As energy goes from 0 to 1, no genre's probability moves by half a point. "
        "Electronic is the likeliest genre at both ends."
    )
    keys = genre_sweep(list(schema.KEYS), Jazz=[0.1] * 5 + [0.3] + [0.1] * 6)
    reading = readings.explanation.genre_lines(keys, "key", current="F")
    assert reading.sentence == (
        "Across the 12 values of key, Jazz changes most: from 10% (C) to 30% (F). "
        "This track's key: F."
    )
    modes = genre_sweep(["Major", "Minor"], Rap=[0.08, 0.12])
    assert readings.explanation.genre_lines(modes, "mode").sentence == (
        "From Major to Minor mode, Rap changes most: from 8% (Major) to 12% (Minor)."
    )


def test_contributions_from_the_typical_track_to_this_one():
    table = pd.DataFrame(
        {
            "feature": ["speechiness", "duration_ms", "key", "energy"],
            "value": [0.3, 300_000.0, "F#", 0.6],
            "baseline": [0.05, 220_000.0, "C", 0.6],
            "contribution": [0.312, -0.08, 0.05, 0.0],
        }
    )
    reading = readings.explanation.contributions(table, "Rap", baseline=0.12)
    assert reading.sentence == (
        "Rap: 12% for the typical track, 40% for this one; speechiness (0.3) adds "
        "31.2, duration (5.0 minutes) takes 8.0 and key (F#) adds 5.0 points."
    )
    assert reading.table["points added"].tolist() == pytest.approx(
        [31.2, -8.0, 5.0, 0.0]
    )
    assert reading.table["this track"].tolist() == ["0.3", "300,000", "F#", "0.6"]


# --- Evaluate -----------------------------------------------------------------------


def test_reliability_gives_the_mean_gap_and_the_largest_one():
    table = pd.DataFrame(
        {
            "low": [0.2, 0.5, 0.7],
            "high": [0.3, 0.6, 0.8],
            "confidence": [0.25, 0.55, 0.75],
            "accuracy": [0.25, 0.5, 0.6],
            "tracks": [100, 300, 600],
        }
    )
    reading = readings.evaluation.reliability(table)
    # (0 * 100 + 0.05 * 300 + 0.15 * 600) / 1000 = 0.105
    assert reading.sentence == (
        "Over 1,000 tracks in 3 groups, its percentages are off by 10.5 points on "
        "average; the largest gap: when it says about 75%, it is right 60% of the "
        "time (600 tracks)."
    )
    assert reading.table["the model says"].tolist() == ["20%-30%", "50%-60%", "70%-80%"]


def map_points() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    parts = []
    for genre, (x, y) in {
        "Rap": (0, 0),
        "Hip-Hop": (0.3, 0),
        "Classical": (10, 10),
    }.items():
        parts.append(
            pd.DataFrame(
                {
                    "x": x + rng.normal(0, 0.1, 20),
                    "y": y + rng.normal(0, 0.1, 20),
                    "true_genre": genre,
                    "predicted_genre": genre,
                }
            )
        )
    points = pd.concat(parts, ignore_index=True)
    points.loc[:9, "predicted_genre"] = "Hip-Hop"  # half the Rap tracks called Hip-Hop
    return points


def test_song_map_names_the_overlap_and_the_genre_apart():
    reading = readings.explanation.song_map(map_points())
    assert reading.sentence == (
        "60 tracks, 83.3% of them predicted right (the others drawn as x); Rap and "
        "Hip-Hop overlap most (their centres are closest) and Classical lies furthest "
        "from the other genres."
    )
    table = reading.table.set_index("genre")
    assert table.loc["Rap", "predicted right"] == pytest.approx(0.5)
    assert table.loc["Classical", "centre x"] == pytest.approx(10, abs=0.1)


def test_song_map_with_your_track():
    reading = readings.explanation.song_map(map_points(), star=(10.0, 10.0))
    assert reading.sentence.startswith(
        "Your track lies nearest to the centre of Classical; the 10 tracks closest to "
        "it on the map are 10 Classical. 60 tracks"
    )
    assert "distance to your track" in reading.table


def test_importance_names_the_features_that_matter_and_those_that_do_not():
    table = pd.DataFrame(
        {
            "feature": ["key", "popularity", "mode", "speechiness", "danceability"],
            "importance_mean": [0.001, 0.213, 0.002, 0.052, 0.031],
            "importance_std": [0.001, 0.01, 0.001, 0.004, 0.003],
        }
    )
    reading = readings.evaluation.importance(table)
    assert reading.sentence == (
        "Shuffling popularity costs the most accuracy, 21.3 points, then speechiness "
        "(5.2) and danceability (3.1); mode and key cost under half a point."
    )
    assert reading.table["feature"].tolist()[0] == "popularity"


def test_comparison_ranks_the_first_metric_and_names_the_best_of_the_others():
    table = pd.DataFrame(
        {
            "model": ["study network", "trees", "GenreLab network"],
            "accuracy": [0.53, 0.593, 0.607],
            "top2_accuracy": [0.775, 0.82, 0.831],
            "macro_f1": [0.526, 0.592, 0.606],
            "train_seconds": [5.0, 3.0, 20.0],
        }
    )
    metrics = {
        "accuracy": "accuracy",
        "top2_accuracy": "top-2 accuracy",
        "macro_f1": "macro F1",
    }
    reading = readings.evaluation.comparison(table, "model", metrics)
    assert reading.sentence == (
        "By accuracy: GenreLab network 60.7%, trees 59.3% and study network 53.0%; "
        "best top-2 accuracy: GenreLab network (83.1%); "
        "best macro F1: GenreLab network (60.6%)."
    )
    assert reading.table.columns.tolist() == [
        "model",
        "accuracy",
        "top-2 accuracy",
        "macro F1",
    ]


# --- every chart has a reading ------------------------------------------------------


@pytest.mark.parametrize("job", ["dataset", "training", "evaluation", "explanation"])
def test_every_chart_function_has_a_reading_of_the_same_name(job):
    import inspect

    chart_module, reading_module = getattr(charts, job), getattr(readings, job)
    drawn = {
        name
        for name, function in inspect.getmembers(chart_module, inspect.isfunction)
        if function.__module__ == chart_module.__name__ and not name.startswith("_")
    }
    assert drawn
    assert drawn <= set(dir(reading_module)), drawn - set(dir(reading_module))


def test_every_chart_module_is_one_of_the_jobs():
    import pkgutil

    jobs = {"dataset", "training", "evaluation", "explanation"}
    modules = {module.name for module in pkgutil.iter_modules(charts.__path__)}
    assert modules - {"style"} == jobs


def error_grid_of(rates: list[list[float]], tracks: int = 50) -> pd.DataFrame:
    """A core.segments.error_grid-shaped table: rows are y bins, columns x bins."""
    cells = []
    for y_order, row in enumerate(rates):
        for x_order, rate in enumerate(row):
            cells.append(
                {
                    "x_bin": f"x{x_order}",
                    "y_bin": f"y{y_order}",
                    "x_order": x_order,
                    "y_order": y_order,
                    "tracks": tracks if rate == rate else 3,
                    "errors": round(rate * tracks) if rate == rate else 1,
                    "error_rate": rate,
                }
            )
    return pd.DataFrame(cells)


def test_error_grid_names_the_worst_and_best_cells_and_the_grey_ones():
    grid = error_grid_of([[0.2, 0.6], [0.4, float("nan")]])
    reading = readings.evaluation.error_grid(grid, "energy", "duration_ms")

    assert reading.sentence.startswith("Wrong for ")
    assert "Most often where energy is x1 and duration y0 (60% of 50)" in (
        reading.sentence
    )
    assert "least often where energy is x0 and duration y0 (20% of 50)" in (
        reading.sentence
    )
    assert "1 of 4 cells hold too few tracks" in reading.sentence
    assert list(reading.table.columns) == [
        "energy",
        "duration",
        "tracks",
        "errors",
        "wrong",
    ]
    figure = charts.evaluation.error_grid(grid, "energy", "duration_ms")
    heatmap = figure.data[0]
    assert list(heatmap.x) == ["x0", "x1"] and list(heatmap.y) == ["y0", "y1"]
    assert np.isnan(heatmap.z[1][1]) and heatmap.text[1][1] == "too few (3)"
    assert heatmap.text[0][1] == "60% of 50"
