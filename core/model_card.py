"""The model card: a README.md written into every saved bundle."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import numpy as np

from core import conformal, evaluate, formats, schema
from core.bundle import Bundle
from core.config import TrainingConfig
from core.corrections import CORRECTED_GENRES
from core.evaluate import most_confused_pairs
from core.genres import GenreChoice, Genres
from core.predict import AUDIO_ONLY_MIN_ROWS, AUDIO_ONLY_NOVELTY, CHOICE_ROWS
from core.tables import GROUPED_BY_NAMES

# The metrics key of the test scores with popularity left out of the rows
# (filled with the typical value, as for a Web API file): core.pipeline.
POPULARITY_FILLED = "test_popularity_filled"
# Metrics keys written by core.pipeline: the genres learned and the rows
# left out (GenreChoice.to_dict), and what kept repeats of a song together
# (core.tables.track_grouping; None: nothing).
GENRE_CHOICE = "genre_choice"
# The metrics key of the network without popularity's test scores
# (core.pipeline.train_audio_network).
AUDIO_ONLY = "audio_only"
GROUPED_BY = "grouped_by"
# The bundle info key of the file a model learned from: its name, format and
# label column (core.understanding.Understood.source).
SOURCE_KEY = "data_source"
# Resamples and seed of the test figures' bootstrap intervals.
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 0


@dataclasses.dataclass(frozen=True)
class CrossValidation:
    """Grouped cross-validation figures of one recipe, measured on the development data.

    Each metric is (mean, lowest fold, highest fold). Shown on the card of a
    bundle trained with exactly that recipe (any seed): ``recipe`` is
    :func:`recipe_digest` of its settings when they were measured, so a
    changed recipe loses the figures instead of showing someone else's.
    """

    recipe: str
    folds: int
    held_out_share: float
    training_share: float
    networks: int
    top1: tuple[float, float, float]
    top2: tuple[float, float, float]
    macro_f1: tuple[float, float, float]


def recipe_digest(config: TrainingConfig) -> str:
    """A short digest of every setting but the seed: what "the same recipe" means.

    The genre choice counts only when it is not the default one (every genre
    of the file), so recipes measured before it existed keep their digest.
    """
    default = TrainingConfig()
    settings = {
        k: v
        for k, v in config.to_dict().items()
        if k != "seed"
        and not (k in GENRE_SETTINGS and getattr(config, k) == getattr(default, k))
    }
    text = json.dumps(settings, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# The settings that choose the genres (core.genres.choose).
GENRE_SETTINGS = ("genres", "genre_merges", "min_genre_tracks")

# The recommended recipe (test share 0.1, two networks), measured by
# ``python benchmarks/learning_curve.py --folds 8`` (its 90% share, 2 networks;
# docs/model.md has the whole learning curve and the ensemble tables). When
# the recipe changes, its digest does too (``recipe_digest(RECOMMENDED)``):
# measure again and replace this entry.
CROSS_VALIDATED: tuple[CrossValidation, ...] = (
    CrossValidation(
        recipe="e46bd3b7d1be3c60",
        folds=8,
        held_out_share=0.05,
        training_share=0.9,
        networks=2,
        top1=(0.6167, 0.5946, 0.6288),
        top2=(0.8438, 0.8326, 0.8495),
        macro_f1=(0.6148, 0.5934, 0.6262),
    ),
)


def _percent(value: float | None) -> str:
    return "n/a" if value is None or value != value else f"{value:.1%}"  # NaN too


def _scores_row(split: str, scores: dict) -> str:
    """One row of the model card's metrics table: a split's scores and rows."""
    return (
        f"| {split} | {_percent(scores.get('accuracy'))} | "
        f"{_percent(scores.get('fusion_accuracy'))} | "
        f"{_percent(scores.get('top2_accuracy'))} | "
        f"{_percent(scores.get('macro_f1'))} | {scores.get('n_rows', 'n/a')} |"
    )


# A confusion matrix of more genres than this is listed as its most
# confused pairs: a grid that wide cannot be read.
MATRIX_MAX_GENRES = 20
CONFUSED_PAIRS_LISTED = 15


def _matrix_table(matrix: list[list[int]], genres: list[str]) -> str:
    if len(genres) > MATRIX_MAX_GENRES:
        pairs = most_confused_pairs(matrix, genres, top=CONFUSED_PAIRS_LISTED)
        lines = [
            f"The {len(pairs)} cells with the most tracks outside the diagonal "
            f"(a {len(genres)} x {len(genres)} grid is too wide to read):",
            "",
            "| true genre | predicted as | tracks | share of the true genre |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {pair.true_genre} | {pair.predicted_genre} | {pair.tracks} | "
            f"{pair.share:.0%} |"
            for pair in pairs.itertuples()
        ]
        return "\n".join(lines)
    short = [genre[:5] for genre in genres]
    lines = [
        "| true \\ predicted | " + " | ".join(short) + " |",
        "|---" * (len(short) + 1) + "|",
    ]
    for genre, row in zip(genres, matrix, strict=True):
        lines.append(f"| {genre} | " + " | ".join(str(n) for n in row) + " |")
    return "\n".join(lines)


def _range(interval: tuple[float, float] | None) -> str:
    return "n/a" if interval is None else f"{interval[0]:.1%}-{interval[1]:.1%}"


def split_intervals(test: dict) -> dict[str, tuple[float, float] | None]:
    """Bootstrap 95% intervals of top-1, top-2 and macro F1 from a split's metrics.

    A bundle keeps its test split's counts (the confusion matrix and the
    top-2 hits), not its rows, so the rows are drawn one by one: each test
    row is its confusion-matrix cell, top-1 hit and top-2 hit.
    """
    matrix = np.asarray(test.get("confusion_matrix") or [], dtype=np.int64)
    rows = int(matrix.sum())
    if rows == 0 or test.get("top2_accuracy") is None:
        return {"top1": None, "top2": None, "macro_f1": None}
    cells = np.repeat(np.arange(matrix.size), matrix.ravel())
    right = int(np.trace(matrix))
    top2 = round(test["top2_accuracy"] * rows)
    settings: dict[str, Any] = {
        "resamples": BOOTSTRAP_RESAMPLES,
        "seed": BOOTSTRAP_SEED,
    }
    return {
        "top1": evaluate.bootstrap_interval(np.arange(rows) < right, **settings),
        "top2": evaluate.bootstrap_interval(np.arange(rows) < top2, **settings),
        "macro_f1": evaluate.bootstrap_interval(
            np.eye(matrix.size)[cells],
            statistic=evaluate.macro_f1_of_cells,
            **settings,
        ),
    }


def cross_validation_of(config: TrainingConfig) -> CrossValidation | None:
    """The cross-validated figures measured for this bundle's recipe, if any."""
    digest = recipe_digest(config)
    return next((cv for cv in CROSS_VALIDATED if cv.recipe == digest), None)


def _uncertainty_section(config: TrainingConfig, test: dict) -> str:
    """How wide the test figures' uncertainty is, and the cross-validated figures."""
    intervals = split_intervals(test)
    if intervals["top1"] is None:
        return ""
    lines = [
        "How sure the test figures are: bootstrap 95% intervals over the "
        f"{test.get('n_rows')} test rows ({BOOTSTRAP_RESAMPLES:,} resamples of "
        f"the rows, seed {BOOTSTRAP_SEED}; the bundle keeps its test split's "
        "counts, not its tracks, so rows are drawn one by one). Another test "
        "split of as many unseen tracks would move the figures by about this much.",
        "",
        "| | top-1 | top-2 | macro F1 |",
        "|---|---|---|---|",
        f"| test split | {_percent(test.get('accuracy'))} | "
        f"{_percent(test.get('top2_accuracy'))} | {_percent(test.get('macro_f1'))} |",
        f"| test split, 95% interval | {_range(intervals['top1'])} | "
        f"{_range(intervals['top2'])} | {_range(intervals['macro_f1'])} |",
    ]
    # Measured on the development data's ten genres: no other model's figures.
    cv = (
        cross_validation_of(config)
        if test.get("genres") == list(schema.GENRES)
        else None
    )
    if cv is not None:
        cells = " | ".join(
            f"{mean:.1%} ({_range((low, high))})"
            for mean, low, high in (cv.top1, cv.top2, cv.macro_f1)
        )
        lines += [
            f"| cross-validated: mean (lowest-highest) of {cv.folds} folds | {cells} |",
            "",
            f"Cross-validated: the same recipe ({cv.networks} networks) trained on "
            f"{cv.training_share:.0%} of the development tracks and scored on "
            f"{cv.held_out_share:.0%} held out, {cv.folds} times, every copy of a song "
            "on one side (`python benchmarks/learning_curve.py`; the learning curve, "
            "the ensemble sizes and how the test share was chosen are in "
            "`docs/model.md`).",
        ]
    return "\n".join(lines)


def _comparison_section(comparison: dict | None, test: dict) -> str:
    """The model comparison and drop-vs-impute tables, when they were measured."""
    lines = ["## Drop or impute unknown values"]
    if test.get("accuracy_unknown_rows") is not None:
        lines.append(
            f"This model fills unknowns. Test accuracy on rows with every value "
            f"known: {_percent(test.get('accuracy_known_rows'))} "
            f"({test.get('n_known_rows')} rows); on rows with an unknown tempo or "
            f"duration: {_percent(test.get('accuracy_unknown_rows'))} "
            f"({test.get('n_unknown_rows')} rows)."
        )
    if not comparison:
        lines.append(
            "\nRun `python -m core compare --data data/music_genre.csv` for the "
            "side-by-side comparison of models and of the two policies."
        )
        return "\n".join(lines)
    lines += [
        "",
        "The same network trained twice on the same training tracks, scored on the "
        "same test rows (a row the drop model cannot predict counts as wrong in "
        "'all test rows'):",
        "",
        "| policy | accuracy (rows predicted) | rows without unknowns | rows with "
        "unknowns | all test rows | rows not predicted | training rows |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in comparison.get("drop_vs_impute", []):
        lines.append(
            f"| {row['policy']} | {_percent(row['accuracy'])} | "
            f"{_percent(row['accuracy_known_rows'])} | "
            f"{_percent(row['accuracy_unknown_rows'])} | "
            f"{_percent(row['accuracy_all_rows'])} | {row['unpredicted_rows']} | "
            f"{row['rows_used']} |"
        )
    lines += [
        "",
        "## Compared with other models",
        f"Same split (seed {comparison.get('seed')}, no track on both sides), same "
        "test rows. Training seconds are wall-clock time on the machine that ran "
        "the comparison, and depend on what else it was running.",
        "",
        "| model | accuracy | top-2 | macro F1 | training seconds |",
        "|---|---|---|---|---|",
    ]
    for row in comparison.get("models", []):
        lines.append(
            f"| {row['model']} | {_percent(row['accuracy'])} | "
            f"{_percent(row['top2_accuracy'])} | {_percent(row['macro_f1'])} | "
            f"{row['train_seconds']:.1f} |"
        )
    return "\n".join(lines)


def _corrections_line(corrected: int) -> str:
    """ "12 genres corrected by hand." when any were; nothing otherwise."""
    if not corrected:
        return ""
    genres = "genre" if corrected == 1 else "genres"
    return (
        f"\n{corrected} {genres} corrected by hand before training (GenreLab's "
        '"Fix this genre"): the model learned those rows under the corrected genre.'
    )


def _source_line(bundle: Bundle) -> str:
    """Which file the model learned from, as the bundle recorded it."""
    source = bundle.info.get(SOURCE_KEY) or {}
    fingerprint = bundle.info.get("data_fingerprint")
    print_ = f", fingerprint `{fingerprint}`" if fingerprint else ""
    file_name = source.get("file")
    if not file_name:
        return (
            "The file it learned from was not recorded (a model trained before "
            f"GenreLab recorded it{print_})."
        )
    kind = source.get("format", "")
    described = (
        ', the Kaggle dataset "Prediction of music genre"'
        if kind == formats.KAGGLE
        else f", read as {kind}"
        if kind and kind != formats.OTHER_TABLE
        else ""
    )
    label = source.get("label_column") or schema.TARGET
    return (
        f"`{file_name}`{described}{print_}; each track's genre read from its "
        f"column `{label}`."
    )


def _genres_lines(metrics: dict, genres: Genres) -> str:
    """The genres learned, with their rows, the merges, and every row left out."""
    choice = metrics.get(GENRE_CHOICE)
    if not choice:
        return f"Genres ({len(genres)}): {', '.join(genres.names)}."
    rows = choice.get("rows", {})
    listed = ", ".join(f"{genre} {rows.get(genre, 0):,}" for genre in genres.names)
    lines = [f"Genres learned ({len(genres)}, rows of each): {listed}."]
    if genres.merges:
        merged = "; ".join(merge.sentence() for merge in genres.merges)
        lines.append(f"Merged: {merged}.")
    lines += GenreChoice.from_dict(choice).sentences(limit=8)
    return "\n".join(lines)


def _grouping_note(config: TrainingConfig, grouped_by: str | None) -> str:
    if not config.group_tracks:
        return "; rows split one by one, so a song listed twice may be on both sides"
    if grouped_by is None:
        return (
            "; no grouping of a song's repeats was possible (the file names no "
            "track: no track id, artist or title)"
        )
    return (
        f"; every row of a track (same {grouped_by}) on the same side, so the "
        "test tracks are songs the model never saw"
    )


def _data_section(bundle: Bundle) -> str:
    """Where the rows came from, its genres, how many rows were used, and the split."""
    config, metrics = bundle.config, bundle.metrics
    cleaning = metrics.get("cleaning", {})
    corrected = int(metrics.get(CORRECTED_GENRES) or 0)
    # Bundles saved before issue 30 grouped by artist and title when asked.
    grouped_by = metrics.get(
        GROUPED_BY, GROUPED_BY_NAMES if GENRE_CHOICE not in metrics else None
    )
    split = f"{1 - config.test_size:.0%} train / {config.test_size:.0%} test"
    corrections = _corrections_line(corrected)
    stratified = "(stratified by genre)" if config.stratify else ""
    return f"""## Data
{_source_line(bundle)}
{_genres_lines(metrics, bundle.genres)}
Rows in: {cleaning.get("rows_in", "n/a")}; blank: {cleaning.get("blank_rows", "n/a")};
invalid: {cleaning.get("invalid_rows", "n/a")}; of no genre learned:
{cleaning.get("unlabelled_rows", "n/a")}; dropped for unknown values:
{cleaning.get("unknown_rows_dropped", "n/a")}; used: {cleaning.get("rows_out", "n/a")}.
Split: {split}, seed {config.seed}
{stratified}{_grouping_note(config, grouped_by)}.{corrections}"""


def _features_section(bundle: Bundle) -> str:
    """The network's inputs: plain, binned, unknowns, key and mode, scaling."""
    config, preprocessor = bundle.config, bundle.preprocessor
    unknowns = (
        f"filled with the training {config.impute_strategy} plus a 0/1 'was unknown' "
        "feature per column (no row is lost)"
        if config.unknowns == "impute"
        else "rows with an unknown tempo or duration are dropped (as in the study)"
    )
    log_columns = getattr(preprocessor, "log_offsets", {})
    logs = (
        f"Logarithm of the skewed features ({', '.join(log_columns)}) before scaling. "
        if log_columns
        else ""
    )
    binned = preprocessor.binned_feature_names
    names = preprocessor.feature_names
    plain_inputs = names[: len(names) - len(binned)]
    bins = (
        f", plus {len(binned)} binned inputs: each of "
        f"{', '.join(preprocessor.bin_edges)} is cut "
        f"into at most {config.numeric_bins} quantile bins of the training values, "
        "and each bin gives an input that rises from 0 to 1 across it "
        "(piecewise-linear encoding), so the network can treat low, middle and "
        "high values differently"
        if binned
        else ""
    )
    return f"""## Features
{len(names)} inputs: {", ".join(plain_inputs)}{bins}.
Unknown tempo/duration: {unknowns}. Key and mode: {config.key_encoding}
encoding. {logs}Scaling: {config.scaling}, fitted on the training split only."""


def _network_section(config: TrainingConfig, metrics: dict, n_genres: int) -> str:
    """The layers, the ensemble, the optimiser and the training schedule."""
    hidden = " -> ".join(
        f"Dense({w}, {config.activation})" for w in config.hidden_layers
    )
    ensemble = (
        f"an average of {config.ensemble_size} networks trained together, each "
        "on its own shuffled batches, their weights drawn with seeds "
        f"{config.seed}..{config.seed + config.ensemble_size - 1}"
        if config.ensemble_size > 1
        else "one network"
    )
    schedule = (
        ", falling to 0 along a cosine"
        if config.learning_rate_schedule == "cosine"
        else ""
    )
    epochs = (
        f"at most {config.epochs} epochs with early stopping (patience "
        f"{config.early_stopping_patience}, best epochs {metrics.get('best_epochs')})"
        if config.early_stopping_patience
        else f"{config.epochs} epochs"
    )
    network = ensemble[0].upper() + ensemble[1:]
    learning_rate = f"{config.learning_rate}{schedule}"
    held_out = f"validation share {config.validation_fraction}" + (
        f" and calibration share {config.calibration_fraction} (set aside, never "
        "learned from)"
        if config.calibration_fraction
        else ""
    )
    return f"""## Network and training
{network}: {hidden} -> Dense({n_genres}, {config.output_activation}); dropout
{config.dropout}; {config.optimizer} (learning rate {learning_rate}); batch
{config.batch_size}; {epochs}; {held_out}. Trained in
{metrics.get("train_seconds", "n/a")} s."""


def _metrics_section(config: TrainingConfig, metrics: dict, genres: Genres) -> str:
    """Train and test scores, their uncertainty, per genre and the test matrix."""
    test, train = metrics.get("test", {}), metrics.get("train", {})
    empty_matrix = [[0] * len(genres)] * len(genres)
    rows = "\n".join(
        f"| {genre} | {values['precision']:.2f} | {values['recall']:.2f} | "
        f"{values['f1']:.2f} | {values['support']} |"
        for genre, values in test.get("per_genre", {}).items()
    )
    return f"""## Metrics
| split | accuracy | any listed genre (fusion) | top-2 | macro F1 | rows |
|---|---|---|---|---|---|
{_scores_row("train", train)}
{_scores_row("test", test)}

"Any listed genre" counts a prediction right when it is any genre the track
is listed under: the same song often appears under several genres (Rap and
Hip-Hop above all), and one label per row cannot say it is both. Top-2 counts
it right when the true genre is one of the two likeliest.

{_uncertainty_section(config, test)}

Per genre (test):

| genre | precision | recall | F1 | rows |
|---|---|---|---|---|
{rows}

Confusion matrix (test, counts; rows are the true genre):

{_matrix_table(test.get("confusion_matrix", empty_matrix), list(genres.names))}"""


def _filled_popularity_section(bundle: Bundle) -> str:
    """What a file without popularity (Spotify's Web API) costs, on the test rows."""
    test = bundle.metrics.get("test", {})
    filled = bundle.metrics.get(POPULARITY_FILLED)
    if not filled or not test:
        return ""
    typical = float(bundle.preprocessor.typical["popularity"])
    lines = [
        "## A file without popularity",
        "Spotify's Web API gives every audio feature but popularity. For such a "
        f"file GenreLab uses the typical popularity ({typical:g}, the training "
        "median) for every track and says so. What that costs, measured on the "
        "same test rows with their popularity replaced by it:",
        "",
        "| test rows | top-1 | top-2 | macro F1 |",
        "|---|---|---|---|",
    ]
    audio = bundle.metrics.get(AUDIO_ONLY) if bundle.audio_network else None
    rows = [
        ("with their own popularity", test),
        ("popularity missing, typical value used", filled),
    ]
    if audio:
        rows.append(("popularity missing, the network that learned without it", audio))
    for label, scores in rows:
        lines.append(
            f"| {label} | {_percent(scores.get('accuracy'))} | "
            f"{_percent(scores.get('top2_accuracy'))} | "
            f"{_percent(scores.get('macro_f1'))} |"
        )
    if audio:
        lines += [
            "",
            "This bundle holds a second network, trained on the same tracks with "
            "their popularity held at the typical value "
            f"(`python -m core train-audio-network`, {audio.get('train_seconds')} "
            "s). A file is predicted with it when the file gives no popularity, "
            f"or when the predictable ones of its first {CHOICE_ROWS:,} tracks "
            f"(at least {AUDIO_ONLY_MIN_ROWS}) have a median novelty of "
            f"{AUDIO_ONLY_NOVELTY:g} or more: popularity depends on when and "
            "where a source was gathered, so it is the first input not to trust "
            "on tracks unlike the training ones. The choice is made from the "
            "file's own values, never its genres, and said with the predictions. "
            "Explanations, songs alike and the Predict page's sliders use the "
            "main network.",
        ]
    return "\n".join(lines) + "\n"


# The metrics key of the other-source figures (core.transfer.METRICS_KEY; the
# card does not import core.transfer, which predicts).
OTHER_SOURCE = "other_source"


# What Evaluate says of a model without the figures.
NO_OTHER_SOURCE = (
    "This model has not been scored on tracks from another source. Run "
    "`python -m core transfer --model <its folder> --other "
    "../shared/data/spotify_songs.csv --data data/music_genre.csv` to record "
    "them (the test figures above are for tracks from the training file's own "
    "source)."
)


def _band_rows(bands: list[dict]) -> str:
    return " | ".join(f"{_percent(band['top1'])} ({band['rows']:,})" for band in bands)


def other_source_section(metrics: dict) -> str:
    """ "On tracks from another source": the recorded figures, or "" when none."""
    figures = metrics.get(OTHER_SOURCE)
    if not figures:
        return ""
    genres = ", ".join(
        f"{theirs} as {ours}" for theirs, ours in figures["genres"].items()
    )
    lines = [
        "## On tracks from another source",
        f"TidyTuesday's Spotify songs (`{figures['source']}`, playlist genres from "
        f"spotifyr), the genres it shares with the ten: {genres}. Shared scoring: "
        "only those genres are scored, and Rap and Hip-Hop count as one (their "
        "probabilities added). The test figures above are for tracks from the "
        "training file's own source; expect these on tracks from elsewhere.",
        "",
        "| tracks | rows | top-1 | top-2 | median novelty | novelty >= 95 |",
        "|---|---|---|---|---|---|",
    ]
    source = figures["source"]
    rows = [
        (f"{source}, with their popularity", figures["with_popularity"]),
        (f"{source}, popularity left out", figures["without_popularity"]),
    ]
    if "test_tracks" in figures:
        rows.insert(
            0, ("Kaggle test tracks of the split above", figures["test_tracks"])
        )
    for label, scores in rows:
        shared = scores["shared"]
        median = scores.get("median_novelty")
        # Which network predicted them, for a bundle of two (predict.NetworkChoice).
        network = scores.get("network")
        label += f" ({network})" if network else ""
        lines.append(
            f"| {label} | {shared['rows']:,} | {_percent(shared['top1'])} | "
            f"{_percent(shared['top2'])} | "
            f"{'n/a' if median is None else f'{median:.1f}'} | "
            f"{_percent(scores.get('unusual_share'))} |"
        )
    banded = [(label, scores) for label, scores in rows if "by_novelty" in scores]
    if banded:
        bands = [band["band"] for band in banded[0][1]["by_novelty"]]
        lines += [
            "",
            "Top-1 (shared scoring) by novelty: how unlike the training tracks a "
            "track is, 0-100 (50: a typical training track; rows in brackets). "
            "Where top-1 falls as novelty rises, a high novelty is a reason to "
            "trust a prediction less:",
            "",
            "| tracks | " + " | ".join(f"novelty {band}" for band in bands) + " |",
            "|---|" + "---|" * len(bands),
        ]
        lines += [
            f"| {label} | {_band_rows(scores['by_novelty'])} |"
            for label, scores in banded
        ]
    lines += [
        "",
        "Measured with `python -m core transfer --model <this folder> --other "
        "../shared/data/spotify_songs.csv --data data/music_genre.csv`.",
    ]
    return "\n".join(lines) + "\n"


def prediction_sets_section(bundle: Bundle) -> str:
    """ "Prediction sets": the calibration and its coverage, or "" when none."""
    calibration = bundle.conformal
    figures = bundle.metrics.get(conformal.METRICS_KEY)
    if calibration is None or not figures:
        return ""
    lines = [
        "## Prediction sets",
        f'Answers such as "90% sure it is one of: Rap, Hip-Hop" come from split '
        f"conformal prediction ({calibration.method.upper()}), calibrated on "
        f"{calibration.rows:,} tracks the network never learned from "
        f"({calibration.source}). On other unseen tracks of the same file:",
        "",
        "| asked | listed genre in the set | mean genres per set | tracks |",
        "|---|---|---|---|",
    ]
    for asked, scores in figures["by_coverage"].items():
        lines.append(
            f"| {float(asked):.0%} | {_percent(scores['coverage'])} | "
            f"{scores['mean_size']:.2f} | {scores['rows']:,} |"
        )
    lines += [
        "",
        "The promise holds for tracks like the training tracks only: on tracks "
        "from another source, or unlike these (a high novelty), the sets miss "
        "the genre far more often (docs/model.md).",
    ]
    return "\n".join(lines) + "\n"


KNOWN_LIMITS = """## Known limits
- Rap and Hip-Hop share most of their tracks and sound alike: the model mixes
  them up more than any other pair; the top-2 genres usually hold both.
- Alternative overlaps with Rock; many songs are a fusion of genres, and each
  row carries one label only.
- Trained on Spotify features as of April 2020; new tracks or a different
  feature extractor may be scored differently."""


def _rebuild_section(
    command: str,
    comparison: dict | None,
    calibrated_afterwards: bool = False,
    audio_network: bool = False,
    other_source: bool = False,
) -> str:
    """The commands that rebuild this bundle (its comparison, its second
    network, its calibration, its other-source figures), in order."""
    compare_command = (
        "\npython -m core compare --data data/music_genre.csv "
        f"--seed {comparison.get('seed', 42)} --bundle <this folder>"
        if comparison
        else ""
    )
    calibrate_command = (
        "\npython -m core calibrate-conformal --model <this folder> "
        "--data data/music_genre.csv"
        if calibrated_afterwards
        else ""
    )
    audio_command = (
        "\npython -m core train-audio-network --model <this folder> "
        "--data data/music_genre.csv"
        if audio_network
        else ""
    )
    transfer_command = (
        "\npython -m core transfer --model <this folder> --other "
        "../shared/data/spotify_songs.csv --data data/music_genre.csv"
        if other_source
        else ""
    )
    return f"""## Rebuild
```
{command}{compare_command}{audio_command}{calibrate_command}{transfer_command}
```"""


def model_card(bundle: Bundle, command: str) -> str:
    """Describe a trained bundle in Markdown.

    Data, features, network, metrics, a file without popularity, other
    models, limits and how to rebuild it.
    """
    metrics = bundle.metrics
    comparison = metrics.get("comparison")
    test = metrics.get("test", {})
    popularity = _filled_popularity_section(bundle)
    other_source = other_source_section(metrics)
    genres = bundle.genres
    sets = prediction_sets_section(bundle)
    # Calibrated by calibrate-conformal, not while training: say so to rebuild.
    calibrated_afterwards = bundle.conformal is not None and (
        bundle.config.calibration_fraction == 0
    )
    newline = "\n"  # a backslash cannot stand inside an f-string's braces
    return f"""# GenreLab model card

Predicts a track's genre (one of {len(genres)}: {", ".join(genres.names)}) from
its Spotify audio features and popularity. No artist, title or id is used.

{_data_section(bundle)}

{_features_section(bundle)}

{_network_section(bundle.config, metrics, len(genres))}

{_metrics_section(bundle.config, metrics, genres)}

{popularity + newline if popularity else ""}{
        other_source + newline if other_source else ""
    }{sets + newline if sets else ""}{_comparison_section(comparison, test)}

{KNOWN_LIMITS}

{
        _rebuild_section(
            command,
            comparison,
            calibrated_afterwards,
            bundle.audio_network is not None,
            bool(other_source),
        )
    }
"""
