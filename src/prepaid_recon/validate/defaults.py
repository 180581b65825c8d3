"""The contract's defaults (CONTRACT section 2): what an empty optional cell means.

* A column's own default (``service_tracking`` = ``no``, ``billable`` = true, ...); an empty
  yes/no cell is false.
* A product's ``name`` is its ``product``; goods and consumables are invoiced ``prepaid``.
* An order's ``currency`` is the run's ``--currency``.
* An order line's ``uom`` is its product's unit.
* A timesheet without an id is ``<file>:<row>``; every timesheet keeps its Excel row as
  ``source_row``.

Defaults are applied after the cell and model checks (an empty required cell is reported, not
defaulted) and before the cross-sheet checks, which see the values the rules will see.
"""

from __future__ import annotations

import pandas as pd

from prepaid_recon.contract.inputs import columns_of
from prepaid_recon.validate.collector import Table


def apply_defaults(tables: dict[str, Table], currency: str) -> None:
    """Fill empty optional cells with the contract's defaults, in place."""
    for sheet, table in tables.items():
        data = table.data
        for col in columns_of(sheet):
            if col.default is not None:
                data[col.name] = data[col.name].fillna(col.default)
            if col.value_type == "bool" and col.name in data:
                data[col.name] = data[col.name].fillna(False).astype(bool)
    if "products" in tables:
        p = tables["products"].data
        p["name"] = p["name"].fillna(p["product"])
        goods = p["type"].ne("service")
        p.loc[goods & p["invoicing_policy"].isna(), "invoicing_policy"] = "prepaid"
    if "orders" in tables:
        tables["orders"].data["currency"] = tables["orders"].data["currency"].fillna(currency)
    if "order_lines" in tables and "products" in tables:
        lines = tables["order_lines"].data
        product_uom = tables["products"].data.drop_duplicates("product").set_index("product")["uom"]
        lines["uom"] = lines["uom"].fillna(lines["product"].map(product_uom))
    if "timesheets" in tables:
        ts = tables["timesheets"]
        ts.data["source_row"] = ts.data.index.astype("int64")
        missing = ts.data.index[ts.data["timesheet"].isna().to_numpy(bool)]
        if len(missing):  # the ids of the rows without one only (a timesheets.csv: millions)
            default_id = pd.Series(ts.file + ":" + missing.astype(str), index=missing)
            ts.data["timesheet"] = ts.data["timesheet"].fillna(default_id)
