"""Reading exports through a mapping: each mapped input sheet is found by its file-name
pattern, read as it is (the same guarded readers as any input), and turned into the contract's
sheet by :func:`prepaid_recon.mapping.apply.map_sheet`, keeping its Excel rows.

Which mapping applies (never guessed): ``--mapping NAME`` (a built-in profile) or ``--mapping
FILE`` (a TOML file), else a ``prepaid-recon.toml`` in the INPUT folder, else none.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from prepaid_recon.contract.inputs import normalize_header
from prepaid_recon.errors import UsageError
from prepaid_recon.findings import Code, Finding, Severity
from prepaid_recon.mapping.apply import MappedSheet, map_sheet
from prepaid_recon.mapping.model import (
    FIRST_SHEET,
    ColumnMap,
    Mapping,
    MappingError,
    SheetMap,
    parse_mapping,
)
from prepaid_recon.read.cells import present

if TYPE_CHECKING:
    from prepaid_recon.read.tables import ReadResult as ReadResultLike

MAPPING_FILE = "prepaid-recon.toml"
"""A mapping in the INPUT folder under this name applies without ``--mapping``."""


@dataclass(frozen=True)
class MappingSource:
    """The mapping of a run and where it came from: its text's SHA-256 goes into ``run.json``."""

    mapping: Mapping
    label: str
    """``profile odoo`` or the file's name."""
    sha256: str
    path: Path | None
    """The file (None for a built-in profile)."""


def builtin_profiles() -> list[str]:
    """The names of the built-in profiles shipped with prepaid-recon."""
    folder = resources.files("prepaid_recon.mapping") / "profiles"
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    )


def builtin_text(name: str) -> str:
    """The TOML text of a built-in profile."""
    return (resources.files("prepaid_recon.mapping") / "profiles" / f"{name}.toml").read_text(
        encoding="utf-8"
    )


def resolve_mapping(choice: str | None, input_path: Path) -> MappingSource | None:
    """The mapping ``--mapping`` names (a built-in profile or a TOML file), else the INPUT
    folder's ``prepaid-recon.toml``, else None. A name that is neither a profile nor a file is a
    usage error; a mapping file that is not valid raises :class:`MappingError` (its finding)."""
    if choice is None:
        found = input_path / MAPPING_FILE if input_path.is_dir() else None
        if found is None or not found.is_file():
            return None
        return _from_file(found)
    if choice in builtin_profiles():
        text = builtin_text(choice)
        mapping = parse_mapping(text, f"{choice}.toml")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return MappingSource(mapping, f"profile {choice}", digest, None)
    path = Path(choice)
    if path.is_file():
        return _from_file(path)
    profiles = ", ".join(builtin_profiles())
    raise UsageError(
        f"--mapping {choice}: neither a built-in profile ({profiles}) nor a mapping file."
    )


def _from_file(path: Path) -> MappingSource:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise MappingError(f"{path.name} cannot be read: {err.strerror or err}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise MappingError(f"{path.name} is not UTF-8 text.") from None
    mapping = parse_mapping(text, path.name)
    return MappingSource(mapping, path.name, hashlib.sha256(data).hexdigest(), path)


def mapping_finding(err: MappingError, name: str) -> Finding:
    """A mapping that cannot be used, as the error finding of its file."""
    return Finding(Severity.ERROR, Code.BAD_MAPPING, name, "", None, "", "", str(err))


def matching_files(folder: Path, pattern: str) -> list[Path]:
    """The files of ``folder`` whose name matches ``pattern`` (case-insensitive), by name."""
    wanted = pattern.casefold()
    return sorted(
        (e for e in folder.iterdir() if e.is_file() and fnmatch.fnmatch(e.name.casefold(), wanted)),
        key=lambda e: e.name,
    )


def pick_sheet(spec_sheet: str) -> Callable[[list[str]], dict[str, str]]:
    """The sheet picker of a mapped workbook: its first sheet, or the one named (compared as
    headers are: case, spaces, dashes and underscores alike)."""

    def pick(names: list[str]) -> dict[str, str]:
        if not names:
            return {}
        if spec_sheet == FIRST_SHEET:
            return {FIRST_SHEET: names[0]}
        wanted = normalize_header(spec_sheet)
        for name in names:
            if normalize_header(name) == wanted:
                return {FIRST_SHEET: name}
        return {}

    return pick


def with_excel_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame indexed by Excel row (the header's row + 1 onwards)."""
    first = frame.attrs.get("header_row", 1) + 1
    out = frame.copy(deep=False)
    out.index = pd.RangeIndex(first, first + len(out), name="row")
    return out


def drop_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with at least one value (blank rows of an export are ignored, as in any input)."""
    if not len(frame.columns):
        return frame.iloc[0:0]
    filled = pd.concat([present(frame[c]) for c in frame.columns], axis=1).any(axis=1)
    return frame if filled.all() else frame[filled]


def map_frame(
    frame: pd.DataFrame,
    spec: SheetMap,
    sheet: str,
    file: str,
    shown_sheet: str,
    side_tables: dict[str, pd.DataFrame],
) -> MappedSheet:
    """An export's frame (Excel rows as index) as the contract's sheet, with the source of each
    column, the mapping's findings and an example per column; blank rows dropped."""
    mapped = map_sheet(drop_blank_rows(frame), spec, sheet, file, shown_sheet, side_tables)
    mapped.frame = drop_blank_rows(mapped.frame)
    return mapped


def _conversion(column: ColumnMap) -> str:
    """What a mapped column does to its cells, in a few words."""
    steps = []
    if column.pattern is not None:
        steps.append(f"pattern {column.pattern!r}")
    if column.values is not None:
        steps.append(f"{len(column.values)} labels mapped")
    if column.unit is not None:
        steps.append(f"{column.unit} to hours")
    if column.date_format is not None:
        zone = f" in {column.timezone}" if column.timezone else ""
        steps.append(f"date {column.date_format!r}{zone}")
    if column.lookup is not None:
        steps.append(f"looked up in {column.lookup.file!r}")
    return ", ".join(steps) or "as is"


def describe_mapping(read: ReadResultLike) -> list[str]:
    """The mapping a read applied, for ``validate`` to print: the mapping, then per mapped sheet
    its file and sheet, and per column ``source → column (conversion): before → after``."""
    source = read.mapping
    if source is None:
        return []
    lines = [f"Mapping: {source.label} ({source.mapping.name}), sha256 {source.sha256[:12]}"]
    for sheet, spec in source.mapping.sheets.items():
        table = read.tables.get(sheet)
        if table is None:
            lines.append(f"  {sheet}: not read (see the findings)")
            continue
        lines.append(f"  {sheet} <- {table.file} [{table.shown_sheet}], {len(table.frame)} rows")
        for column, col in spec.columns.items():
            example = table.examples.get(column)
            shown = f": {example[0]!r} -> {example[1]!r}" if example else ""
            lines.append(
                f"    {table.sources.get(column, '?')} -> {column} ({_conversion(col)}){shown}"
            )
    return lines


def suggest_profiles(folder: Path) -> list[str]:
    """Built-in profiles whose files and headers the folder holds (every header one of its
    sheets reads is in a file its pattern finds): a hint, never applied."""
    hints = []
    for name in builtin_profiles():
        mapping = parse_mapping(builtin_text(name), f"{name}.toml")
        for sheet, spec in mapping.sheets.items():
            matches = matching_files(folder, spec.file)
            if len(matches) != 1:
                continue
            headers = {h.strip().casefold() for h in _header_row(matches[0])}
            needed = {h.strip().casefold() for c in spec.columns.values() for h in c.headers()}
            if needed and needed <= headers:
                hints.append(
                    f"{matches[0].name} looks like a '{name}' export ({sheet}): try "
                    f"--mapping {name}."
                )
                break
    return hints


def _header_row(path: Path) -> list[str]:
    """The first row of a CSV file, or of a workbook's first sheet (empty when unreadable)."""
    try:
        if path.suffix.lower() == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as fh:
                return next(csv.reader(fh), [])
        if path.suffix.lower() == ".xlsx":
            import python_calamine

            book = python_calamine.CalamineWorkbook.from_path(str(path))
            rows = book.get_sheet_by_index(0).iter_rows()
            return [str(c) for c in next(iter(rows), [])]
    except Exception:  # a hint only: a file that cannot be read suggests nothing
        return []
    return []


def _text(value: object) -> str:
    """A cell as comparable text: its first line, trimmed, case ignored."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().splitlines()[0].strip().casefold() if str(value).strip() else ""


def resolve_line_names(
    frame: pd.DataFrame,
    order_lines: pd.DataFrame | None,
    products: pd.DataFrame | None,
    file: str,
    shown_sheet: str,
    shown_column: str,
) -> tuple[pd.DataFrame, list[Finding]]:
    """``line`` cells that name an order line (``line_by = "text"``) replaced by its number:
    among the lines of the row's ``order``, the one whose description (first line), product
    name or product reference is that text. No such line, or several, is ``unmapped_value`` on
    the cell: which line is meant is never guessed."""
    findings: list[Finding] = []
    if "line" not in frame.columns or "order" not in frame.columns:
        return frame, findings
    # Each line's texts (description's first line, product, product name) per order, once.
    texts = pd.DataFrame(columns=["order", "text", "found", "line"])
    if order_lines is not None and {"order", "line"} <= set(order_lines.columns):
        lines = order_lines.reset_index(drop=True)
        product = lines.get("product", pd.Series(None, index=lines.index)).map(_text)
        named = {}
        if products is not None and {"product", "name"} <= set(products.columns):
            pairs = zip(products["product"].map(_text), products["name"].map(_text), strict=True)
            named = dict(pairs)
        description = lines.get("description", pd.Series(None, index=lines.index)).map(_text)
        order = lines["order"].map(_text)
        texts = pd.concat(
            [
                pd.DataFrame({"order": order, "text": t, "line": lines["line"]})
                for t in (description, product, product.map(named).fillna(""))
            ]
        )
        texts = texts[texts["text"].ne("")].drop_duplicates(["order", "text", "line"])
        texts = texts.groupby(["order", "text"], as_index=False).agg(
            found=("line", "size"), line=("line", "first")
        )
    wanted = pd.DataFrame({"order": frame["order"].map(_text), "text": frame["line"].map(_text)})
    asked = wanted["text"].ne("").to_numpy(bool)
    matched = wanted.merge(texts, on=["order", "text"], how="left")  # keeps the rows' order
    found = matched["found"].fillna(0).to_numpy("int64")
    out = frame.copy()
    out["line"] = out["line"].astype(object)
    resolved = asked & (found == 1)
    out.loc[resolved, "line"] = matched["line"].to_numpy(object)[resolved]
    missed = asked & (found != 1)
    orders, names = frame["order"].to_numpy(object), frame["line"].to_numpy(object)
    rows = frame.index.to_numpy()
    for at in np.flatnonzero(missed):
        why = "no line" if not found[at] else f"{found[at]} lines"
        findings.append(
            Finding(
                Severity.ERROR, Code.UNMAPPED_VALUE, file, shown_sheet, int(rows[at]),
                shown_column, str(names[at]),
                f"{why} of order '{orders[at]}' is described or sold as '{names[at]}': name the "
                "line by its number, or make its description unique.",
            )
        )  # fmt: skip
    out.loc[missed, "line"] = None
    out.loc[missed, "order"] = None  # one finding for the link, not a second for half of it
    return out, findings
