"""The command line: options in, messages and an exit code out; the run itself is ``app``.

Exit codes (docs/contract.md): 0 done (warnings allowed); 1 the input has errors (only
``exceptions.xlsx`` and ``run.json`` are written); 2 the command could not run; 3 an internal
check failed.  A user mistake never shows a traceback: every
:class:`~prepaid_recon.errors.ReconError` is turned into a message and its exit code here, in
one place.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from functools import partial
from pathlib import Path
from typing import Protocol

import click
import numpy as np
import pandas as pd

from prepaid_recon import __version__
from prepaid_recon.domain import SUPPORTED_DATES, Period, is_currency_code
from prepaid_recon.errors import EXIT_CANNOT_RUN, EXIT_INPUT_ERRORS, EXIT_OK, ReconError


def _period(value: str | None) -> Period | None:
    """``--period``: a month YYYY-MM whose days are all supported dates (1900-03 to 2099-12)."""
    if value is None:
        return None
    try:
        return Period.parse(value)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="'--period'") from None


def _currency(value: str) -> str:
    code = value.strip().upper()
    if not is_currency_code(code):
        raise click.BadParameter(f"{value!r} is not an ISO 4217 code such as USD")
    return code


def _date(value: str | None) -> dt.date | None:
    """``--invoice-date``: a date YYYY-MM-DD within the supported dates."""
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date YYYY-MM-DD", param_hint="'--invoice-date'"
        ) from None
    if day not in SUPPORTED_DATES:
        raise click.BadParameter(
            f"the date must be {SUPPORTED_DATES}, got {day.isoformat()}",
            param_hint="'--invoice-date'",
        )
    return day


class _Commands(click.Group):
    """The command group; the one place where could-not-run errors and stop signals become
    messages and codes."""

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; a could-not-run error is one line and its code (2, 3), a stop
        signal one line and 130 (SIGINT, Ctrl-C) or 143 (SIGTERM): never a traceback, never
        click's ``Aborted!`` with exit 1 (the code of input errors)."""
        from prepaid_recon.errors import Interrupted

        try:
            return super().invoke(ctx)
        except ReconError as err:
            click.echo(f"prepaid-recon: {err}", err=True)
            ctx.exit(err.exit_code)
        except OSError as err:
            where = f": {err.filename}" if err.filename else ""
            click.echo(f"prepaid-recon: {err.strerror or err}{where}", err=True)
            ctx.exit(EXIT_CANNOT_RUN)
        except (Interrupted, KeyboardInterrupt) as err:
            ctx.exit(self.stopped(err, reports=ctx.invoked_subcommand in {"run", "validate"}))

    @staticmethod
    def stopped(err: BaseException, reports: bool = False) -> int:
        """Say that a stop signal ended the command, in one line (for ``run`` and ``validate``,
        that OUT is whole: ``reports``); return its exit code.

        The process is ending: objects the signal cut short (a file half opened by a library)
        may fail in their finalisers later, and those errors are not printed.
        """
        from prepaid_recon.errors import Interrupted

        stop = Interrupted.of(err)
        whole = "; OUT holds its previous files or this run's, complete" if reports else ""
        click.echo(f"prepaid-recon: {stop}{whole}", err=True)
        sys.unraisablehook = lambda unraisable: None
        return stop.exit_code


MAPPING_HELP = (
    "Read the exports through a built-in profile (odoo, odoo-import, harvest, zendesk-explore, "
    "freshdesk) or a TOML mapping file; default: INPUT/prepaid-recon.toml if present."
)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="prepaid-recon")
def cli() -> None:
    """Month-end reconciliation of prepaid support hours: timesheets, order lines, invoices."""


class _FindingRow(Protocol):
    """A row of the findings frame (``itertuples``): the fields printed of a finding."""

    @property
    def file(self) -> object: ...
    @property
    def sheet(self) -> object: ...
    @property
    def row(self) -> object: ...
    @property
    def column(self) -> object: ...
    @property
    def value(self) -> object: ...
    @property
    def message(self) -> object: ...


SHOWN_VALUE_CHARS = 60
"""A value longer than this is shortened on the console (exceptions.xlsx keeps it)."""


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= SHOWN_VALUE_CHARS else text[: SHOWN_VALUE_CHARS - 1] + "…"


def _where(f: _FindingRow) -> str:
    """`file:sheet!row [column] 'value'` — the cell a user has to look at."""
    where = f"{f.file}:{f.sheet}" if f.sheet else f"{f.file}"
    row = f.row  # the Excel row (Int64), NA for a finding on a whole file
    if isinstance(row, int | float | np.integer | np.floating) and not pd.isna(row):
        where += f"!{int(row)}"
    column = f" [{f.column}]" if f.column else ""
    value = f" '{_shown(f.value)}'" if f.value else ""
    return f"{where}{column}{value}"


def _print_findings(findings: pd.DataFrame, limit: int = 20) -> None:
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
@click.option("--mapping", metavar="NAME|FILE", help=MAPPING_HELP)
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
def validate(
    input_path: Path,
    period_text: str | None,
    out_dir: Path | None,
    currency: str,
    mapping: str | None,
    quiet: bool,
) -> None:
    """Check INPUT as `run` would, and report every finding in one pass."""
    from prepaid_recon.app import validate_only

    checked = validate_only(input_path, _period(period_text), _currency(currency), out_dir, mapping)
    validated = checked.validated
    if not quiet and checked.mapping:
        click.echo("\n".join(checked.mapping), err=True)
    if not quiet or validated.errors:
        _print_findings(validated.findings)
    for hint in checked.hints:
        click.echo(hint, err=True)
    sys.exit(EXIT_INPUT_ERRORS if validated.errors else EXIT_OK)


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
@click.option("--mapping", metavar="NAME|FILE", help=MAPPING_HELP)
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
    mapping: str | None,
    as_json: bool,
    quiet: bool,
    profile: bool,
) -> None:
    """Reconcile INPUT for the month --period and write the reports."""
    from prepaid_recon.app import Options, Stages, run_month

    period = _period(period_text)
    assert period is not None  # --period is required
    options = Options(period, _currency(currency), invoice_grouping, _date(invoice_date_text))
    out_dir = out_dir if out_dir is not None else Path("out") / str(period)
    progress = sys.stderr.isatty() and not quiet
    stages = Stages(partial(click.echo, err=True) if progress else None)
    outcome = run_month(input_path, out_dir, options, stages, mapping)
    if profile:
        click.echo(stages.profile(), err=True)
    if outcome.exit_code != EXIT_OK:
        _print_findings(outcome.findings)
        sys.exit(outcome.exit_code)
    if as_json:
        click.echo(json.dumps(outcome.summary.manifest(), indent=2))
    elif not quiet:
        if outcome.summary.warnings:
            _print_findings(outcome.findings, limit=10)
        click.echo(outcome.summary.text())


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--mapping",
    metavar="NAME",
    help="Also write an editable copy of a built-in profile (DIRECTORY/prepaid-recon.toml) "
    "and the checklist of what to choose in the source system's export dialog.",
)
def init(directory: Path, mapping: str | None) -> None:
    """Write blank input workbooks (with instructions and dropdowns) into DIRECTORY."""
    from prepaid_recon.app import write_mapping_start
    from prepaid_recon.xlsx.templates import write_templates

    directory.mkdir(parents=True, exist_ok=True)
    written = write_mapping_start(directory, mapping) if mapping else []
    for path in [*write_templates(directory), *written]:
        click.echo(str(path))


SAMPLE_MAX_ROWS = 1_048_575
"""``sample --timesheets``: at most the data rows of one Excel sheet (the timesheets sheet)."""
SAMPLE_MAX_SEED = 2**32 - 1
"""``sample --seed``: 0 to 2**32 - 1, the seeds every random generator accepts."""


def _sample_period(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """``sample --period``: the sample's dates run from a year before the period to a week after
    it, so the month a year before and the month after must be supported periods too."""
    period = _period(value)
    assert period is not None  # the option has a default
    first, last = SUPPORTED_DATES.first, SUPPORTED_DATES.last
    lowest = (first.year + 1, first.month)
    highest = (last.year, last.month - 1) if last.month > 1 else (last.year - 1, 12)
    if not lowest <= (period.year, period.month) <= highest:
        raise click.BadParameter(
            f"the sample's dates run from a year before the period to a week after it: the "
            f"period must be from {lowest[0]:04d}-{lowest[1]:02d} to "
            f"{highest[0]:04d}-{highest[1]:02d}, got {period}"
        )
    return value


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--timesheets", "n", default=10_000, show_default=True, type=click.IntRange(1, SAMPLE_MAX_ROWS)
)
@click.option("--seed", default=1, show_default=True, type=click.IntRange(0, SAMPLE_MAX_SEED))
@click.option(
    "--period", "period_text", default="2026-10", show_default=True, callback=_sample_period
)
def sample(directory: Path, n: int, seed: int, period_text: str) -> None:
    """Write synthetic, valid input of any size into DIRECTORY (deterministic per seed)."""
    from prepaid_recon.synthetic import generate, write_inputs

    _period(period_text)
    directory.mkdir(parents=True, exist_ok=True)
    for path in write_inputs(generate(n, seed, period_text), directory):
        click.echo(str(path))


def main() -> None:
    """Console entry point.  SIGINT (Ctrl-C) and SIGTERM stop the command cleanly: what it was
    writing is removed or wholly published, then one line and exit 130 or 143 (a signal that
    comes while options are parsed, outside any command, included)."""
    import logging

    from prepaid_recon.errors import Interrupted, signals_raise_interrupted

    logging.getLogger("fastexcel").setLevel(logging.ERROR)  # dtype guesses are ours to report
    try:
        with signals_raise_interrupted():
            cli(prog_name="prepaid-recon")
    except (Interrupted, KeyboardInterrupt) as err:
        sys.exit(_Commands.stopped(err))
