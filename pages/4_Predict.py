"""Predict page: describe a track (or load a real one) and see the genre.

And why, and what sounds alike. The sliders and everything computed from them
live in one fragment, so moving a slider reruns only that part: a prediction
takes well under a millisecond, an explanation (8,192 predictions) about 50 ms.
"""

from __future__ import annotations

from ui import preload

# Before the imports below: on a fresh server they take the first visitor's
# run most of a second, which the browser spends loading the chart code.
preload.chart_code()

import dataclasses  # noqa: E402
from html import escape  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core import (  # noqa: E402
    conformal,
    counterfactual,
    explain,
    inputs,
    links,
    novelty,
    predict,
    schema,
    shapley,
    songs,
)
from core.errors import GenreLabError  # noqa: E402
from ui import (  # noqa: E402
    cache,
    charts,
    navigation,
    readings,
    sharing,
    show,
    song_list,
    state,
)

# A link opened in this run (the address's parameters, see ui.sharing): its
# model becomes the one in use before the page frame draws the model picker.
opened = sharing.new_link()
model_note = sharing.use_link_model(opened) if opened is not None else None
navigation.page_frame(
    "Predict",
    "Describe a track with the sliders, start from a typical track of a genre, "
    "or find a real song of the data, and watch the model's probability for each "
    "genre change. The bars add up to 100%: one long bar means the model is sure; "
    "several similar bars mean the sound fits more than one genre. Below, see "
    "why it chose that genre and which real songs sound alike.",
)

SAVED_VALUES = "predict_saved_values"  # slider values, kept across pages
LOADED = "predict_loaded_track"  # inputs.LoadedTrack of the song on the sliders
PENDING = song_list.PENDING_TRACK  # a row index another page asked to load
VIEW = "predict_view"
EXPLAINED = "predict_explain_genre"  # the explained-genre selector
# The genre a person picked in that selector on purpose (None: follow the top
# genre), and the top genre when the selector was last drawn. Plain keys: the
# selector's own state is dropped while another view is shown.
PICKED = "predict_explain_picked"
TOP_SHOWN = "predict_explain_top"
ANSWER_KEY = (
    "predict_answer"  # the compact answer's container (CSS class st-key-predict_answer)
)
VIEWS = {
    "why": "Why this genre?",
    "alike": "Songs that sound alike",
    "what_if": "What if?",
    "another": "Another genre?",
    "map": "Map of songs",
}

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
model, model_error = state.active_model()
if model is None:
    navigation.no_model_notice(model_error)
    st.stop()
# The model's genres, in the order of its outputs.
GENRES = model.bundle.genres.names

typed, source, _ = state.load_data()
if typed is not None and source is not None:
    summary = cache.feature_summary(source.key, typed)
    medians = cache.genre_medians(source.key, typed)
    st.caption(
        f"Model: **{model.choice.name}** · slider ranges and starting values "
        f"from {source.label}."
    )
else:
    summary = medians = None
    st.caption(
        f"Model: **{model.choice.name}** · no dataset loaded, so the sliders use "
        "typical values; load the data on the Home page to find real songs and "
        "typical tracks per genre."
    )
ranges = inputs.slider_ranges(summary)


def slider_key(feature: str) -> str:
    return f"predict_{feature}"


def start_values() -> dict[str, object]:
    values: dict[str, object] = {
        slider_key(feature): ranges[feature].default
        for feature in schema.NUMERIC_FEATURES
    }
    values["predict_key"] = (
        str(medians[schema.KEY_COLUMN].mode().iloc[0])
        if medians is not None
        else schema.TYPICAL_TRACK[schema.KEY_COLUMN]
    )
    values["predict_mode"] = schema.TYPICAL_TRACK[schema.MODE_COLUMN]
    return values


def load_typical_track() -> None:
    """Callback: move every slider to the chosen genre's typical track."""
    track = inputs.typical_track(ranges, medians, st.session_state["predict_genre"])
    for feature in schema.NUMERIC_FEATURES:
        st.session_state[slider_key(feature)] = track[feature]
    st.session_state["predict_key"] = track[schema.KEY_COLUMN]
    st.session_state["predict_mode"] = track[schema.MODE_COLUMN]
    st.session_state[LOADED] = None


def reset_values() -> None:
    """Callback: back to the dataset's medians."""
    st.session_state.update(start_values())
    st.session_state[LOADED] = None


def load_song(index: int) -> None:
    """Move every slider, the key and the mode to a real track of the data."""
    track = inputs.load_track(
        ranges, typed.loc[index], index, model.bundle.preprocessor.fill_values
    )
    for feature in schema.NUMERIC_FEATURES:
        st.session_state[slider_key(feature)] = track.positions[feature]
    st.session_state["predict_key"] = track.values[schema.KEY_COLUMN]
    st.session_state["predict_mode"] = track.values[schema.MODE_COLUMN]
    st.session_state[LOADED] = track


def load_match() -> None:
    """Callback of the song picker."""
    picked = st.session_state.get("predict_match")
    if picked is not None:
        load_song(picked)


def table_of_predictions() -> pd.DataFrame:
    return cache.predictions_table(model.choice.key, source.key, model.bundle, typed)


def surprise(right: bool) -> None:
    """Callback: load a random test track the model got right (or wrong)."""
    index = songs.surprise(table_of_predictions(), right, np.random.default_rng())
    if index is None:
        st.session_state["predict_surprise_none"] = "right" if right else "wrong"
        return
    st.session_state["predict_surprise_none"] = None
    load_song(index)


st.session_state.setdefault(LOADED, None)
# Widget state is dropped when people switch pages: refill it from the last
# values, kept inside each slider's range (the data, hence the ranges, may change).
saved = st.session_state.get(SAVED_VALUES) or start_values()
for feature in schema.NUMERIC_FEATURES:
    key = slider_key(feature)
    value = st.session_state.get(key, saved.get(key, ranges[feature].default))
    st.session_state[key] = ranges[feature].to_display(ranges[feature].to_raw(value))
st.session_state.setdefault("predict_key", saved["predict_key"])
st.session_state.setdefault("predict_mode", saved["predict_mode"])
pending = st.session_state.pop(PENDING, None)
if pending is not None and typed is not None and pending in typed.index:
    load_song(pending)


def open_link(opening: sharing.Opening) -> None:
    """Show the track a link names, or the typical track, and say what went wrong."""
    if opening.row is not None:
        load_song(opening.row)
    else:
        reset_values()
    if opening.link is not None:
        for name, value in opening.link.values.items():
            st.session_state[slider_key(name)] = value  # "predict_key" for the key
    st.session_state[PICKED] = opening.genre
    for note in ([model_note] if model_note else []) + list(opening.notes):
        st.info(note)


if opened is not None:
    open_link(sharing.read_link(opened, ranges, typed, GENRES))

# Drawn here, filled after the prediction panel: listing the songs takes a
# fresh server 0.2 s, which the first chart need not wait for.
song_finder = st.container()


def find_a_song() -> None:
    """Look up a real track of the data by artist or title, or by chance."""
    st.subheader("Find a song")
    if typed is None or source is None:
        st.info(
            "Finding real songs needs the dataset: load it on the **Home** page. The "
            "sliders, the explanation and the what-if work without it."
        )
    else:
        index = cache.song_index(source.key, typed)
        search_column, pick_column = st.columns([1, 2], vertical_alignment="bottom")
        query = search_column.text_input(
            "Artist or title",
            key="predict_search",
            placeholder="e.g. daft punk",
            help="Type part of an artist's name or of a title; then pick the track.",
        )
        matches = songs.search(index, query) if query.strip() else index.iloc[:0]
        labels = dict(
            zip(
                matches.index,
                (matches[songs.SONG] + " (" + matches[songs.LISTED] + ")"),
                strict=True,
            )
        )
        pick_column.selectbox(
            f"Matching tracks ({len(matches)} shown)"
            if query.strip()
            else "Matching tracks",
            list(labels),
            index=None,
            format_func=labels.__getitem__,
            key="predict_match",
            on_change=load_match,
            placeholder="Type in the box on the left first"
            if not query.strip()
            else ("No track matches" if matches.empty else "Pick a track to load it"),
            disabled=matches.empty,
        )
        right_column, wrong_column, _ = st.columns([1, 1, 2])
        right_column.button(
            "Surprise me: one it got right",
            key="predict_surprise_right",
            on_click=surprise,
            args=(True,),
            icon=":material/casino:",
            help="A random test track (never seen in training) the model named right.",
        )
        wrong_column.button(
            "Surprise me: one it got wrong",
            key="predict_surprise_wrong",
            on_click=surprise,
            args=(False,),
            icon=":material/casino:",
            help="A random test track the model named wrong.",
        )
        missing = st.session_state.get("predict_surprise_none")
        if missing:
            st.info(f"There is no track the model got {missing} to pick from.")


def song_facts(track: inputs.LoadedTrack, probabilities) -> None:
    """What is known of a loaded track.

    Its genres, its split, whether the model was right.
    """
    row = typed.loc[track.index]
    facts = table_of_predictions()
    known = track.index in facts.index
    listed = (
        facts.loc[track.index, songs.LISTED]
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
    genre = model.bundle.genres.name_of(row.get(schema.TARGET) or "")
    if genre is not None:
        order = list(
            pd.Series(probabilities, index=GENRES).sort_values(ascending=False).index
        )
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


def pick_genre() -> None:
    """Callback of the explained-genre selector: keep a genre picked on purpose.

    Picking the top genre itself means "follow the top genre" again.
    """
    picked = st.session_state[EXPLAINED]
    st.session_state[PICKED] = (
        None if picked == st.session_state.get(TOP_SHOWN) else picked
    )


def why_section(values: dict[str, object], probabilities) -> None:
    """Shapley values of the track: what each feature adds to a genre's probability.

    The explained genre follows the top genre (a new track, a preset, a slider
    that changes the answer), unless the person picked one on purpose.
    """
    by_probability = [GENRES[i] for i in (-probabilities).argsort()]
    top = by_probability[0]
    picked = st.session_state.get(PICKED)
    st.session_state[TOP_SHOWN] = top
    st.session_state[EXPLAINED] = picked if picked in by_probability else top
    genre = st.selectbox(
        "Explain the genre",
        by_probability,
        key=EXPLAINED,
        on_change=pick_genre,
        help="It follows the top genre (listed first) as the track changes; pick "
        "another to ask 'why not this one?', and it stays until you pick the top "
        "genre again.",
    )
    if genre != top:
        st.markdown(
            f"Explaining **{genre}**, the genre you picked; the top genre is "
            f"**{top}** (pick it above to follow the top genre again)."
        )
    try:
        result = cache.shapley_values(model.choice.key, values, model.bundle)
    except GenreLabError as error:
        st.warning(str(error))
        return
    column = model.bundle.genres.index(genre)
    table = result.for_genre(genre)
    baseline = float(result.baseline_probabilities[column])
    st.markdown(shapley.reading(result, genre))
    show.chart(
        charts.explanation.contributions(table, genre, baseline),
        readings.explanation.contributions(table, genre, baseline),
        "predict_contributions",
    )
    st.caption(
        "The typical track has each feature at the training tracks' median (key "
        f"{result.baseline[schema.KEY_COLUMN]} {result.baseline[schema.MODE_COLUMN]}). "
        "Each bar is what one feature adds (green) or takes away (red), averaged "
        "over every order in which the features could change (Shapley values); the "
        "bars add up exactly."
    )


def alike_section(row: pd.DataFrame, predicted: str, loaded) -> None:
    """The nearest real tracks, and the nearest one of another predicted genre."""
    if typed is None or source is None:
        st.info(
            "Songs that sound alike need the dataset: load it on the **Home** page."
        )
        return
    index = cache.sound_index(model.choice.key, source.key, model.bundle, typed)
    try:
        near = songs.nearest_tracks(model.bundle, index, row)
        other = songs.closest_of_another_genre(model.bundle, index, row, predicted)
    except GenreLabError as error:
        st.warning(str(error))
        return
    shown = near[
        ["rank", songs.SONG, songs.LISTED, predict.PREDICTED, "distance"]
    ].copy()
    if loaded is not None and len(shown) and shown.index[0] == loaded.index:
        shown.iloc[0, shown.columns.get_loc(songs.SONG)] = "this track"
    st.markdown(
        "The 10 real tracks of the data nearest to this one, as the model hears them "
        "(distance in its own scaled inputs; 0 is the same track)."
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "rank": st.column_config.NumberColumn("#", width="small"),
            songs.SONG: "track",
            songs.LISTED: "listed under",
            predict.PREDICTED: "model says",
            "distance": st.column_config.NumberColumn(format="%.2f"),
        },
    )
    if other is not None:
        other_row = typed.loc[[other.name]]
        _, words = songs.differences(model.bundle, row, other_row)
        st.markdown(
            f"**Closest track the model puts in another genre:** {other[songs.SONG]} "
            f"({other[predict.PREDICTED]}, distance {other['distance']:.2f}): {words}."
        )


def map_section(row: pd.DataFrame) -> None:
    """The current track as a star on the map of the test tracks."""
    if typed is None or source is None:
        st.info("The map of songs needs the dataset: load it on the **Home** page.")
        return
    split = songs.splits_of(table_of_predictions())[0]
    try:
        song_map = cache.song_map(
            model.choice.key, source.key, split, model.bundle, typed
        )
        star = explain.place_on_map(model.bundle, song_map, row)
    except GenreLabError as error:
        st.warning(str(error))
        return
    show.chart(
        charts.explanation.song_map(song_map.points, star),
        readings.explanation.song_map(song_map.points, star),
        "predict_map",
    )
    st.caption(
        f"Each dot is a {split} track, placed by how the network's last layer "
        "sees it (tracks close together sound alike to the model; x marks a "
        "wrong prediction). The star is your track and moves with the sliders."
    )


def what_if_section(row: pd.DataFrame, values: dict[str, object]) -> None:
    """How each genre's probability moves when one feature sweeps its range."""
    feature = st.selectbox(
        "What if this feature changed (the others stay as they are)?",
        schema.FEATURE_COLUMNS,
        index=schema.FEATURE_COLUMNS.index("energy"),
        key="predict_what_if_feature",
    )
    try:
        sweep = explain.what_if(model.bundle, row, feature)
    except GenreLabError as what_if_error:
        st.error(str(what_if_error))
        return
    if feature in ranges:
        rng = ranges[feature]
        sweep = sweep.assign(value=sweep["value"] / rng.factor)
        raw = values[feature]
        current = rng.to_display(float(raw)) if raw == raw else None
        label = rng.label
    else:  # key or mode: one point per category
        current, label = values[feature], feature
    show.chart(
        charts.explanation.genre_lines(
            sweep, f"What if only {feature} changed?", label, current
        ),
        readings.explanation.genre_lines(sweep, label, current),
        "predict_what_if",
    )
    st.caption("The dotted line marks the track's current value.")


CHANGE_GENRE = "predict_change_genre"


def lock_key(feature: str) -> str:
    return f"predict_lock_{feature}"


def move_sliders(new_values: dict[str, float]) -> None:
    """Callback: put the changed features' sliders where the change takes them.

    A loaded song stays loaded for the features not changed (their exact
    values are still used); the changed ones now follow their sliders.
    """
    for feature, value in new_values.items():
        st.session_state[slider_key(feature)] = ranges[feature].to_display(value)
    loaded = st.session_state.get(LOADED)
    if loaded is not None:
        st.session_state[LOADED] = dataclasses.replace(
            loaded, positions={**loaded.positions, **dict.fromkeys(new_values)}
        )


def another_genre_section(values: dict[str, object], probabilities) -> None:
    """The smallest change of the track that makes the model name another genre."""
    st.markdown(
        "Pick a genre: GenreLab looks for the smallest change to this track that "
        "makes the model name that genre first, changing as few features as "
        "possible and leaving alone the ones you lock."
    )
    by_probability = [GENRES[i] for i in (-probabilities).argsort()]
    others = by_probability[1:]
    if st.session_state.get(CHANGE_GENRE) not in others:
        st.session_state[CHANGE_GENRE] = others[0]
    genre = st.selectbox(
        "Make it", others, key=CHANGE_GENRE, help="Listed from likeliest to least."
    )
    st.caption("Keep these as they are:")
    lock_columns = st.columns(4)
    for position, feature in enumerate(schema.NUMERIC_FEATURES):
        lock_columns[position % 4].checkbox(
            feature.removesuffix("_ms"),
            value=feature == "popularity",
            key=lock_key(feature),
        )
    locked = tuple(
        feature
        for feature in schema.NUMERIC_FEATURES
        if st.session_state.get(lock_key(feature))
    )
    bounds = {
        feature: (rng.to_raw(rng.low), rng.to_raw(rng.high))
        for feature, rng in ranges.items()
    }
    steps = {feature: rng.to_raw(rng.step) for feature, rng in ranges.items()}
    try:
        result = cache.genre_change(
            model.choice.key, values, genre, locked, bounds, steps, model.bundle
        )
    except GenreLabError as change_error:
        st.warning(str(change_error))
        return
    sentence = counterfactual.change_sentence(result)
    st.markdown(f"**{sentence[0].upper()}{sentence[1:]}.**")
    if result.changes:
        new_probability = result.probabilities[model.bundle.genres.index(genre)]
        st.caption(
            f"After the change the model gives {genre} {new_probability:.0%}. Each "
            "feature's change is as small as the model allows, in steps of its "
            "slider; key and mode stay."
        )
        st.button(
            "Move the sliders there",
            key="predict_change_move",
            on_click=move_sliders,
            args=({change.feature: change.new for change in result.changes},),
            disabled=not result.reached,
        )


def link_params(
    display_values: dict[str, float], key: str, mode: str, loaded
) -> dict[str, str]:
    """The query parameters of the track shown (see core.links.track_link)."""
    track = None
    if loaded is not None and links.ID_COLUMN in typed.columns:
        track = links.track_id(typed.at[loaded.index, links.ID_COLUMN])
    link = links.track_link(
        ranges,
        display_values,
        key,
        mode,
        loaded,
        track,
        genre=st.session_state.get(PICKED),
        model=None if model.choice.key == state.DEFAULT_MODEL_KEY else model.choice.key,
    )
    return links.encode(link)


def answer(probabilities, reason: str | None) -> None:
    """The compact answer: the reading and the top genre's bar, kept in view on phones.

    On a narrow screen the sliders stack above the chart, so this box sticks
    under the page header while people slide (CSS in ANSWER_STYLE); on a wide
    one it is hidden from sight, the chart beside the sliders says the same,
    but stays a polite live region, so screen readers hear each new answer.
    """
    with st.container(key=ANSWER_KEY):
        if probabilities is None:
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
        order = (-probabilities).argsort()
        top, second = (GENRES[i] for i in order[:2])
        sentence = predict.top_two_sentence(probabilities, GENRES)
        # Raw HTML in markdown becomes React elements: the paragraph stays the
        # same DOM node from one slider move to the next, as a live region must.
        # The style comes with it: a style-only st.html may arrive a second
        # after the page, which would show this box on a wide screen meanwhile.
        st.markdown(
            ANSWER_STYLE + '<p role="status" aria-live="polite">'
            f"<strong>{escape(sentence)}</strong></p>",
            unsafe_allow_html=True,
        )
        st.progress(
            float(probabilities[order[0]]),
            text=f"{top} {probabilities[order[0]]:.0%} · {second} "
            f"{probabilities[order[1]]:.0%}",
        )


def prediction_set_section(result: pd.DataFrame, track_novelty: float) -> None:
    """ "90% sure it is one of: Rap, Hip-Hop" (core.conformal), or why there is none.

    The promise holds for tracks like the training data only: said every
    time, and loudly when this track's novelty is high.
    """
    if model.bundle.conformal is None:
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
    with_set = predict.with_prediction_sets(
        model.bundle,
        result,
        coverage,
        GENRES,
        predict.probability_columns(GENRES),
    )
    names = with_set[predict.PREDICTION_SET].iloc[0].split(conformal.SEPARATOR)
    st.markdown(f"**{conformal.set_sentence(coverage, names)}**")
    st.caption(conformal.explanation(coverage))
    warning = conformal.novelty_warning(coverage, track_novelty, novelty.UNUSUAL)
    if warning:
        st.warning(warning)


@st.fragment
def prediction_panel() -> None:
    """Sliders, the probabilities, and the explanation of the track.

    Rerun on their own.
    """
    if medians is not None and not medians.empty:
        genre_column, button_column, reset_column = st.columns(
            [2, 1, 1], vertical_alignment="bottom"
        )
        genre_column.selectbox(
            "Start from a typical track of", list(medians.index), key="predict_genre"
        )
        button_column.button(
            "Load this track", key="predict_use_typical", on_click=load_typical_track
        )
        reset_column.button(
            "Back to medians", key="predict_reset", on_click=reset_values
        )

    # The sliders' values are in the session state before the sliders are drawn:
    # predict first, so that the answer can sit above them.
    display_values = {
        feature: st.session_state[slider_key(feature)]
        for feature in schema.NUMERIC_FEATURES
    }
    key, mode = st.session_state["predict_key"], st.session_state["predict_mode"]
    st.session_state[SAVED_VALUES] = {
        **{slider_key(feature): value for feature, value in display_values.items()},
        "predict_key": key,
        "predict_mode": mode,
    }
    loaded = st.session_state.get(LOADED)
    if loaded is not None and (typed is None or loaded.index not in typed.index):
        loaded = None
    values = inputs.feature_values(ranges, display_values, key, mode, loaded)
    shared = link_params(display_values, key, mode, loaded)
    sharing.keep_address(shared)
    row, result = cache.predicted_track(model.choice.key, values, model.bundle)
    error = reason = probabilities = None
    if isinstance(result, str):
        error = result
    else:
        reason = result[predict.REASON].iloc[0] or None
        if not reason:
            probabilities = result[predict.probability_columns(GENRES)].to_numpy()[0]
    answer(probabilities, error or reason)

    sliders, results = st.columns([1, 1], gap="large")
    with sliders:
        key_column, mode_column = st.columns(2)
        key_column.selectbox("Key", schema.KEYS, key="predict_key")
        mode_column.selectbox("Mode", schema.MODES, key="predict_mode")
        for feature in schema.NUMERIC_FEATURES:
            rng = ranges[feature]
            st.slider(
                rng.label,
                min_value=rng.low,
                max_value=rng.high,
                step=rng.step,
                format=rng.number_format,
                key=slider_key(feature),
                help=inputs.FEATURE_HELP.get(feature),
            )
    if error:
        results.error(error)
        return
    with results:
        if reason:
            st.warning(f"No prediction for this track: {reason}.")
            return
        st.subheader(predict.top_two_sentence(probabilities, GENRES))
        track_novelty = float(result[predict.NOVELTY].iloc[0])
        # How far to trust it (issue 25): said beside the answer, loudly when
        # the track is unlike the tracks the model learned from.
        (st.warning if track_novelty >= novelty.UNUSUAL else st.caption)(
            novelty.novelty_sentence(track_novelty)
        )
        prediction_set_section(result, track_novelty)
        if loaded is not None and loaded.is_shown(display_values, key, mode):
            song_facts(loaded, probabilities)
        elif loaded is not None:
            st.caption(
                "The sliders have moved away from the loaded track: this is your "
                "own variation of it."
            )
        show.chart(
            charts.explanation.probabilities(probabilities, GENRES),
            readings.explanation.probabilities(probabilities, GENRES),
            "predict_probabilities",
            say=False,
        )  # the heading above says it
        sharing.copy_link(shared)
    view = st.segmented_control(
        "Explore this track",
        list(VIEWS),
        format_func=VIEWS.__getitem__,
        default="why",
        required=True,
        key=VIEW,
    )
    predicted = result[predict.PREDICTED].iloc[0]
    if view == "why":
        why_section(values, probabilities)
    elif view == "alike":
        alike_section(row, predicted, loaded)
    elif view == "what_if":
        what_if_section(row, values)
    elif view == "another":
        another_genre_section(values, probabilities)
    else:
        map_section(row)


prediction_panel()
with song_finder:
    find_a_song()
