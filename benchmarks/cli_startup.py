"""How fast the command line answers ``--help`` (issue 13: under 0.3 s), against the floor of
starting Python at all.

    python benchmarks/cli_startup.py [--repeat 15] [--budget 0.3] [--json FILE] [--check]

Each command runs ``--repeat`` times as its own process (interleaved, so that machine noise
hits all alike), with the Python of this venv; the wall-clock time of each run is taken around
the child process (start to exit), and the median and the fastest are reported:

* the floor: ``python -c pass`` (the interpreter starting and stopping, ``site`` included);
* ``python -m prepaid_recon --help`` and ``python -m prepaid_recon run --help``, and the same
  through the installed ``prepaid-recon`` script when the venv has it;

then, for each, the ratio of its median to the floor's and whether it is within the budget.
Last, ``python -X importtime -m prepaid_recon --help`` says which of the heavy libraries it
imported (none, while the command line imports them lazily) and the slowest imports.

``--check`` exits 1 when a help command's median is over the budget (for a manual check; the
test suite asserts no wall-clock time, only that help imports no heavy library).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HEAVY = "pandas pandera pyarrow openpyxl xlsxwriter fastexcel pydantic numpy python_calamine"
"""The libraries a help must not import (they cost from tens to hundreds of milliseconds)."""


def commands(python: str) -> dict[str, list[str]]:
    """The measured commands, by label; the floor first."""
    found = {
        "python -c pass (floor)": [python, "-c", "pass"],
        "python -m prepaid_recon --help": [python, "-m", "prepaid_recon", "--help"],
        "python -m prepaid_recon run --help": [python, "-m", "prepaid_recon", "run", "--help"],
    }
    script = Path(python).with_name("prepaid-recon")
    if script.is_file():
        found["prepaid-recon --help"] = [str(script), "--help"]
        found["prepaid-recon run --help"] = [str(script), "run", "--help"]
    return found


def wall_time(argv: list[str]) -> float:
    """Seconds from starting ``argv`` to its exit (its output discarded); it must succeed."""
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def import_profile(python: str) -> tuple[list[str], list[tuple[float, str]]]:
    """``-X importtime`` of ``--help``: the heavy libraries imported, the five slowest
    top-level imports (cumulative seconds, module)."""
    done = subprocess.run(
        [python, "-X", "importtime", "-m", "prepaid_recon", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    modules: dict[str, float] = {}  # top-level import -> cumulative seconds
    imported: set[str] = set()  # every package imported, at any depth
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self, cumulative, name = line[12:].split("|")
        imported.add(name.strip().split(".")[0])
        if not name.startswith("  "):  # nested imports are indented
            modules[name.strip()] = int(cumulative) / 1e6
    heavy = sorted(imported & set(HEAVY.split()))
    slowest = sorted(((t, m) for m, t in modules.items()), reverse=True)[:5]
    return heavy, slowest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs per command (15)")
    parser.add_argument("--budget", type=float, default=0.3, help="seconds for a help (0.3)")
    parser.add_argument("--python", default=sys.executable, help="the venv's Python")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--check", action="store_true", help="exit 1 when over the budget")
    args = parser.parse_args()

    measured = commands(args.python)
    for argv in measured.values():  # warm the file cache (and the .pyc files) once
        wall_time(argv)
    times: dict[str, list[float]] = {label: [] for label in measured}
    for _ in range(args.repeat):
        for label, argv in measured.items():
            times[label].append(wall_time(argv))

    floor = statistics.median(next(iter(times.values())))
    results = []
    print(f"{'command':<38}{'median':>9}{'fastest':>9}{'x floor':>9}  budget {args.budget} s")
    for label, runs in times.items():
        median = statistics.median(runs)
        within = median <= args.budget
        results.append(
            {
                "command": label,
                "median_s": round(median, 4),
                "fastest_s": round(min(runs), 4),
                "ratio_to_floor": round(median / floor, 2),
                "within_budget": within,
            }
        )
        verdict = "" if "floor" in label else ("ok" if within else "OVER")
        print(f"{label:<38}{median:>8.3f}s{min(runs):>8.3f}s{median / floor:>8.1f}x  {verdict}")

    heavy, slowest = import_profile(args.python)
    print(f"\nheavy libraries imported by --help: {', '.join(heavy) or 'none'}")
    print("slowest top-level imports: " + ", ".join(f"{m} {t * 1000:.0f} ms" for t, m in slowest))
    if args.json:
        document = {"repeat": args.repeat, "budget_s": args.budget, "results": results}
        document["heavy_imported"] = heavy
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    over = [r for r in results if "floor" not in r["command"] and not r["within_budget"]]
    return 1 if args.check and (over or heavy) else 0


if __name__ == "__main__":
    sys.exit(main())
