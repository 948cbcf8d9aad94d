"""With GENRELAB_DASK_SCHEDULER set, the Train page trains on the cluster.

A scheduler and 2 workers run as separate processes; the app runs (AppTest)
in a fresh process of its own, which trains a tiny model and a 2-run sweep,
draws each of their epochs as the workers end them, and never imports
TensorFlow: the models can only have been trained by the workers.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.app.conftest import PROJECT_ROOT, small_csv_bytes

_TRAIN_THEN_SWEEP = """
import sys
from tests.app.conftest import assert_clean, open_app, train_tiny
from ui import training

# Every epoch the page draws (the progress bar and the live curves).
drawn = []
draw_progress = training.progress_hook


def recording_progress_hook(title=""):
    draw = draw_progress(title)

    def on_epoch(log):
        drawn.append(log.epoch)
        draw(log)

    return on_epoch


training.progress_hook = recording_progress_hook
app = train_tiny(open_app("train").run(), epochs=2, early_stopping_patience=0)
print("runs", len(app.session_state["runs"]))
print("epochs drawn", drawn)
drawn.clear()
app.selectbox(key="train_sweep_setting").select("learning_rate").run()
app.text_input(key="train_sweep_values_learning_rate").input("0.01; 0.05").run()
app.button(key="train_sweep_start").click().run()
assert_clean(app)
table = next(f.value for f in app.dataframe if "learning_rate" in f.value)
print("sweep", table["learning_rate"].tolist())
print("sweep epochs drawn", drawn)
print("tensorflow", "tensorflow" in sys.modules, "keras" in sys.modules)
"""


def app_process(script: str, **environment: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **environment},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_trainings_and_sweeps_go_to_the_cluster(tmp_path, scheduler_address):
    data = tmp_path / "music_genre.csv"
    data.write_bytes(small_csv_bytes())
    result = app_process(
        _TRAIN_THEN_SWEEP,
        MUSIC_GENRE_CSV=str(data),
        GENRELAB_MODEL_DIR=str(tmp_path / "no_model"),
        GENRELAB_DASK_SCHEDULER=scheduler_address,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "runs 1" in lines
    # Each epoch of both networks (the preset's ensemble of 2) drawn as the
    # worker ends it: 2 epochs for the training, 2 for each run of the sweep.
    assert "epochs drawn [1, 1, 2, 2]" in lines
    assert "sweep [0.01, 0.05]" in lines
    assert "sweep epochs drawn [1, 1, 2, 2, 1, 1, 2, 2]" in lines
    assert "tensorflow False False" in lines


def test_an_unreachable_scheduler_is_an_error_box(tmp_path):
    data = tmp_path / "music_genre.csv"
    data.write_bytes(small_csv_bytes())
    script = (
        "from tests.app.conftest import open_app\n"
        "app = open_app('train').run()\n"
        "next(b for b in app.button if b.label == 'Train').click()\n"
        "app.run()\n"
        "assert not app.exception, app.exception\n"
        "print([error.value for error in app.error])\n"
    )
    result = app_process(
        script,
        MUSIC_GENRE_CSV=str(data),
        GENRELAB_MODEL_DIR=str(tmp_path / "no_model"),
        GENRELAB_DASK_SCHEDULER="tcp://127.0.0.1:9",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "No Dask scheduler answers at tcp://127.0.0.1:9" in result.stdout
