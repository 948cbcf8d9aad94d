"""The page frame every page draws: title, sidebar menu, model picker and data hints.

The app uses the ``pages/`` directory with Streamlit's own menu hidden
(``showSidebarNavigation = false``); this menu, drawn with ``st.page_link``,
gives the pages clean labels and is the same on every page.
"""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.page_list import PAGES

MODEL_PICKER_KEY = "nav_model"
# Under this width Streamlit stacks columns: the pages' phone layout.
NARROW_SCREEN = "640px"


def page_frame(title: str, introduction: str) -> None:
    """Set up a page: configuration, session state, menu, title and what the page shows.

    Args:
        title: the page title.
        introduction: one or two plain sentences on what the page shows and
            how to read it.
    """
    st.set_page_config(
        page_title=f"{title} · GenreLab" if title != "GenreLab" else title,
        page_icon="🎵",
        layout="wide",
    )
    # The one contrast fix the theme cannot make (the rest is textColor and
    # codeTextColor in .streamlit/config.toml): Streamlit draws a disabled
    # widget's label at 40% of the text colour (2.6:1 on white; under 3:1
    # even for black text). WCAG exempts inactive controls, but axe-core
    # counts it, as the <label> is not tied to the disabled input. Drawn at
    # 60% instead, like a caption (4.9:1), it still looks inactive. A
    # style-only st.html takes no room on the page.
    st.html(
        '<style>label[data-testid="stWidgetLabel"][disabled]'
        "{color: inherit; opacity: 0.6}"
        # On a phone a chart is about 340 px wide: smaller titles fit it
        # (Plotly clips what overflows its drawing).
        f"@media (max-width: {NARROW_SCREEN}) {{.js-plotly-plot .gtitle"
        "{font-size: 14px !important}}</style>"
    )
    state.init_session()
    sidebar()
    st.title(title)
    st.markdown(introduction)


def sidebar() -> None:
    """Draw the menu and the model picker in the sidebar."""
    with st.sidebar:
        st.markdown("### :material/music_note: GenreLab")
        for path, label, icon in PAGES:
            st.page_link(path, label=label, icon=icon)
        st.divider()
        model_picker()


def _picked() -> None:
    state.select_model(st.session_state[MODEL_PICKER_KEY])


def model_picker() -> None:
    """Let people choose which model Predict, Evaluate and Batch predict use."""
    choices = state.model_choices()
    if not choices:
        st.caption("No model yet: train one on the **Train** page.")
        return
    active = state.active_choice()
    names = {choice.key: _choice_label(choice) for choice in choices}
    keys = list(names)
    # The picked model lives in a plain session key, not the widget's: a
    # widget's state is dropped when people switch pages.
    st.session_state[MODEL_PICKER_KEY] = active.key if active else keys[-1]
    st.selectbox(
        "Model in use",
        keys,
        format_func=names.__getitem__,
        key=MODEL_PICKER_KEY,
        on_change=_picked,
        help="The shipped model, or one you trained in this session (kept "
        "only while this browser tab is open), with its test accuracy.",
    )


def _choice_label(choice: state.ModelChoice) -> str:
    accuracy = choice.metrics.get("test", {}).get("accuracy")
    shown = f" · {accuracy:.1%}" if isinstance(accuracy, float) else ""
    return f"{choice.name}{shown}"


def no_data_notice(error: str | None = None, source_label: str | None = None) -> None:
    """Say why there is no data and how to get it (never raises)."""
    if error:
        st.error(f"The data in {source_label} cannot be used: {error}")
    st.info(
        "No dataset is loaded. Get it on the **Home** page: upload "
        "`music_genre.csv`, or click **Download from Kaggle** (no account "
        "needed), or put the file in the `data/` folder and reload."
    )
    st.page_link("streamlit_app.py", label="Go to Home", icon=":material/home:")


def no_model_notice(error: str | None = None) -> None:
    """Say that there is no model yet and how to get one (never raises)."""
    if error:
        st.error(f"The shipped model cannot be used: {error}")
    st.info(
        "No model is available yet. Train one on the **Train** page (it takes "
        "seconds); it is then used here until you close this tab."
    )
    st.page_link(
        "pages/2_Train.py", label="Go to Train", icon=":material/model_training:"
    )
