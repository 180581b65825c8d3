"""Value types and the accounting primitives every rule shares: periods, units, rounding, money.

Nothing here does I/O. Rounding is named and single: :func:`round_half_away` is the only way a
quantity or an amount is rounded anywhere in prepaid-recon (RULES section 1).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import SupportsFloat, overload

import numpy as np
import pandas as pd

# --------------------------------------------------------------------------------------------
# Rounding
# --------------------------------------------------------------------------------------------


def _decimals_of(step: float) -> int:
    """Number of decimals needed to write ``step`` exactly (0.01 -> 2, 0.5 -> 1, 1 -> 0)."""
    text = f"{step:.12f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


@overload
def round_half_away(values: float, step: float = 0.01) -> float: ...
@overload
def round_half_away(values: pd.Series, step: float = 0.01) -> pd.Series: ...
@overload
def round_half_away(values: np.ndarray, step: float = 0.01) -> np.ndarray: ...


def round_half_away(
    values: float | pd.Series | np.ndarray, step: float = 0.01
) -> float | pd.Series | np.ndarray:
    """Round to a multiple of ``step``, ties away from zero, immune to binary representation.

    This is Odoo's ``float_round(..., rounding_method='HALF-UP')``: the value is divided by the
    step, nudged by one unit in the last place of its own magnitude (so that 2.675, stored as
    2.67499999..., counts as the tie it was typed as), and then rounded half away from zero.
    2.675 -> 2.68, 1.625 -> 1.63, 0.3333 -> 0.33, -1.625 -> -1.63.  Never Python's ``round``.

    Accepts a scalar, a NumPy array or a pandas Series (NaN stays NaN) and returns the same kind.
    """
    if step <= 0:
        raise ValueError("rounding step must be positive")
    scalar = np.isscalar(values)
    series_index = values.index if isinstance(values, pd.Series) else None
    series_name = values.name if isinstance(values, pd.Series) else None
    x = np.asarray(values, dtype="float64")
    normalized = x / step
    sign = np.sign(normalized)
    magnitude = np.abs(normalized)
    with np.errstate(divide="ignore", invalid="ignore"):
        epsilon = np.where(magnitude > 0, np.exp2(np.log2(magnitude) - 52), 0.0)
    rounded = sign * np.floor(magnitude + epsilon + 0.5)
    result = np.round(rounded * step, _decimals_of(step))
    result = result + 0.0  # turn -0.0 into 0.0 so that outputs never show "-0.00"
    if scalar:
        return float(result)
    if series_index is not None:
        return pd.Series(result, index=series_index, name=series_name)
    return result


# --------------------------------------------------------------------------------------------
# Currencies
# --------------------------------------------------------------------------------------------

_ZERO_DECIMALS = {
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
    "VUV", "XAF", "XOF", "XPF",
}  # fmt: skip
_THREE_DECIMALS = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


def is_currency_code(code: str) -> bool:
    """An ISO 4217 alphabetic code: three upper-case letters."""
    return bool(_CURRENCY_CODE.match(code))


def minor_units(currency: str) -> int:
    """Decimals of a currency's minor unit (ISO 4217): 0 for JPY/KRW, 3 for BHD/KWD/..., else 2."""
    if currency in _ZERO_DECIMALS:
        return 0
    if currency in _THREE_DECIMALS:
        return 3
    return 2


def money_step(currency: str) -> float:
    """Smallest amount of a currency: 0.01 USD, 1 JPY, 0.001 KWD."""
    return 10.0 ** -minor_units(currency)


@overload
def round_money(values: float, currencies: str) -> float: ...
@overload
def round_money(values: np.ndarray, currencies: str) -> np.ndarray: ...
@overload
def round_money(values: pd.Series, currencies: str | pd.Series) -> pd.Series: ...
@overload
def round_money(values: np.ndarray, currencies: pd.Series) -> pd.Series: ...


def round_money(
    values: float | pd.Series | np.ndarray, currencies: str | pd.Series
) -> float | pd.Series | np.ndarray:
    """Round amounts to each one's currency minor unit, half away from zero (RULES section 1).

    ``currencies`` is one code or a Series aligned with ``values``.
    """
    if isinstance(currencies, str):
        return round_half_away(values, money_step(currencies))
    values = pd.Series(values, dtype="float64")
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    for currency, idx in values.groupby(currencies.to_numpy(), sort=True).groups.items():
        out.loc[idx] = round_half_away(values.loc[idx], money_step(str(currency)))
    return out


# --------------------------------------------------------------------------------------------
# Units of measure
# --------------------------------------------------------------------------------------------

TIME = "time"
UNIT = "unit"


@dataclass(frozen=True)
class Uom:
    """A unit of measure: its category, its size in the category's reference unit, its step.

    For the time category the reference unit is the hour, so ``size`` is the unit in hours.
    """

    name: str
    category: str
    size: float
    rounding: float = 0.01

    @property
    def is_time(self) -> bool:
        return self.category == TIME


BUILTIN_UOMS: tuple[Uom, ...] = (
    Uom("Hours", TIME, 1.0),
    Uom("Days", TIME, 8.0),
    Uom("Units", UNIT, 1.0),
)


class UomTable:
    """The units known to a run: the built-in Hours, Days, Units plus the ``uoms`` sheet."""

    def __init__(self, extra: Iterable[Uom] = ()):
        self._by_name: dict[str, Uom] = {u.name: u for u in BUILTIN_UOMS}
        for uom in extra:
            self._by_name[uom.name] = uom

    @classmethod
    def from_frame(cls, uoms: pd.DataFrame | None) -> UomTable:
        """Build from a validated ``uoms`` frame (columns uom, category, hours, ratio, rounding)."""
        extra: list[Uom] = []
        if uoms is not None and len(uoms):
            for name, category, hours, ratio, rounding in zip(
                uoms["uom"].tolist(),
                uoms["category"].tolist(),
                uoms["hours"].tolist(),
                uoms["ratio"].tolist(),
                uoms["rounding"].tolist(),
                strict=True,
            ):
                size = hours if category == TIME else ratio
                step = rounding if not pd.isna(rounding) else 0.01
                extra.append(Uom(name, category, float(size), float(step)))
        return cls(extra)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Uom:
        return self._by_name[name]

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def sizes(self, names: pd.Series) -> pd.Series:
        """Size of each named unit in its category's reference unit (hours for time units)."""
        return names.map({n: u.size for n, u in self._by_name.items()}).astype("float64")

    def categories(self, names: pd.Series) -> pd.Series:
        return names.map({n: u.category for n, u in self._by_name.items()})

    def roundings(self, names: pd.Series) -> pd.Series:
        return names.map({n: u.rounding for n, u in self._by_name.items()}).astype("float64")

    def is_time(self, names: pd.Series) -> pd.Series:
        return self.categories(names).eq(TIME).fillna(False).astype(bool)

    def convert(self, qty: pd.Series, from_units: pd.Series, to_units: pd.Series) -> pd.Series:
        """Convert quantities between units of one category, rounded to the target unit's step."""
        raw = qty.astype("float64") * self.sizes(from_units) / self.sizes(to_units)
        return round_by_unit(raw, self.roundings(to_units))


def round_by_unit(values: pd.Series, steps: pd.Series) -> pd.Series:
    """Round each value to its own unit's rounding step (half away from zero)."""
    values = values.astype("float64")
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    steps = steps.fillna(0.01)
    for step, idx in values.groupby(steps.to_numpy(), sort=True).groups.items():
        assert isinstance(step, SupportsFloat)  # a group key is one of the (numeric) steps
        out.loc[idx] = round_half_away(values.loc[idx].to_numpy(), float(step))
    return out


# --------------------------------------------------------------------------------------------
# Periods and the supported dates
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateRange:
    """The days from ``first`` to ``last``, both included."""

    first: dt.date
    last: dt.date

    def __contains__(self, day: object) -> bool:
        if isinstance(day, dt.datetime):
            day = day.date()
        return isinstance(day, dt.date) and self.first <= day <= self.last

    def __str__(self) -> str:
        return f"from {self.first.isoformat()} to {self.last.isoformat()}"


SUPPORTED_DATES = DateRange(dt.date(1900, 3, 1), dt.date(2099, 12, 31))
"""Every date prepaid-recon reads or writes: input cells, ``--period``, ``--invoice-date``.

Before 1900-03-01 Excel's calendar is wrong (it counts a 29 February 1900); a date after 2099
is a typo in a month-end close.  Within the range any two dates are less than 292 years apart,
so every date, the difference of any two and every Excel serial number fit pandas' nanosecond
timestamps and timedeltas.  A date cell outside it is ``bad_date``; an option outside it is a
usage error (docs/contract.md, value types)."""

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """The month being closed. Its last day is the cut-off: nothing dated later exists.

    Every day of the month is a supported date (:data:`SUPPORTED_DATES`): 1900-03 to 2099-12.
    """

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"a period's month is 01 to 12, got {self.month}")
        first, last = SUPPORTED_DATES.first, SUPPORTED_DATES.last
        if not (first.year, first.month) <= (self.year, self.month) <= (last.year, last.month):
            raise ValueError(
                f"period must be a month from {first:%Y-%m} to {last:%Y-%m}, "
                f"got {self.year:04d}-{self.month:02d}"
            )

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"period must be YYYY-MM, got {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def cutoff(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def start_ts(self) -> pd.Timestamp:
        return pd.Timestamp(self.start)

    @property
    def cutoff_ts(self) -> pd.Timestamp:
        return pd.Timestamp(self.cutoff)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


# --------------------------------------------------------------------------------------------
# Text in a cell
# --------------------------------------------------------------------------------------------

EXCEL_MAX_TEXT = 32_767
"""The most characters an Excel cell holds, counted as Excel counts them: in UTF-16 units, so a
character outside the Basic Multilingual Plane (an emoji, say) counts as two.  A longer text
in a column that reaches a report is ``text_too_long`` (a warning) and the writer cuts it with
:func:`excel_text_prefix`; the input keeps the whole text."""


def excel_text_length(text: str) -> int:
    """The length of ``text`` as Excel counts it (UTF-16 units)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def excel_text_fits(text: str) -> bool:
    """Whether ``text`` fits whole in one Excel cell."""
    # Half the limit in characters cannot pass it in UTF-16 units: most texts are not encoded.
    return len(text) <= EXCEL_MAX_TEXT // 2 or excel_text_length(text) <= EXCEL_MAX_TEXT


def excel_text_prefix(text: str) -> str:
    """``text`` whole when it fits in a cell, else its first :data:`EXCEL_MAX_TEXT` UTF-16 units
    (one fewer when the last would split a character in two)."""
    if excel_text_fits(text):
        return text
    units = text.encode("utf-16-le", "surrogatepass")[: 2 * EXCEL_MAX_TEXT]
    if 0xD800 <= int.from_bytes(units[-2:], "little") <= 0xDBFF:
        units = units[:-2]  # the first half of a surrogate pair: drop the whole character
    return units.decode("utf-16-le", "surrogatepass")


# --------------------------------------------------------------------------------------------
# The validated input of a run
# --------------------------------------------------------------------------------------------


@dataclass
class Inputs:
    """Every input table, parsed and validated, defaults applied; indexed by Excel row number.

    Text columns hold ``str`` or NA, dates are midnight ``datetime64[ns]`` (NaT when missing),
    numbers are float64 (NaN when missing), ``line`` columns are nullable ``Int64``, booleans are
    ``bool``.  Rows dated after the cut-off are still here: each rule decides what they mean.
    """

    teams: pd.DataFrame
    products: pd.DataFrame
    uoms: pd.DataFrame
    orders: pd.DataFrame
    order_lines: pd.DataFrame
    tickets: pd.DataFrame
    timesheets: pd.DataFrame
    invoices: pd.DataFrame
    invoice_lines: pd.DataFrame
