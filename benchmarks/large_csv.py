"""A run on a large timesheets.csv (issues 6 and 13): not a test, a measurement.

For each size (``--rows``, timesheet rows), the input of ``prepaid-recon sample``
(``prepaid_recon.synthetic.generate``) is built once into ``--cache``: every sheet as its
workbook except ``timesheets``, written as ``timesheets.csv``.  Then ``--repeat`` times, each
as its own process under ``/usr/bin/time -v`` (wall time, peak RSS), interleaved so that
machine noise hits them alike:

* the **floor**: ``pyarrow.csv.read_csv`` of timesheets.csv into a table, every column text (as
  the tool reads it): the least that reading the file takes, interpreter and pyarrow included;
* the **run**: ``prepaid-recon run DIR --period 2026-10 --out OUT --profile -q``;
* with ``--before SRC``, the same run of another source tree (``PYTHONPATH=SRC``, e.g. a
  ``git worktree add /tmp/wt_before <commit>``'s ``src``): before and after in one invocation;
  ``--variant NAME=SRC`` (repeatable) adds other trees the same way.

Medians are printed as a table (plain, then Markdown for the README): rows, the CSV's MiB, the
floor's and each run's peak MiB and seconds, run/floor and run/file ratios, and the stage times
of ``--profile``; the first run's output is checked (control total = the CSV's rows and hours,
the audit split on ``timesheets``, ``timesheets_2``... as the contract says).  Everything,
with every sample, goes to ``--json``.

    .venv/bin/python benchmarks/large_csv.py --rows 1000000,5000000
    .venv/bin/python benchmarks/large_csv.py --rows 5000000 --before /tmp/wt_before/src
    .venv/bin/python benchmarks/large_csv.py --variant patched=/tmp/wt_patched/src

MB are MiB (``/usr/bin/time`` reports KiB).  Peak RSS does not depend on the machine's load;
seconds do (compare ratios from one invocation).  Building 5,000,000 rows takes about a minute
and 6 GB; the CSV is 321 MiB.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PERIOD = "2026-10"
EXCEL_MAX_DATA_ROWS = 1_048_575
TARGET_RSS_MB = 3 * 1024

_ELAPSED = re.compile(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)")
_MAXRSS = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")
_PROFILE = re.compile(r"^profile: (.*)$", re.MULTILINE)

FLOOR = """
import sys
import pyarrow as pa
import pyarrow.csv as pacsv

path = sys.argv[1]
with pacsv.open_csv(path) as reader:
    names = reader.schema.names
types = {name: pa.large_string() for name in names}
table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
print(table.num_rows, table.nbytes)
"""
"""The floor: the CSV read whole by pyarrow into Arrow strings, nothing else."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def tool() -> str:
    exe = Path(sys.executable).with_name("prepaid-recon")
    return str(exe) if exe.exists() else shutil.which("prepaid-recon") or "prepaid-recon"


# --------------------------------------------------------------------------------------------
# The input (cached)
# --------------------------------------------------------------------------------------------


def generator_hash() -> str:
    """Hash of the generator and of :func:`build`: a changed one gets a new cache entry."""
    digest = hashlib.sha256()
    path = REPO / "src/prepaid_recon/synthetic.py"
    digest.update(path.read_bytes() if path.exists() else b"")
    digest.update(inspect.getsource(build).encode())
    return digest.hexdigest()[:10]


def build(folder: Path, rows: int, seed: int) -> float:
    """The sample input with ``rows`` timesheets, timesheets as CSV; the CSV's total hours."""
    from prepaid_recon.synthetic import generate, write_inputs

    frames = generate(rows, seed, PERIOD)
    timesheets = frames.pop("timesheets")
    write_inputs(frames, folder)
    timesheets.to_csv(folder / "timesheets.csv", index=False, date_format="%Y-%m-%d")
    return float(timesheets["hours"].sum())


def ensure_input(rows: int, seed: int, cache: Path) -> tuple[Path, float]:
    """The input folder of ``rows`` timesheets, built once, and the CSV's total hours."""
    folder = cache / f"csv-n{rows}-seed{seed}-{generator_hash()}"
    done = folder / ".complete"
    if done.exists():
        log(f"input {rows:,} rows: cached in {folder}")
        return folder, float(done.read_text())
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    log(f"input {rows:,} rows: building into {folder} ...")
    start = time.perf_counter()
    hours = build(partial, rows, seed)
    (partial / ".complete").write_text(repr(hours))
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    log(f"input {rows:,} rows: built in {time.perf_counter() - start:.0f}s")
    return folder, hours


# --------------------------------------------------------------------------------------------
# Measuring one process
# --------------------------------------------------------------------------------------------


def seconds(text: str) -> float:
    """``h:mm:ss`` or ``m:ss.ss`` -> seconds."""
    total = 0.0
    for part in text.split(":"):
        total = total * 60 + float(part)
    return total


def measure(command: list[str], label: str, env: dict[str, str] | None = None) -> dict:
    """``command`` under ``/usr/bin/time -v``: wall seconds, peak MiB, exit code, stages."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        done = subprocess.run(
            ["/usr/bin/time", "-v", "-o", report.name, *command],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        text = Path(report.name).read_text()
    elapsed, rss = _ELAPSED.search(text), _MAXRSS.search(text)
    profile = _PROFILE.findall(done.stderr)
    sample = {
        "wall_s": round(seconds(elapsed.group(1)), 2) if elapsed else None,
        "rss_mb": round(int(rss.group(1)) / 1024, 1) if rss else None,
        "rc": done.returncode,
        "stages": {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)s", profile[-1])}
        if profile
        else {},
    }
    if done.returncode:
        sample["stderr_tail"] = done.stderr.strip().splitlines()[-5:]
    log(f"  {label}: {sample['wall_s']}s {sample['rss_mb']} MiB rc={done.returncode}")
    return sample


def run_command(folder: Path, out: Path) -> list[str]:
    command = [tool(), "run", str(folder), "--period", PERIOD, "--out", str(out)]
    return [*command, "--profile", "-q"]


def with_source(src: str | None) -> dict[str, str] | None:
    """The environment that runs the code of ``src`` (``PYTHONPATH``), or this one."""
    if src is None:
        return None
    return {**os.environ, "PYTHONPATH": str(Path(src).resolve())}


# --------------------------------------------------------------------------------------------
# Checking a run's output
# --------------------------------------------------------------------------------------------


def checks(out: Path, rows: int, hours: float) -> dict:
    """The audit sheets of hours_by_ticket.xlsx and the control total against the CSV."""
    import openpyxl

    book = openpyxl.load_workbook(out / "hours_by_ticket.xlsx", read_only=True)
    sheets = {name: (book[name].max_row or 1) - 1 for name in book.sheetnames}
    totals = {r[0]: r for r in book["control_totals"].iter_rows(values_only=True)}
    book.close()
    audit = [n for n in sheets if re.fullmatch(r"timesheets(_\d+)?", n)]
    expected = -(-rows // EXCEL_MAX_DATA_ROWS)
    return {
        "audit_sheets": {n: sheets[n] for n in audit},
        "control_total_matches_csv": int(totals["total"][1]) == rows
        and abs(float(totals["total"][2]) - hours) < 0.01,
        "split_as_contract_says": len(audit) == expected
        and all(sheets[n] <= EXCEL_MAX_DATA_ROWS for n in audit),
    }


# --------------------------------------------------------------------------------------------
# One size, the table
# --------------------------------------------------------------------------------------------


def median(samples: list[dict], key: str) -> float | None:
    values = [s[key] for s in samples if s.get(key) is not None and s.get("rc") == 0]
    return round(statistics.median(values), 2) if values else None


def bench(rows: int, args: argparse.Namespace, work: Path) -> dict:
    folder, hours = ensure_input(rows, args.seed, args.cache)
    csv_mb = (folder / "timesheets.csv").stat().st_size / 1024**2
    variants: dict[str, str | None] = {"before": args.before} if args.before else {}
    variants["after"] = None
    variants.update(args.variant)
    samples: dict[str, list[dict]] = {"floor": [], **{name: [] for name in variants}}
    result: dict = {"rows": rows, "csv_mb": round(csv_mb, 1)}
    for i in range(args.repeat):
        log(f"{rows:,} rows, repeat {i + 1}/{args.repeat}")
        floor = [sys.executable, "-c", FLOOR, str(folder / "timesheets.csv")]
        samples["floor"].append(measure(floor, "floor (pyarrow read_csv)"))
        for name, src in variants.items():
            out = work / f"out-{rows}-{name}-{i}"
            sample = measure(run_command(folder, out), f"run ({name})", with_source(src))
            if i == 0 and sample["rc"] == 0:
                result[f"{name}_checks"] = checks(out, rows, hours)
            samples[name].append(sample)
            shutil.rmtree(out, ignore_errors=True)
    floor_mb = median(samples["floor"], "rss_mb")
    for name in ("floor", *variants):
        result[f"{name}_mb"] = median(samples[name], "rss_mb")
        result[f"{name}_s"] = median(samples[name], "wall_s")
    for name in variants:
        run_mb = result[f"{name}_mb"]
        result[f"{name}_per_floor"] = round(run_mb / floor_mb, 2) if run_mb and floor_mb else None
        result[f"{name}_per_file"] = round(run_mb / csv_mb, 1) if run_mb else None
        stages = [s["stages"] for s in samples[name] if s["stages"]]
        result[f"{name}_stages"] = {
            k: round(statistics.median(s[k] for s in stages), 2)
            for k in (stages[0] if stages else {})
        }
    result["samples"] = samples
    return result


def table(results: list[dict], names: list[str]) -> tuple[list[str], list[list[str]]]:
    head = ["rows", "csv MB", "floor MB", "floor s"]
    for name in names:
        head += [f"{name} MB", f"{name}/floor", f"{name}/file", f"{name} s"]
    rows = []
    for r in results:
        row = [
            f"{r['rows']:,}",
            f"{r['csv_mb']:.0f}",
            f"{r['floor_mb']:.0f}",
            f"{r['floor_s']:.1f}",
        ]
        for name in names:
            row += [
                f"{r[f'{name}_mb']:.0f}" if r[f"{name}_mb"] else "failed",
                f"{r[f'{name}_per_floor']}",
                f"{r[f'{name}_per_file']}",
                f"{r[f'{name}_s']:.1f}" if r[f"{name}_s"] else "-",
            ]
        rows.append(row)
    return head, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000,5000000", help="sizes, comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=HERE / ".cache")
    parser.add_argument("--before", help="a source tree to run as 'before' (PYTHONPATH)")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        type=lambda text: tuple(text.split("=", 1)),
        help="NAME=SRC: one more source tree to run (repeatable)",
    )
    parser.add_argument("--json", type=Path, default=HERE / "large_csv.json")
    args = parser.parse_args(argv)
    if not Path("/usr/bin/time").exists():
        raise SystemExit("needs /usr/bin/time (apt-get install time)")
    args.cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="large-csv-"))
    try:
        results = [bench(int(n), args, work) for n in args.rows.split(",")]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    names = [*(["before"] if args.before else []), "after", *(name for name, _ in args.variant)]
    head, rows = table(results, names)
    print("  ".join(head))
    for row in rows:
        print("  ".join(row))
    print()
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    for r in results:
        for name in names:
            over = r[f"{name}_mb"] is None or r[f"{name}_mb"] > TARGET_RSS_MB
            print(
                f"{r['rows']:,} rows, {name}: peak {'OVER' if over else 'within'} 3 GiB; "
                f"stages {r.get(f'{name}_stages')}; checks {r.get(f'{name}_checks')}"
            )
    args.json.write_text(json.dumps({"argv": sys.argv[1:], "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
