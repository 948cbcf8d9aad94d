"""Streamlit helpers shared by the pages.

Navigation, cached loaders and session state, charts.
"""
