"""Conversions of a mapped column's cells: durations to hours, date-times to dates in a stated
time zone, labels to values, a part extracted by a pattern, a template over several headers.

Each works on a column of raw cells (text, numbers, dates, times, booleans, empty) and never
guesses: a cell a conversion cannot read is kept as it was, so that validation reports it on
its cell (``bad_hours``, ``bad_date``) like any other bad value; what only a mapping can get
wrong (a label not in the map, a pattern that does not match) is returned as a mask for the
mapping's own findings.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping as MappingType

import numpy as np
import pandas as pd

_HMS = re.compile(r"^\s*(-)?\s*(\d+):([0-5]\d)(?::([0-5]\d(?:\.\d+)?))?\s*$")
_ISO_DURATION = re.compile(
    r"^\s*(-)?P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?"
    r"(?:(\d+(?:\.\d+)?)S)?)?\s*$"
)
_PER_HOUR = {"seconds": 3600.0, "minutes": 60.0, "hours": 1.0}


def is_empty(value: object) -> bool:
    """An empty cell: nothing, NaN, NA, or only spaces."""
    return (
        value is None
        or (isinstance(value, float) and np.isnan(value))
        or value is pd.NA
        or (isinstance(value, str) and not value.strip())
    )


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _clock(value: object, with_seconds: bool) -> float | None:
    """``H:MM`` (or ``H:MM:SS``) text, a time cell or a time span, in hours."""
    if isinstance(value, dt.time):
        return value.hour + value.minute / 60 + (value.second + value.microsecond / 1e6) / 3600
    if isinstance(value, dt.timedelta | pd.Timedelta):
        return pd.Timedelta(value).total_seconds() / 3600
    if not isinstance(value, str):
        return None
    match = _HMS.match(value)
    if match is None or (match.group(4) is not None and not with_seconds):
        return None
    sign = -1.0 if match.group(1) else 1.0
    seconds = float(match.group(4) or 0.0)
    return sign * (int(match.group(2)) + int(match.group(3)) / 60 + seconds / 3600)


def _iso(value: object) -> float | None:
    """An ISO 8601 duration (``PT1H30M``, ``P1DT2H``; a day is 24 h), in hours."""
    if not isinstance(value, str):
        return None
    match = _ISO_DURATION.match(value)
    if match is None or not any(match.group(i) for i in range(2, 6)):
        return None
    days, hours, minutes, seconds = (float(match.group(i) or 0.0) for i in range(2, 6))
    total = days * 24 + hours + minutes / 60 + seconds / 3600
    return -total if match.group(1) else total


def duration_hours(cells: pd.Series, unit: str) -> pd.Series:
    """Each cell as hours, from a duration in ``unit`` (``seconds``, ``minutes``, ``hours``,
    ``hh:mm``, ``hh:mm:ss``, ``iso8601``). Empty cells stay empty; a cell that is not such a
    duration is kept as it was (validation reports it as ``bad_hours``)."""

    def one(value: object) -> object:
        if is_empty(value):
            return None
        if unit in _PER_HOUR:
            number = _number(value)
            return value if number is None else number / _PER_HOUR[unit]
        hours = _iso(value) if unit == "iso8601" else _clock(value, unit == "hh:mm:ss")
        return value if hours is None else hours

    return pd.Series([one(value) for value in cells.tolist()], index=cells.index, dtype=object)


def dates(cells: pd.Series, date_format: str, timezone: str | None = None) -> pd.Series:
    """Each cell as an ISO date ``YYYY-MM-DD``: text read with exactly ``date_format``
    (:func:`datetime.datetime.strptime`), or a date cell. With ``timezone``, a date-time that
    carries its offset (``...Z``, ``+02:00``) is first taken in that zone, so that
    ``2026-03-31T22:40:00Z`` is 1 April in Europe/Brussels; a date-time without an offset is
    already local. A cell that does not read is kept as it was (``bad_date`` in validation)."""
    zone = zoneinfo.ZoneInfo(timezone) if timezone else None

    def one(value: object) -> object:
        if is_empty(value):
            return None
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, dt.date):
            return value.isoformat()
        elif isinstance(value, str):
            try:
                moment = dt.datetime.strptime(value.strip(), date_format)
            except ValueError:
                return value
        else:
            return value
        if zone is not None and moment.tzinfo is not None:
            moment = moment.astimezone(zone)
        return moment.date().isoformat()

    return pd.Series([one(value) for value in cells.tolist()], index=cells.index, dtype=object)


def mapped_values(
    cells: pd.Series, values: MappingType[str, object]
) -> tuple[pd.Series, pd.Series]:
    """Each cell replaced by its entry in ``values`` (labels compared trimmed and ignoring
    case). Returns the new cells and the mask of non-empty cells with no entry (they become
    empty: the mapping's finding says why)."""
    table = {str(k).strip().casefold(): v for k, v in values.items()}

    def key(value: object) -> str | None:
        if is_empty(value):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip().casefold()

    keys = [key(value) for value in cells.tolist()]
    unknown = [k is not None and k not in table for k in keys]
    out = [table.get(k) if k is not None else None for k in keys]
    return (
        pd.Series(out, index=cells.index, dtype=object),
        pd.Series(unknown, index=cells.index, dtype=bool),
    )


def extracted(cells: pd.Series, pattern: str) -> tuple[pd.Series, pd.Series]:
    """The part of each cell that ``pattern`` captures (its group named ``value``, else its
    first group), searched anywhere in the cell's text. Returns the parts and the mask of
    non-empty cells the pattern does not match (they become empty)."""
    compiled = re.compile(pattern)
    group: int | str = "value" if "value" in compiled.groupindex else 1

    def one(value: object) -> object:
        if is_empty(value):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        match = compiled.search(str(value))
        return None if match is None else (match.group(group) or None)

    values = cells.tolist()
    out = [one(value) for value in values]
    missed = [part is None and not is_empty(value) for part, value in zip(out, values, strict=True)]
    return (
        pd.Series(out, index=cells.index, dtype=object),
        pd.Series(missed, index=cells.index, dtype=bool),
    )


def filled_template(frame: pd.DataFrame, template: str) -> pd.Series:
    """``template`` filled row by row with the cells of the headers it names (``{First Name}
    {Last Name}``); an empty cell adds nothing; the result is trimmed, empty when nothing is
    left."""
    names = re.findall(r"\{([^{}]+)\}", template)

    def text(value: object) -> str:
        if is_empty(value):
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    parts = {name: frame[name].map(text).tolist() for name in names}
    pieces = re.split(r"\{([^{}]+)\}", template)  # text, name, text, name, ..., text
    rendered: list[str | None] = []
    for i in range(len(frame)):
        filled = "".join(
            parts[piece][i] if k % 2 else piece for k, piece in enumerate(pieces)
        ).strip()
        rendered.append(filled or None)
    return pd.Series(rendered, index=frame.index, dtype=object)
