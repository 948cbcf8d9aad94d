"""The commands that read a labelled file whole or make a model: ``report``,
``train``, ``evaluate``, ``calibrate-novelty``, ``train-audio-network``,
``calibrate-conformal``, ``transfer``, ``sweep``, ``compare``, ``download``."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from core import download, wording
from core.cli_shared import (
    ProgressBar,
    cluster_address,
    cluster_client,
    count,
    dataset_path,
    goes_partitioned,
    load_labelled,
    load_labelled_understood,
    metrics_lines,
    preset_with,
    replaced_on_success,
    source,
    tell_left_out,
    tell_network,
    tell_understood,
    top2_text,
)
from core.errors import GenreLabError


def command_report(arguments: argparse.Namespace) -> int:
    # The file is checked before the heavier modules load: a refusal is instant.
    typed, understood = load_labelled_understood(
        arguments.data, arguments.verbose, arguments.label
    )
    from core import report

    result = report.data_report(typed, understood)
    if arguments.json:
        print(json.dumps(result))
        return 0
    print(
        f"rows: {result['rows']} ({result['blank_rows']} blank, "
        f"{result['invalid_rows']} invalid, "
        f"{result['rows_with_unknowns']} with unknowns)"
    )
    print("unknown values:")
    for column, rate in result["unknown_rates"].items():
        if rate:
            print(f"  {column:<12} {rate:6.2%}")
    print("rows per genre (loaded / after drop / after impute):")
    balance = result["class_balance"]
    for genre in balance["loaded"]:
        print(
            f"  {genre:<12} {balance['loaded'][genre]:>6} {balance['drop'][genre]:>6} "
            f"{balance['impute'][genre]:>6}"
        )
    print("rows per label, as written in the file:")
    counted = result["label_counts"]
    for entry in counted["labels"]:
        genre = entry["genre"]
        counts_as = "" if genre == entry["label"] else f"counted as {genre}"
        print(f"  {entry['label']:<12} {entry['rows']:>6}  {counts_as}".rstrip())
    if counted["other_labels"]:
        print(f"  {'(other labels)':<12} {counted['other_labels']:>6}")
    if counted["unlabelled"]:
        print(f"  {'(no label)':<12} {counted['unlabelled']:>6}")
    duplicates = result["duplicates"]
    print(
        f"duplicate rows of a track: {duplicates['duplicate_rows']}; "
        f"tracks under several genres: {duplicates['multi_genre_tracks']}"
    )
    for pair in duplicates["genre_pairs"][:5]:
        print(f"  {pair['genres']:<24} {pair['tracks']}")
    return 0


def command_train(arguments: argparse.Namespace) -> int:
    config = preset_with(arguments)
    from core import bundle, pipeline

    bundle.check_destination(arguments.out)  # before minutes of training
    typed, understood = load_labelled_understood(
        arguments.data, arguments.verbose, arguments.label
    )
    from core.model_card import model_card

    run = pipeline.train_from_frame(
        typed,
        config,
        on_epoch=None if arguments.quiet else ProgressBar(),
        source=source(arguments, understood),
    )
    # Quoted so that a path with spaces survives being pasted back.
    command = (
        "python -m core " + shlex.join(sys.argv[1:])
        if sys.argv[1:2] == ["train"]
        else "python -m core train"
    )
    run.bundle.info["command"] = command
    bundle.save_bundle(run.bundle, arguments.out, card=model_card(run.bundle, command))
    tell_left_out(run.metrics)
    for line in metrics_lines(run.metrics):
        print(line)
    print(f"trained in {run.seconds:.1f} s; bundle written to {arguments.out}")
    return 0


def command_evaluate(arguments: argparse.Namespace) -> int:
    from core import bundle, evaluate, export

    address = cluster_address(arguments)
    model_bundle = bundle.load_bundle(arguments.model)
    source = str(download.resolve_data_path(arguments.data))
    if goes_partitioned(arguments, source, None):
        from core import partitioned

        with cluster_client(address) as client:
            result = partitioned.predict_parts(
                model_bundle,
                source,
                client=client,
                require_label=True,
                label=arguments.label,
            )
    else:
        result = export.predict_file(
            model_bundle,
            dataset_path(arguments.data),
            require_label=True,
            separate_process=True,
            label=arguments.label,
        )
    tell_understood(result.understood, arguments.verbose)
    tell_network(result.network)
    metrics = result.scores
    # require_label=True: the file is always scored and understood.
    assert metrics is not None and result.understood is not None
    if arguments.json:
        print(json.dumps(metrics))
        return 0
    if metrics["n_rows"] == 0:
        print(f"No row could be scored ({metrics['n_unpredictable']} unpredictable).")
        return 0
    print(
        f"accuracy {metrics['accuracy']:.4f}  {top2_text(metrics)}"
        f"macro F1 {metrics['macro_f1']:.4f} (over the "
        f"{count(metrics['macro_f1_genres'], 'genre')} in the file)"
    )
    if "fusion_accuracy" in metrics:
        print(
            "counting any genre the track is listed under: "
            f"{metrics['fusion_accuracy']:.4f}"
        )
    print(
        f"rows scored {metrics['n_rows']}, without a prediction "
        f"{metrics['n_unpredictable']}"
    )
    if metrics["n_unlabelled"]:
        others = result.understood.other_labels
        named = ", ".join(
            f"{label} {rows:,}"
            for label, rows in sorted(others.items(), key=lambda item: -item[1])[:8]
        )
        print(
            f"not scored: {metrics['n_unlabelled']:,} rows of no genre of the "
            f"model ({named or 'no genre given'})"
        )
    print("confusion matrix (rows: true genre, columns: predicted genre):")
    for line in evaluate.matrix_lines(metrics["confusion_matrix"], metrics["genres"]):
        print(line)
    return 0


def command_calibrate_novelty(arguments: argparse.Namespace) -> int:
    from core import bundle, calibration
    from core.model_card import model_card

    target = bundle.load_bundle(arguments.model)
    typed = load_labelled(arguments.data, verbose=False)
    calibration.calibrate_novelty(target, typed)
    command = target.info.get("command", "python -m core train ...")
    bundle.save_bundle(target, arguments.model, card=model_card(target, command))
    print(
        f"Novelty reference of {arguments.model} fitted on its training tracks; "
        "network and metrics unchanged."
    )
    return 0


def command_train_audio_network(arguments: argparse.Namespace) -> int:
    from core import bundle, pipeline
    from core.model_card import AUDIO_ONLY, SOURCE_KEY, model_card

    target = bundle.load_bundle(arguments.model)
    bundle.check_destination(arguments.model)
    typed, understood = load_labelled_understood(arguments.data, verbose=False)
    pipeline.train_audio_network(
        target, typed, on_epoch=None if arguments.quiet else ProgressBar()
    )
    # The file is the training file (its fingerprint was checked): a bundle
    # saved before bundles named their file can name it now.
    target.info.setdefault(SOURCE_KEY, source(arguments, understood))
    command = target.info.get("command", "python -m core train ...")
    bundle.save_bundle(target, arguments.model, card=model_card(target, command))
    scores = target.metrics[AUDIO_ONLY]
    print(
        f"network without popularity added to {arguments.model}: on its test "
        f"tracks without popularity, accuracy {scores['accuracy']:.4f}  "
        f"{top2_text(scores)}macro F1 {scores['macro_f1']:.4f}; trained in "
        f"{scores['train_seconds']:.1f} s"
    )
    return 0


def command_calibrate_conformal(arguments: argparse.Namespace) -> int:
    from core import bundle, calibration, conformal
    from core.model_card import model_card

    target = bundle.load_bundle(arguments.model)
    typed = load_labelled(arguments.data, verbose=False)
    rows = calibration.calibrate_conformal(target, typed)
    command = target.info.get("command", "python -m core train ...")
    bundle.save_bundle(target, arguments.model, card=model_card(target, command))
    figures = target.metrics[conformal.METRICS_KEY]["by_coverage"]
    shown = ", ".join(
        f"{name}: {values['coverage']:.1%} held, {values['mean_size']:.2f} genres"
        for name, values in figures.items()
    )
    print(
        f"Prediction sets of {arguments.model} calibrated on "
        f"{len(rows.calibration):,} tracks ({rows.source}); on "
        f"{len(rows.evaluation):,} other unseen tracks: {shown}. "
        "Network unchanged."
    )
    return 0


def command_transfer(arguments: argparse.Namespace) -> int:
    from core import bundle, transfer
    from core.model_card import model_card

    target = bundle.load_bundle(arguments.model)
    figures = transfer.other_source_figures(target, arguments.other)
    if arguments.data is not None:
        typed = load_labelled(arguments.data, verbose=False)
        figures["test_tracks"] = transfer.test_track_figures(target, typed)
    target.metrics[transfer.METRICS_KEY] = figures
    command = target.info.get("command", "python -m core train ...")
    bundle.save_bundle(target, arguments.model, card=model_card(target, command))
    shared = figures["with_popularity"]["shared"]
    print(
        f"{figures['source']}: top-1 {shared['top1']:.1%}, top-2 {shared['top2']:.1%} "
        f"on {shared['rows']:,} tracks (shared scoring); recorded in "
        f"{arguments.model}."
    )
    return 0


def command_sweep(arguments: argparse.Namespace) -> int:
    from core import bundle, export, sweep
    from core.model_card import SOURCE_KEY, model_card

    base = preset_with(arguments)
    # Checked before minutes of training: the setting, the values, the folder.
    configs, tried = sweep.sweep_plan(base, arguments.setting, arguments.values)
    address = cluster_address(arguments)
    out = Path(arguments.out)
    if out.exists() and (
        not out.is_dir()
        or any(path.name not in ("sweep.csv", "best") for path in out.iterdir())
    ):
        raise GenreLabError(
            f"{out} already exists and is not a sweep folder; "
            "choose a new or empty one."
        )
    bundle.check_destination(out / "best")
    typed, understood = load_labelled_understood(
        arguments.data, verbose=False, label=arguments.label
    )

    def started(number: int, count: int, tried: dict) -> None:
        if not arguments.quiet:
            value = sweep.shown_value(tried[arguments.setting])
            sys.stderr.write(
                f"run {number + 1} of {count}: {arguments.setting} {value}\n"
            )

    if address is None:
        runs = sweep.run_configs(
            typed,
            configs,
            tried,
            on_run_start=started,
            on_epoch=None if arguments.quiet else ProgressBar(),
        )
    else:
        from core import cluster_training

        def ended(number: int, count: int, run) -> None:
            if not arguments.quiet:
                value = sweep.shown_value(run.values[arguments.setting])
                sys.stderr.write(
                    f"run {number + 1} of {count} done on the cluster: "
                    f"{arguments.setting} {value}, validation accuracy "
                    f"{run.validation['accuracy']:.4f}\n"
                )

        with cluster_client(address) as client:
            runs = cluster_training.run_configs(
                client, typed, configs, tried, on_run_end=ended
            )
    table = sweep.results_table(runs)
    out.mkdir(parents=True, exist_ok=True)
    with replaced_on_success(out / "sweep.csv") as stream:
        export.write_csv(table, stream, header=True)
    winner = sweep.best(runs)
    command = "python -m core " + shlex.join(sys.argv[1:])
    winner.run.bundle.info["command"] = command
    winner.run.bundle.info[SOURCE_KEY] = source(arguments, understood)
    bundle.save_bundle(
        winner.run.bundle, out / "best", card=model_card(winner.run.bundle, command)
    )
    print(table.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    print(wording.sweep_reading(arguments.setting, runs))
    print(f"written: {out / 'sweep.csv'} and the best run's bundle in {out / 'best'}")
    return 0


def command_download(arguments: argparse.Namespace) -> int:
    path = download.download_dataset(arguments.out)
    print(f"dataset saved to {path}")
    return 0


def command_compare(arguments: argparse.Namespace) -> int:
    from core import compare

    typed = load_labelled(arguments.data)
    target = None
    if arguments.bundle:
        from core import bundle

        target = bundle.load_bundle(arguments.bundle)  # fail before minutes of work

    def progress(message: str) -> None:
        sys.stderr.write(f"{message}...\n")
        sys.stderr.flush()

    models = compare.compare_models(typed, seed=arguments.seed, on_progress=progress)
    policies = compare.drop_vs_impute(typed, seed=arguments.seed, on_progress=progress)
    result = {
        "seed": arguments.seed,
        "models": compare.to_records(models),
        "drop_vs_impute": compare.to_records(policies),
    }
    if target is not None:
        from core import bundle
        from core.model_card import model_card

        target.metrics["comparison"] = result
        command = target.info.get("command", "python -m core train ...")
        bundle.save_bundle(target, arguments.bundle, card=model_card(target, command))
    if arguments.json:
        print(json.dumps(result))
        return 0
    print(f"Same split for every model (seed {arguments.seed}); test tracks unseen.")
    print(models.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    print()
    print(
        "Drop or impute unknown tempo/duration (recommended network, same test rows):"
    )
    print(policies.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    return 0
