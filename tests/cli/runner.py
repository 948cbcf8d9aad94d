"""Run the command line in a fresh process, as a user would.

One runner for every CLI test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXIT_BAD_INPUT = 2

# Runs the command line with a smaller file-size limit (writing a 30 MB file
# in a test would be slow); otherwise the same as ``python -m core``.
_CLI_WITH_LIMIT = (
    "import sys, core.opening; core.opening.MAX_FILE_MB = float(sys.argv[1]); "
    "from core.cli import main; sys.exit(main(sys.argv[2:]))"
)


def start_cli(
    *arguments: str | Path, size_limit_mb: float | None = None, **environment: str
) -> subprocess.Popen:
    """Start ``python -m core ARGUMENTS`` from the project root without waiting for it.

    Tests start their processes together and then wait: each one spends
    seconds importing pandas (and TensorFlow to train), mostly idle time on
    a busy machine. ``$MUSIC_GENRE_CSV`` is unset unless given.
    """
    command = [sys.executable, "-m", "core", *map(str, arguments)]
    if size_limit_mb is not None:
        command = [
            sys.executable,
            "-c",
            _CLI_WITH_LIMIT,
            str(size_limit_mb),
            *map(str, arguments),
        ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("MUSIC_GENRE_CSV", None)
    env.update(environment)
    return subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def predict_arguments(
    model: str | Path, source: str | Path, output: str | Path, *options: str
) -> list[str]:
    """``predict --model MODEL --input SOURCE --output OUTPUT OPTIONS`` as strings."""
    return [
        "predict",
        "--model",
        str(model),
        "--input",
        str(source),
        "--output",
        str(output),
        *options,
    ]


def start_predict(
    model: str | Path, source: str | Path, output: str | Path, *options: str
) -> subprocess.Popen:
    """Start ``python -m core predict --model ... --input ... --output ... OPTIONS``."""
    return start_cli(*predict_arguments(model, source, output, *options))


def write_files(folder: Path, contents: dict[str, bytes]) -> dict[str, Path]:
    """Write each ``name: bytes`` into ``folder``; ``name: path`` of each."""
    paths = {}
    for name, content in contents.items():
        paths[name] = folder / name
        paths[name].write_bytes(content)
    return paths


def finish(
    process: subprocess.Popen, timeout: float = 180
) -> subprocess.CompletedProcess:
    """Wait for a started command; its exit code and output."""
    stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def run_cli(
    *arguments: str | Path, size_limit_mb: float | None = None, **environment: str
) -> subprocess.CompletedProcess:
    """Run ``python -m core ARGUMENTS`` and wait for it."""
    return finish(start_cli(*arguments, size_limit_mb=size_limit_mb, **environment))


def assert_bad_input(result: subprocess.CompletedProcess) -> str:
    """Exit code 2 and exactly one plain line on stderr; return that line."""
    assert result.returncode == EXIT_BAD_INPUT, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("error: ")
    assert result.stdout == ""
    return lines[0]
