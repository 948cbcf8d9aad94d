"""Links to a Predict page track: query parameters there and back (core.links)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core import inputs, links, schema
from core.tables import PROBLEM_COLUMN


@pytest.fixture(scope="module")
def ranges() -> dict[str, inputs.SliderRange]:
    return inputs.slider_ranges()


def random_values(ranges, seed: int) -> dict[str, float | str]:
    """Slider positions as the page holds them: on a step, inside the range."""
    generator = np.random.default_rng(seed)
    values: dict[str, float | str] = {
        feature: ranges[feature].to_display(
            generator.uniform(ranges[feature].low, ranges[feature].high)
            * ranges[feature].factor
        )
        for feature in schema.NUMERIC_FEATURES
    }
    values[schema.KEY_COLUMN] = str(generator.choice(schema.KEYS))
    values[schema.MODE_COLUMN] = str(generator.choice(schema.MODES))
    return values


@pytest.mark.parametrize("seed", range(20))
def test_slider_values_round_trip(ranges, seed):
    link = links.TrackLink(values=random_values(ranges, seed))
    params = links.encode(link)
    assert set(params) == set(links.SHORT_NAMES.values())
    assert all(isinstance(text, str) for text in params.values())
    assert links.decode(params, ranges) == link


def test_the_ends_of_every_slider_round_trip(ranges):
    for end in ("low", "high"):
        values = {
            feature: getattr(ranges[feature], end)
            for feature in schema.NUMERIC_FEATURES
        }
        link = links.TrackLink(values={**values, "key": "C#", "mode": "Minor"})
        assert links.decode(links.encode(link), ranges) == link


def test_a_track_with_moved_sliders_a_genre_and_a_model_round_trip(ranges):
    link = links.TrackLink(
        track="51215", values={"energy": 0.9}, genre="Jazz", model="run-0123abcd"
    )
    params = links.encode(link)
    assert params == {
        "track": "51215",
        "energy": "0.9",
        "genre": "Jazz",
        "model": "run-0123abcd",
    }
    assert links.decode(params, ranges) == link


def test_numbers_are_short_in_the_address(ranges):
    params = links.encode(
        links.TrackLink(values={"tempo": 120.0, "duration_ms": 3.8, "loudness": -7.3})
    )
    assert params == {"minutes": "3.8", "loud": "-7.3", "tempo": "120"}


def test_no_link_is_an_empty_link_and_other_parameters_are_ignored(ranges):
    assert links.decode({}, ranges) == links.TrackLink()
    assert links.decode({"utm_source": "mail"}, ranges) == links.TrackLink()


def test_hand_typed_values_are_read_kindly(ranges):
    link = links.decode({"key": "c#", "mode": "minor", "tempo": "120.4"}, ranges)
    # Spelled as the app spells them; a value between steps goes to the nearest.
    assert link.values == {"tempo": 120.0, "key": "C#", "mode": "Minor"}


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"energy": "loud"}, "its energy is not a number."),
        ({"energy": "nan"}, "its energy is not a number."),
        ({"energy": "inf"}, "its energy is not a number."),
        ({"energy": ""}, "its energy is not a number."),
        ({"energy": "1.5"}, "its energy, 1.5, is outside the slider's range"),
        ({"tempo": "-3"}, "its tempo, -3, is outside the slider's range"),
        ({"minutes": "99"}, "its duration, 99, is outside the slider's range"),
        ({"key": "H"}, "its key is not one of C, C#"),
        ({"mode": "Dorian"}, "its mode is not one of Major, Minor."),
        ({"track": "<b>1</b>"}, "its track id is not one the data could hold."),
        ({"track": "1" * 41}, "its track id is not one the data could hold."),
    ],
)
def test_invalid_parameters_are_rejected_with_a_reason(ranges, params, reason):
    with pytest.raises(links.LinkError) as raised:
        links.decode(params, ranges)
    assert str(raised.value).startswith(reason)
    # Nothing unreadable is echoed back (the page shows the message as Markdown).
    assert "<b>" not in str(raised.value) and "loud" not in str(raised.value)


def test_an_unreadable_model_is_a_model_this_server_cannot_have(ranges):
    assert links.decode({"model": "../../etc"}, ranges).model == ""
    assert links.decode({"model": "run-1"}, ranges).model == "run-1"


def test_the_genre_is_checked_against_the_models_genres():
    assert links.decode_genre(None, schema.GENRES) is None
    assert links.decode_genre("hip-hop", schema.GENRES) == "Hip-Hop"
    with pytest.raises(links.LinkError, match="its genre is not one of"):
        links.decode_genre("Polka", schema.GENRES)


@pytest.mark.parametrize(
    ("instance_id", "expected"),
    [
        ("51215.0", "51215"),
        (" 32894.0 ", "32894"),
        (51215.0, "51215"),
        ("abc-1", "abc-1"),
        ("", None),
        (None, None),
        (float("nan"), None),
        ("a b", None),
    ],
)
def test_track_ids_as_a_link_writes_them(instance_id, expected):
    assert links.track_id(instance_id) == expected


def test_find_a_track_by_its_id_skipping_unusable_rows():
    typed = pd.DataFrame(
        {
            "instance_id": ["10.0", "", "11.0", "11.0"],
            PROBLEM_COLUMN: ["", "blank row", "", ""],
        },
        index=[5, 6, 7, 8],
    )
    assert links.find_track(typed, "11") == 7
    assert links.find_track(typed, "10") == 5
    assert links.find_track(typed, "12") is None
    assert links.find_track(typed.drop(columns="instance_id"), "10") is None


def test_moved_values_are_those_away_from_the_track():
    positions = {"energy": 0.5, "tempo": 120.0, "key": "C"}
    values = {"energy": 0.5, "tempo": 130.0, "key": "D"}
    assert links.moved_values(values, positions) == {"tempo": 130.0, "key": "D"}


def loaded_track(ranges) -> inputs.LoadedTrack:
    row = pd.Series(
        {
            **dict.fromkeys(schema.NUMERIC_FEATURES, 0.5),
            "popularity": 40.0,
            "duration_ms": 200_000.0,
            "loudness": -8.0,
            "tempo": 110.0,
            "instrumentalness": 0.00468,
            "key": "D",
            "mode": "Minor",
        }
    )
    return inputs.load_track(ranges, row, 7, {})


def test_the_link_of_a_loaded_track_names_it_and_only_what_moved(ranges):
    track = loaded_track(ranges)
    shown = dict(track.positions)
    link = links.track_link(
        inputs.SliderTrack(ranges, shown, "D", "Minor", track), "4007"
    )
    # The exact instrumentalness (0.00468, shown as 0.005) comes with the track.
    assert link == links.TrackLink(track="4007")
    shown["energy"] = 0.9
    link = links.track_link(
        inputs.SliderTrack(ranges, shown, "E", "Minor", track), "4007", genre="Jazz"
    )
    assert link == links.TrackLink(
        track="4007", values={"energy": 0.9, "key": "E"}, genre="Jazz"
    )


def test_the_link_of_sliders_alone_has_every_value_on_its_step(ranges):
    track = loaded_track(ranges)
    shown = {**track.positions, "speechiness": 0.30000000000000004}
    # A loaded track without an id: every value instead.
    link = links.track_link(
        inputs.SliderTrack(ranges, shown, "D", "Minor", track), None, model="run-1"
    )
    assert link.track is None and link.model == "run-1"
    assert set(link.values) == set(schema.FEATURE_COLUMNS)
    assert link.values["speechiness"] == 0.3
    assert links.encode(link)["speech"] == "0.3"
