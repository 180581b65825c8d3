"""Where a run's memory goes: the RSS on entry to and exit from each step, and its peak inside.

    .venv/bin/python benchmarks/memory_stages.py INPUT [--also module:function ...]

Runs ``app.run_month`` on INPUT (``--period 2026-10``, into a temporary OUT) in this process,
each step of :data:`STEPS` (and ``--also``) wrapped; a thread samples ``/proc/self/statm``
every 2 ms.  One line per call, nested calls indented, in the order they end:

    tables._read_csv: in 260  out 1156  peak 1156 MiB  1.61s

``in``/``out``: the RSS when the call starts and ends (what it leaves held, or what the
allocator kept); ``peak``: the highest RSS while it ran.  The step whose peak is the run's peak
is where to look; ``memray`` (not a project dependency) then tells which line allocates.  Linux
only.  Used for issue 13 (``benchmarks/README.md``, large CSV).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STEPS = [
    "prepaid_recon.read.tables:_read_csv",
    "prepaid_recon.read.tables:_read_xlsx_sheets",
    "prepaid_recon.app:read_inputs",
    "prepaid_recon.validate:parse_table",
    "prepaid_recon.validate:apply_defaults",
    "prepaid_recon.validate:check_tickets",
    "prepaid_recon.validate:check_timesheets",
    "prepaid_recon.validate.references:check_link",
    "prepaid_recon.validate.references:_time_on_non_time_lines",
    "prepaid_recon.app:validate",
    "prepaid_recon.rules.linking:link_timesheets",
    "prepaid_recon.rules.order_lines:counted_hours_per_line",
    "prepaid_recon.rules.invoicing:draft_documents",
    "prepaid_recon.rules.attribution:attribute",
    "prepaid_recon.rules.balances:block_usage",
    "prepaid_recon.rules.unbilled:unbilled_time",
    "prepaid_recon.rules.hours:hours_bridge",
    "prepaid_recon.rules.hours:ticket_hours",
    "prepaid_recon.rules.hours:employee_hours",
    "prepaid_recon.rules.conservation:check_conservation",
    "prepaid_recon.reconcile:run",
    "prepaid_recon.app:build_reports",
    "prepaid_recon.report.workbooks:annex",
    "prepaid_recon.report.workbooks:prepaid_usage",
    "prepaid_recon.xlsx.writer:_prepare",
    "prepaid_recon.app:write_outputs",
]
"""``module:function`` wrapped in the module (callers that look it up there see the wrapper)."""

PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024**2


def rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


class Sampler(threading.Thread):
    """Raises the peak of every open call to the RSS it sees, every 2 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.open: list[list[int]] = []
        self.peak = 0
        self.stopped = False

    def run(self) -> None:
        while not self.stopped:
            now = rss()
            self.peak = max(self.peak, now)
            for mark in list(self.open):
                mark[0] = max(mark[0], now)
            time.sleep(0.002)


def wrap(spec: str, sampler: Sampler, depth: list[int]) -> None:
    module_name, name = spec.split(":")
    module = importlib.import_module(module_name)
    function: Callable[..., Any] = getattr(module, name)

    @functools.wraps(function)
    def measured(*args: Any, **kwargs: Any) -> Any:
        mark = [rss()]
        start, began = mark[0], time.perf_counter()
        sampler.open.append(mark)
        depth[0] += 1
        try:
            return function(*args, **kwargs)
        finally:
            depth[0] -= 1
            sampler.open = [m for m in sampler.open if m is not mark]
            end = rss()
            peak = max(mark[0], end)
            label = f"{module_name.rsplit('.', 1)[-1]}.{name}"
            print(
                f"{'  ' * depth[0]}{label}: in {start / MIB:6.0f}  out {end / MIB:6.0f}  "
                f"peak {peak / MIB:6.0f} MiB  {time.perf_counter() - began:6.2f}s",
                file=sys.stderr,
                flush=True,
            )

    setattr(module, name, measured)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--also", action="append", default=[], help="module:function")
    args = parser.parse_args(argv)
    sampler, depth = Sampler(), [0]
    for spec in [*STEPS, *args.also]:
        wrap(spec, sampler, depth)
    from prepaid_recon import app
    from prepaid_recon.domain import Period
    from prepaid_recon.reconcile import Options

    sampler.start()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        outcome = app.run_month(args.input, Path(out) / "out", Options(Period.parse(args.period)))
    sampler.stopped = True
    print(
        f"exit {outcome.exit_code}  peak {sampler.peak / MIB:.0f} MiB  "
        f"{time.perf_counter() - began:.1f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
