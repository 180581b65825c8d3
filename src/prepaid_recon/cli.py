"""The command line: options -> read -> validate -> pipeline -> reports -> exit code.

Exit codes (CONTRACT section 1): 0 done (warnings allowed); 1 the input has errors (only
``exceptions.xlsx`` and ``run.json`` are written); 2 the command could not run.  A user mistake
never shows a traceback: every :class:`~prepaid_recon.errors.ReconError` is turned into a
message and its exit code here, in one place.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click
import pandas as pd

from prepaid_recon import __version__
from prepaid_recon.domain import Period, is_currency_code
from prepaid_recon.errors import ReconError

EXIT_OK, EXIT_INPUT_ERRORS, EXIT_CANNOT_RUN = 0, 1, 2


def _period(value: str | None) -> Period | None:
    if value is None:
        return None
    try:
        return Period.parse(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


def _currency(value: str) -> str:
    code = value.strip().upper()
    if not is_currency_code(code):
        raise click.BadParameter(f"{value!r} is not an ISO 4217 code such as USD")
    return code


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


class _Commands(click.Group):
    """The command group; the one place where could-not-run errors become messages and codes."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ReconError as err:
            click.echo(f"prepaid-recon: {err}", err=True)
            ctx.exit(err.exit_code)
        except OSError as err:
            where = f": {err.filename}" if err.filename else ""
            click.echo(f"prepaid-recon: {err.strerror or err}{where}", err=True)
            ctx.exit(EXIT_CANNOT_RUN)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="prepaid-recon")
def cli() -> None:
    """Month-end reconciliation of prepaid support hours: timesheets, order lines, invoices."""


def _where(f) -> str:
    """`file:sheet!row [column] 'value'` — the cell a user has to look at."""
    where = f"{f.file}:{f.sheet}" if f.sheet else f"{f.file}"
    if not pd.isna(f.row):
        where += f"!{int(f.row)}"
    column = f" [{f.column}]" if f.column else ""
    value = f" '{f.value}'" if f.value else ""
    return f"{where}{column}{value}"


def _print_findings(findings, limit: int = 20) -> None:
    """Counts per severity, the first errors one per line, warnings summarised per code."""
    errors = findings[findings["severity"] == "error"]
    warnings = findings[findings["severity"] == "warning"]
    click.echo(f"{len(errors)} error(s), {len(warnings)} warning(s)", err=True)
    for f in errors.head(limit).itertuples(index=False):
        click.echo(f"  error: {_where(f)} {f.message}", err=True)
    if len(errors) > limit:
        click.echo(f"  ... and {len(errors) - limit} more errors (see exceptions.xlsx)", err=True)
    for _key, group in warnings.groupby(["code", "sheet"], sort=True):
        first = next(group.itertuples(index=False))
        more = f" (and {len(group) - 1} more like it)" if len(group) > 1 else ""
        click.echo(f"  warning: {_where(first)} {first.message}{more}", err=True)


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--period", "period_text", metavar="YYYY-MM", help="Month closed (cut-off checks).")
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), help="Write exceptions.xlsx into DIR."
)
@click.option("--currency", default="USD", show_default=True, help="Default order currency.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
def validate(
    input_path: Path, period_text: str | None, out_dir: Path | None, currency: str, quiet: bool
) -> None:
    """Check INPUT as `run` would, and report every finding in one pass."""
    from prepaid_recon.read.tables import read_inputs
    from prepaid_recon.validate.checks import validate as check

    period = _period(period_text)
    currency = _currency(currency)
    _refuse_out_in_input(input_path, out_dir)
    read = read_inputs(input_path)
    result = check(read, period, currency)
    if out_dir is not None:
        from prepaid_recon.report.workbooks import exceptions_workbook
        from prepaid_recon.xlsx.writer import write_outputs

        write_outputs(out_dir, exceptions_workbook(result.findings), {}, refuse=input_path)
    if not quiet or result.errors:
        _print_findings(result.findings)
    sys.exit(EXIT_INPUT_ERRORS if result.errors else EXIT_OK)


def _refuse_out_in_input(input_path: Path, out_dir: Path | None) -> None:
    """Refuse a bad OUT before reading anything (the writer checks again when it writes)."""
    if out_dir is not None and input_path.exists():
        from prepaid_recon.xlsx.writer import check_destination

        check_destination(out_dir, input_path)


class Stages:
    """Stage timing for --profile, and progress lines on stderr when it is a terminal."""

    def __init__(self, *, profile: bool, progress: bool) -> None:
        self.profile, self.progress = profile, progress
        self.times: dict[str, float] = {}

    def __call__(self, name: str):
        import contextlib
        import time

        @contextlib.contextmanager
        def stage():
            if self.progress:
                click.echo(f"{name}...", err=True)
            start = time.perf_counter()
            yield
            self.times[name] = time.perf_counter() - start

        return stage()

    def report(self) -> None:
        if self.profile:
            total = sum(self.times.values())
            parts = " ".join(f"{k}={v:.2f}s" for k, v in self.times.items())
            click.echo(f"profile: {parts} total={total:.2f}s", err=True)


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--period", "period_text", required=True, metavar="YYYY-MM", help="Month closed.")
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), help="Reports folder (./out/PERIOD)."
)
@click.option("--currency", default="USD", show_default=True, help="Currency of orders with none.")
@click.option(
    "--invoice-grouping",
    type=click.Choice(["order", "customer"]),
    default="order",
    show_default=True,
    help="One draft per order, or per customer and currency.",
)
@click.option("--invoice-date", "invoice_date_text", metavar="DATE", help="Default: cut-off.")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.option("--profile", is_flag=True, help="Print the time of each stage on stderr.")
def run(
    input_path: Path,
    period_text: str,
    out_dir: Path | None,
    currency: str,
    invoice_grouping: str,
    invoice_date_text: str | None,
    as_json: bool,
    quiet: bool,
    profile: bool,
) -> None:
    """Reconcile INPUT for the month --period and write the reports."""
    from prepaid_recon import reconcile as pipeline
    from prepaid_recon.read.tables import read_inputs
    from prepaid_recon.report.manifest import RunSummary
    from prepaid_recon.report.workbooks import (
        OUTPUT_FILES,
        RUN_JSON,
        build_reports,
        exceptions_workbook,
    )
    from prepaid_recon.validate.checks import validate as check
    from prepaid_recon.xlsx.writer import write_outputs

    period = _period(period_text)
    assert period is not None
    currency = _currency(currency)
    invoice_date = _date(invoice_date_text)
    out_dir = out_dir if out_dir is not None else Path("out") / str(period)
    _refuse_out_in_input(input_path, out_dir)
    stages = Stages(profile=profile, progress=sys.stderr.isatty() and not quiet)
    options = pipeline.Options(period, currency, invoice_grouping, invoice_date)
    with stages("read"):
        read = read_inputs(input_path)
        hashes = read.hashes()
    with stages("validate"):
        validated = check(read, period, currency)
    summary = RunSummary(
        period=period,
        options={
            "currency": currency,
            "invoice_grouping": invoice_grouping,
            "invoice_date": (invoice_date or period.cutoff).isoformat(),
        },
        input_files=hashes,
        row_counts=validated.row_counts,
        errors=validated.errors,
        warnings=validated.warnings,
        out_dir=str(out_dir),
    )
    if validated.inputs is None:
        workbooks = exceptions_workbook(validated.findings)
    else:
        with stages("rules"):
            result = pipeline.run(validated.inputs, options)
        summary.add_result(result)
        workbooks = build_reports(result, options) | exceptions_workbook(validated.findings)
    with stages("write"):
        summary.files_written = sorted([*workbooks, RUN_JSON])
        write_outputs(
            out_dir,
            workbooks,
            {RUN_JSON: summary.manifest_bytes()},
            refuse=input_path,
            stale=OUTPUT_FILES,
        )
    stages.report()
    if validated.inputs is None:
        _print_findings(validated.findings)
        sys.exit(EXIT_INPUT_ERRORS)
    if as_json:
        click.echo(json.dumps(summary.manifest(), indent=2))
    elif not quiet:
        if validated.warnings:
            _print_findings(validated.findings, limit=10)
        click.echo(summary.text())


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
def init(directory: Path) -> None:
    """Write blank input workbooks (with instructions and dropdowns) into DIRECTORY."""
    from prepaid_recon.xlsx.templates import write_templates

    directory.mkdir(parents=True, exist_ok=True)
    for path in write_templates(directory):
        click.echo(str(path))


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--timesheets", "n", default=10_000, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--period", "period_text", default="2026-10", show_default=True)
def sample(directory: Path, n: int, seed: int, period_text: str) -> None:
    """Write synthetic, valid input of any size into DIRECTORY (deterministic per seed)."""
    from prepaid_recon.synthetic import generate, write_inputs

    _period(period_text)
    directory.mkdir(parents=True, exist_ok=True)
    for path in write_inputs(generate(n, seed, period_text), directory):
        click.echo(str(path))


def main() -> None:
    """Console entry point."""
    import logging

    logging.getLogger("fastexcel").setLevel(logging.ERROR)  # dtype guesses are ours to report
    cli(prog_name="prepaid-recon")
