"""The model card: a README.md written into every saved bundle."""

from __future__ import annotations

from core import formats, schema
from core.bundle import Bundle
from core.card_figures import (
    comparison_section,
    other_source_section,
    percent,
    prediction_sets_section,
    uncertainty_section,
)
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


def _scores_row(split: str, scores: dict) -> str:
    """One row of the model card's metrics table: a split's scores and rows."""
    return (
        f"| {split} | {percent(scores.get('accuracy'))} | "
        f"{percent(scores.get('fusion_accuracy'))} | "
        f"{percent(scores.get('top2_accuracy'))} | "
        f"{percent(scores.get('macro_f1'))} | {scores.get('n_rows', 'n/a')} |"
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

{uncertainty_section(config, test)}

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
            f"| {label} | {percent(scores.get('accuracy'))} | "
            f"{percent(scores.get('top2_accuracy'))} | "
            f"{percent(scores.get('macro_f1'))} |"
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
    }{sets + newline if sets else ""}{comparison_section(comparison, test)}

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
