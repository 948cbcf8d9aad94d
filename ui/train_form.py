"""The Train page's settings form: presets, every setting, and training one model.

The form's values live in page-prefixed widget keys (``train_<field>``) and,
since widget state is dropped when people leave the page, in a plain session
key that refills them (SAVED_SETTINGS).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from core import config as settings
from core import sweep
from core.errors import GenreLabError
from ui import state, training
from ui.genre_choice import GENRE_FIELDS

if TYPE_CHECKING:  # the pipeline loads Keras: only its type is needed
    from core.history import EpochLog
    from core.pipeline import TrainingRun

SAVED_SETTINGS = "train_saved_settings"  # the form's last values, across pages
PRESET_KEY = "train_preset"
LIMITS = settings.LIMITS


@dataclasses.dataclass(frozen=True)
class TrainingData:
    """What every training on the page learns from: one run's or a sweep's."""

    typed: pd.DataFrame
    source: state.DataSource
    # The genre choice's fields (ui.genre_choice).
    genre_fields: dict[str, Any]
    # Genres fixed by hand to train with (row -> genre), or None.
    corrections: dict[int, str] | None

    def train(
        self,
        config: settings.TrainingConfig,
        on_epoch: Callable[[EpochLog], None],
        cancel_key: str = training.CANCEL_KEY,
    ) -> TrainingRun:
        """One training through the server's queue (``training.queued_training``)."""
        return training.queued_training(
            self.typed,
            config,
            on_epoch,
            cancel_key,
            corrections=self.corrections,
            source=state.source_facts(self.source),
        )


def restore_form() -> None:
    """Refill the form from the last values kept (the Recommended preset at first)."""
    st.session_state.setdefault(
        SAVED_SETTINGS,
        {
            "preset": "recommended",
            "values": training.widget_values(settings.RECOMMENDED),
        },
    )
    saved_preset = settings.PRESETS[st.session_state[SAVED_SETTINGS]["preset"]]
    for key, value in training.widget_values(saved_preset).items():
        st.session_state.setdefault(
            key, st.session_state[SAVED_SETTINGS]["values"].get(key, value)
        )
    st.session_state.setdefault(PRESET_KEY, st.session_state[SAVED_SETTINGS]["preset"])


def interruption_notices() -> None:
    """Say that the last training was stopped, or that the queue was left."""
    if st.session_state[state.TRAINING]:
        # The flag is cleared when training returns: still set means the last
        # run was interrupted (Stop, or a click elsewhere).
        st.session_state[state.TRAINING] = False
        st.warning("Training was stopped. The previous model is still the one in use.")
    if st.session_state[state.WAITING]:
        st.session_state[state.WAITING] = False
        st.warning(
            "You left the training queue; nothing was trained and the previous "
            "model is still the one in use."
        )


def corrections_choice(data_key: str) -> dict[int, str] | None:
    """Whether to train with the genres fixed by hand (a checkbox when there are some).

    Returns:
        The corrections to train with (row -> genre), or None.
    """
    fixed_genres = state.corrections(data_key)
    use_corrections = bool(fixed_genres) and st.checkbox(
        f"Train with my corrections ({len(fixed_genres)} "
        f"{'genre' if len(fixed_genres) == 1 else 'genres'} fixed by hand)",
        value=True,
        key="train_use_corrections",
        help="The genres fixed on the Evaluate or Data page replace the listed ones "
        "before training; the model card counts them.",
    )
    return dict(fixed_genres) if use_corrections else None


def apply_preset() -> None:
    """Fill the form with the chosen preset (callback of the preset picker)."""
    preset = st.session_state[PRESET_KEY] or "recommended"
    st.session_state[SAVED_SETTINGS] = {
        "preset": preset,
        "values": training.widget_values(settings.PRESETS[preset]),
    }
    st.session_state.update(st.session_state[SAVED_SETTINGS]["values"])


def form_config(genre_fields: dict[str, Any]) -> settings.TrainingConfig:
    """The form's configuration (raises ConfigError with a plain message).

    Args:
        genre_fields: the genre choice's fields (``ui.genre_choice``).
    """
    return training.config_from_values(
        {key: st.session_state[key] for key in training.FIELDS}, genre_fields
    )


def preset_label(config: settings.TrainingConfig) -> str:
    """The preset the form started from, ", edited" when a setting was changed."""
    preset = settings.PRESET_LABELS[st.session_state[PRESET_KEY] or "recommended"]
    # The genres are the data's, not the recipe's: a genre choice is no edit.
    recipe = dataclasses.replace(
        config, **{field: getattr(settings.STUDY, field) for field in GENRE_FIELDS}
    )
    return preset + ("" if recipe in settings.PRESETS.values() else ", edited")


def preset_picker() -> None:
    """The presets, as a segmented control that fills the form."""
    st.segmented_control(
        "Start from a preset",
        list(settings.PRESETS),
        format_func=settings.PRESET_LABELS.__getitem__,
        key=PRESET_KEY,
        on_change=apply_preset,
        required=True,
        help="Reference study: the original 53% study (sigmoid, 15 epochs, rows "
        "with unknowns dropped). Recommended: the best settings measured so far.",
    )


def bounded_number(label: str, field: str, step: float, **options: Any) -> None:
    """A number input whose bounds are the configuration's declared limits."""
    limit = LIMITS[field]
    st.number_input(
        label,
        min_value=limit.low if limit.whole else None,
        max_value=limit.high if limit.whole else None,
        step=step,
        key=f"train_{field}",
        **options,
    )


def choice(
    label: str, field: str, help: str, names: dict[str, str] | None = None
) -> None:
    """A select box of a setting's declared choices, shown by ``names``."""
    st.selectbox(
        label,
        settings.CHOICES[field],
        key=f"train_{field}",
        help=help,
        format_func=names.__getitem__ if names else str,
    )


def share_slider(label: str, field: str, help: str, below_top: float = 0) -> None:
    """A slider of a share, in steps of 0.05, within its declared limits."""
    limit = LIMITS[field]
    st.slider(
        label,
        limit.low,
        limit.high - below_top,
        step=0.05,
        key=f"train_{field}",
        help=help,
    )


def help_of(setting: str) -> str:
    """What a setting does, as the sweeps say it."""
    return sweep.SETTINGS[setting].help


def settings_form() -> tuple[bool, bool]:
    """The form of every setting, in three columns.

    Returns:
        Whether Train, and whether "Apply without training", was clicked.
    """
    with st.form("train_form", enter_to_submit=False):
        data_column, network_column, learning_column = st.columns(3, gap="large")
        with data_column:
            _data_settings()
        with network_column:
            _network_settings()
        with learning_column:
            _learning_settings()
        train_column, apply_column = st.columns([1, 3])
        submitted = train_column.form_submit_button(
            "Train", type="primary", icon=":material/play_arrow:"
        )
        applied = apply_column.form_submit_button(
            "Apply without training",
            help="Keep these settings for the sweeps below without training now.",
        )
    return submitted, applied


def _data_settings() -> None:
    st.markdown("**Data preparation**")
    choice(
        "Rows with unknown tempo or duration",
        "unknowns",
        help_of("unknowns"),
        {"drop": "drop them", "impute": "fill in (impute)"},
    )
    choice(
        "Fill unknowns with the",
        "impute_strategy",
        "Only used when filling in unknowns.",
    )
    choice(
        "Key and mode as",
        "key_encoding",
        help_of("key_encoding"),
        {
            "scale": "24 scales (key + mode, the study)",
            "key_mode": "12 keys + major/minor",
        },
    )
    choice(
        "Scaling",
        "scaling",
        help_of("scaling"),
        {
            "study_minmax": "0-1 for four columns (the study)",
            "standard": "standardise every column",
        },
    )
    st.number_input(
        "Bins per numeric feature (0 = off)",
        min_value=0,
        max_value=settings.MAX_NUMERIC_BINS,
        step=1,
        key="train_numeric_bins",
        help=help_of("numeric_bins"),
    )
    share_slider(
        "Test share",
        "test_size",
        "Tracks held back to measure the model on unseen data.",
    )
    st.checkbox(
        "Stratified split",
        key="train_stratify",
        help="Keep each genre's share the same in the training and test tracks.",
    )
    st.checkbox(
        "Keep a song's repeats together",
        key="train_group_tracks",
        help="The same song is often listed several times, under several "
        "genres; keeping its rows together makes the test tracks truly unseen.",
    )
    st.checkbox(
        "Log-transform skewed features",
        key="train_log_skewed",
        help="Duration, speechiness, liveness, instrumentalness and "
        "acousticness have long tails; a logarithm spreads most tracks out.",
    )


def _network_settings() -> None:
    st.markdown("**Network**")
    st.text_input(
        "Hidden layers (widths, comma separated)",
        key="train_hidden_layers",
        help=help_of("hidden_layers") + " E.g. 256, 128 for two layers; empty "
        "for none.",
    )
    choice("Hidden activation", "activation", help_of("activation"))
    choice(
        "Output activation",
        "output_activation",
        "softmax gives probabilities that sum to 1; the study used sigmoid.",
    )
    share_slider("Dropout", "dropout", help_of("dropout"), below_top=0.05)
    bounded_number("Ensemble size", "ensemble_size", 1, help=help_of("ensemble_size"))


def _learning_settings() -> None:
    st.markdown("**Learning**")
    st.selectbox("Optimizer", settings.CHOICES["optimizer"], key="train_optimizer")
    st.number_input(
        "Learning rate",
        min_value=0.00001,
        max_value=LIMITS["learning_rate"].high,
        step=0.0005,
        format="%.5f",
        key="train_learning_rate",
        help=help_of("learning_rate"),
    )
    choice(
        "Learning-rate schedule",
        "learning_rate_schedule",
        "A rate that falls towards the end lets the last epochs settle.",
        {"constant": "constant", "cosine": "cosine (falls smoothly to 0)"},
    )
    bounded_number("Batch size", "batch_size", 16, help=help_of("batch_size"))
    bounded_number("Epochs (at most)", "epochs", 1, help=help_of("epochs"))
    bounded_number(
        "Early stopping patience (0 = off)",
        "early_stopping_patience",
        1,
        help="Stop after this many epochs without a better validation loss.",
    )
    share_slider(
        "Validation share",
        "validation_fraction",
        "Training tracks set aside to draw the validation curves "
        "(and to score a sweep's runs).",
    )
    share_slider(
        "Calibration share",
        "calibration_fraction",
        "Training tracks set aside, never learned from, so that "
        'Predict can say "90% sure it is one of ..." (0 = no such sets).',
    )
    bounded_number("Seed", "seed", 1)


def save_form() -> None:
    """Remember the form so that it survives a visit to another page."""
    st.session_state[SAVED_SETTINGS] = {
        "preset": st.session_state[PRESET_KEY],
        "values": {key: st.session_state[key] for key in training.FIELDS},
    }


def stop_button(key: str, label: str = "Stop training") -> None:
    """A button whose click (a rerun) stops the training under way."""
    st.button(
        label,
        key=key,
        icon=":material/stop:",
        help="Stops at the end of the current epoch; finished runs and the "
        "previous model stay as they are.",
    )


def train_one(data: TrainingData, config: settings.TrainingConfig) -> None:
    """Train with live progress and keep the result as the active model."""
    stop_button("train_stop")
    run = data.train(config, training.progress_hook())
    training.keep_run(run, preset_label(config))
    # Run the page again so that the sidebar, drawn before training, shows the
    # new model as the one in use; the result section draws the final curves.
    st.rerun()


def report_failure(failure: Exception) -> None:
    """Say why a training failed; the previous model stays in use."""
    st.session_state[state.TRAINING] = False
    if isinstance(failure, GenreLabError):
        st.error(str(failure))
    else:
        st.error(
            f"Training failed unexpectedly ({type(failure).__name__}); the "
            "previous model is still the one in use. Try other settings."
        )


def submit(submitted: bool, applied: bool, data: TrainingData) -> None:
    """What a click on Train or "Apply without training" does."""
    if not (submitted or applied):
        return
    save_form()
    try:
        config = form_config(data.genre_fields)
    except GenreLabError as config_error:
        st.error(str(config_error))
        return
    if not submitted:
        st.success("Settings applied: the sweeps below start from them.")
        return
    try:
        train_one(data, config)
    except Exception as failure:  # Streamlit's stop and rerun pass (BaseException)
        report_failure(failure)
