"""The command line: options in, messages and an exit code out; the run itself is ``app``.

Exit codes (docs/contract.md): 0 done (warnings allowed); 1 the input has errors (only
``exceptions.xlsx`` and ``run.json`` are written); 2 the command could not run; 3 an internal
check failed.  A user mistake never shows a traceback: every
:class:`~prepaid_recon.errors.ReconError` is turned into a message and its exit code here, in
one place.

With ``--json``, ``run`` and ``validate`` print exactly one JSON document on standard output,
whatever the exit code (:func:`_document`); every human message goes to standard error.

Only click and the standard library are imported when this module loads: ``--help`` (and every
command's help) answers without loading pandas, pandera, pyarrow, openpyxl, xlsxwriter,
fastexcel or pydantic.  A command imports what it needs when it runs, and an option's check
imports what it needs when the option is parsed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from prepaid_recon import __version__
from prepaid_recon.errors import (
    EXIT_CANNOT_RUN,
    EXIT_INPUT_ERRORS,
    EXIT_OK,
    ReconError,
    UsageError,
)

if TYPE_CHECKING:
    import pandas as pd

    from prepaid_recon.app import Progress, RunOutcome
    from prepaid_recon.domain import Period

# --------------------------------------------------------------------------------------------
# Option values
# --------------------------------------------------------------------------------------------

_ISO_4217_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD
    BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP
    DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS
    INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD
    MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR
    PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS
    SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW
    UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS
    XUA XXX YER ZAR ZMW ZWG ZWL
"""
ISO_4217 = frozenset(_ISO_4217_CODES.split())
"""The alphabetic codes of ISO 4217 (list one, the currencies and funds in use, with the
codes withdrawn since 2021 that ledgers still hold: CUC, HRK, SLL, ZWL)."""


def _period(value: str | None) -> Period | None:
    """``--period``: a month YYYY-MM whose days are all supported dates (1900-03 to 2099-12)."""
    if value is None:
        return None
    from prepaid_recon.domain import Period

    try:
        return Period.parse(value)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="'--period'") from None


def _period_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    return _period(value)


def _currency(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """``--currency``: an ISO 4217 code, in any letter case (``usd`` is USD)."""
    code = value.strip().upper()
    if code not in ISO_4217:
        raise click.BadParameter(
            f"{value!r} is not an ISO 4217 currency code (such as USD, EUR or JPY)"
        )
    return code


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    """``--invoice-date``: a date YYYY-MM-DD within the supported dates."""
    if value is None:
        return None
    from prepaid_recon.domain import SUPPORTED_DATES

    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None
    if day not in SUPPORTED_DATES:
        raise click.BadParameter(f"the date must be {SUPPORTED_DATES}, got {day.isoformat()}")
    return day


# --------------------------------------------------------------------------------------------
# --json: one document on standard output, whatever happens
# --------------------------------------------------------------------------------------------

_JSON = "prepaid_recon.json"
"""``ctx.meta`` key: the command (``run``, ``validate``) whose output is a JSON document."""
_JSON_COMMANDS = ("run", "validate")


def _json_requested(args: Sequence[str]) -> str | None:
    """The command of a raw command line that asks for ``--json`` (before click parses it, so
    that an option click refuses still ends in a JSON document)."""
    if not args or args[0] not in _JSON_COMMANDS:
        return None
    options = args[1 : args.index("--")] if "--" in args else args[1:]
    return args[0] if "--json" in options else None


def _document(
    command: str,
    exit_code: int,
    message: str | None = None,
    *,
    errors: int = 0,
    warnings: int = 0,
    notices: Sequence[str] = (),
    findings: pd.DataFrame | None = None,
    files: Sequence[str] = (),
    **more: Any,
) -> dict[str, Any]:
    """The ``--json`` document: the same first keys for every command and exit code."""
    return {
        "tool": "prepaid-recon",
        "version": __version__,
        "command": command,
        "exit_code": exit_code,
        "message": message,
        "errors": errors,
        "warnings": warnings,
        "notices": list(notices),
        "findings": _finding_records(findings) if findings is not None else [],
        "files": list(files),
        **more,
    }


def _finding_records(findings: pd.DataFrame) -> list[dict[str, Any]]:
    """Every finding as a plain record: severity, code, file, sheet, row (the Excel row, or
    null for a finding on a whole file or sheet), column, value, message."""
    return [
        {str(key): _plain(value) for key, value in record.items()}
        for record in findings.to_dict("records")
    ]


def _plain(value: Any) -> object:
    """A cell of the findings frame as JSON: missing -> null, NumPy numbers -> numbers, a
    date -> ``YYYY-MM-DD``, anything else -> its text."""
    import pandas as pd

    if isinstance(value, str):
        return str(value)  # a code (StrEnum) as its plain value
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if hasattr(value, "item") and pd.api.types.is_scalar(value):  # a NumPy scalar
        value = value.item()
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _echo_json(document: Mapping[str, Any]) -> None:
    click.echo(json.dumps(document, indent=2))


class _Commands(click.Group):
    """The command group; the one place where could-not-run errors and stop signals become
    messages and codes (and, with ``--json``, the document that says so)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[_JSON] = _json_requested(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; a could-not-run error is one line and its code (2, 3), a stop
        signal one line and 130 (SIGINT, Ctrl-C) or 143 (SIGTERM): never a traceback, never
        click's ``Aborted!`` with exit 1 (the code of input errors)."""
        from prepaid_recon.errors import Interrupted

        try:
            return super().invoke(ctx)
        except ReconError as err:
            click.echo(f"prepaid-recon: {err}", err=True)
            self.fail_json(ctx, err.exit_code, str(err))
            ctx.exit(err.exit_code)
        except OSError as err:
            where = f": {err.filename}" if err.filename else ""
            message = f"{err.strerror or err}{where}"
            click.echo(f"prepaid-recon: {message}", err=True)
            self.fail_json(ctx, EXIT_CANNOT_RUN, message)
            ctx.exit(EXIT_CANNOT_RUN)
        except click.ClickException as err:
            if not ctx.meta.get(_JSON):
                raise
            err.show()
            self.fail_json(ctx, err.exit_code, err.format_message())
            ctx.exit(err.exit_code)
        except (Interrupted, KeyboardInterrupt) as err:
            code = self.stopped(err, reports=ctx.invoked_subcommand in {"run", "validate"})
            self.fail_json(ctx, code, str(Interrupted.of(err)))
            ctx.exit(code)

    @staticmethod
    def fail_json(ctx: click.Context, code: int, message: str) -> None:
        """With ``--json``, the document of a command that could not run (nothing written)."""
        command = ctx.meta.get(_JSON)
        if command:
            _echo_json(_document(command, code, message))

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


# --------------------------------------------------------------------------------------------
# Progress on a terminal
# --------------------------------------------------------------------------------------------


class _Display:
    """A run's progress on a terminal: one line per stage, rewritten in place while the stage
    works (the file being written, rows done of all, rows per second), then left with the
    stage's totals."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.open = False

    def __call__(self, p: Progress) -> None:
        if p.done:
            self._line(f"{p.stage:<9} {_done_text(p)}", end=True)
            return
        text = f"{p.stage:<9} ..."
        if p.item:
            files = f"[{p.files[0]}/{p.files[1]} files] " if p.files[1] else ""
            text = f"{p.stage:<9} {files}{p.item}: {p.rows:,}/{p.total or 0:,} rows"
            text += f", {p.elapsed:.1f} s"
            if p.rate is not None:
                text += f", {p.rate:,.0f} rows/s"
        self._line(text)

    def _line(self, text: str, end: bool = False) -> None:
        self.stream.write("\r\x1b[K" + text + ("\n" if end else ""))
        self.stream.flush()
        self.open = not end

    def close(self) -> None:
        """End a line left open (a stage stopped by an error), so messages start clean."""
        if self.open:
            self.stream.write("\n")
            self.stream.flush()
            self.open = False


def _done_text(p: Progress) -> str:
    """``1,038 rows in 0.42 s (2,471 rows/s)``; the time alone for a stage without rows."""
    if p.files[1]:
        rows = f"{p.files[1]} file{'s' if p.files[1] != 1 else ''}, {p.rows:,} rows"
    else:
        rows = f"{p.rows:,} rows" if p.rows else ""
    rate = f" ({p.rate:,.0f} rows/s)" if p.rate is not None else ""
    return f"{rows} in {p.elapsed:.2f} s{rate}" if rows else f"{p.elapsed:.2f} s"


@contextlib.contextmanager
def _progress(quiet: bool) -> Iterator[_Display | None]:
    """The progress display, when standard error is a terminal and ``-q`` is not given."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    display = _Display(sys.stderr)
    try:
        yield display
    finally:
        display.close()


# --------------------------------------------------------------------------------------------
# Help
# --------------------------------------------------------------------------------------------

EXIT_CODES = """\b
Exit codes:
  0    done; warnings are allowed
  1    the input has errors: only exceptions.xlsx (and run.json) are written
  2    the command could not run: a usage error, INPUT missing, OUT refused or not
       writable, a file init/sample would overwrite (without --force)
  3    an internal check failed (a bug in prepaid-recon): nothing is written
  130  stopped by Ctrl-C (143: by SIGTERM)"""

MAPPING_HELP = (
    "Read the exports through a built-in profile (odoo, odoo-import, harvest, zendesk-explore, "
    "freshdesk) or a TOML mapping file; default: INPUT/prepaid-recon.toml if present."
)

JSON_HELP = (
    "Print one JSON document on stdout (exit code, counts, findings, files written, notices), "
    "also when the input has errors or the command cannot run; messages go to stderr."
)


def _epilog(*examples: str) -> str:
    return "\b\nExamples:\n" + "\n".join(f"  {e}" for e in examples) + "\n\n" + EXIT_CODES


@click.group(
    cls=_Commands,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=_epilog(
        "prepaid-recon init october                 # blank workbooks to fill in",
        "prepaid-recon validate october --period 2026-10",
        "prepaid-recon run october --period 2026-10 --out out/2026-10",
        "prepaid-recon run october --period 2026-10 --json > result.json",
        "prepaid-recon sample demo --timesheets 50000   # made-up input to try",
    ),
)
@click.version_option(__version__, prog_name="prepaid-recon")
def cli() -> None:
    """Month-end reconciliation of prepaid support hours: timesheets, order lines, invoices.

    Run COMMAND --help for its options."""


# --------------------------------------------------------------------------------------------
# Findings on the console
# --------------------------------------------------------------------------------------------

SHOWN_VALUE_CHARS = 60
"""A value longer than this is shortened on the console (exceptions.xlsx keeps it)."""


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= SHOWN_VALUE_CHARS else text[: SHOWN_VALUE_CHARS - 1] + "…"


def _where(f: Any) -> str:
    """`file:sheet!row [column] 'value'` — the cell a user has to look at (``f`` a row of the
    findings frame, from ``itertuples``)."""
    import numpy as np
    import pandas as pd

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


def _print_notices(notices: Sequence[str]) -> None:
    for notice in notices:
        click.echo(f"warning: {notice}", err=True)


# --------------------------------------------------------------------------------------------
# validate, run
# --------------------------------------------------------------------------------------------


_CURRENCY_OPTION = click.option(
    "--currency",
    metavar="CODE",
    default="USD",
    show_default=True,
    callback=_currency,
    help="ISO 4217 currency of orders with none.",
)
_MAPPING_OPTION = click.option("--mapping", metavar="NAME|FILE", help=MAPPING_HELP)
_JSON_OPTION = click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
"""The options ``run`` and ``validate`` share, declared once."""


@cli.command(
    epilog=_epilog(
        "prepaid-recon validate october --period 2026-10",
        "prepaid-recon validate october --out checks      # also write checks/exceptions.xlsx",
        "prepaid-recon validate exports --mapping odoo --json",
    )
)
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--period",
    metavar="YYYY-MM",
    callback=_period_option,
    help="Month closed (enables the cut-off checks).",
)
@click.option(
    "--out",
    "out_dir",
    metavar="DIR",
    type=click.Path(path_type=Path),
    help="Also write exceptions.xlsx into DIR.",
)
@_CURRENCY_OPTION
@_MAPPING_OPTION
@_JSON_OPTION
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.pass_context
def validate(
    ctx: click.Context,
    input_path: Path,
    period: Period | None,
    out_dir: Path | None,
    currency: str,
    mapping: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Check INPUT as `run` would, and report every finding in one pass."""
    from prepaid_recon.app import Stages, validate_only

    ctx.meta[_JSON] = "validate" if as_json else None
    with _progress(quiet) as display:
        checked = validate_only(input_path, period, currency, out_dir, mapping, Stages(display))
    validated = checked.validated
    if not quiet and checked.mapping:
        click.echo("\n".join(checked.mapping), err=True)
    if not quiet or validated.errors:
        _print_findings(validated.findings)
    for hint in checked.hints:
        click.echo(hint, err=True)
    if not quiet:
        _print_notices(checked.notices)
    code = EXIT_INPUT_ERRORS if validated.errors else EXIT_OK
    if as_json:
        _echo_json(
            _document(
                "validate",
                code,
                errors=validated.errors,
                warnings=validated.warnings,
                notices=checked.notices,
                findings=validated.findings,
                files=[str(out_dir / name) for name in checked.files] if out_dir else [],
                period=str(period) if period is not None else None,
                inputs={"row_counts": validated.row_counts},
                mapping=checked.mapping,
                hints=checked.hints,
            )
        )
    sys.exit(code)


@cli.command(
    epilog=_epilog(
        "prepaid-recon run october --period 2026-10",
        "prepaid-recon run october --period 2026-10 --out out/2026-10 --currency EUR",
        "prepaid-recon run book.xlsx --period 2026-10 --invoice-date 2026-11-03",
        "prepaid-recon run october --period 2026-10 --json > result.json",
    )
)
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--period",
    required=True,
    metavar="YYYY-MM",
    callback=_period_option,
    help="Month closed; its last day is the cut-off.",
)
@click.option(
    "--out",
    "out_dir",
    metavar="DIR",
    type=click.Path(path_type=Path),
    help="Reports folder.  [default: ./out/YYYY-MM]",
)
@_CURRENCY_OPTION
@click.option(
    "--invoice-grouping",
    type=click.Choice(["order", "customer"]),
    default="order",
    show_default=True,
    help="One draft per order, or per customer and currency.",
)
@click.option(
    "--invoice-date",
    metavar="YYYY-MM-DD",
    callback=_date,
    help="Date of the drafts.  [default: the cut-off]",
)
@click.option(
    "--alert-at",
    metavar="PERCENT",
    type=click.FloatRange(min=0, min_open=True, max=1000),
    help="Flag prepaid blocks consumed past this % (near_threshold).  [default: each "
    "product's upsell threshold]",
)
@_MAPPING_OPTION
@_JSON_OPTION
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.option("--profile", is_flag=True, help="Print the time of each stage on stderr.")
@click.pass_context
def run(
    ctx: click.Context,
    input_path: Path,
    period: Period,
    out_dir: Path | None,
    currency: str,
    invoice_grouping: str,
    invoice_date: dt.date | None,
    alert_at: float | None,
    mapping: str | None,
    as_json: bool,
    quiet: bool,
    profile: bool,
) -> None:
    """Reconcile INPUT for the month --period and write the reports."""
    from prepaid_recon.app import Options, Stages, run_month

    ctx.meta[_JSON] = "run" if as_json else None
    options = Options(period, currency, invoice_grouping, invoice_date, alert_at)
    out_dir = out_dir if out_dir is not None else Path("out") / str(period)
    with _progress(quiet) as display:
        stages = Stages(display)
        outcome = run_month(input_path, out_dir, options, stages, mapping)
    if profile:
        click.echo(stages.profile(), err=True)
    if outcome.exit_code != EXIT_OK:
        _print_findings(outcome.findings)
    elif not quiet and outcome.summary.warnings:
        _print_findings(outcome.findings, limit=10)
    if not quiet:
        _print_notices(outcome.summary.notices)
    if as_json:
        _echo_json(_run_document(outcome, out_dir))
    elif not quiet and outcome.exit_code == EXIT_OK:
        click.echo(outcome.summary.text())
    sys.exit(outcome.exit_code)


def _run_document(outcome: RunOutcome, out_dir: Path) -> dict[str, Any]:
    """``run --json``: the common keys, then every key of run.json (its ``findings`` counts
    are the document's ``errors`` and ``warnings``)."""
    manifest = outcome.summary.manifest()
    counts = manifest.pop("findings")
    document = _document(
        "run",
        outcome.exit_code,
        errors=counts["errors"],
        warnings=counts["warnings"],
        notices=manifest.pop("notices"),
        findings=outcome.findings,
        files=[str(out_dir / name) for name in outcome.summary.files_written],
    )
    return {**document, **manifest}


# --------------------------------------------------------------------------------------------
# init, sample
# --------------------------------------------------------------------------------------------

FORCE_HELP = "Overwrite files of the same names in DIR (else: exit 2, nothing written)."


def _refuse_existing(directory: Path, names: Sequence[str], force: bool) -> None:
    """Refuse (exit 2, naming them) the files of ``directory`` that writing ``names`` would
    replace, before anything is written; with ``--force``, make way for them: a file whose
    name differs only in letter case (the same workbook to the reader) is removed, so that
    the new one does not sit beside it."""
    from prepaid_recon.xlsx.templates import existing_files

    found = existing_files(directory, names)
    if found and not force:
        listed = ", ".join(path.name for path in found)
        raise UsageError(
            f"{listed} already in {directory}: nothing written (use --force to overwrite)."
        )
    wanted = {name.lower(): name for name in names}
    for path in found:
        if path.name != wanted[path.name.lower()] and path.is_file():
            path.unlink()


@cli.command(
    epilog=_epilog(
        "prepaid-recon init october",
        "prepaid-recon init october --mapping odoo    # and prepaid-recon.toml, a checklist",
        "prepaid-recon init october --force           # replace the workbooks in october/",
    )
)
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option(
    "--mapping",
    metavar="NAME",
    help="Also write an editable copy of a built-in profile (DIR/prepaid-recon.toml) "
    "and the checklist of what to choose in the source system's export dialog.",
)
@click.option("--force", is_flag=True, help=FORCE_HELP)
def init(directory: Path, mapping: str | None, force: bool) -> None:
    """Write blank input workbooks (with instructions and dropdowns) into DIR."""
    from prepaid_recon.app import mapping_start_files, write_mapping_start
    from prepaid_recon.xlsx.templates import WORKBOOKS, write_templates

    extra = mapping_start_files(mapping) if mapping else []
    _refuse_existing(directory, [*WORKBOOKS, *extra], force)
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
    from prepaid_recon.domain import SUPPORTED_DATES

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


@cli.command(
    epilog=_epilog(
        "prepaid-recon sample demo",
        "prepaid-recon sample big --timesheets 1000000 --seed 7",
        "prepaid-recon sample demo --force              # replace the workbooks in demo/",
    )
)
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option(
    "--timesheets",
    "n",
    metavar="N",
    default=10_000,
    show_default=True,
    type=click.IntRange(1, SAMPLE_MAX_ROWS),
    help=f"Timesheet rows, 1 to {SAMPLE_MAX_ROWS:,}; the other tables grow with them.",
)
@click.option(
    "--seed",
    metavar="S",
    default=1,
    show_default=True,
    type=click.IntRange(0, SAMPLE_MAX_SEED),
    help="Random seed, 0 to 2^32-1: the same options give the same files.",
)
@click.option(
    "--period",
    "period_text",
    metavar="YYYY-MM",
    default="2026-10",
    show_default=True,
    callback=_sample_period,
    help="The month the data is built around.",
)
@click.option("--force", is_flag=True, help=FORCE_HELP)
def sample(directory: Path, n: int, seed: int, period_text: str, force: bool) -> None:
    """Write synthetic, valid input of any size into DIR (deterministic per seed)."""
    from prepaid_recon.synthetic import generate, write_inputs
    from prepaid_recon.xlsx.templates import WORKBOOKS

    _refuse_existing(directory, list(WORKBOOKS), force)  # a sample is every input workbook
    frames = generate(n, seed, period_text)
    for path in write_inputs(frames, directory):
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
