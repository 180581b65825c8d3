"""Test helpers: validated ``Inputs`` from tiny inline tables, with defaults filled as
validation fills them (docs/architecture.md, the shapes between the layers)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from builders import SUPPORT
from prepaid_recon.contract.inputs import SHEETS, columns_of
from prepaid_recon.domain import Inputs, Period
from prepaid_recon.reconcile import Options, Result, run

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

_KINDS = {"text": "text", "bool": "bool", "date": "date", "number": "number",
          "percent": "number", "hours": "number", "whole": "line"}  # fmt: skip
"""How each value type of the contract is held in a validated frame."""

TEST_DEFAULTS: dict[tuple[str, str], Any] = {
    ("teams", "timesheet_on_ticket"): True,
    ("products", "type"): "service",
    ("products", "uom"): "Hours",
    ("orders", "state"): "sale",
    ("orders", "currency"): "USD",
    ("tickets", "team"): "Support",
    ("timesheets", "employee"): "Ana",
}
"""Values the tests leave out for brevity, on top of the contract's own defaults."""


def _columns(sheet: str) -> dict[str, tuple[str, Any]]:
    """The contract's columns of ``sheet`` (schemas.py): held kind and default."""
    spec = {
        c.name: (_KINDS[c.value_type], TEST_DEFAULTS.get((sheet, c.name), c.default))
        for c in columns_of(sheet)
    }
    if sheet == "timesheets":
        spec["source_row"] = ("int", None)
    return spec


COLUMNS: dict[str, dict[str, tuple[str, Any]]] = {c.sheet: _columns(c.sheet) for c in SHEETS}


def _base() -> dict[str, list[dict]]:
    return copy.deepcopy(SUPPORT)


def frame(sheet: str, rows: list[dict]) -> pd.DataFrame:
    """One validated frame: every column present, typed, defaults applied, indexed by row."""
    spec = COLUMNS[sheet]
    index = pd.RangeIndex(2, 2 + len(rows), name="row")
    data: dict[str, pd.Series] = {}
    for col, kind in spec.items():
        kind, default = kind
        values = [r.get(col, default) for r in rows]
        values = [default if v is None else v for v in values]
        if kind == "text":
            data[col] = pd.Series(values, index=index, dtype="str")
        elif kind == "number":
            data[col] = pd.Series(
                [np.nan if v is None else float(v) for v in values], index=index, dtype="float64"
            )
        elif kind == "line":
            data[col] = pd.Series(values, index=index, dtype="Int64")
        elif kind == "int":
            data[col] = pd.Series(list(index), index=index, dtype="int64")
        elif kind == "bool":
            data[col] = pd.Series(values, index=index, dtype=bool)
        elif kind == "date":
            data[col] = pd.Series(
                pd.to_datetime(pd.Series(values, dtype=object)).to_numpy("datetime64[ns]"),
                index=index,
            )
    out = pd.DataFrame(data, index=index)
    if sheet == "products":
        out["name"] = out["name"].fillna(out["product"])
        out["invoicing_policy"] = out["invoicing_policy"].fillna("prepaid")
    if sheet == "timesheets":
        ids = pd.Series("timesheets.xlsx:" + out.index.astype(str), index=out.index)
        out["timesheet"] = out["timesheet"].fillna(ids)
    return out


def make_inputs(base: bool = True, **tables: list[dict]) -> Inputs:
    """Inputs from inline rows; the scenarios' base (teams, products) is included unless
    ``base=False``; rows given for teams/products are appended to it."""
    sheets: dict[str, list[dict]] = {name: [] for name in COLUMNS}
    if base:
        for name, rows in _base().items():
            sheets[name].extend(rows)
    for name, rows in tables.items():
        sheets[name].extend(rows)
    frames = {name: frame(name, rows) for name, rows in sheets.items()}
    products = frames["products"].set_index("product")["uom"]
    lines = frames["order_lines"]
    lines["uom"] = lines["uom"].fillna(lines["product"].map(products))
    return Inputs(**frames)


def reconcile(period: str = "2026-10", **kwargs: Any) -> Result:
    """Run the whole engine on inline tables."""
    grouping = kwargs.pop("grouping", "order")
    invoice_date = kwargs.pop("invoice_date", None)
    inputs = make_inputs(**kwargs)
    return run(inputs, Options(Period.parse(period), "USD", grouping, invoice_date))


def row(frame: pd.DataFrame, **match: Any) -> pd.Series:
    """The single row of ``frame`` matching every ``column=value``."""
    mask = pd.Series(True, index=frame.index)
    for col, value in match.items():
        mask &= frame[col].eq(value).fillna(False)
    found = frame[mask]
    assert len(found) == 1, f"{len(found)} rows match {match}"
    return found.iloc[0]


def scenario(name: str) -> dict:
    """A seed-flow scenario of ``tests/scenarios`` (v1 ... v4) by its name prefix."""
    path = next(SCENARIOS.glob(f"{name}_*.json"))
    return json.loads(path.read_text())
