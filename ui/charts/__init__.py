"""Plotly figures for the pages, by job: each takes plain values and returns a figure.

- ``dataset``: the Data page's charts;
- ``training``: learning curves and sweeps (Train);
- ``evaluation``: how good a model is (Evaluate, Batch predict);
- ``explanation``: how a model sees tracks (Predict, Evaluate);
- ``style``: the genres' colours and the layout every chart shares.

Each chart has a reading of the same name in the same module of ``ui.readings``.
"""

from ui.charts import dataset, evaluation, explanation, style, training

__all__ = ["dataset", "evaluation", "explanation", "style", "training"]
