"""core.export: the Batch predict table and its CSV download."""

from __future__ import annotations

import io

import pandas as pd

from core import export, predict, schema
from core.genres import REFERENCE
from tests import oracles


def test_prediction_csv_bytes_round_trip():
    raw = pd.DataFrame({"track_name": ["a", "b"], "tempo": ["120", "?"]})
    predictions = pd.DataFrame(
        {
            predict.PREDICTED: ["Rock", ""],
            predict.SECOND: ["Blues", ""],
            predict.REASON: ["", "unknown tempo"],
            **{
                column: [0.1, float("nan")]
                for column in predict.probability_columns(schema.GENRES)
            },
        }
    )
    table = export.predictions_table(raw, predictions)
    content = oracles.predictions_csv_bytes(table, schema.GENRES)
    read_back = pd.read_csv(io.BytesIO(content))

    assert list(read_back.columns[:2]) == ["track_name", "tempo"]
    assert read_back[predict.PREDICTED].iloc[0] == "Rock"
    assert read_back[predict.REASON].iloc[1] == "unknown tempo"
    assert read_back["p_Rock"].iloc[0] == 0.1
    assert pd.isna(read_back["p_Rock"].iloc[1])
    assert export.unpredictable_rows(raw, predictions)["row"].tolist() == [2]


def test_has_labels_needs_a_known_genre():
    from core import data
    from tests.conftest import csv_bytes, row

    assert export.has_labels(data.load_csv(csv_bytes([row()])), REFERENCE)
    unlabelled = data.load_csv(csv_bytes([row(music_genre="Polka")]))
    assert not export.has_labels(unlabelled, REFERENCE)
