"""A run on a timesheets.csv longer than an Excel sheet (issue 6): not a test, a measurement.

Builds the input of ``prepaid-recon sample`` (``prepaid_recon.synthetic.generate``) for N
timesheets (default 2,000,000), writes every sheet as its workbook except ``timesheets``,
written as ``timesheets.csv``, then runs

    prepaid-recon run DIR --period 2026-10 --out OUT --profile -q

in a child process under ``/usr/bin/time -v`` when available (wall time, peak RSS), and reports
the stage times, the sheets written to ``hours_by_ticket.xlsx`` with their row counts, and
whether the control total equals the sum of the CSV's hours.

    .venv/bin/python benchmarks/large_csv.py                    # 2,000,000 rows
    .venv/bin/python benchmarks/large_csv.py --rows 1100000 --keep /tmp/big
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

from prepaid_recon.synthetic import generate, write_inputs

EXCEL_MAX_DATA_ROWS = 1_048_575


def build(folder: Path, rows: int, seed: int) -> float:
    """The sample input with ``rows`` timesheets, timesheets as CSV; the CSV's total hours."""
    frames = generate(rows, seed, "2026-10")
    timesheets = frames.pop("timesheets")
    write_inputs(frames, folder)
    timesheets.to_csv(folder / "timesheets.csv", index=False, date_format="%Y-%m-%d")
    return float(timesheets["hours"].sum())


def run(folder: Path, out: Path) -> dict:
    command = [
        str(Path(sys.executable).with_name("prepaid-recon")),
        "run", str(folder), "--period", "2026-10", "--out", str(out), "--profile", "-q",
    ]  # fmt: skip
    timer = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if timer:
        command = [timer, "-v", *command]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    profile = re.search(r"profile: (.*)", done.stderr)
    return {
        "exit_code": done.returncode,
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(int(rss.group(1)) / 1024) if rss else None,
        "stages": profile.group(1) if profile else None,
        "stderr_tail": done.stderr.strip().splitlines()[-3:] if done.returncode else [],
    }


def sheets_written(out: Path) -> dict[str, int]:
    """Data rows of every sheet of hours_by_ticket.xlsx (from each sheet's dimension)."""
    book = openpyxl.load_workbook(out / "hours_by_ticket.xlsx", read_only=True)
    rows = {name: (book[name].max_row or 1) - 1 for name in book.sheetnames}
    book.close()
    return rows


def control_total(out: Path) -> tuple[int, float]:
    book = openpyxl.load_workbook(out / "hours_by_ticket.xlsx", read_only=True)
    totals = {r[0]: r for r in book["control_totals"].iter_rows(values_only=True)}
    book.close()
    return int(totals["total"][1]), float(totals["total"][2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the input here, keep it")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="large-csv-"))
    folder = args.keep or work / "in"
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    hours = build(folder, args.rows, args.seed)
    built = time.perf_counter() - start
    csv_mb = (folder / "timesheets.csv").stat().st_size / 1024**2
    out = work / "out"
    result = run(folder, out)
    report = {
        "rows": args.rows,
        "build_s": round(built, 1),
        "timesheets_csv_mb": round(csv_mb),
        **result,
    }
    if result["exit_code"] == 0:
        report["sheets"] = sheets_written(out)
        audit = [n for n in report["sheets"] if re.fullmatch(r"timesheets(_\d+)?", n)]
        report["audit_sheets"] = audit
        report["audit_rows"] = sum(report["sheets"][n] for n in audit)
        rows, total = control_total(out)
        report["control_total_rows"] = rows
        report["control_total_matches_csv"] = rows == args.rows and abs(total - hours) < 0.01
        expected = -(-args.rows // EXCEL_MAX_DATA_ROWS)
        report["split_as_contract_says"] = len(audit) == expected and all(
            report["sheets"][n] <= EXCEL_MAX_DATA_ROWS for n in audit
        )
    print(json.dumps(report, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
