"""GenreLab's core: data, features, model, evaluation and bundles, with no Streamlit.

Modules, in the order data flows through them:

- ``schema``: the columns, genres, keys and value ranges, declared once.
- ``errors``: the project's exceptions (one plain sentence each).
- ``formats``: the file formats people's tracks come in (Exportify, the
  Spotify Tracks Dataset, the Web API's JSON): column aliases, value
  conventions, what was understood of a file.
- ``data``: read and validate a file, whole or in chunks, into a typed frame.
- ``report``: the data report (unknown values, balance, duplicates).
- ``config``: the training settings (a frozen dataclass), their limits and
  the presets.
- ``features``: clean, split (the one seeded split), encode and scale: fit
  on the training rows, apply anywhere.
- ``history``: per-epoch training logs (no TensorFlow).
- ``model``: the Keras network and its training (the one module that
  imports TensorFlow).
- ``forward``: a bundle's network run in NumPy, for every prediction.
- ``evaluate``: metrics, confusion matrices, fusion accuracy, bootstrap
  intervals.
- ``pipeline``: training end to end, from a typed frame to a scored bundle.
- ``bundle``: save and load a model bundle (folder or zip).
- ``model_card``: the README written into every bundle.
- ``predict``: predictions (and their scores) for raw rows; none is lost.
- ``export``: the prediction tables people download, a file streamed through
  the model a chunk at a time.
- ``explain``: permutation importance, what-if sweeps, partial dependence,
  reliability, the map of songs.
- ``shapley``: why a track got its genre (exact Shapley values).
- ``songs``: find a track, the model's split, confusion cells, songs alike.
- ``compare``: other models and cleaning policies on the same split.
- ``sweep``: try several values of a setting, or a random search.
- ``inputs``: slider ranges and the Train form's text, to core values.
- ``training_queue``: at most a few trainings at once per server.
- ``cli`` (``python -m core``): the same functions, for scripts and CI.
"""
