"""Where the model fails and whose genre looks wrong, on the Evaluate and Data pages.

The groups (core.segments) and the listings (core.label_issues) are
computed in core and cached in ui.cache; this module draws them, lists a
group's songs with the confusion cells' table (ui.song_list), and records
the genres people fix (ui.state) so that Train can learn from them.
"""

from __future__ import annotations

import functools
from typing import cast

import pandas as pd
import streamlit as st

from core import corrections, label_issues, segments, songs
from core.errors import GenreLabError
from core.held_out import HeldOut
from ui import cache, charts, readings, show, song_list, state

# --- where the model fails -----------------------------------------------------------


def pick_group(table_key: str, picker_key: str) -> None:
    """Callback of the groups table: a clicked group becomes the one listed."""
    rows = st.session_state[table_key]["selection"]["rows"]
    if rows:
        st.session_state[picker_key] = int(rows[0])


def failing_groups(
    report: segments.SegmentReport, songs_table: pd.DataFrame | None, key: str
) -> None:
    """The groups best first with their sentence; a picked group's songs below.

    Args:
        report: the groups (``ui.cache.segment_report``).
        songs_table: every labelled row's prediction (``core.songs``), for
            the group's songs; None: no songs listed.
        key: prefix of the widget keys.
    """
    if not report.segments:
        st.info(
            "No group stands out: the model is right (or wrong) on every one of "
            f"these {report.tracks:,} tracks, or no rule splits them."
        )
        return
    table = segments.segments_table(report)
    table_key, picker_key = f"{key}_groups", f"{key}_group"
    st.session_state.setdefault(picker_key, 0)
    if st.session_state[picker_key] >= len(table):
        st.session_state[picker_key] = 0
    st.dataframe(
        table[["rule", "reading", "tracks", "errors", "error_rate", "lift"]],
        hide_index=True,
        width="stretch",
        on_select=functools.partial(pick_group, table_key, picker_key),
        selection_mode="single-row",
        key=table_key,
        column_config={
            "rule": "group",
            "reading": "in words",
            "error_rate": st.column_config.NumberColumn("wrong", format="percent"),
            "lift": st.column_config.NumberColumn(
                "times overall", format="%.1fx", help="Its error rate / the overall."
            ),
        },
    )
    picked = st.selectbox(
        "Or pick a group to list its songs",
        range(len(table)),
        format_func=lambda number: table["rule"].iloc[number],
        key=picker_key,
    )
    if songs_table is None:
        return
    segment = report.segments[picked]
    listed = songs.rows_songs(songs_table, report.rows_of(segment))
    st.markdown(
        f"**{len(listed):,} songs** where {segment.rule}: "
        f"{report.reading(segment)} The model's mistakes come first; click a row "
        "to open that song on the Predict page."
    )
    song_list.song_table(
        listed, f"{key}_group_songs", f"{key}_group_open", f"{key}_group_open_song"
    )


def error_heatmap(held_out: HeldOut, key: str) -> None:
    """Two feature pickers and the error rate over their bins, with its reading."""
    features = list(segments.SEGMENT_FEATURES)
    x_column, y_column = st.columns(2)
    feature_x = x_column.selectbox(
        "Across",
        features,
        index=features.index("speechiness"),
        key=f"{key}_grid_x",
        format_func=readings.words.spoken,
    )
    others = [feature for feature in features if feature != feature_x]
    feature_y = y_column.selectbox(
        "Down",
        others,
        index=others.index("danceability") if "danceability" in others else 0,
        key=f"{key}_grid_y",
        format_func=readings.words.spoken,
    )
    grid = segments.error_grid(held_out.rows, held_out.wrong, feature_x, feature_y)
    show.chart(
        charts.evaluation.error_grid(grid, feature_x, feature_y),
        readings.evaluation.error_grid(grid, feature_x, feature_y),
        f"{key}_grid",
    )
    st.caption(
        f"Each feature cut into {segments.GRID_BINS} bins of about as many "
        f"tracks; a cell with fewer than {segments.MIN_CELL_TRACKS} tracks is "
        "grey (too few to say); tracks with an unknown value of either feature "
        "are left out."
    )


# --- whose genre looks wrong ---------------------------------------------------------


def pick_listing(table_key: str, picker_key: str, rows: list[int]) -> None:
    """Callback of a listings table: a clicked listing becomes the one to fix."""
    selected = st.session_state[table_key]["selection"]["rows"]
    if selected:
        st.session_state[picker_key] = rows[selected[0]]


def issue_list(
    issues: label_issues.LabelIssues, data_key: str, tracks_named: str, key: str
) -> None:
    """The listings whose genre looks wrong, a track's other listings with them.

    Picking a listing (click its row, or the picker) offers "Fix this genre",
    which records the correction in the session for the data ``data_key``.

    Args:
        issues: ``core.label_issues`` of out-of-sample predictions.
        data_key: the dataset's content key (corrections are kept per dataset).
        tracks_named: what was scored, for the sentence ("test tracks").
        key: prefix of the widget keys.
    """
    scored = len(issues.held_out.rows)
    table = issues.table.copy()
    fixed = state.corrections(data_key)
    table["corrected_to"] = table["row"].map(fixed).fillna("")
    st.markdown(
        f"**{issues.flagged:,} of {scored:,} {tracks_named}** are listed under a "
        "genre the model gives less than a 2% chance; with the other listings of "
        "the same songs, most likely wrong first. *Label quality* is the chance "
        "the model gives the listed genre."
    )
    if table.empty:
        return
    table_key, picker_key = f"{key}_issues", f"{key}_fix_row"
    rows = [int(row) for row in table["row"]]
    if st.session_state.get(picker_key) not in rows:
        st.session_state[picker_key] = rows[0]
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        on_select=functools.partial(pick_listing, table_key, picker_key, rows),
        selection_mode="single-row",
        key=table_key,
        column_config={
            "row": st.column_config.NumberColumn("row", format="%d"),
            "artist_name": "artist",
            "track_name": "title",
            "listed_genre": "listed under",
            "suggested_genre": "the model suggests",
            "label_quality": st.column_config.ProgressColumn(
                "label quality", min_value=0.0, max_value=1.0, format="percent"
            ),
            "corrected_to": "your correction",
        },
    )
    by_row = table.set_index("row")
    row_column, genre_column, button_column = st.columns(
        [3, 2, 1], vertical_alignment="bottom"
    )
    row = row_column.selectbox(
        "Listing to fix (or click its row)",
        rows,
        # (!s: the same text; it tells mypy a cell, typed as maybe bytes, is text.)
        format_func=lambda number: (
            f"row {number}: {by_row.at[number, 'artist_name']!s} — "
            f"{by_row.at[number, 'track_name']!s} "
            f"({by_row.at[number, 'listed_genre']!s})"
        ),
        key=picker_key,
    )
    suggested = fixed.get(row, by_row.at[row, "suggested_genre"])
    genres = list(issues.held_out.genres.names)
    genre = genre_column.selectbox(
        "Its genre",
        genres,
        index=genres.index(cast(str, suggested)) if suggested in genres else 0,
        key=f"{key}_fix_genre_{row}",
    )
    if button_column.button("Fix this genre", key=f"{key}_fix", type="primary"):
        listed = by_row.at[row, "listed_genre"]
        state.correct_genre(data_key, row, None if genre == listed else genre)
        st.rerun()


def corrections_panel(typed: pd.DataFrame, data_key: str, key: str) -> None:
    """How many genres were fixed, their download, and a way to forget them."""
    fixed = state.corrections(data_key)
    if not fixed:
        st.caption(
            "No genre fixed yet. Fixed genres can be downloaded and used by the "
            "next training (**Train** page)."
        )
        return
    genres = "genre" if len(fixed) == 1 else "genres"
    st.markdown(
        f"**{len(fixed)} {genres} fixed** in this session. The next training on "
        "the **Train** page can learn from them; the download holds those rows "
        "of the file, in its own columns, with the fixed genre."
    )
    try:
        content = corrections.corrections_csv(typed, fixed)
    except GenreLabError as error:
        st.error(str(error))
        return
    download_column, forget_column = st.columns(2)
    download_column.download_button(
        f"Download the {len(fixed)} corrected rows (CSV)",
        content,
        file_name="genre_corrections.csv",
        mime="text/csv",
        key=f"{key}_corrections_download",
        icon=":material/download:",
        on_click="ignore",
    )
    if forget_column.button("Forget my corrections", key=f"{key}_corrections_forget"):
        fixed.clear()
        st.rerun()


# --- every track's genre, cross-validated (Data page) --------------------------------


def cross_validated_check(
    typed: pd.DataFrame, data_key: str, config, recipe_name: str, key: str
) -> label_issues.LabelIssues | None:
    """A button that checks every track with K models, each trained without it.

    Trains through the server's training queue with a progress bar (not
    cached: a cached function cannot draw progress); the result is kept in
    the session for this dataset and recipe.

    Args:
        typed: the loaded dataset.
        data_key: its content key.
        config: the recipe of the K models (a ``TrainingConfig``).
        recipe_name: the recipe as people read it ("the model in use's").
        key: prefix of the widget keys.

    Returns:
        The kept result for this dataset and recipe, or None.
    """
    from core import card_figures
    from core import held_out as held_outs

    recipe = card_figures.recipe_digest(config)
    folds = st.number_input(
        "Models (folds)",
        min_value=2,
        max_value=held_outs.MAX_FOLDS,
        value=4,
        step=1,
        key=f"{key}_folds",
        help="Each model learns from the other folds' songs and checks its own: "
        "more models learn from more songs, and take longer.",
    )
    if st.button(
        f"Check every track ({folds} trainings of {recipe_name})",
        key=f"{key}_start",
        icon=":material/fact_check:",
    ):
        try:
            checked = _train_folds(typed, config, int(folds), key)
        except GenreLabError as error:
            st.error(str(error))
        else:
            cache.keep_result(
                cache.CROSS_VALIDATED,
                (data_key, recipe),
                label_issues.label_issues_of(checked),
            )
    return cache.kept_result(cache.CROSS_VALIDATED, (data_key, recipe))


def _train_folds(typed: pd.DataFrame, config, folds: int, key: str) -> HeldOut:
    """core.held_out.cross_validated_predictions in a training-queue slot."""
    from core import held_out as held_outs
    from ui import training

    queue = cache.training_queue()
    ticket = queue.join(state.session_id())
    try:
        training.wait_for_a_slot(ticket, f"{key}_cancel")
        progress = st.progress(0.0, text="Preparing the data...")
        done = {"fold": 0}

        def on_fold(number: int, total: int) -> None:
            done["fold"] = number
            progress.progress(
                number / total, text=f"Training model {number + 1} of {total}..."
            )

        def on_epoch(log) -> None:
            queue.alive(ticket)
            if log.member == log.members - 1:
                share = (done["fold"] + min(log.epoch / log.epochs, 1.0)) / folds
                progress.progress(
                    share,
                    text=f"Training model {done['fold'] + 1} of {folds}: epoch "
                    f"{log.epoch}/{log.epochs}",
                )

        checked = held_outs.cross_validated_predictions(
            typed, config, folds, on_fold=on_fold, on_epoch=on_epoch
        )
        progress.empty()
        return checked
    finally:
        queue.leave(ticket)
