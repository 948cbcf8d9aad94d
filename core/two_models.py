"""Two models, song by song: which songs one gets right and the other wrong.

Two models' accuracies can differ by a point while they disagree on hundreds
of songs. This compares their answers on the same tracks (rows of
:func:`core.songs.predictions_table` for each model): how many each gets
right, the 2x2 table of right and wrong, and the songs that flipped either
way, with one sentence that says it.

Only tracks neither model learned from are compared: a track one model
trained on would flatter it. No Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast
from urllib.parse import urlencode

import pandas as pd

from core import links, predict, songs

RIGHT, WRONG = "right", "wrong"
FIXED, BROKEN = "fixed", "broken"
# Columns of the flipped songs' table.
FIRST_ANSWER, SECOND_ANSWER, CHANGE = "first_model", "second_model", "change"
LINK = "link"
# The page's address, relative to the Evaluate page (Streamlit serves each
# page of pages/ at its name).
PREDICT_PAGE = "Predict"


@dataclass(frozen=True)
class SongBySong:
    """The two models' answers compared on the same tracks."""

    # How many tracks both models answered and neither learned from.
    rows: int
    first_right: int
    second_right: int
    # 2x2 counts: index the first model right/wrong, columns the second's.
    table: pd.DataFrame
    # Songs the second model gets right and the first wrong (fixed), and the
    # reverse (broken): artist, title, listed genres, both answers, a link.
    flipped: pd.DataFrame

    @property
    def fixed(self) -> int:
        return int(cast(int, self.table.loc[WRONG, RIGHT]))  # a count

    @property
    def broken(self) -> int:
        return int(cast(int, self.table.loc[RIGHT, WRONG]))


def comparable_rows(first: pd.DataFrame, second: pd.DataFrame) -> pd.Index:
    """Rows both tables predict and neither model trained on, in ``first``'s order."""
    common = first.index.intersection(second.index, sort=False)
    unseen = (first.loc[common, songs.SPLIT] != songs.TRAINING) & (
        second.loc[common, songs.SPLIT] != songs.TRAINING
    )
    return common[unseen.to_numpy()]


def predict_link(instance_id: object) -> str | None:
    """A relative address that opens a dataset track on Predict (``?track=...``)."""
    track = links.track_id(instance_id)
    if track is None:
        return None
    return f"{PREDICT_PAGE}?{urlencode({links.TRACK: track})}"


def song_by_song(
    first: pd.DataFrame, second: pd.DataFrame, typed: pd.DataFrame | None = None
) -> SongBySong:
    """Compare two models' predictions on the same tracks.

    Args:
        first, second: :func:`core.songs.predictions_table` of each model on
            the same data (same index).
        typed: that data, for the tracks' ids (the links); optional.

    Returns:
        The counts, the 2x2 table and the flipped songs (fixed first).
    """
    rows = comparable_rows(first, second)
    truth = first.loc[rows, songs.TRUE_GENRE]
    first_answer = first.loc[rows, predict.PREDICTED]
    second_answer = second.loc[rows, predict.PREDICTED]
    first_right = (first_answer == truth).to_numpy()
    second_right = (second_answer == truth).to_numpy()
    table = pd.DataFrame(
        [
            [
                int((first_right & second_right).sum()),
                int((first_right & ~second_right).sum()),
            ],
            [
                int((~first_right & second_right).sum()),
                int((~first_right & ~second_right).sum()),
            ],
        ],
        index=pd.Index([RIGHT, WRONG], name="first model"),
        columns=pd.Index([RIGHT, WRONG], name="second model"),
    )
    changed = first_right != second_right
    columns = [c for c in ("artist_name", "track_name") if c in first.columns]
    flipped = first.loc[
        rows[changed], [*columns, songs.SONG, songs.TRUE_GENRE, songs.LISTED]
    ].copy()
    flipped[FIRST_ANSWER] = first_answer[changed]
    flipped[SECOND_ANSWER] = second_answer[changed]
    flipped[CHANGE] = [FIXED if right else BROKEN for right in second_right[changed]]
    if "artist_name" in flipped:
        flipped["artist_name"] = flipped["artist_name"].replace(
            songs.EMPTY_ARTIST, songs.UNKNOWN_ARTIST
        )
    if typed is not None and links.ID_COLUMN in typed.columns:
        flipped[LINK] = [
            predict_link(value) for value in typed.loc[flipped.index, links.ID_COLUMN]
        ]
    flipped = flipped.sort_values(CHANGE, kind="stable", key=lambda c: c != FIXED)
    return SongBySong(
        rows=len(rows),
        first_right=int(first_right.sum()),
        second_right=int(second_right.sum()),
        table=table,
        flipped=flipped,
    )


def _most_common(
    flipped: pd.DataFrame, change: str, column: str
) -> tuple[str, str, int] | None:
    """The commonest (true genre, answer, count) among one direction's flips."""
    rows = flipped[flipped[CHANGE] == change]
    if rows.empty:
        return None
    pairs = rows.groupby([songs.TRUE_GENRE, column]).size()
    pairs = pairs.sort_values(ascending=False, kind="stable")
    genre, called = pairs.index[0]
    return str(genre), str(called), int(pairs.iloc[0])


def comparison_sentence(result: SongBySong, first_name: str, second_name: str) -> str:
    """The comparison in one sentence.

    E.g. "Run 2 fixes 212 songs and breaks 97 of the 4,484 neither model
    learned from: most fixed are Rock that Shipped model called Alternative
    (40); most broken, Rap that Run 2 calls Hip-Hop (30).".
    """
    if result.rows == 0:
        return "No track can be compared: none is unseen by both models."
    if not result.fixed and not result.broken:
        return (
            f"{second_name} and {first_name} are right and wrong on exactly the "
            f"same songs, all {result.rows:,} of them."
        )
    sentence = (
        f"{second_name} fixes {result.fixed:,} songs and breaks {result.broken:,} "
        f"of the {result.rows:,} neither model learned from"
    )
    parts = []
    fixed = _most_common(result.flipped, FIXED, FIRST_ANSWER)
    if fixed:
        parts.append(
            f"most fixed are {fixed[0]} that {first_name} called {fixed[1]} "
            f"({fixed[2]:,})"
        )
    broken = _most_common(result.flipped, BROKEN, SECOND_ANSWER)
    if broken:
        parts.append(
            f"most broken, {broken[0]} that {second_name} calls {broken[1]} "
            f"({broken[2]:,})"
        )
    return sentence + (": " + "; ".join(parts) if parts else "") + "."
