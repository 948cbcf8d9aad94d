"""Evaluate page: where the model in use is right, where it mixes genres up, and why.

The confusion matrices and reports come from the model's own metrics (no data
needed); comparisons and feature importance need the dataset.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import evaluate, schema
from core.errors import GenreLabError
from ui import charts, navigation, state

navigation.page_frame(
    "Evaluate",
    "How well the model in use does on the tracks it learned from (*training*) "
    "and on tracks it never saw (*test*). In a confusion matrix each row is a "
    "true genre and each column the genre the model predicted: a strong "
    "diagonal means right answers, bright cells off the diagonal show which "
    "genres it mixes up.",
)

choice = state.active_choice()
if choice is None:
    navigation.no_model_notice()
    st.stop()

metrics = choice.metrics
train_metrics, test_metrics = metrics.get("train"), metrics.get("test")
if not train_metrics or not test_metrics or train_metrics.get("accuracy") is None:
    st.warning(f"{choice.name} has no training and test scores to show.")
    st.stop()

st.caption(f"Model: **{choice.name}**")
columns = st.columns(4)
columns[0].metric("Test accuracy", f"{test_metrics['accuracy']:.1%}",
                  help="Share of unseen tracks whose genre was guessed right.")  # fmt: skip
columns[1].metric("Training accuracy", f"{train_metrics['accuracy']:.1%}")
gap = train_metrics["accuracy"] - test_metrics["accuracy"]
columns[2].metric(
    "Over-fitting gap",
    f"{gap * 100:+.1f} points",
    help="Training minus test accuracy. A large gap means the model memorised "
    "its training tracks instead of learning what makes a genre.",
)
columns[3].metric(
    "Right genre in its top 2 (test)",
    f"{test_metrics['top2_accuracy']:.1%}",
    help="Share of unseen tracks whose true genre is the model's first or second guess.",
)
st.markdown(
    evaluate.overfitting_reading(train_metrics["accuracy"], test_metrics["accuracy"])
)
fusion = test_metrics.get("fusion_accuracy")
if fusion is not None:
    st.caption(
        f"Counting a prediction as right when the song is listed under that genre "
        f"anywhere in the data (many songs are listed under two genres), test "
        f"accuracy is {fusion:.1%}."
    )

st.header("Confusion matrices")
normalised = (
    st.segmented_control(
        "Show",
        ["counts", "shares"],
        default="shares",
        required=True,
        key="evaluate_matrix_scale",
        format_func={
            "counts": "track counts",
            "shares": "share of each true genre",
        }.get,
    )
    == "shares"
)
left, right = st.columns(2)
for column, split_metrics, title in (
    (left, train_metrics, "Training tracks"),
    (right, test_metrics, "Test tracks (never seen)"),
):
    matrix = split_metrics["confusion_matrix"]
    shown = evaluate.normalise_rows(matrix) if normalised else matrix
    column.plotly_chart(
        charts.confusion_matrix(
            shown, f"{title}: {split_metrics['n_rows']:,}", normalised
        ),
        width="stretch",
    )

st.header("Most confused genres (test)")
st.markdown("Pairs where tracks of the first genre were most often called the second.")
pairs = evaluate.most_confused_pairs(test_metrics["confusion_matrix"])
st.dataframe(
    pairs,
    hide_index=True,
    width="stretch",
    column_config={
        "true_genre": "true genre",
        "predicted_genre": "predicted as",
        "share": st.column_config.NumberColumn(
            "share of the true genre", format="percent"
        ),
    },
)

st.header("Classification reports")
st.markdown(
    "Per genre: *precision* = of the tracks called this genre, the share that "
    "really are; *recall* = of the tracks of this genre, the share found; "
    "*F1* combines both; *support* = number of tracks."
)


def report_table(split_metrics: dict) -> pd.DataFrame:
    """Per-genre precision, recall, F1 and support as a table."""
    return pd.DataFrame.from_dict(split_metrics["per_genre"], orient="index").reindex(
        list(schema.GENRES)
    )


report_format = {
    name: st.column_config.NumberColumn(format="%.2f")
    for name in ("precision", "recall", "f1")
}
left, right = st.columns(2)
left.markdown("**Training tracks**")
left.dataframe(
    report_table(train_metrics), width="stretch", column_config=report_format
)
right.markdown("**Test tracks**")
right.dataframe(
    report_table(test_metrics), width="stretch", column_config=report_format
)

st.header("Which features matter")
st.markdown(
    "Permutation importance: shuffle one feature's values across tracks and "
    "measure how much accuracy drops. A big drop means the model relies on "
    "that feature; near zero means it barely uses it."
)

typed, source, error = state.load_data()


@st.cache_data(
    max_entries=4, show_spinner="Shuffling features to measure importance..."
)
def importance_table(model_key: str, data_key: str, _bundle, _typed) -> pd.DataFrame:
    """Permutation importance, cached per model and data."""
    from core import explain

    return explain.permutation_importance_table(_bundle, _typed)


@st.cache_data(max_entries=2, show_spinner=False)
def model_comparison(data_key: str, _typed) -> pd.DataFrame:
    """core.compare.compare_models, cached per data content."""
    from core import compare

    return compare.compare_models(_typed)


@st.cache_data(max_entries=2, show_spinner=False)
def policy_comparison(data_key: str, _typed) -> pd.DataFrame:
    """core.compare.drop_vs_impute, cached per data content."""
    from core import compare

    return compare.drop_vs_impute(_typed)


def comparison_section(
    label: str,
    key: str,
    spinner: str,
    compute,
    category: str,
    bars: dict[str, str],
    title: str,
    column_config: dict,
) -> None:
    """A button that runs a slow comparison once, then its bar chart and table.

    The request is remembered in the session, so the (cached) result stays on
    screen while people use the rest of the page.
    """
    requested = f"{key}_requested"
    if st.button(label, key=key):
        st.session_state[requested] = True
    if not st.session_state.get(requested):
        return
    try:
        with st.spinner(spinner):
            table = compute(source.key, typed)
    except GenreLabError as comparison_error:
        st.error(str(comparison_error))
        return
    st.plotly_chart(charts.comparison(table, category, bars, title), width="stretch")
    st.dataframe(table, hide_index=True, width="stretch", column_config=column_config)


if typed is None or source is None:
    st.info(
        "Feature importance and the comparisons below need the dataset: load it "
        "on the **Home** page."
    )
    st.stop()

model, model_error = state.active_model()
if model is None:
    navigation.no_model_notice(model_error)
else:
    try:
        table = importance_table(model.choice.key, source.key, model.bundle, typed)
    except GenreLabError as importance_error:
        st.error(str(importance_error))
    else:
        st.plotly_chart(charts.importance(table), width="stretch")
        st.caption(
            "Measured on a random sample of up to 3,000 tracks of the loaded "
            "data; the bars show the spread over three shuffles."
        )

st.header("Compare models and cleaning policies")
st.markdown(
    "Each comparison trains several models on the same split of this data, so "
    "it takes one to three minutes; the results are kept until the data changes."
)
percent = st.column_config.NumberColumn(format="percent")

st.subheader("This network against other models")
st.caption(
    "The reference study's network, the recommended network, and two classic "
    "learners, trained and tested on the same tracks: is a neural network worth it here?"
)
comparison_section(
    "Compare models",
    "evaluate_compare_models",
    "Training four models (one to three minutes)...",
    model_comparison,
    "model",
    {"accuracy": "accuracy", "top2_accuracy": "top-2 accuracy",
     "macro_f1": "macro F1"},
    "Test scores by model",
    {
        "accuracy": percent,
        "top2_accuracy": st.column_config.NumberColumn(
            "top-2 accuracy", format="percent"
        ),
        "macro_f1": st.column_config.NumberColumn("macro F1", format="%.3f"),
        "train_seconds": st.column_config.NumberColumn(
            "training seconds", format="%.1f"
        ),
    },
)  # fmt: skip

st.subheader("Drop or impute unknown values?")
st.caption(
    "The recommended network trained after dropping the rows with an unknown "
    "tempo or duration (as the study did), and after filling them in. A model "
    "trained without such rows cannot predict them either, so the last bars "
    "count those rows as wrong."
)
comparison_section(
    "Compare drop and impute",
    "evaluate_compare_policies",
    "Training with each policy (about a minute)...",
    policy_comparison,
    "policy",
    {"accuracy_known_rows": "test rows with known values",
     "accuracy_unknown_rows": "test rows with unknown values",
     "accuracy": "test rows it can predict",
     "accuracy_all_rows": "all test rows (no prediction = wrong)"},
    "Test accuracy by cleaning policy",
    dict.fromkeys(
        ("accuracy", "accuracy_known_rows", "accuracy_unknown_rows",
         "accuracy_all_rows"),
        percent,
    ),
)  # fmt: skip
