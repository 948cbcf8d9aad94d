"""Dask is for the command line's --cluster and a cluster-backed app only.

It costs about a second and 60 MB to import (docs/scale.md), so no page load
may import it: the same pattern as TensorFlow's check in test_pages.py.
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PROJECT_ROOT


def test_no_page_and_no_core_or_ui_module_imports_dask():
    script = (
        "import importlib, pkgutil, sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "import core, ui\n"
        "for package in (core, ui):\n"
        "    for module in pkgutil.iter_modules(package.__path__):\n"
        "        if module.name != '__main__':\n"
        "            importlib.import_module(f'{package.__name__}.{module.name}')\n"
        "app = AppTest.from_file('streamlit_app.py', default_timeout=60).run()\n"
        "assert not app.exception, app.exception\n"
        "names = ('dask', 'distributed')\n"
        "print(sorted(name for name in names if name in sys.modules))\n"
    )
    output = subprocess.check_output(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, text=True, timeout=120
    )
    assert output.strip().splitlines()[-1] == "[]"
