"""The app's pages, listed once: the menu, the tests and the benchmarks read this list.

No Streamlit import, so that the browser tests and the benchmarks, which only
drive the app, can read it.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

# (script path relative to the entry script, label, icon)
PAGES: tuple[tuple[str, str, str], ...] = (
    ("streamlit_app.py", "Home", ":material/home:"),
    ("pages/1_Data.py", "Data", ":material/table_chart:"),
    ("pages/2_Train.py", "Train", ":material/model_training:"),
    ("pages/3_Evaluate.py", "Evaluate", ":material/fact_check:"),
    ("pages/4_Predict.py", "Predict", ":material/tune:"),
    ("pages/5_Batch_predict.py", "Batch predict", ":material/upload_file:"),
)


def _url_path(script: str) -> str:
    """A page script's address: pages/5_Batch_predict.py -> Batch_predict."""
    if script == PAGES[0][0]:
        return ""
    return re.sub(r"^\d+_", "", PurePosixPath(script).stem)


# Label -> the page's address under the app's URL; the tests, the browser
# tests and the benchmarks open pages by it, so the pages are listed once.
PAGE_PATHS: dict[str, str] = {label: _url_path(script) for script, label, _ in PAGES}
