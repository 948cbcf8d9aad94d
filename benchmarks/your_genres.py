"""Training on someone else's genres (issue 30): what is learned, what is left out.

Trains ``python -m core train`` on TidyTuesday's Spotify songs
(``../shared/data/spotify_songs.csv``: six playlist genres, spotifyr's
column names) and on the Kaggle file, with a short recipe, and reads back:

- the file's rows, and the rows the training and test splits hold;
- the rows left out, and whether the command's normal output counts them;
- the network's outputs against the genres the file has;
- what the model card says of the data (which dataset, which genres, whether
  repeats of a song stayed on one side of the split);
- the test accuracy and macro F1.

It measures; nothing here chooses a setting.

Usage: ``python benchmarks/your_genres.py [--epochs N]``
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DATA, ROOT, core_command, timed_run  # noqa: E402

TIDYTUESDAY = ROOT.parent / "shared" / "data" / "spotify_songs.csv"


def _rows(path: Path) -> int:
    with path.open("rb") as file:
        return sum(1 for _ in file) - 1


def measure(
    name: str, path: Path, epochs: int, folder: Path, extra: tuple[str, ...] = ()
) -> dict:
    out = folder / re.sub(r"\W+", "_", name)
    finished = timed_run(
        core_command(
            "train",
            "--preset",
            "recommended",
            "--epochs",
            str(epochs),
            "--ensemble-size",
            "1",
            "--data",
            str(path),
            "--out",
            str(out),
            "--quiet",
            *extra,
        ),
        timeout=1800,
    ).check(f"training on {name}")
    metrics = json.loads((out / "metrics.json").read_text())
    preprocessing = json.loads((out / "preprocessing.json").read_text())
    card = (out / "README.md").read_text()
    grouped = re.search(r"[^.\n;]*(same side|one by one|no grouping)[^.\n;]*", card)
    trained = metrics["train"]["n_rows"] + metrics["test"]["n_rows"]
    rows = _rows(path)
    return {
        "file": name,
        "rows in file": rows,
        "rows learned or tested": trained,
        "rows left out": rows - trained,
        "output counts every row": bool(
            re.search(r"^rows: [\d,]+ read;", finished.stdout, re.M)
        ),
        "output says left out": " | ".join(
            line for line in finished.stdout.splitlines() if "Left out" in line
        )
        or "(nothing)",
        "network outputs": len(preprocessing["genres"]),
        "bundle genres": ", ".join(preprocessing["genres"]),
        "card says Kaggle": "Kaggle" in card,
        "card on repeats": grouped.group(0).strip() if grouped else "(nothing)",
        "test accuracy": round(metrics["test"]["accuracy"], 3),
        "test macro F1": round(metrics["test"]["macro_f1"], 3),
        "train seconds": metrics["train_seconds"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        results = [
            measure("tidytuesday", TIDYTUESDAY, arguments.epochs, folder),
            measure("kaggle", DATA, arguments.epochs, folder),
            measure(
                "kaggle, Rap and Hip-Hop merged",
                DATA,
                arguments.epochs,
                folder,
                ("--merge", "Rap+Hip-Hop=Hip-Hop/Rap"),
            ),
            measure(
                "tidytuesday, three genres chosen",
                TIDYTUESDAY,
                arguments.epochs,
                folder,
                ("--genres", "edm,rap,rock"),
            ),
        ]
    for result in results:
        print(f"\n## {result['file']}")
        for key, value in result.items():
            print(f"  {key:<30} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
