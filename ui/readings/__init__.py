"""What each chart shows, in words and numbers, for people who cannot see it.

One function per function of ``ui.charts``, in the module of the same job,
taking the same values: each returns a :class:`~ui.readings.words.Reading`, a
plain-English sentence of the chart's key figures (shown next to the chart and
given to the browser as the chart's ``alt`` text) and the numbers drawn, as a
table. ``words`` says numbers and names the same way everywhere. No Streamlit
here: the pages draw a reading with ``ui.show.chart``.
"""

from ui.readings import dataset, evaluation, explanation, training, words

__all__ = ["dataset", "evaluation", "explanation", "training", "words"]
