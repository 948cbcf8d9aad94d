"""Start loading the browser's chart code before the page's first chart.

Streamlit's browser code fetches Plotly's part (4.7 MB) only when the first
chart arrives, then spends about a second evaluating it. Measured on a fresh
server (docs/performance.md), a visitor who followed a link to Predict waited
for both after the server had run the page. Imported as the page starts,
the code loads while the server reads the data and computes. This module
imports nothing heavy, so that a page can call it before its own imports.
"""

from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st


@functools.cache
def _chart_code_file() -> str | None:
    # The file's name carries a hash of this Streamlit build: look it up in
    # the installed package; None (no preload) unless there is exactly one.
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    found = list(folder.glob("PlotlyChart.*.js"))
    return found[0].name if len(found) == 1 else None


def chart_code() -> None:
    """Have the browser load Streamlit's chart code now (takes no room on the page)."""
    name = _chart_code_file()
    if name is None:
        return
    # Relative to the page, as Streamlit's own code imports it, so that the
    # browser keeps one copy of the module (and an app base path still works).
    # Its element takes no height, but the sidebar would put a gap under it
    # and move the menu: the style takes it out of the layout.
    with st.sidebar:
        st.html(
            f"<style>[data-testid='stElementContainer']:has(#{_MARK})"
            "{display: none}</style>"
            f'<script id="{_MARK}">import("./static/js/{name}")</script>',
            unsafe_allow_javascript=True,
        )


_MARK = "genrelab-chart-code"
