"""GenreLab's core: data, features, model, evaluation and bundles, with no Streamlit.

Modules, in the order data flows through them: ``schema`` (column names),
``data`` (load and validate), ``report`` (data report), ``features`` (clean,
split, encode, scale), ``model`` (Keras network and training; imports
TensorFlow), ``evaluate`` (metrics), ``pipeline`` (training end to end),
``bundle`` (save/load), ``predict`` (raw rows to genres), ``cli``.
"""
