"""The Predict page's panel: the sliders, the answer, and the views of the track.

The sliders and everything computed from them live in one fragment, so moving
a slider reruns only that part: a prediction takes well under a millisecond,
an explanation (8,192 predictions) about 50 ms.
"""

from __future__ import annotations

from html import escape
from typing import Any, cast

import pandas as pd
import streamlit as st

from core import conformal, inputs, novelty, predict, schema, songs, wording
from ui import cache, charts, navigation, predict_views, readings, sharing, show
from ui.predict_track import (
    KEY,
    LOADED,
    MODE,
    SAVED_VALUES,
    PredictContext,
    link_params,
    load_typical_track,
    reset_values,
    slider_key,
)

# The compact answer's container (CSS class st-key-predict_answer).
ANSWER_KEY = "predict_answer"
# The compact answer (see answer()): out of sight but read by screen readers on
# wide screens; on narrow ones, where Streamlit stacks the columns
# (navigation.NARROW_SCREEN), it sticks under the fixed page header (3.75rem)
# while the sliders scroll beneath it. Streamlit wraps a container in a layout
# wrapper of its own size: the wrapper is what moves, inside the fragment's
# (tall) block. Sent on one line, so that Markdown leaves it as it is.
ANSWER_BOX = f'[data-testid="stLayoutWrapper"]:has(> .st-key-{ANSWER_KEY})'
ANSWER_STYLE = f"""<style>
{ANSWER_BOX} {{
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip-path: inset(50%); white-space: nowrap; border: 0;
}}
@media (max-width: {navigation.NARROW_SCREEN}) {{
  {ANSWER_BOX} {{
    position: sticky; top: 3.75rem; z-index: 99; width: 100%; height: auto;
    margin: 0; overflow: visible; clip-path: none; white-space: normal;
  }}
  .st-key-{ANSWER_KEY} {{
    padding: 0.5rem 0.75rem; gap: 0.25rem; background: #ffffff;
    border: 1px solid rgba(17, 17, 17, 0.2); border-radius: 0.5rem;
    box-shadow: 0 2px 6px rgba(17, 17, 17, 0.15);
  }}
}}
</style>"""
ANSWER_STYLE = " ".join(ANSWER_STYLE.split())


def answer(prediction: predict.TrackPrediction | None, reason: str | None) -> None:
    """The compact answer: the reading and the top genre's bar, kept in view on phones.

    On a narrow screen the sliders stack above the chart, so this box sticks
    under the page header while people slide (CSS in ANSWER_STYLE); on a wide
    one it is hidden from sight, the chart beside the sliders says the same,
    but stays a polite live region, so screen readers hear each new answer.
    """
    with st.container(key=ANSWER_KEY):
        if prediction is None:
            sentence = (
                f"No prediction for this track: {reason}."
                if reason
                else "No prediction for this track."
            )
            st.markdown(
                ANSWER_STYLE + f'<p role="status" aria-live="polite">'
                f"{escape(sentence)}</p>",
                unsafe_allow_html=True,
            )
            return
        (top, first), (second, runner_up) = prediction.ranked[:2]
        sentence = wording.top_two_sentence(prediction)
        # Raw HTML in markdown becomes React elements: the paragraph stays the
        # same DOM node from one slider move to the next, as a live region must.
        # The style comes with it: a style-only st.html may arrive a second
        # after the page, which would show this box on a wide screen meanwhile.
        st.markdown(
            ANSWER_STYLE + '<p role="status" aria-live="polite">'
            f"<strong>{escape(sentence)}</strong></p>",
            unsafe_allow_html=True,
        )
        st.progress(first, text=f"{top} {first:.0%} · {second} {runner_up:.0%}")


def prediction_set_section(
    bundle: Any, result: pd.DataFrame, track_novelty: float
) -> None:
    """ "90% sure it is one of: Rap, Hip-Hop" (core.conformal), or why there is none.

    The promise holds for tracks like the training data only: said every
    time, and loudly when this track's novelty is high.
    """
    if bundle.conformal is None:
        st.caption(conformal.NO_SETS)
        return
    coverage = st.radio(
        "How sure",
        conformal.COVERAGE_CHOICES,
        index=conformal.COVERAGE_CHOICES.index(conformal.DEFAULT_COVERAGE),
        format_func=lambda value: f"{value:.0%}",
        horizontal=True,
        key="predict_coverage",
        help="A surer answer names more genres.",
    )
    with_set = predict.with_prediction_sets(bundle, result, coverage)
    names = with_set[predict.PREDICTION_SET].iloc[0].split(conformal.SEPARATOR)
    st.markdown(f"**{conformal.set_sentence(coverage, names)}**")
    st.caption(conformal.explanation(coverage))
    warning = conformal.novelty_warning(coverage, track_novelty, novelty.UNUSUAL)
    if warning:
        st.warning(warning)


def song_facts(
    page: PredictContext,
    track: inputs.LoadedTrack,
    prediction: predict.TrackPrediction,
) -> None:
    """What is known of a loaded track.

    Its genres, its split, whether the model was right.
    """
    assert page.typed is not None  # a loaded track is a row of the data
    row = cast(pd.Series, page.typed.loc[track.index])
    facts = page.predictions_table()
    known = track.index in facts.index
    listed = (
        str(facts.loc[track.index, songs.LISTED])
        if known
        else str(row.get(schema.TARGET) or "no genre")
    )
    split = facts.loc[track.index, songs.SPLIT] if known else ""
    if split == songs.TEST:
        seen = "A **test** track: the model never saw it while learning."
    elif split == songs.TRAINING:
        seen = "A **training** track: the model learned from it."
    elif split == songs.TRACKS:
        seen = (
            "Whether the model trained on it is unknown: the loaded data is not "
            "the data this model was trained on."
        )
    else:
        seen = "The model cannot predict this row as it is in the data."
    lines = [
        f"**{songs.song_label(row.get('artist_name'), row.get('track_name'))}** · "
        f"listed under {listed}.",
        seen,
    ]
    # The genre the listed label counts as for this model (its merges).
    genre = page.model.bundle.genres.name_of(row.get(schema.TARGET) or "")
    if genre is not None:
        order = prediction.genres_by_probability
        if order[0] == genre:
            lines.append(f"The model's top guess, {genre}, is right.")
        elif genre in order[:2]:
            lines.append(
                f"Its top guess is {order[0]}; the listed genre, {genre}, is its "
                "second guess (right in the top 2)."
            )
        else:
            lines.append(
                f"Its top guess is {order[0]}; the listed genre, {genre}, is not in "
                "its top 2."
            )
    st.info("  \n".join(lines + list(track.notes)))


def typical_tracks(page: PredictContext) -> None:
    """Start from a genre's typical track, or go back to the medians."""
    if page.medians is None or page.medians.empty:
        return
    genre_column, button_column, reset_column = st.columns(
        [2, 1, 1], vertical_alignment="bottom"
    )
    genre_column.selectbox(
        "Start from a typical track of", list(page.medians.index), key="predict_genre"
    )
    button_column.button(
        "Load this track",
        key="predict_use_typical",
        on_click=load_typical_track,
        args=(page,),
    )
    reset_column.button(
        "Back to medians", key="predict_reset", on_click=reset_values, args=(page,)
    )


def sliders(page: PredictContext) -> None:
    """The key, the mode and one slider per numeric feature."""
    key_column, mode_column = st.columns(2)
    key_column.selectbox("Key", schema.KEYS, key=KEY)
    mode_column.selectbox("Mode", schema.MODES, key=MODE)
    for feature in schema.NUMERIC_FEATURES:
        rng = page.ranges[feature]
        st.slider(
            rng.label,
            min_value=rng.low,
            max_value=rng.high,
            step=rng.step,
            format=rng.number_format,
            key=slider_key(feature),
            help=inputs.FEATURE_HELP.get(feature),
        )


@st.fragment
def prediction_panel(page: PredictContext) -> None:
    """Sliders, the probabilities, and the explanation of the track.

    Rerun on their own.
    """
    typical_tracks(page)
    genres = page.genres
    # The sliders' values are in the session state before the sliders are drawn:
    # predict first, so that the answer can sit above them.
    display_values = {
        feature: st.session_state[slider_key(feature)]
        for feature in schema.NUMERIC_FEATURES
    }
    key, mode = st.session_state[KEY], st.session_state[MODE]
    st.session_state[SAVED_VALUES] = {
        **{slider_key(feature): value for feature, value in display_values.items()},
        KEY: key,
        MODE: mode,
    }
    loaded = st.session_state.get(LOADED)
    if loaded is not None and (
        page.typed is None or loaded.index not in page.typed.index
    ):
        loaded = None
    shown = inputs.SliderTrack(page.ranges, display_values, key, mode, loaded)
    values: dict[str, Any] = inputs.feature_values(shown)
    shared = link_params(page, shown)
    sharing.keep_address(shared)
    row, result = cache.predicted_track(
        page.model.choice.key, values, page.model.bundle
    )
    error = reason = None
    prediction: predict.TrackPrediction | None = None
    if isinstance(result, str):
        error = result
    else:
        reason = result[predict.REASON].iloc[0] or None
        if not reason:
            # The answer's order, worked out once for every part that shows it.
            prediction = predict.TrackPrediction.of(
                result[predict.probability_columns(genres)].to_numpy()[0], genres
            )
    answer(prediction, error or reason)

    slider_column, results = st.columns([1, 1], gap="large")
    with slider_column:
        sliders(page)
    if error:
        results.error(error)
        return
    assert not isinstance(result, str)
    with results:
        if reason or prediction is None:
            st.warning(f"No prediction for this track: {reason}.")
            return
        _answer_in_full(page, result, prediction, shown, shared)
    predict_views.explore(page, values, row, result, prediction, loaded)


def _answer_in_full(
    page: PredictContext,
    result: pd.DataFrame,
    prediction: predict.TrackPrediction,
    shown: inputs.SliderTrack,
    shared: dict[str, str],
) -> None:
    """The answer beside the sliders: the top two, how far to trust it, the bars."""
    st.subheader(wording.top_two_sentence(prediction))
    track_novelty = float(result[predict.NOVELTY].iloc[0])
    # How far to trust it (issue 25): said beside the answer, loudly when
    # the track is unlike the tracks the model learned from.
    (st.warning if track_novelty >= novelty.UNUSUAL else st.caption)(
        novelty.novelty_sentence(track_novelty)
    )
    prediction_set_section(page.model.bundle, result, track_novelty)
    if shown.loaded is not None and shown.shows_loaded():
        song_facts(page, shown.loaded, prediction)
    elif shown.loaded is not None:
        st.caption(
            "The sliders have moved away from the loaded track: this is your "
            "own variation of it."
        )
    show.chart(
        charts.explanation.probabilities(prediction),
        readings.explanation.probabilities(prediction),
        "predict_probabilities",
        say=False,
    )  # the heading above says it
    sharing.copy_link(shared)
