"""The business checks of one sheet at a time (CONTRACT section 4), beyond the pandera models.

* teams: a team logging time on tickets needs its ``project``; ``time_reinvoicing`` needs
  ``timesheet_on_ticket``.
* uoms: a time unit needs its size in ``hours``, any other unit its ``ratio``; ``Hours``,
  ``Days`` and ``Units`` are built in and cannot be redefined.
* products: a service needs an invoicing policy; only services are invoiced on timesheets; the
  unit must exist; ``task_global_project`` needs the project that receives the tasks.
* orders: the currency is an ISO 4217 code; orders dated after the cut-off are ignored (warning).
* order_lines: the order, product and unit exist; one line number per order; the unit is of the
  product's unit category; a negative quantity and a ``manual`` line without ``delivered`` are
  warnings.
"""

from __future__ import annotations

import pandas as pd

from prepaid_recon.domain import TIME, Period, UomTable, is_currency_code
from prepaid_recon.findings import Code
from prepaid_recon.validate.collector import Findings, Table
from prepaid_recon.validate.lookups import check_unknown, line_key, lookup


def check_teams(t: Table, f: Findings) -> None:
    d = t.data
    f.add(
        Code.MISSING_VALUE,
        t,
        d["timesheet_on_ticket"] & d["project"].isna(),
        "project",
        "a team with timesheet_on_ticket needs the project where ticket time is logged.",
    )
    f.add(
        Code.NOT_ALLOWED,
        t,
        d["time_reinvoicing"] & ~d["timesheet_on_ticket"],
        "time_reinvoicing",
        "time_reinvoicing needs timesheet_on_ticket: no time can be logged on this team.",
    )


def check_uoms(t: Table, f: Findings) -> None:
    d = t.data
    is_time = d["category"].eq(TIME)
    f.add(
        Code.MISSING_VALUE,
        t,
        is_time & d["hours"].isna(),
        "hours",
        "a time unit needs its size in hours.",
    )
    f.add(
        Code.MISSING_VALUE,
        t,
        ~is_time & d["ratio"].isna() & d["category"].notna(),
        "ratio",
        "a unit outside the time category needs its ratio.",
    )
    builtin = d["uom"].isin(["Hours", "Days", "Units"])
    f.add(Code.DUPLICATE_KEY, t, builtin, "uom", "Hours, Days and Units are built in.")


def usable_uoms(tables: dict[str, Table]) -> pd.DataFrame | None:
    """Custom units usable for further checks even when some uoms rows are wrong."""
    if "uoms" not in tables:
        return None
    d = tables["uoms"].data
    size = d["hours"].where(d["category"].eq(TIME), d["ratio"])
    ok = d["uom"].notna() & d["category"].notna() & size.gt(0) & ~d["uom"].duplicated()
    return d[ok]


def check_products(t: Table, f: Findings, uoms: UomTable) -> None:
    d = t.data
    service = d["type"].eq("service")
    f.add(
        Code.MISSING_VALUE,
        t,
        service & d["invoicing_policy"].isna(),
        "invoicing_policy",
        "a service needs an invoicing policy: prepaid, timesheet or manual.",
    )
    f.add(
        Code.NOT_ALLOWED,
        t,
        ~service & d["invoicing_policy"].eq("timesheet"),
        "invoicing_policy",
        "only services can be invoiced on timesheets.",
    )
    f.add(
        Code.UNKNOWN_REFERENCE,
        t,
        d["uom"].notna() & ~d["uom"].isin(uoms.names()),
        "uom",
        "no such unit: use Hours, Days, Units or one from the uoms sheet.",
    )
    global_project = d["service_tracking"].eq("task_global_project") & service
    f.add(
        Code.MISSING_VALUE,
        t,
        global_project & d["project"].isna(),
        "project",
        "task_global_project needs the project that receives the tasks.",
    )


def bad_currency(currency: pd.Series) -> pd.Series:
    """Given currencies that are not ISO 4217 codes (empty cells are not bad)."""
    valid = currency.map(is_currency_code, na_action="ignore").astype("boolean")
    return currency.notna() & ~valid.fillna(True).astype(bool)


def after_cutoff(
    f: Findings, t: Table, column: str, period: Period | None, what: str, effect: str
) -> None:
    """Rows dated after the cut-off do not exist for this run: a warning on their date cell."""
    if period is not None:
        late = t.data[column] > period.cutoff_ts
        f.add(Code.AFTER_CUTOFF, t, late, column, f"{what} {period.cutoff}: {effect}.")


def check_orders(t: Table, f: Findings, period: Period | None) -> None:
    d = t.data
    f.add(
        Code.BAD_CURRENCY,
        t,
        bad_currency(d["currency"]),
        "currency",
        "currency must be an ISO 4217 code such as USD, EUR or JPY.",
    )
    after_cutoff(f, t, "order_date", period, "order dated after the cut-off", "ignored this run")


def check_order_lines(
    t: Table, f: Findings, tables: dict[str, Table], uoms: UomTable, period: Period | None
) -> None:
    d = t.data
    orders = tables["orders"].data
    products = tables["products"].data.drop_duplicates("product").set_index("product")
    check_unknown(f, t, "order", pd.Index(orders["order"].dropna()), "order in the orders sheet")
    check_unknown(f, t, "product", products.index, "product in the products sheet")
    dup = d["order"].notna() & d["line"].notna() & line_key(d).duplicated(keep="first")
    f.add(Code.DUPLICATE_KEY, t, dup, "line", "this order already has a line with this number.")
    known_uom = d["uom"].isin(uoms.names())
    f.add(
        Code.UNKNOWN_REFERENCE,
        t,
        d["uom"].notna() & ~known_uom,
        "uom",
        "no such unit: use Hours, Days, Units or one from the uoms sheet.",
    )
    product_cat = uoms.categories(d["product"].map(products["uom"]).fillna(""))
    line_cat = uoms.categories(d["uom"].fillna(""))
    mismatch = known_uom & product_cat.notna() & line_cat.ne(product_cat)
    f.add(
        Code.UOM_CATEGORY_MISMATCH,
        t,
        mismatch,
        "uom",
        "the unit is of another category ("
        + line_cat.astype("str").fillna("")
        + ") than the product's unit ("
        + product_cat.astype("str").fillna("")
        + ").",
    )
    f.add(Code.NEGATIVE_QUANTITY, t, d["quantity"] < 0, "quantity", "negative ordered quantity.")
    manual = d["product"].map(products["invoicing_policy"]).eq("manual")
    in_run = pd.Series(True, index=d.index)
    if period is not None:
        dates = lookup(d["order"], orders.drop_duplicates("order").set_index("order")["order_date"])
        in_run = dates <= period.cutoff_ts
    f.add(
        Code.MISSING_DELIVERED,
        t,
        manual & d["delivered"].isna() & in_run,
        "delivered",
        "manual line without 'delivered': delivered is taken as 0.",
    )
