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


def _is_check(node: ast.AST) -> bool:
    """An ``assert`` statement, or a ``pytest.raises`` block."""
    return isinstance(node, ast.Assert) or (
        isinstance(node, ast.withitem)
        and isinstance(node.context_expr, ast.Call)
        and getattr(node.context_expr.func, "attr", "") == "raises"
    )


def _called_name(node: ast.Call) -> str:
    return getattr(node.func, "id", "") or getattr(node.func, "attr", "")


def checks_with_helpers(folder: Path) -> int:
    """The checks test functions run, a helper's own counted at each call.

    A folded repeat (``assert_clean(app)`` for two asserts written again in
    every test) lowers the statement count but not what the tests check:
    each call of a helper of the tests' (any function of ``folder`` not named
    ``test_*``) counts the checks in its body, its own helpers' included.
    """
    own: dict[str, tuple[int, list[str]]] = {}
    tests: list[ast.FunctionDef] = []
    for path in folder.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            if node.name.startswith("test_"):
                tests.append(node)
                continue
            inside = list(ast.walk(node))
            calls = [_called_name(n) for n in inside if isinstance(n, ast.Call)]
            checks = sum(map(_is_check, inside))
            # A name defined twice: the smaller count (never more than sure).
            if node.name not in own or checks < own[node.name][0]:
                own[node.name] = (checks, calls)

    def expanded(name: str, seen: frozenset[str] = frozenset()) -> int:
        checks, calls = own[name]
        return checks + sum(
            expanded(call, seen | {name})
            for call in calls
            if call in own and call not in seen | {name}
        )

    total = 0
    for test in tests:
        for node in ast.walk(test):
            if _is_check(node):
                total += 1
            elif isinstance(node, ast.Call) and _called_name(node) in own:
                total += expanded(_called_name(node))
    return total


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
    print(
        "checks the test functions run, each helper's counted where it is "
        f"called: {checks_with_helpers(ROOT / 'tests')}"
    )
    print(f"duplicates: {duplicate_pairs()}")


if __name__ == "__main__":
    main()
