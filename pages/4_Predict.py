"""Predict page: describe a track with sliders and watch the genre probabilities change.

The sliders and the chart live in one fragment, so moving a slider reruns only
that part; one prediction takes about a millisecond (``predict_on_batch``).
"""

from __future__ import annotations

import streamlit as st

from core import data, inputs, predict, schema
from core.errors import GenreLabError
from ui import charts, navigation, state

navigation.page_frame(
    "Predict",
    "Describe a track with the sliders (or start from a typical track of a "
    "genre) and watch the model's probability for each genre change. The bars "
    "add up to 100%: one long bar means the model is sure; several similar bars "
    "mean the sound fits more than one genre.",
)

SAVED_VALUES = "predict_saved_values"  # slider values, kept across pages

model, model_error = state.active_model()
if model is None:
    navigation.no_model_notice(model_error)
    st.stop()

typed, source, _ = state.load_data()
if typed is not None and source is not None:
    summary = state.feature_summary(source.key, typed)
    medians = state.genre_medians(source.key, typed)
    st.caption(
        f"Model: **{model.choice.name}** · slider ranges and starting values "
        f"from {source.label}."
    )
else:
    summary = medians = None
    st.caption(
        f"Model: **{model.choice.name}** · no dataset loaded, so the sliders use "
        "typical values; load the data on the Home page for typical tracks per genre."
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
        str(medians[schema.KEY_COLUMN].mode().iloc[0]) if medians is not None
        else schema.TYPICAL_TRACK[schema.KEY_COLUMN]
    )  # fmt: skip
    values["predict_mode"] = schema.TYPICAL_TRACK[schema.MODE_COLUMN]
    return values


def load_typical_track() -> None:
    """Callback: move every slider to the chosen genre's typical track."""
    track = inputs.typical_track(ranges, medians, st.session_state["predict_genre"])
    for feature in schema.NUMERIC_FEATURES:
        st.session_state[slider_key(feature)] = track[feature]
    st.session_state["predict_key"] = track[schema.KEY_COLUMN]
    st.session_state["predict_mode"] = track[schema.MODE_COLUMN]


def reset_values() -> None:
    """Callback: back to the dataset's medians."""
    st.session_state.update(start_values())


# Widget state is dropped when people switch pages: refill it from the last
# values, kept inside each slider's range (the data, hence the ranges, may change).
saved = st.session_state.get(SAVED_VALUES) or start_values()
for feature in schema.NUMERIC_FEATURES:
    key = slider_key(feature)
    value = st.session_state.get(key, saved.get(key, ranges[feature].default))
    st.session_state[key] = ranges[feature].to_display(ranges[feature].to_raw(value))
st.session_state.setdefault("predict_key", saved["predict_key"])
st.session_state.setdefault("predict_mode", saved["predict_mode"])


@st.fragment
def prediction_panel() -> None:
    """Sliders, the probability chart and the what-if chart (rerun on their own)."""
    if medians is not None and not medians.empty:
        genre_column, button_column, reset_column = st.columns([2, 1, 1],
                                                                vertical_alignment="bottom")  # fmt: skip
        genre_column.selectbox(
            "Start from a typical track of", list(medians.index), key="predict_genre"
        )
        button_column.button(
            "Load this track", key="predict_use_typical", on_click=load_typical_track
        )
        reset_column.button(
            "Back to medians", key="predict_reset", on_click=reset_values
        )

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
    display_values = {
        feature: st.session_state[slider_key(feature)]
        for feature in schema.NUMERIC_FEATURES
    }
    st.session_state[SAVED_VALUES] = {
        **{slider_key(feature): value for feature, value in display_values.items()},
        "predict_key": st.session_state["predict_key"],
        "predict_mode": st.session_state["predict_mode"],
    }
    values = inputs.feature_values(
        ranges, display_values, st.session_state["predict_key"],
        st.session_state["predict_mode"],
    )  # fmt: skip
    row = data.frame_from_values(values)
    try:
        result = predict.predict_frame(model.bundle, row)
    except GenreLabError as prediction_error:
        results.error(str(prediction_error))
        return
    reason = result[predict.REASON].iloc[0]
    with results:
        if reason:
            st.warning(f"No prediction for this track: {reason}.")
            return
        probabilities = result[predict.PROBABILITY_COLUMNS].to_numpy()[0]
        st.subheader(predict.top_two_sentence(probabilities))
        st.plotly_chart(charts.probabilities(probabilities), width="stretch",
                        key="predict_probabilities")  # fmt: skip
        what_if_section(row, values)


def what_if_section(row, values: dict[str, object]) -> None:
    """How each genre's probability moves when one feature sweeps its range."""
    try:
        from core import explain
    except ImportError:
        st.info("The what-if chart needs core/explain.py, which is not available yet.")
        return
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
        current, label = rng.to_display(float(values[feature])), rng.label
    else:  # key or mode: one point per category
        current, label = values[feature], feature
    st.plotly_chart(
        charts.what_if(sweep, feature, current, label),
        width="stretch",
        key="predict_what_if",
    )
    st.caption("The dotted line marks the track's current value.")


prediction_panel()
