"""Links that reopen a Predict page track: its values in a web address's query.

A link holds either a track of the dataset, by its id (``track=51215``), with
the sliders moved away from it if any, or every slider's value; plus the
explained genre when a person picked it on purpose, and the model when it is
not the shipped one. Values are slider positions (display units: duration in
minutes), under short names:

    ?pop=45&acoustic=0.14&dance=0.57&minutes=3.8&energy=0.64&instrumental=0
    &live=0.13&loud=-7.3&speech=0.05&tempo=120&valence=0.45&key=C&mode=Major
    &genre=Jazz

:func:`encode` turns a :class:`TrackLink` into query parameters and
:func:`decode` back, checking every value: a link is typed by hand, cut
short or made with other data, and must never break the page. Nothing here
echoes a value it could not read, so messages are safe to show as Markdown.

No Streamlit here: the page reads and writes ``st.query_params``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from core import schema
from core.errors import GenreLabError
from core.inputs import SliderRange, SliderTrack
from core.tables import PROBLEM_COLUMN

# Short query names of the slider values, in schema order.
SHORT_NAMES: dict[str, str] = {
    "popularity": "pop",
    "acousticness": "acoustic",
    "danceability": "dance",
    "duration_ms": "minutes",
    "energy": "energy",
    "instrumentalness": "instrumental",
    "liveness": "live",
    "loudness": "loud",
    "speechiness": "speech",
    "tempo": "tempo",
    "valence": "valence",
    schema.KEY_COLUMN: "key",
    schema.MODE_COLUMN: "mode",
}
TRACK = "track"  # a dataset track's id (its instance_id)
GENRE = "genre"  # the explained genre, when picked on purpose
MODEL = "model"  # the model's key, when not the shipped one
# Every query name a link uses; others in an address are left alone.
NAMES: tuple[str, ...] = (TRACK, *SHORT_NAMES.values(), GENRE, MODEL)
ID_COLUMN = "instance_id"
# What a track id or a model key may look like (the dataset's ids are numbers).
_ID_PATTERN = re.compile(r"[0-9A-Za-z_-]{1,40}")


class LinkError(GenreLabError):
    """A link's track cannot be opened: the message says why, in one sentence."""


@dataclass(frozen=True)
class TrackLink:
    """What a Predict page link reopens."""

    # The dataset track's id, or None for a track described by its values.
    track: str | None = None
    # Slider position per numeric feature (display units), "key" and "mode":
    # every one without a track; those moved away from the track with one.
    values: dict[str, float | str] = field(default_factory=dict)
    # The explained genre when picked on purpose (None: the top genre).
    genre: str | None = None
    # The model's key when it is not the shipped one ("" when the link's
    # model key could not be read: a model this server cannot have).
    model: str | None = None


def track_id(instance_id: object) -> str | None:
    """A dataset row's id as a link writes it ("51215.0" -> "51215").

    Returns:
        None when the row has no usable id (blank, or odd characters).
    """
    if instance_id is None or (
        isinstance(instance_id, float) and math.isnan(instance_id)
    ):
        return None
    text = str(instance_id).strip().removesuffix(".0")
    return text if _ID_PATTERN.fullmatch(text) else None


def find_track(typed: pd.DataFrame, track: str) -> int | None:
    """The row index of the first usable row of ``typed`` with this track id.

    Returns:
        None when no usable row has it (or the data has no ids).
    """
    if ID_COLUMN not in typed.columns:
        return None
    usable = typed[typed[PROBLEM_COLUMN] == ""] if PROBLEM_COLUMN in typed else typed
    ids = usable[ID_COLUMN].astype(str).str.strip().str.removesuffix(".0")
    found = ids.index[ids == track]
    return int(found[0]) if len(found) else None


def _number_text(value: float) -> str:
    # repr reads back as the very same float; "120" rather than "120.0".
    return repr(float(value)).removesuffix(".0")


def encode(link: TrackLink) -> dict[str, str]:
    """The query parameters of a link (only those it needs, in ``NAMES`` order)."""
    params: dict[str, str] = {}
    if link.track is not None:
        params[TRACK] = link.track
    for name, short in SHORT_NAMES.items():
        if name in link.values:
            value = link.values[name]
            params[short] = (
                value if isinstance(value, str) else _number_text(float(value))
            )
    if link.genre is not None:
        params[GENRE] = link.genre
    if link.model is not None:
        params[MODEL] = link.model
    return params


def link_params(query: Mapping[str, str]) -> dict[str, str]:
    """The parameters of ``query`` a link uses (others belong to someone else)."""
    return {name: str(query[name]) for name in NAMES if name in query}


def _choice(text: str, choices: Sequence[str], what: str) -> str:
    by_lower = {choice.lower(): choice for choice in choices}
    picked = by_lower.get(text.strip().lower())
    if picked is None:
        raise LinkError(
            f"its {what} is not one of {', '.join(choices)}."
            if len(choices) <= 12
            else f"its {what} is not a known one."
        )
    return picked


def _position(text: str, slider: SliderRange) -> float:
    name = slider.label.split(" (")[0]
    try:
        value = float(text)
    except ValueError:
        raise LinkError(f"its {name} is not a number.") from None
    if not math.isfinite(value):
        raise LinkError(f"its {name} is not a number.")
    if not slider.low <= value <= slider.high:
        shown = slider.number_format % slider.low, slider.number_format % slider.high
        raise LinkError(
            f"its {name}, {value:g}, is outside the slider's range "
            f"({shown[0]} to {shown[1]})."
        )
    return slider.to_display(value * slider.factor)


def decode(query: Mapping[str, str], ranges: dict[str, SliderRange]) -> TrackLink:
    """Read a link's track from query parameters, checking every value.

    The genre and the model are read as they are (see :func:`decode_genre`);
    values may be partial: those missing keep the page's starting values.

    Args:
        query: the address's query parameters (others than a link's are ignored).
        ranges: the Predict page's sliders (:func:`core.inputs.slider_ranges`).

    Returns:
        The link; an empty :class:`TrackLink` when ``query`` holds none.

    Raises:
        LinkError: a value cannot be used; the message is the reason, to
            follow "The link's track could not be opened: ", e.g. "its
            energy is not a number."
    """
    params = link_params(query)
    track = params.get(TRACK)
    if track is not None and not _ID_PATTERN.fullmatch(track.strip()):
        raise LinkError("its track id is not one the data could hold.")
    values: dict[str, float | str] = {}
    for name, short in SHORT_NAMES.items():
        if short not in params:
            continue
        text = params[short]
        if name == schema.KEY_COLUMN:
            values[name] = _choice(text, schema.KEYS, "key")
        elif name == schema.MODE_COLUMN:
            values[name] = _choice(text, schema.MODES, "mode")
        else:
            values[name] = _position(text, ranges[name])
    model = params.get(MODEL)
    return TrackLink(
        track=track.strip() if track is not None else None,
        values=values,
        genre=params.get(GENRE),
        model=model if model is None or _ID_PATTERN.fullmatch(model) else "",
    )


def decode_genre(text: str | None, genres: Sequence[str]) -> str | None:
    """A link's explained genre, as the model spells it.

    Raises:
        LinkError: the model has no such genre.
    """
    if text is None:
        return None
    return _choice(text, genres, "genre")


def moved_values(
    values: Mapping[str, float | str], positions: Mapping[str, object]
) -> dict[str, float | str]:
    """The values that differ from a loaded track's ``positions`` (for its link)."""
    return {
        name: value
        for name, value in values.items()
        if name not in positions or positions[name] != value
    }


def track_link(
    shown: SliderTrack,
    track: str | None = None,
    genre: str | None = None,
    model: str | None = None,
) -> TrackLink:
    """The link of what the Predict page shows.

    Args:
        shown: the sliders, what they show and the track loaded, if any.
        track: the loaded track's id (:func:`track_id`); None when it has none.
        genre: the genre picked on purpose, if any.
        model: the model's key, when not the shipped one.

    Returns:
        A loaded track with an id by that id, with only the values moved away
        from it; otherwise every value (on its slider's step).
    """
    ranges, loaded = shown.ranges, shown.loaded
    values: dict[str, float | str] = {
        feature: ranges[feature].to_display(ranges[feature].to_raw(value))
        for feature, value in shown.display_values.items()
    }
    values |= {schema.KEY_COLUMN: shown.key, schema.MODE_COLUMN: shown.mode}
    if loaded is None or track is None:
        return TrackLink(values=values, genre=genre, model=model)
    where_loaded = {
        **loaded.positions,
        **{name: loaded.values[name] for name in schema.CATEGORICAL_FEATURES},
    }
    return TrackLink(
        track=track,
        values=moved_values(values, where_loaded),
        genre=genre,
        model=model,
    )
