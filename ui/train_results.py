"""The Train page's results: the latest run, and every run of this session."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import inputs
from ui import charts, genre_choice, readings, show, state


def latest_result(latest: dict) -> None:
    """The latest run's scores, genres, learning curves and download."""
    metrics = latest["metrics"]
    st.header(f"Result of {latest['name']}")
    columns = st.columns(4)
    show.scores(columns[:3], metrics["test"], metrics["train"])
    columns[3].metric("Training time", f"{metrics['train_seconds']:.1f} s")
    learned = metrics["test"]["genres"]
    st.markdown(f"**{len(learned)} genres learned:** {', '.join(learned)}.")
    for sentence in genre_choice.left_out_sentences(metrics):
        st.caption(sentence)
    history = [log for member in metrics["history"] for log in member]
    show.chart(
        charts.training.training_curves(history),
        readings.training.training_curves(history),
        "train_curves",
    )
    zip_bytes = state.run_zip(latest["id"])
    if zip_bytes:
        st.download_button(
            "Download this model (zip)",
            zip_bytes,
            file_name=f"genrelab_run{latest['number']}.zip",
            mime="application/zip",
            key="train_download",
            icon=":material/download:",
            on_click="ignore",
        )
    st.caption(
        "See the confusion matrices on the **Evaluate** page and try the model on "
        "the **Predict** page; the sidebar picks which model those pages use."
    )


def runs_table(runs: list[dict]) -> pd.DataFrame:
    """One row per run: its scores and the settings that tell runs apart."""
    return pd.DataFrame(
        [
            {
                "run": run["name"],
                "test accuracy": run["metrics"]["test"]["accuracy"],
                "train accuracy": run["metrics"]["train"]["accuracy"],
                "test top-2": run["metrics"]["test"]["top2_accuracy"],
                "test macro F1": run["metrics"]["test"]["macro_f1"],
                "best epoch": ", ".join(
                    str(epoch) for epoch in run["metrics"]["best_epochs"]
                ),
                "seconds": run["metrics"]["train_seconds"],
                "hidden layers": inputs.format_hidden_layers(
                    tuple(run["settings"]["hidden_layers"])
                ),
                "activation": f"{run['settings']['activation']} / "
                f"{run['settings']['output_activation']}",
                "unknowns": run["settings"]["unknowns"],
                "batch": run["settings"]["batch_size"],
                "learning rate": run["settings"]["learning_rate"],
                "dropout": run["settings"]["dropout"],
                "genres": len(run["metrics"]["test"]["genres"]),
                "genres fixed": run["metrics"].get("corrected_genres", 0),
            }
            for run in runs
        ]
    )


def session_runs(runs: list[dict]) -> None:
    """Every run of this session, to compare settings and scores."""
    st.header("Runs of this session")
    st.markdown("Compare settings and scores; the newest run is at the bottom.")
    percent = st.column_config.NumberColumn(format="percent")
    st.dataframe(
        runs_table(runs),
        hide_index=True,
        width="stretch",
        column_config={
            "test accuracy": percent,
            "train accuracy": percent,
            "test top-2": percent,
            "test macro F1": st.column_config.NumberColumn(format="%.3f"),
        },
    )
