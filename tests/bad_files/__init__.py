"""Synthetic bad input files (built from GOOD_ROW, never from the real dataset)."""
