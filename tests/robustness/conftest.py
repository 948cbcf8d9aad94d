"""Fixtures for the robustness tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def drop_bundle_dir(drop_run, tmp_path_factory) -> Path:
    """The tiny drop-unknowns bundle saved as a folder (for the command line)."""
    from core import bundle

    return bundle.save_bundle(
        drop_run.bundle, tmp_path_factory.mktemp("bundle") / "tiny"
    )
