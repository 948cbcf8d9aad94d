"""Start loading the browser's chart code before the page's first chart.

Streamlit's browser code fetches Plotly's part (4.7 MB) only when the first
chart arrives, then spends about a second evaluating it. Measured on a fresh
server (docs/performance.md), a visitor who followed a link to Predict waited
for both after the server had run the page. A page that calls
:func:`chart_code` as it starts sends a hidden, empty chart first: the browser
loads the code while the server reads the data and computes, and the page
removes the empty chart when it is done. Only Streamlit's public elements are
used (a keyed container's ``st-key-`` class hides it), so nothing depends on
the names of Streamlit's own files. This module imports nothing heavy, so that
a page can call it before its own imports.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

# The hidden container's key (CSS class st-key-<key>), and the session key
# that says the chart code was asked for in this session already.
KEY = "genrelab_chart_code"
ASKED = "genrelab_chart_code_asked"
# Out of the layout and out of sight (and of the accessibility tree), but
# drawn: a chart that is not drawn would not ask for the code. Sent on one
# line, so that Markdown leaves it as it is.
_WRAPPER = f'[data-testid="stLayoutWrapper"]:has(> .st-key-{KEY})'
STYLE = (
    f"<style>{_WRAPPER} {{position: absolute; visibility: hidden; height: 0; "
    "overflow: hidden; pointer-events: none}</style>"
)
# An empty chart: the smallest figure Streamlit hands to Plotly.
EMPTY_CHART: dict = {"data": [{"type": "scatter", "x": [], "y": []}], "layout": {}}


def chart_code() -> Callable[[], None]:
    """Have the browser load Streamlit's chart code now (takes no room on the page).

    Sent once per session (a browser tab keeps the code once loaded).

    Returns:
        A function that removes the hidden chart: call it at the end of the
        page, once the browser has had the time to ask for the code.
    """
    if st.session_state.get(ASKED):
        return _nothing
    st.session_state[ASKED] = True
    slot = st.sidebar.empty()
    with slot.container(key=KEY):
        # The style comes with the chart, in the same container: a style-only
        # st.html may arrive after the chart, which would show it meanwhile.
        st.markdown(STYLE, unsafe_allow_html=True)
        st.plotly_chart(EMPTY_CHART, key=f"{KEY}_chart", config={"staticPlot": True})

    def remove() -> None:
        slot.empty()

    return remove


def _nothing() -> None:
    """Nothing to remove: the chart code was asked for earlier in this session."""
