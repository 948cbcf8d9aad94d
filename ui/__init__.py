"""Streamlit helpers shared by the pages: navigation, cached loaders and session state, charts."""
