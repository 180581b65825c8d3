"""One month-end run as a sequence: read -> validate -> reconcile -> report -> publish.

This is the whole program without its command line: :func:`run_month` and
:func:`validate_only` take checked options and paths, and return what happened (the exit code,
the findings, the summary); ``cli.py`` only parses options and prints.  Nothing here prints.

Exit codes (docs/contract.md): 0 done (warnings allowed); 1 the input has errors (only
``exceptions.xlsx`` and ``run.json`` are written); 2 the command could not run (another run
writing the same OUT included); 3 an internal check failed; 130/143 stopped by SIGINT/SIGTERM.
Codes 2 and 3 travel as :class:`~prepaid_recon.errors.ReconError`, 130 and 143 as
:class:`~prepaid_recon.errors.Interrupted`.

A run that writes OUT holds OUT's lock (:func:`~prepaid_recon.publish.lock_out`) from before it
reads INPUT until its files are published, so that two runs into one OUT never interleave.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd

from prepaid_recon import reconcile
from prepaid_recon.contract.outputs import EXCEPTIONS, OUTPUT_FILES, RUN_JSON
from prepaid_recon.domain import Period
from prepaid_recon.errors import EXIT_INPUT_ERRORS, EXIT_OK, UsageError
from prepaid_recon.findings import Severity
from prepaid_recon.mapping.model import Mapping as MappingFile
from prepaid_recon.mapping.model import parse_mapping
from prepaid_recon.publish import FileWriter, check_destination, lock_out, publish
from prepaid_recon.read.mapped import (
    MAPPING_FILE,
    builtin_profiles,
    builtin_text,
    describe_mapping,
    suggest_profiles,
)
from prepaid_recon.read.tables import ReadResult, read_inputs
from prepaid_recon.reconcile import Options
from prepaid_recon.report.manifest import RunSummary
from prepaid_recon.report.warnings import threshold_findings, unbilled_findings
from prepaid_recon.report.workbooks import build_reports, exceptions_workbook
from prepaid_recon.validate import Validated, validate
from prepaid_recon.xlsx.writer import EXCEL_MAX_DATA_ROWS, SheetSpec, write_workbook

__all__ = [
    "Checked",
    "Options",
    "Progress",
    "RunOutcome",
    "Stages",
    "input_notices",
    "run_month",
    "validate_only",
    "write_outputs",
]


@dataclass(frozen=True)
class Progress:
    """Where a stage of a run is, for a progress display.

    ``item`` is what the stage works on now (a file being written; empty while a stage works
    as a whole), ``rows`` the rows done so far in the stage and ``total`` the rows it will do
    (``None`` when not known yet), ``elapsed`` the seconds since the stage began, ``done`` true
    once, when the stage has ended (``rows`` then counts every row of the stage).
    """

    stage: str
    item: str = ""
    rows: int = 0
    total: int | None = None
    elapsed: float = 0.0
    done: bool = False
    files: tuple[int, int] = (0, 0)
    """For ``write``: files finished and files to write."""

    @property
    def rate(self) -> float | None:
        """Rows per second so far, when there are rows and time to divide."""
        return self.rows / self.elapsed if self.rows and self.elapsed > 0 else None


class Stages:
    """Times each stage of a run (for ``--profile``) and reports its progress (a display on a
    terminal): a :class:`Progress` when a stage begins, as it advances, and when it ends."""

    def __init__(self, report: Callable[[Progress], None] | None = None) -> None:
        self.report = report
        self.times: dict[str, float] = {}
        self._stage = ""
        self._start = 0.0
        self._rows = 0
        self._files = (0, 0)

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        self._stage, self._start, self._rows, self._files = name, time.perf_counter(), 0, (0, 0)
        self._emit(Progress(name))
        yield
        self.times[name] = elapsed = time.perf_counter() - self._start
        self._emit(Progress(name, "", self._rows, None, elapsed, True, self._files))

    def rows(self, count: int) -> None:
        """The current stage handled ``count`` rows in all (what its end reports)."""
        self._rows = count

    def advance(self, item: str, rows: int, total: int, files: tuple[int, int]) -> None:
        """The current stage is at ``item``, ``rows`` of ``total`` rows done."""
        self._rows, self._files = rows, files
        elapsed = time.perf_counter() - self._start
        self._emit(Progress(self._stage, item, rows, total, elapsed, files=files))

    def _emit(self, progress: Progress) -> None:
        if self.report is not None:
            self.report(progress)

    def profile(self) -> str:
        """``read=0.52s validate=...`` and the total, in the order the stages ran."""
        parts = " ".join(f"{k}={v:.2f}s" for k, v in self.times.items())
        return f"profile: {parts} total={sum(self.times.values()):.2f}s"


def input_notices(row_counts: Mapping[str, int]) -> list[str]:
    """What a run on this input must not keep quiet about although it is no error: no
    timesheets (nothing was delivered), no order lines (nothing to reconcile against)."""
    notices = []
    if row_counts.get("timesheets") == 0:
        notices.append("0 timesheets in the input: no hours to count, consume or invoice.")
    if row_counts.get("order_lines") == 0:
        notices.append("0 order lines in the input: no order line or prepaid block to reconcile.")
    return notices


@dataclass
class RunOutcome:
    """What a run did: its exit code, the findings (every one), and the summary it wrote."""

    exit_code: int
    findings: pd.DataFrame
    summary: RunSummary
    stages: Stages = field(default_factory=Stages)


def write_outputs(
    out_dir: Path | str,
    workbooks: Mapping[str, Sequence[SheetSpec]],
    extra_files: Mapping[str, bytes] | None = None,
    *,
    refuse: Path | str | None = None,
    stale: Sequence[str] = (),
    max_rows: int = EXCEL_MAX_DATA_ROWS,
    stages: Stages | None = None,
) -> list[str]:
    """Publish the workbooks (laid out by the reports) and plain files (``run.json``) into OUT
    as one set: all of them or none (see :func:`prepaid_recon.publish.publish`).  ``stages``
    hears of each file as it is written, with the rows of the workbooks done so far."""
    names = [*workbooks, *(extra_files or {})]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate output file names: {names}")
    files: dict[str, FileWriter] = {
        name: partial(_write_book, sheets=sheets, max_rows=max_rows)
        for name, sheets in workbooks.items()
    }
    for name, data in (extra_files or {}).items():
        files[name] = partial(Path.write_bytes, data=data)
    if stages is not None:
        files = _counted(
            files, {name: _rows_of(sheets) for name, sheets in workbooks.items()}, stages
        )
    return publish(out_dir, files, refuse=refuse, stale=stale)


def _rows_of(sheets: Sequence[SheetSpec]) -> int:
    return sum(len(spec.frame) for spec in sheets)


def _counted(
    files: Mapping[str, FileWriter], rows: Mapping[str, int], stages: Stages
) -> dict[str, FileWriter]:
    """The writers of ``files``, each telling ``stages`` which file it writes and, once it is
    written, how many of the stage's rows are done."""
    total = sum(rows.values())
    done = 0

    def counted(path: Path, name: str, index: int, write: FileWriter) -> None:
        nonlocal done
        stages.advance(name, done, total, (index, len(files)))
        write(path)
        done += rows.get(name, 0)
        stages.advance(name, done, total, (index + 1, len(files)))

    return {
        name: partial(counted, name=name, index=index, write=write)
        for index, (name, write) in enumerate(files.items())
    }


def _write_book(path: Path, *, sheets: Sequence[SheetSpec], max_rows: int) -> None:
    write_workbook(path, sheets, max_rows=max_rows, tmpdir=path.parent)


def _refuse_out_in_input(input_path: Path, out_dir: Path, names: Sequence[str]) -> None:
    """Refuse a bad OUT before reading anything (publishing checks again when it writes):
    ``names`` are the files the run may write or drop in OUT; a missing INPUT is left to the
    reader, which says so."""
    if input_path.exists():
        check_destination(out_dir, input_path, names)


def _out_lock(input_path: Path, out_dir: Path) -> contextlib.AbstractContextManager[Path]:
    """OUT's lock, to take before INPUT is read and hold until the files are published: a
    second run into the same OUT meanwhile exits 2.  A missing INPUT is refused first, by the
    reader, so that a mistyped INPUT leaves no lock file behind."""
    if not input_path.exists():
        read_inputs(input_path)  # raises UsageError naming INPUT
    return lock_out(out_dir)


def run_month(
    input_path: Path,
    out_dir: Path,
    options: Options,
    stages: Stages | None = None,
    mapping: str | None = None,
) -> RunOutcome:
    """Reconcile INPUT for ``options.period`` and publish every report into ``out_dir``.

    With input errors only ``exceptions.xlsx`` and ``run.json`` are written (exit 1), and any
    report of an earlier run in ``out_dir`` is removed, so no stale figures sit beside them.
    OUT's lock is held from before INPUT is read until the reports are published; OUT ends as
    its old complete set of files or the new one, whatever happens (a stop signal included).
    ``mapping`` (``--mapping``) is the profile or file the exports are read through.
    """
    stages = stages if stages is not None else Stages()
    _refuse_out_in_input(input_path, out_dir, OUTPUT_FILES)
    with _out_lock(input_path, out_dir):
        with stages("read"):
            read = read_inputs(input_path, mapping)
            hashes = read.hashes()
            sources = {sheet: table.file for sheet, table in read.tables.items()}
            stages.rows(_rows_read(read))
        with stages("validate"):
            validated = validate(read, options.period, options.currency)
            stages.rows(sum(validated.row_counts.values()))
        del read  # the raw tables: nothing past validation reads them
        result = None
        findings = validated.findings
        if validated.inputs is None:
            workbooks = exceptions_workbook(findings)
        else:
            with stages("rules"):
                result = reconcile.run(validated.inputs, options)
            validated.inputs = None  # the parsed tables: the result holds what the reports need
            found = [threshold_findings(result, sources), unbilled_findings(result, sources)]
            findings = _with_run_findings(findings, pd.concat(found, ignore_index=True))
            workbooks = build_reports(result, options, findings)
        summary = RunSummary.of_run(
            options,
            input_files=hashes,
            row_counts=validated.row_counts,
            errors=validated.errors,
            warnings=int((findings["severity"] == Severity.WARNING).sum()),
            result=result,
            files_written=[*workbooks, RUN_JSON],
            out_dir=str(out_dir),
            notices=input_notices(validated.row_counts),
        )
        done = result is not None
        del result  # what the workbooks do not show (the attribution's parts, ...) is freed
        with stages("write"):
            write_outputs(
                out_dir,
                workbooks,
                {RUN_JSON: summary.manifest_bytes()},
                refuse=input_path,
                stale=OUTPUT_FILES,
                stages=stages,
            )
    code = EXIT_OK if done else EXIT_INPUT_ERRORS
    return RunOutcome(code, findings, summary, stages)


def _rows_read(read: ReadResult) -> int:
    return sum(len(table.frame) for table in read.tables.values())


def _with_run_findings(findings: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    """Validation's findings, then the warnings of the reconciliation (unbilled work)."""
    if found.empty:
        return findings
    if findings.empty:
        return found.reset_index(drop=True)
    out = pd.concat([findings, found], ignore_index=True)
    out["row"] = out["row"].astype("Int64")
    return out


@dataclass
class Checked:
    """What ``validate`` found, and the mapping it read the exports through (one line per
    mapped column: source header → column, conversion, an example before and after)."""

    validated: Validated
    mapping: list[str]
    hints: list[str]
    """Built-in profiles whose headers the input's files match, when none was applied."""
    notices: list[str] = field(default_factory=list)
    """What the input lacks without an error (:func:`input_notices`)."""
    files: list[str] = field(default_factory=list)
    """The files written into OUT (``exceptions.xlsx`` with ``--out``)."""


def validate_only(
    input_path: Path,
    period: Period | None,
    currency: str,
    out_dir: Path | None = None,
    mapping: str | None = None,
    stages: Stages | None = None,
) -> Checked:
    """Check INPUT as a run would (without ``period``, the cut-off checks are skipped), and
    write ``exceptions.xlsx`` into ``out_dir`` when one is given (under OUT's lock, as a run;
    the other files of an earlier run in ``out_dir`` are kept)."""
    stages = stages if stages is not None else Stages()
    lock: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    if out_dir is not None:
        _refuse_out_in_input(input_path, out_dir, [EXCEPTIONS])
        lock = _out_lock(input_path, out_dir)
    written: list[str] = []
    with lock:
        with stages("read"):
            read = read_inputs(input_path, mapping)
            stages.rows(_rows_read(read))
        with stages("validate"):
            validated = validate(read, period, currency)
            stages.rows(sum(validated.row_counts.values()))
        if out_dir is not None:
            with stages("write"):
                workbook = exceptions_workbook(validated.findings)
                written = write_outputs(out_dir, workbook, refuse=input_path, stages=stages)
    notices = input_notices(validated.row_counts)
    return Checked(validated, describe_mapping(read), _hints(input_path, read), notices, written)


def _hints(input_path: Path, read: ReadResult) -> list[str]:
    """Profiles to suggest: only when no mapping was applied and the input has errors."""
    if read.mapping is not None or not input_path.is_dir():
        return []
    if not any(f.severity == Severity.ERROR for f in read.findings):
        return []
    return suggest_profiles(input_path)


def mapping_start_files(profile: str) -> list[str]:
    """The files ``init --mapping NAME`` writes besides the templates; a name that is not a
    built-in profile is a usage error (exit 2)."""
    if profile not in builtin_profiles():
        raise UsageError(
            f"--mapping {profile}: not a built-in profile ({', '.join(builtin_profiles())})."
        )
    return [MAPPING_FILE, CHECKLIST_FILE]


def write_mapping_start(directory: Path, profile: str) -> list[Path]:
    """``init --mapping NAME``: the built-in profile as an editable ``prepaid-recon.toml`` (found
    in INPUT without ``--mapping``) and ``EXPORT-CHECKLIST.md``, the choices to make in the
    source system's export dialog. ``init`` refuses existing files of these names first, with
    the workbooks' (unless ``--force``)."""
    text = builtin_text(profile)
    mapping = parse_mapping(text, f"{profile}.toml")
    targets = dict(zip(mapping_start_files(profile), [text, _checklist(mapping)], strict=True))
    out = []
    for name, content in targets.items():
        path = directory / name
        path.write_text(content, encoding="utf-8")
        out.append(path)
    return out


CHECKLIST_FILE = "EXPORT-CHECKLIST.md"


def _checklist(mapping: MappingFile) -> str:
    """The export checklist of a profile, as Markdown a user ticks off."""
    lines = [f"# Exporting for prepaid-recon: {mapping.name}", "", mapping.description, ""]
    lines += [f"- [ ] {item}" for item in mapping.checklist]
    lines += ["", "Files this mapping reads (name patterns, in this folder):", ""]
    lines += [f"- `{spec.file}` → `{sheet}`" for sheet, spec in mapping.sheets.items()]
    lines += [
        "",
        "Sheets not listed are read as the contract's workbooks (`prepaid-recon init` wrote them).",
        "Edit `prepaid-recon.toml` to match your export; `prepaid-recon validate` prints what it",
        "applied, column by column.",
        "",
    ]
    return "\n".join(lines)
