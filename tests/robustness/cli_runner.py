"""Run the command line in a fresh process, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Runs the command line with a smaller file-size limit (writing a 200 MB file
# in a test would be slow); otherwise the same as ``python -m core``.
_CLI_WITH_LIMIT = (
    "import sys, core.data; core.data.MAX_FILE_MB = float(sys.argv[1]); "
    "from core.cli import main; sys.exit(main(sys.argv[2:]))"
)


@dataclass
class CliResult:
    """What a command-line run returned."""

    code: int
    stdout: str
    stderr: str


def run_cli(*arguments: str, size_limit_mb: float | None = None) -> CliResult:
    """Run ``python -m core ARGUMENTS`` in a fresh process from the project root."""
    if size_limit_mb is None:
        command = [sys.executable, "-m", "core", *arguments]
    else:
        command = [
            sys.executable,
            "-c",
            _CLI_WITH_LIMIT,
            str(size_limit_mb),
            *arguments,
        ]
    environment = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    environment.pop("MUSIC_GENRE_CSV", None)
    done = subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)
