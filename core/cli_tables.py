"""The commands that write a table of one row per track: ``predict``,
``explain``, ``counterfactual``, ``similar``, ``segments``, ``label-issues``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli_shared import (
    cluster_address,
    cluster_client,
    first_row,
    goes_partitioned,
    load_labelled,
    output_file,
    replaced_on_success,
    scored_rows_line,
    stream_to_csv,
    tell_network,
    tell_understood,
    with_input_novelty,
    write_table,
)
from core.errors import GenreLabError


def command_predict(arguments: argparse.Namespace) -> int:
    output = Path(arguments.output)
    if output.is_dir():
        raise GenreLabError(f"--output {output} is a folder; give a file name.")
    address = cluster_address(arguments)
    from core import bundle, export

    model_bundle = bundle.load_bundle(arguments.model)
    if goes_partitioned(arguments, arguments.input, arguments.output):
        from core import partitioned

        kind = partitioned.output_format(arguments.output)
        with (
            cluster_client(address) as client,
            replaced_on_success(output, binary=kind == "parquet") as stream,
        ):
            result = partitioned.predict_parts(
                model_bundle,
                arguments.input,
                stream,
                kind,
                client,
                score=False,
                coverage=arguments.coverage,
            )
    else:
        with replaced_on_success(output) as stream:
            result = export.predict_file(
                model_bundle,
                arguments.input,
                stream,
                score=False,
                separate_process=True,
                coverage=arguments.coverage,
            )
    tell_understood(result.understood, arguments.verbose)
    tell_network(result.network)
    print(f"{result.predicted} of {result.rows} rows predicted; written to {output}")
    if arguments.coverage is not None:
        from core import conformal

        print(conformal.guarantee_sentence(arguments.coverage))
    if result.novelty is not None:
        from core import novelty

        for sentence in novelty.file_sentences(result.novelty):
            print(sentence)
    return 0


def command_explain(arguments: argparse.Namespace) -> int:
    from core import bundle, predict, shapley

    cluster_address(arguments)  # a bad --cluster is refused before any work
    model_bundle = bundle.load_bundle(arguments.model)
    if arguments.genre is not None:
        # Refused before reading anything: a genre the model does not have.
        model_bundle.genres.index(arguments.genre)

    def explained(raw, typed, renamed):
        explanation = shapley.explain_frame(model_bundle, typed, arguments.genre)
        explanation[predict.NOVELTY] = predict.novelty_of(
            model_bundle, typed, first_row(typed)
        )
        return raw.drop(columns=explanation.columns, errors="ignore").join(explanation)

    rows, _ = stream_to_csv(arguments, explained)
    print(f"{rows} rows explained or given a reason; written to {arguments.output}")
    return 0


def command_counterfactual(arguments: argparse.Namespace) -> int:
    from core import bundle, counterfactual

    locked = tuple(name.strip() for name in arguments.lock.split(",") if name.strip())
    model_bundle = bundle.load_bundle(arguments.model)
    # Checked before reading anything: a bad genre or lock writes nothing.
    counterfactual.check_request(arguments.genre, locked, model_bundle.genres)
    reached = 0

    def changed(raw, typed, renamed):
        nonlocal reached
        table = counterfactual.counterfactual_frame(
            model_bundle, raw, typed, arguments.genre, locked, renamed
        )
        reached += int((table[counterfactual.REACHED] == "true").sum())
        return table

    rows, _ = stream_to_csv(arguments, changed)
    print(
        f"{reached} of {rows} rows made {arguments.genre}; written to "
        f"{arguments.output}"
    )
    return 0


def command_similar(arguments: argparse.Namespace) -> int:
    from core import bundle, predict, songs

    if not 1 <= arguments.k <= 100:
        raise GenreLabError(
            f"--k must be a whole number from 1 to 100, not {arguments.k}."
        )
    cluster_address(arguments)  # a bad --cluster is refused before any work
    model_bundle = bundle.load_bundle(arguments.model)
    tracks = load_labelled(arguments.data, verbose=False)
    index = songs.sound_index(model_bundle, tracks)
    if index.tracks.empty:
        raise GenreLabError("No track of --data can be predicted by this model.")
    rows, written = stream_to_csv(
        arguments,
        lambda raw, typed, renamed: with_input_novelty(
            songs.similar_table(model_bundle, index, typed, arguments.k),
            predict.novelty_of(model_bundle, typed, first_row(typed)),
        ),
    )
    print(
        f"{written} neighbour rows for {rows} input rows; written to {arguments.output}"
    )
    return 0


def command_segments(arguments: argparse.Namespace) -> int:
    from core import bundle, segments

    output = output_file(arguments)
    segments.check_min_share(arguments.min_share)
    model_bundle = bundle.load_bundle(arguments.model)
    typed = load_labelled(arguments.data, arguments.verbose)
    report = segments.file_segments(model_bundle, typed, arguments.min_share)
    if report.tracks == 0:
        raise GenreLabError(
            "No row of --data can be scored: none has both a prediction and "
            "one of the model's genres."
        )
    table = segments.segments_table(report)[segments.SEGMENT_COLUMNS]
    write_table(table.round({"error_rate": 4, "share": 4, "lift": 4}), output)
    print(
        f"{len(table)} groups, {report.errors} of {report.tracks} wrong overall; "
        f"{scored_rows_line(report.held_out)}; written to {output}"
    )
    if report.segments:
        print(f"worst: {report.segments[0].rule}. {report.reading(report.segments[0])}")
    return 0


def command_label_issues(arguments: argparse.Namespace) -> int:
    from core import bundle, held_out, label_issues

    output = output_file(arguments)
    if arguments.folds is not None:
        held_out.check_folds(arguments.folds)  # before minutes of training
    model_bundle = bundle.load_bundle(arguments.model)
    typed = load_labelled(arguments.data, arguments.verbose)
    if arguments.folds is None:
        issues = label_issues.file_label_issues(model_bundle, typed)
    else:

        def training(number: int, folds: int) -> None:
            sys.stderr.write(f"training model {number + 1} of {folds}...\n")
            sys.stderr.flush()

        scored = held_out.cross_validated_predictions(
            typed, model_bundle.config, arguments.folds, on_fold=training
        )
        issues = label_issues.label_issues_of(scored)
    if len(issues.held_out.labels) == 0:
        raise GenreLabError(
            "No row of --data can be checked: none has both a prediction and "
            "one of the model's genres."
        )
    write_table(issues.table.round({"label_quality": 6}), output)
    print(
        f"{issues.flagged} listings whose genre looks wrong "
        f"({len(issues.table)} rows with their tracks' other listings); "
        f"{scored_rows_line(issues.held_out)}; written to {output}"
    )
    return 0
