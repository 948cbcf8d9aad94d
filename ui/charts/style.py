"""What every chart shares: the genres' colours and the layout."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from core import schema
from core.genres import REFERENCE

# One colour per genre, kept the same on every chart. Colour-blind safe: the ten
# are taken from Paul Tol's qualitative schemes (muted, bright, vibrant, dark)
# and Okabe-Ito, chosen by search among those with at least 3:1 contrast
# against the white background (WCAG 1.4.11, so no bar fades into the page;
# Tol's sand and pale cyan fail it). Simulated with Machado et al. (2009) at
# full severity, any two stay at least 10 CIEDE2000 apart for normal vision,
# protanopia, deuteranopia and tritanopia (Plotly's default palette: 0.7 under
# protanopia). The most often confused genres get far-apart pairs:
# Rap/Hip-Hop indigo/olive, Rock/Alternative blue/dark red.
GENRE_COLOURS: dict[str, str] = dict(
    zip(
        schema.GENRES,
        (
            "#AA3377",
            "#EE6677",
            "#225555",
            "#663333",
            "#117733",
            "#332288",
            "#009E73",
            "#0077BB",
            "#CC79A7",
            "#999933",
        ),
        strict=True,
    )
)


# Genres of other files, in the order a model lists them: Okabe-Ito's and
# Tol's remaining colours that keep 3:1 against white (the ten's own stay
# theirs). Past these, colours repeat: a chart of many genres names each
# one in text, and the map groups the rarer ones (MAP_COLOURED_GENRES).
OTHER_GENRE_COLOURS: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#882255",
    "#44AA99",
    "#E69F00",
    "#4477AA",
    "#CC3311",
    "#228833",
    "#AA4499",
    "#666633",
    "#EE3377",
    "#33BBEE",
)


# Genres the map colours one by one (the most tracks first); the rest are
# drawn grey as "other genres".
MAP_COLOURED_GENRES = 12


TRAIN_COLOUR = "#6C3FC5"


def genre_colours(genres: Sequence[str]) -> dict[str, str]:
    """A colour per genre: the study's ten keep theirs, the others share a palette."""
    colours = {}
    others = 0
    for genre in genres:
        reference = REFERENCE.name_of(genre)
        if reference is not None:
            colours[genre] = GENRE_COLOURS[reference]
        else:
            colours[genre] = OTHER_GENRE_COLOURS[others % len(OTHER_GENRE_COLOURS)]
            others += 1
    return colours


def tidy(figure: go.Figure, height: int = 380) -> go.Figure:
    figure.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return figure
