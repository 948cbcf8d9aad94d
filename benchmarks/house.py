"""Issue 27's house figures: line counts per package, the longest modules,
test and assertion counts, and the duplicates tool's pair count.

Counts only (no timing): the suite's time comes from the CI log or a full
``python -m pytest`` run, reported beside these in the closing note.

Usage: ``python benchmarks/house.py``
"""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "ui", "pages", "tests", "benchmarks")
LONGEST = 8


def lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def tests_and_assertions(folder: Path) -> tuple[int, int]:
    """Test functions and ``assert`` statements (plus pytest.raises blocks)."""
    tests = asserts = 0
    for path in folder.rglob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                tests += 1
            elif isinstance(node, ast.Assert):
                asserts += 1
            elif (
                isinstance(node, ast.withitem)
                and isinstance(node.context_expr, ast.Call)
                and getattr(node.context_expr.func, "attr", "") == "raises"
            ):
                asserts += 1
    return tests, asserts


def duplicate_pairs() -> str:
    tool = shutil.which("duplicates")
    if tool is None:
        return "duplicates tool not on PATH"
    shown = subprocess.run(
        [tool, "--seconds", "120"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    first = shown.strip().splitlines()
    return first[0] if first else "(no output)"


def main() -> None:
    print("package      files   lines")
    for package in PACKAGES:
        files = sorted((ROOT / package).rglob("*.py"))
        print(f"{package:<12}{len(files):>6}{sum(map(lines, files)):>8}")
    modules = [
        path
        for package in ("core", "ui", "pages")
        for path in (ROOT / package).glob("*.py")
    ]
    print("\nlongest modules in core, ui, pages (limit 600 for core):")
    for path in sorted(modules, key=lines, reverse=True)[:LONGEST]:
        print(f"  {lines(path):>5}  {path.relative_to(ROOT)}")
    tests, asserts = tests_and_assertions(ROOT / "tests")
    print(f"\ntest functions: {tests}; assert statements and raises blocks: {asserts}")
    print(f"duplicates: {duplicate_pairs()}")


if __name__ == "__main__":
    main()
