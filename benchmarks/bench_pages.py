"""Figure 3: the Home and Data pages open without TensorFlow; Predict answers quickly.

- Home and Data: each page in its own fresh process, run twice with
  Streamlit's ``AppTest`` (the first run reads the dataset, the second finds
  it in ``st.cache_data``); afterwards the process must not have imported
  TensorFlow.
- Predict: what one slider change costs, with a loaded bundle:
  ``core.predict.predict_frame(bundle, core.tables.track_rows([values]))``,
  median over 200 calls (target 50 ms); also the raw model call alone (the
  NumPy network on one prepared row) and the "what if" sweep the page
  redraws with it.

The model is ``models/default`` when it has been shipped, else one trained
for one epoch into a temporary folder (the latency does not depend on the
weights).

Usage: ``python benchmarks/bench_pages.py``
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from _common import DATA, PYTHON, ROOT, Row, core_command, text_table, timed_run

PREDICT_TARGET_MS = 50.0
PAGES = {"Home": None, "Data": "pages/1_Data.py"}

CHILD_PAGE = r"""
import json, sys, time
from streamlit.testing.v1 import AppTest
page = sys.argv[1] if len(sys.argv) > 1 else ""
timings = []
exceptions = []
for _ in range(2):
    app = AppTest.from_file("streamlit_app.py", default_timeout=300)
    if page:
        app.switch_page(page)
    started = time.perf_counter()
    app.run()
    timings.append(time.perf_counter() - started)
    exceptions += [str(error.value)[:200] for error in app.exception]
print(json.dumps({"first": timings[0], "cached": timings[1],
                  "exceptions": exceptions,
                  "tensorflow": "tensorflow" in sys.modules,
                  "sklearn": "sklearn" in sys.modules}))
"""

CHILD_PREDICT = r"""
import json, statistics, sys, time
# One BLAS thread, as the app's server runs (ui.state).
from threadpoolctl import threadpool_limits
threadpool_limits(limits=1, user_api="blas")
from core import bundle as bundles, data, predict, tables
loaded = bundles.load_bundle(sys.argv[1])
values = {"popularity": 45.0, "acousticness": 0.3, "danceability": 0.55,
          "duration_ms": 227000.0, "energy": 0.6, "instrumentalness": 0.1,
          "liveness": 0.18, "loudness": -8.0, "speechiness": 0.08,
          "tempo": 120.0, "valence": 0.45, "key": "C", "mode": "Major"}

def timed(function, calls=200, warmup=5):
    for step in range(warmup):
        function(step)
    seconds = []
    for step in range(calls):
        started = time.perf_counter()
        function(step)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) * 1000, max(seconds) * 1000

def slider_change(step):
    # Like a slider moving: a different energy every call.
    changed = dict(values, energy=(step % 100) / 100)
    return predict.predict_frame(loaded, tables.track_rows([changed]))

row = tables.track_rows([values])
matrix = loaded.preprocessor.transform(row)
results = {}
results["slider"] = timed(slider_change)
results["frame"] = timed(lambda step: tables.track_rows([values]))
results["model"] = timed(lambda step: loaded.network.probabilities(matrix))
from core import explain
results["what_if"] = timed(lambda step: explain.what_if(loaded, row, "energy"),
                           calls=50)
print(json.dumps(results))
"""


def model_folder(temporary: Path) -> tuple[Path, str]:
    """The shipped model if there is one, else a quickly trained stand-in."""
    shipped = ROOT / "models" / "default"
    if (shipped / "model.keras").is_file():
        return shipped, "models/default"
    out = temporary / "bundle"
    timed_run(
        core_command(
            "train",
            "--preset",
            "recommended",
            "--epochs",
            "1",
            "--data",
            DATA,
            "--out",
            out,
            "--quiet",
        )
    ).check("training a stand-in model")
    return (
        out,
        "a 1-epoch recommended-preset bundle in a temp folder (no models/default yet)",
    )


def page_rows() -> list[Row]:
    """Home and Data page timings, each page in a fresh process."""
    rows = []
    for name, path in PAGES.items():
        if path and not (ROOT / path).is_file():
            rows.append(Row(f"3. {name} page", "page missing", "-", "-", "-", False))
            continue
        run = timed_run([PYTHON, "-c", CHILD_PAGE, path or ""]).check(f"{name} page")
        result = json.loads(run.stdout.strip().splitlines()[-1])
        problems = (
            f"; exceptions: {result['exceptions']}" if result["exceptions"] else ""
        )
        rows.append(
            Row(
                f"3. {name} page, AppTest run (first / cached)",
                f"{result['first']:.2f} s / {result['cached']:.2f} s; "
                f"TensorFlow imported: {'yes' if result['tensorflow'] else 'no'}, "
                f"scikit-learn: {'yes' if result['sklearn'] else 'no'}" + problems,
                "-",
                "-",
                "renders, no TensorFlow",
                not result["tensorflow"] and not result["exceptions"],
            )
        )
    return rows


def predict_rows() -> list[Row]:
    """Slider-change latency with a loaded bundle."""
    with tempfile.TemporaryDirectory(prefix="genrelab-bench-") as folder:
        bundle_dir, which = model_folder(Path(folder))
        run = timed_run([PYTHON, "-c", CHILD_PREDICT, str(bundle_dir)]).check(
            "predict latency"
        )
    result = json.loads(run.stdout.strip().splitlines()[-1])
    slider_ms, slider_worst = result["slider"]
    model_ms, _ = result["model"]
    frame_ms, _ = result["frame"]
    rows = [
        Row(
            "3. Predict: one slider change (`tables.track_rows` + `predict_frame`)",
            f"{slider_ms:.1f} ms median (slowest {slider_worst:.1f} ms) "
            "over 200 calls; "
            f"model: {which}",
            f"raw model call {model_ms:.2f} ms (the NumPy network, one row); "
            f"tables.track_rows {frame_ms:.1f} ms",
            f"{slider_ms / PREDICT_TARGET_MS:.2f} of target",
            f"<= {PREDICT_TARGET_MS:.0f} ms",
            slider_ms <= PREDICT_TARGET_MS,
        )
    ]
    if "what_if" in result:
        what_if_ms, _ = result["what_if"]
        rows.append(
            Row.informative(
                "3. Predict: 'what if' sweep redrawn with it (40 rows)",
                f"{what_if_ms:.1f} ms median",
            )
        )
    return rows


def run() -> list[Row]:
    """Measure figure 3; return the table rows."""
    return page_rows() + predict_rows()


if __name__ == "__main__":
    print(text_table(run()))
