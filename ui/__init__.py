"""Streamlit helpers the pages call: caches, session, menu, each page's parts, charts.

See docs/architecture.md for which module does what.
"""
