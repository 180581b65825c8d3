"""Benchmark `prepaid-recon run` against the I/O floor (issue 5, item 1).

    python benchmarks/bench_run.py [--sizes 100000,1000000] [--seed 1] [--repeat 3]
                                   [--cache benchmarks/.cache] [--writer xlsxwriter,rustpy]

For each size (timesheet rows):

1. the input is built once with ``prepaid-recon sample DIR --timesheets N --seed S`` and
   cached in ``--cache`` (keyed by size, seed and a hash of the generator's source);
2. ``--repeat`` times, each as a separate process under ``/usr/bin/time -v``, interleaved so
   that machine noise hits both alike:

   * ``prepaid-recon run DIR --period 2026-10 --out TMP --profile -q``;
   * the I/O floor, ``benchmarks/floor.py``: read the same input sheets with python-calamine
     and write the same output sheets (same header, rows and cells of each type, taken from
     the first run's own output) with xlsxwriter, constant memory, no formatting; with
     ``--writer xlsxwriter,rustpy`` also with rustpy-xlsxwriter.

3. medians of wall seconds and peak RSS, the ratio run/floor, the median of each stage of
   ``--profile`` (read, validate, rules, write), and the growth from the smallest to the
   largest size (the linearity ratio, 1M run / 100k run by default).

Prints a plain table while it goes and a Markdown table at the end (for the README), and
writes everything, with every sample, to ``--json`` (``benchmarks/results.json``).  If `run`
fails, its error is shown and the floor falls back to a shape estimated from the input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
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
FLOOR = HERE / "floor.py"
PERIOD = "2026-10"
STAGES = ("read", "validate", "rules", "write")
TARGET_RATIO = 1.5
TARGET_RSS_MB = 3 * 1024  # 3 GB, in MiB as /usr/bin/time reports KiB
TARGET_GROWTH = 11.0  # for 10x the rows

_ELAPSED = re.compile(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)")
_MAXRSS = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")
_PROFILE = re.compile(r"^profile: (.*)$", re.MULTILINE)


def log(message: str) -> None:
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Measuring one process
# --------------------------------------------------------------------------------------------


def parse_elapsed(text: str) -> float:
    """``h:mm:ss`` or ``m:ss.ss`` -> seconds."""
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def parse_time_v(report: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) from a ``/usr/bin/time -v`` report."""
    elapsed, rss = _ELAPSED.search(report), _MAXRSS.search(report)
    if elapsed is None or rss is None:
        raise ValueError(f"not a /usr/bin/time -v report:\n{report}")
    return parse_elapsed(elapsed.group(1)), int(rss.group(1)) / 1024


def parse_profile(stderr: str) -> dict[str, float]:
    """``profile: read=1.23s validate=...s total=...s`` -> {stage: seconds} (last line wins)."""
    found = _PROFILE.findall(stderr)
    if not found:
        return {}
    return {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)s", found[-1])}


def measure(cmd: list[str], label: str) -> dict:
    """Run ``cmd`` under ``/usr/bin/time -v``; wall seconds, peak MiB, exit code, stderr."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        proc = subprocess.run(
            ["/usr/bin/time", "-v", "-o", report.name, *cmd],
            capture_output=True,
            text=True,
            check=False,
        )
        wall, rss = parse_time_v(Path(report.name).read_text())
    sample = {
        "wall_s": round(wall, 2),
        "rss_mb": round(rss, 1),
        "rc": proc.returncode,
        "profile": parse_profile(proc.stderr),
    }
    status = "ok" if proc.returncode == 0 else f"FAILED rc={proc.returncode}"
    log(f"  {label}: {wall:.2f}s {rss:.0f} MiB {status} {proc.stderr.strip()[-300:]}")
    if proc.returncode != 0:
        sample["stderr_tail"] = proc.stderr[-4000:]
    return sample


# --------------------------------------------------------------------------------------------
# Inputs (cached) and the output's shape
# --------------------------------------------------------------------------------------------


def tool() -> list[str]:
    exe = Path(sys.executable).parent / "prepaid-recon"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("prepaid-recon")
    return [found] if found else [sys.executable, "-m", "prepaid_recon"]


def rustpy_python(cache: Path) -> str:
    """This interpreter if it has rustpy-xlsxwriter, else the side venv in the cache (made by
    ``python -m venv benchmarks/.cache/rustpy-venv`` and ``pip install rustpy-xlsxwriter
    python-calamine`` into it, so that the project's venv stays as the project declares it)."""
    import importlib.util

    if importlib.util.find_spec("rustpy_xlsxwriter") is not None:
        return sys.executable
    side = cache / "rustpy-venv" / "bin" / "python"
    if side.exists():
        return str(side)
    raise SystemExit(
        "--writer rustpy: rustpy-xlsxwriter is not installed; run\n"
        f"  python -m venv {cache / 'rustpy-venv'} && "
        f"{cache / 'rustpy-venv' / 'bin' / 'pip'} install rustpy-xlsxwriter python-calamine"
    )


def generator_hash() -> str:
    """Hash of the sample generator's source: a changed generator gets a new cache entry."""
    digest = hashlib.sha256()
    for rel in (
        "src/prepaid_recon/synthetic.py",
        "src/prepaid_recon/xlsx/templates.py",
        "src/prepaid_recon/xlsx/book.py",
    ):
        path = REPO / rel
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:10]


def ensure_input(size: int, seed: int, cache: Path) -> Path:
    """The sample input of ``size`` timesheets, generated once into the cache."""
    folder = cache / f"sample-n{size}-seed{seed}-{generator_hash()}"
    if (folder / ".complete").exists():
        log(f"input {size:,} rows: cached in {folder}")
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    log(f"input {size:,} rows: generating into {folder} ...")
    start = time.perf_counter()
    cmd = [*tool(), "sample", str(partial), "--timesheets", str(size), "--seed", str(seed)]
    subprocess.run([*cmd, "--period", PERIOD], check=True, capture_output=True)
    (partial / ".complete").write_text(f"{size} {seed}\n")
    partial.rename(folder)
    log(f"input {size:,} rows: generated in {time.perf_counter() - start:.1f}s")
    return folder


def _cell_kind(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "str"
    return "num"  # int, float, date, datetime, time, timedelta: a number cell in the file


def shape_of_output(out_dir: Path) -> dict:
    """Every sheet of every workbook in ``out_dir``: header, rows, cells of each kind per column."""
    from python_calamine import CalamineWorkbook

    workbooks: dict[str, list[dict]] = {}
    for path in sorted(out_dir.glob("*.xlsx")):
        book = CalamineWorkbook.from_path(str(path))
        sheets = []
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).iter_rows()
            header = [str(h) for h in next(rows, [])]
            counts = [{"str": 0, "num": 0, "bool": 0} for _ in header]
            chars = [0] * len(header)
            n = 0
            for row in rows:
                n += 1
                for c, value in enumerate(row[: len(header)]):
                    kind = _cell_kind(value)
                    if kind is not None:
                        counts[c][kind] += 1
                        if kind == "str":
                            chars[c] += len(value)
            columns = [
                {"name": h, "cells": counts[c], "str_chars": chars[c]} for c, h in enumerate(header)
            ]
            sheets.append({"sheet": name, "rows": n, "columns": columns})
        workbooks[path.name] = sheets
    return {"source": "run output", "workbooks": workbooks}


# Fallback while `run` does not work: CONTRACT section 3's sheets, sized from the input.
_CONTRACT_SHEETS = {
    "invoices.xlsx": {
        "invoices": ("orders", "invoice kind state customer invoice_date currency untaxed tax "
                     "total"),
        "invoice_lines": ("order_lines", "invoice order line product description quantity uom "
                          "unit_price discount subtotal tax total"),
    },
    "delivered_vs_ordered.xlsx": {
        "order_lines": ("order_lines", "order line customer product invoicing_policy uom "
                        "ordered delivered delivered_in_period invoiced to_invoice "
                        "remaining_hours invoice_status upsell_alert task"),
        "orders": ("orders", "order customer state currency invoice_status untaxed_ordered "
                   "untaxed_invoiced untaxed_to_invoice"),
        "prepaid_balances": ("order_lines", "customer order line opening_hours "
                             "purchased_hours consumed_hours closing_hours"),
        "customers": ("orders", "customer opening_hours purchased_hours consumed_hours "
                      "closing_hours"),
    },
    "hours_by_ticket.xlsx": {
        "tickets": ("tickets", "ticket team customer subject order line task link hours "
                    "billable_hours non_billable_hours hours_in_period timesheets first_date "
                    "last_date"),
        "timesheets": ("timesheets", "timesheet source_row date employee ticket task "
                       "description order line hours quantity status reason invoice"),
        "employees": ("teams", "employee hours billable_hours non_billable_hours"),
        "control_totals": ("teams", "status rows hours"),
    },
    "tasks.xlsx": {
        "tasks": ("order_lines", "task project order line customer allocated_hours"),
        "projects": ("teams", "project order allocated_hours"),
    },
    "exceptions.xlsx": {
        "exceptions": ("", "severity code file sheet row column value message"),
    },
}  # fmt: skip
_TEXT = frozenset({
    "invoice", "kind", "state", "customer", "currency", "order", "product", "description",
    "uom", "invoicing_policy", "invoice_status", "task", "ticket", "team", "subject", "link",
    "timesheet", "employee", "status", "reason", "project", "severity", "code", "file", "sheet",
    "column", "value", "message",
})  # fmt: skip


def estimated_shape(input_dir: Path) -> dict:
    """CONTRACT section 3's sheets, one row per input row of the sheet they derive from
    (an over-estimate for the small sheets), every cell filled, text of 12 characters."""
    sys.path.insert(0, str(HERE))
    from floor import read_inputs

    counts = read_inputs(input_dir)
    workbooks = {}
    for file_name, sheets in _CONTRACT_SHEETS.items():
        out = []
        for sheet, (source, names) in sheets.items():
            rows = counts.get(source, 0)
            columns = []
            for name in names.split():
                kind = "str" if name in _TEXT else "bool" if name == "upsell_alert" else "num"
                cells = {"str": 0, "num": 0, "bool": 0, kind: rows}
                columns.append({"name": name, "cells": cells, "str_chars": 12 * rows})
            out.append({"sheet": sheet, "rows": rows, "columns": columns})
        workbooks[file_name] = out
    return {"source": "estimated from the input (run failed)", "workbooks": workbooks}


def shape_summary(shape: dict) -> dict[str, int]:
    return {
        f"{book}:{sheet['sheet']}": sheet["rows"]
        for book, sheets in shape["workbooks"].items()
        for sheet in sheets
    }


# --------------------------------------------------------------------------------------------
# One size
# --------------------------------------------------------------------------------------------


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def bench_size(size: int, args: argparse.Namespace, work: Path) -> dict:
    input_dir = ensure_input(size, args.seed, args.cache)
    shape_path = work / f"shape-{size}.json"
    runs: list[dict] = []
    floors: dict[str, list[dict]] = {w: [] for w in args.writers}
    shape: dict | None = None
    run_broken = False
    for i in range(args.repeat):
        if not run_broken:
            out = work / f"run-{size}-{i}"
            cmd = [*tool(), "run", str(input_dir), "--period", PERIOD, "--out", str(out)]
            sample = measure([*cmd, "--profile", "-q"], f"{size:,} run #{i + 1}")
            runs.append(sample)
            if shape is None:
                if sample["rc"] == 0:
                    shape = shape_of_output(out)
                else:
                    run_broken = True
            shutil.rmtree(out, ignore_errors=True)
        if shape is None:
            log(f"{size:,}: `run` failed; the floor uses a shape estimated from the input")
            shape = estimated_shape(input_dir)
        shape_path.write_text(json.dumps(shape))
        for writer in args.writers:
            out = work / f"floor-{size}-{writer}-{i}"
            python = args.rustpy_python if writer == "rustpy" else sys.executable
            cmd = [python, str(FLOOR), str(input_dir), str(shape_path), str(out)]
            floors[writer].append(
                measure([*cmd, "--writer", writer], f"{size:,} floor[{writer}] #{i + 1}")
            )
            shutil.rmtree(out, ignore_errors=True)
    ok_runs = [r for r in runs if r["rc"] == 0]
    result = {
        "size": size,
        "input": str(input_dir),
        "shape_source": shape["source"] if shape else None,
        "output_rows": shape_summary(shape) if shape else {},
        "run_ok": bool(ok_runs) and len(ok_runs) == len(runs),
        "run_samples": runs,
        "floor_samples": floors,
        "run_s": median([r["wall_s"] for r in ok_runs]),
        "run_mb": median([r["rss_mb"] for r in ok_runs]),
        "stages": {
            stage: median([r["profile"][stage] for r in ok_runs if stage in r["profile"]])
            for stage in (*STAGES, "total")
        },
        "floor": {
            w: {
                "s": median([f["wall_s"] for f in samples if f["rc"] == 0]),
                "mb": median([f["rss_mb"] for f in samples if f["rc"] == 0]),
            }
            for w, samples in floors.items()
        },
    }
    result["ratios"] = {
        w: round(result["run_s"] / f["s"], 2) if result["run_s"] and f["s"] else None
        for w, f in result["floor"].items()
    }
    result["ratio"] = result["ratios"][args.writers[0]]  # the target's: the project's writer
    if not result["run_ok"] and runs:
        result["run_error"] = next(r for r in runs if r["rc"] != 0).get("stderr_tail", "")
    return result


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def _f(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table_rows(results: list[dict], writers: list[str]) -> tuple[list[str], list[list[str]]]:
    head = ["rows", f"floor s ({writers[0]})", "floor MB"]
    for w in writers[1:]:
        head += [f"floor s ({w})", f"floor MB ({w})"]
    head += ["run s", "run MB", "run/floor"]
    head += [f"run/floor ({w})" for w in writers[1:]]
    head += [f"{s} s" for s in STAGES]
    rows = []
    for r in results:
        row = [
            f"{r['size']:,}",
            _f(r["floor"][writers[0]]["s"]),
            _f(r["floor"][writers[0]]["mb"], 0),
        ]
        for w in writers[1:]:
            row += [_f(r["floor"][w]["s"]), _f(r["floor"][w]["mb"], 0)]
        row += [_f(r["run_s"]), _f(r["run_mb"], 0), _f(r["ratio"])]
        row += [_f(r["ratios"].get(w)) for w in writers[1:]]
        row += [_f(r["stages"].get(s)) for s in STAGES]
        rows.append(row)
    return head, rows


def growth(results: list[dict], key: str) -> dict | None:
    """Cost of the largest size over the smallest (linearity), with the row ratio."""
    done = [r for r in results if r.get(key)]
    if len(done) < 2:
        return None
    small, large = min(done, key=lambda r: r["size"]), max(done, key=lambda r: r["size"])
    if small["size"] == large["size"]:
        return None
    return {
        "from": small["size"],
        "to": large["size"],
        "rows_x": round(large["size"] / small["size"], 2),
        "time_x": round(large[key] / small[key], 2),
    }


def verdicts(results: list[dict], run_growth: dict | None) -> list[str]:
    lines = []
    for r in results:
        if not r["run_ok"]:
            lines.append(f"{r['size']:,} rows: `prepaid-recon run` FAILED (see results JSON)")
            continue
        ok_ratio = r["ratio"] is not None and r["ratio"] <= TARGET_RATIO
        ok_rss = r["run_mb"] is not None and r["run_mb"] <= TARGET_RSS_MB
        lines.append(
            f"{r['size']:,} rows: run/floor {_f(r['ratio'])} "
            f"({'met' if ok_ratio else 'NOT met'}, target <= {TARGET_RATIO}); "
            f"peak {_f(r['run_mb'], 0)} MB ({'met' if ok_rss else 'NOT met'}, "
            f"target <= {TARGET_RSS_MB} MB)"
        )
    if run_growth:
        limit = TARGET_GROWTH * run_growth["rows_x"] / 10
        ok = run_growth["time_x"] <= limit
        lines.append(
            f"growth {run_growth['from']:,} -> {run_growth['to']:,} rows "
            f"({run_growth['rows_x']:g}x rows): run {run_growth['time_x']:.2f}x "
            f"({'met' if ok else 'NOT met'}, target <= {limit:g}x)"
        )
    return lines


def markdown(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def plain(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]
    fmt = "  ".join(f"{{:>{w}}}" for w in widths)
    return "\n".join(fmt.format(*line) for line in [head, *rows])


def machine() -> dict:
    try:
        rev = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "-C", str(REPO), "status", "--porcelain", "--", "src"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
        )
    except OSError:
        rev, dirty = "", False
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git": rev + (" (src modified)" if dirty else ""),
    }


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="timesheet rows, comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=HERE / ".cache")
    parser.add_argument(
        "--writer",
        default="xlsxwriter",
        help="floor writer(s), comma-separated: xlsxwriter (the project's, the reference), rustpy",
    )
    parser.add_argument(
        "--rustpy-python",
        help="interpreter with rustpy-xlsxwriter and python-calamine for the rustpy floor "
        "(default: this one if it has rustpy-xlsxwriter, else benchmarks/.cache/rustpy-venv)",
    )
    parser.add_argument("--json", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.writers = [w.strip() for w in args.writer.split(",") if w.strip()]
    if not args.writers or any(w not in ("xlsxwriter", "rustpy") for w in args.writers):
        parser.error("--writer takes xlsxwriter and/or rustpy")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not Path("/usr/bin/time").exists():
        parser.error("/usr/bin/time is needed (apt-get install time)")
    args.cache.mkdir(parents=True, exist_ok=True)
    if "rustpy" in args.writers and args.rustpy_python is None:
        args.rustpy_python = rustpy_python(args.cache)

    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-", dir=args.cache) as tmp:
        for size in args.sizes:
            results.append(bench_size(size, args, Path(tmp)))
            head, rows = table_rows(results, args.writers)
            print(plain(head, rows), file=sys.stderr, flush=True)

    run_growth = growth(results, "run_s")
    floor_growth = growth(
        [{**r, "floor_s": r["floor"][args.writers[0]]["s"]} for r in results], "floor_s"
    )
    head, rows = table_rows(results, args.writers)
    report = {
        "command": "python benchmarks/bench_run.py " + " ".join(argv or sys.argv[1:]),
        "date": dt.date.today().isoformat(),
        "machine": machine(),
        "seed": args.seed,
        "repeat": args.repeat,
        "period": PERIOD,
        "writers": args.writers,
        "results": results,
        "run_growth": run_growth,
        "floor_growth": floor_growth,
        "verdicts": verdicts(results, run_growth),
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")

    print(plain(head, rows))
    print()
    for line in report["verdicts"]:
        print(line)
    if floor_growth:
        print(f"floor growth: {floor_growth['time_x']:.2f}x for {floor_growth['rows_x']:g}x rows")
    print()
    print(
        f"Median of {args.repeat} (wall seconds, peak RSS in MB = MiB), seed {args.seed}, "
        f"{report['machine']['cpus']} CPUs, git {report['machine']['git']}:"
    )
    print()
    print(markdown(head, rows))
    if run_growth:
        print()
        print(
            f"Linearity: the {run_growth['to']:,}-row run takes {run_growth['time_x']:.2f}x the "
            f"{run_growth['from']:,}-row run ({run_growth['rows_x']:g}x the rows)."
        )
    print(f"\n(results: {args.json})")
    return 0 if all(r["run_ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
