"""The sentences people read, shared by the pages and the command line.

Each takes what core computed (a track's prediction, Shapley values, a
sweep's runs, a reliability table) and says it in one plain sentence; the
modules that compute hold no prose for people to read beside their error
messages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core import schema, sweep
from core.predict import TrackPrediction
from core.shapley import Shapley


def top_two_sentence(prediction: TrackPrediction) -> str:
    """A plain sentence on the two likeliest genres.

    For example "Mostly Rock, with some Alternative".
    """
    (top, first), (runner_up, second) = prediction.ranked[:2]
    if first >= 0.75:
        return f"Clearly {top} ({first:.0%})."
    if first - second < 0.05:
        return f"A toss-up between {top} ({first:.0%}) and {runner_up} ({second:.0%})."
    return f"Mostly {top} ({first:.0%}), with some {runner_up} ({second:.0%})."


@dataclass(frozen=True)
class FeatureWords:
    """The words for one audio feature, in the three ways GenreLab says it."""

    # A change with its size: "more energy (+0.25)" (core.counterfactual).
    more: str
    less: str
    # One track next to another: "much more energetic" (core.songs).
    higher: str
    lower: str
    # A value next to the typical track's: "high energy" (describe_value).
    high: str
    low: str


FEATURE_WORDS = {
    "popularity": FeatureWords(
        "more popular",
        "less popular",
        "more popular",
        "less popular",
        "high popularity",
        "low popularity",
    ),
    "acousticness": FeatureWords(
        "more acoustic",
        "less acoustic",
        "more acoustic",
        "less acoustic",
        "an acoustic sound",
        "an electric sound",
    ),
    "danceability": FeatureWords(
        "more danceable",
        "less danceable",
        "more danceable",
        "less danceable",
        "high danceability",
        "low danceability",
    ),
    "duration_ms": FeatureWords(
        "longer",
        "shorter",
        "longer",
        "shorter",
        "a long duration",
        "a short duration",
    ),
    "energy": FeatureWords(
        "more energy",
        "less energy",
        "more energetic",
        "calmer",
        "high energy",
        "low energy",
    ),
    "instrumentalness": FeatureWords(
        "more instrumental",
        "more vocal",
        "more instrumental",
        "more vocal",
        "few vocals",
        "vocals",
    ),
    "liveness": FeatureWords(
        "more live",
        "more studio-like",
        "more live-sounding",
        "more studio-like",
        "a live sound",
        "a studio sound",
    ),
    "loudness": FeatureWords(
        "louder", "quieter", "louder", "quieter", "loudness", "quietness"
    ),
    "speechiness": FeatureWords(
        "more speech",
        "less speech",
        "more speechy",
        "less speechy",
        "high speechiness",
        "low speechiness",
    ),
    "tempo": FeatureWords(
        "faster", "slower", "faster", "slower", "a fast tempo", "a slow tempo"
    ),
    "valence": FeatureWords(
        "happier", "sadder", "happier", "sadder", "a happy mood", "a sad mood"
    ),
}


def describe_value(feature: str, value: float | str, baseline: float | str) -> str:
    """A few words on a feature's value next to the typical track's.

    For example "high speechiness".
    """
    if feature == schema.KEY_COLUMN:
        return f"the key of {value}"
    if feature == schema.MODE_COLUMN:
        return f"the {str(value).lower()} mode"
    if isinstance(value, float) and math.isnan(value):
        return f"an unknown {feature.replace('_ms', '')}"
    words = FEATURE_WORDS[feature]
    return words.high if float(value) >= float(baseline) else words.low


def shapley_reading(shapley: Shapley, genre: str) -> str:
    """One sentence on what pushed ``genre`` most.

    For example "High speechiness adds 31 points to Rap".
    """
    table = shapley.for_genre(genre)
    top = table.iloc[0]
    points = top["contribution"] * 100
    if abs(points) < 0.5:
        baseline = shapley.baseline_probabilities[shapley.genres.index(genre)]
        return (
            f"No feature moves {genre} by more than half a point from the typical "
            f"track's {baseline:.0%}."
        )
    what = describe_value(top["feature"], top["value"], top["baseline"])
    verb = "adds" if points > 0 else "takes"
    preposition = "to" if points > 0 else "from"
    sentence = (
        f"{what[0].upper()}{what[1:]} {verb} {abs(points):.0f} points "
        f"{preposition} {genre}"
    )
    if len(table) > 1 and abs(table.iloc[1]["contribution"]) * 100 >= 0.5:
        second = table.iloc[1]
        second_points = second["contribution"] * 100
        second_what = describe_value(
            second["feature"], second["value"], second["baseline"]
        )
        sentence += (
            f"; {second_what} {'adds' if second_points > 0 else 'takes'} "
            f"{abs(second_points):.0f}"
        )
    return sentence + "."


def sweep_reading(setting: str, runs: Sequence[sweep.SweepRun]) -> str:
    """One sentence on what the sweep showed.

    For example "More dropout helped up to 0.3, then hurt.".
    """
    if not runs:
        return "No run has finished yet."
    spec = sweep.SETTINGS[setting]
    name = spec.label[0].lower() + spec.label[1:]
    scores = [run.validation["accuracy"] for run in runs]
    values = [run.values[setting] for run in runs]
    winner = int(np.argmax(scores))
    spread = (max(scores) - min(scores)) * 100
    if len(runs) == 1:
        return (
            f"One run so far: {sweep.shown_value(values[0])} reached {scores[0]:.1%}."
        )
    if spread < sweep.LEVEL_POINTS:
        return (
            f"The {name} made little difference here: every value within "
            f"{spread:.1f} points ({min(scores):.1%} to {max(scores):.1%})."
        )
    best_text = f"{sweep.shown_value(values[winner])} ({scores[winner]:.1%})"
    if spec.numeric:
        order = np.argsort([sweep.setting_number(value) for value in values])
        position = int(np.flatnonzero(order == winner)[0])
        ordered = [scores[i] for i in order]
        low, high = (
            sweep.shown_value(values[order[0]]),
            sweep.shown_value(values[order[-1]]),
        )
        if position == len(order) - 1:
            sentence = (
                f"More was better: the {name} did best at its largest value, "
                f"{best_text}"
            )
        elif position == 0:
            sentence = (
                f"Less was better: the {name} did best at its smallest value, "
                f"{best_text}"
            )
        else:
            # Past the peak: a drop under sweep.LEVEL_POINTS is no real change.
            after = (
                "then hurt"
                if (scores[winner] - ordered[-1]) * 100 >= sweep.LEVEL_POINTS
                else "then levelled off"
            )
            sentence = (
                f"Raising the {name} helped up to {best_text}, {after} "
                f"({sweep.shown_value(values[order[-1]])}: {ordered[-1]:.1%})"
            )
        sentence += (
            f"; from {low} to {high} validation accuracy spans {spread:.1f} points"
        )
    else:
        worst = int(np.argmin(scores))
        sentence = (
            f"{best_text} was best and {sweep.shown_value(values[worst])} worst "
            f"({scores[worst]:.1%}), {spread:.1f} points apart"
        )
    fastest = sweep.fastest_learner(runs, winner)
    if fastest is not None:
        leader, epoch = fastest
        sentence += (
            f"; {sweep.shown_value(values[leader])} learned fastest (ahead after "
            f"{epoch} epoch{'s' if epoch > 1 else ''}) but ended lower"
        )
    return sentence + "."


def reliability_reading(result: dict) -> str:
    """One sentence on the reliability table.

    "When it says 70%, it is right 68% of the time."
    """
    table = result["table"]
    if table.empty:
        return "There are no tracks to check the percentages on."
    # The bin nearest 70% among those holding at least 5% of the tracks (a
    # typical "fairly sure" answer, measured on enough tracks to mean it).
    enough = table[table["tracks"] >= 0.05 * result["tracks"]]
    candidates = enough if not enough.empty else table
    busiest = candidates.iloc[int(np.argmin(np.abs(candidates["confidence"] - 0.7)))]
    error = result["expected_calibration_error"]
    return (
        f"When it says {busiest['confidence']:.0%}, "
        f"it is right {busiest['accuracy']:.0%} "
        f"of the time ({int(busiest['tracks']):,} tracks); "
        f"over all {result['tracks']:,} "
        f"tracks its percentages are off by {error * 100:.1f} points on average."
    )
