"""The mapping file: how a user's export becomes an input sheet of the contract.

A mapping is TOML, read with :mod:`tomllib` and validated by the typed models below, so that a
mistake in it (an unknown key, a bad pattern, an unknown time zone, a conversion that does not
exist) is reported before any data is read, naming the key::

    name = "harvest"
    description = "Harvest: Detailed time report (CSV)"

    [sheets.timesheets]
    file = "harvest_time_report*.csv"      # a file-name pattern, case-insensitive
    sheet = "@first"                       # a workbook's sheet, or its first one
    only_listed_columns = true             # never read an unlisted header as a column
    skip_rows = [{ column = "Date", matches = "^Total" }]

    [sheets.timesheets.columns]
    date = { from = "Date", date_format = "%Y-%m-%d" }
    employee = { template = "{First Name} {Last Name}" }
    hours = { from = "Hours", unit = "hours" }
    billable = { from = "Billable?", values = { Yes = true, No = false } }
    ticket = { from = ["External Reference URL", "Notes"], pattern = "#(\\d+)" }

Each contract column is built from one source: ``from`` (a header, or several tried in
order), a ``template`` combining headers, or a ``constant``; then, in this order, ``pattern``
(the first group of a regular expression, or the group named ``value``), ``values`` (a map
of labels; a label not listed is a finding), ``unit`` (a duration to hours), ``date_format`` and
``timezone`` (a date-time read with that exact format, then taken in that zone, never guessed),
and ``lookup`` (a value replaced through a side table). Sheets a mapping does not name are read
as the contract says.
"""

from __future__ import annotations

import re
import tomllib
import zoneinfo
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from prepaid_recon.contract.inputs import CONTRACTS

DURATION_UNITS = ("seconds", "minutes", "hours", "hh:mm", "hh:mm:ss", "iso8601")
"""The duration formats a source column may hold; each becomes hours."""

FIRST_SHEET = "@first"


class MappingError(ValueError):
    """A mapping file that cannot be used: not TOML, or not a valid mapping (the message names
    the key)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Lookup(_Strict):
    """A side table that replaces a value by another: ``file`` (pattern) and ``sheet`` hold it,
    ``key`` is the header matched against the value, ``value`` the header that replaces it."""

    file: str
    sheet: str = FIRST_SHEET
    key: str
    value: str


class ColumnMap(_Strict):
    """How one contract column is built from the source (see the module docstring)."""

    source: list[str] | None = Field(default=None, alias="from")
    template: str | None = None
    constant: str | float | bool | None = None
    pattern: str | None = None
    values: dict[str, str | float | bool] | None = None
    unit: Literal["seconds", "minutes", "hours", "hh:mm", "hh:mm:ss", "iso8601"] | None = None
    date_format: str | None = None
    timezone: str | None = None
    lookup: Lookup | None = None
    number_within: str | None = None
    """Number the rows 1, 2, ... within each value of this header, in the order of the source
    value (Odoo's ``Sequence``: 10, 20, ... not unique), then of the rows: a line number."""
    line_by: Literal["text"] | None = None
    """Find the order line whose description (first line), product name or product reference is
    this text, among the lines of the row's ``order`` (an export naming the line, not its
    number)."""

    @field_validator("source", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                compiled = re.compile(value)
            except re.error as err:
                raise ValueError(f"not a regular expression: {err}") from None
            if compiled.groups == 0:
                raise ValueError("a pattern needs a group: the part in ( ) is the value")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                zoneinfo.ZoneInfo(value)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r} (an IANA name)") from None
        return value

    @model_validator(mode="after")
    def _one_source(self) -> ColumnMap:
        given = [self.source is not None, self.template is not None, self.constant is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of 'from', 'template' or 'constant'")
        if self.timezone is not None and self.date_format is None:
            raise ValueError("a 'timezone' needs the 'date_format' of the date-times")
        return self

    def headers(self) -> list[str]:
        """The source headers this column reads (those of a template included)."""
        if self.source is not None:
            return list(self.source)
        if self.template is not None:
            return re.findall(r"\{([^{}]+)\}", self.template)
        return []


class RowFilter(_Strict):
    """Rows to skip: those whose ``column`` matches the regular expression ``matches`` (a
    group-total row of a grouped export), or, with ``blank``, those where the column is empty."""

    column: str
    matches: str | None = None
    blank: bool = False

    @model_validator(mode="after")
    def _one_test(self) -> RowFilter:
        if (self.matches is None) == (not self.blank):
            raise ValueError("give either 'matches' or 'blank = true'")
        if self.matches is not None:
            try:
                re.compile(self.matches)
            except re.error as err:
                raise ValueError(f"not a regular expression: {err}") from None
        return self


class SheetMap(_Strict):
    """Where one contract sheet comes from and how each of its columns is built."""

    file: str
    sheet: str = FIRST_SHEET
    only_listed_columns: bool = True
    skip_rows: list[RowFilter] = []
    columns: dict[str, ColumnMap]


class Mapping(_Strict):
    """A whole mapping: a name, and the contract sheets it maps."""

    name: str
    description: str = ""
    checklist: list[str] = []
    """What to tick or choose in the source system's export dialog (``init --mapping``)."""
    sheets: dict[str, SheetMap]

    @model_validator(mode="after")
    def _contract_names(self) -> Mapping:
        for sheet, spec in self.sheets.items():
            if sheet not in CONTRACTS:
                raise ValueError(f"'{sheet}' is not an input sheet ({', '.join(CONTRACTS)})")
            known = set(CONTRACTS[sheet].model.to_schema().columns)
            unknown = sorted(set(spec.columns) - known)
            if unknown:
                raise ValueError(
                    f"sheets.{sheet}: {', '.join(unknown)} not columns of '{sheet}' "
                    f"({', '.join(sorted(known))})"
                )
        return self


def parse_mapping(text: str, name: str) -> Mapping:
    """A mapping from TOML text; :class:`MappingError` naming the file and the bad key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise MappingError(f"{name} is not valid TOML: {err}") from None
    data.setdefault("name", Path(name).stem)
    try:
        return Mapping.model_validate(data)
    except ValidationError as err:
        problems = []
        for e in err.errors():
            where = ".".join(str(p) for p in e["loc"]) or "(top)"
            problems.append(f"{where}: {e['msg']}")
        raise MappingError(f"{name} is not a valid mapping: " + "; ".join(problems)) from None


def load_mapping(path: Path) -> Mapping:
    """The mapping in the TOML file ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise MappingError(f"{path.name} cannot be read: {err}") from None
    return parse_mapping(text, path.name)
