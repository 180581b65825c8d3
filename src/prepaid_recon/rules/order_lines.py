"""Per order line figures (RULES section 4): ordered, delivered, invoiced, to invoice, status.

Every function here is pure: validated frames in, frames out. Rows are keyed by ``(order, line)``
and every figure is computed per customer's own rows (merges and group-bys on the line key), so
the rules could run partitioned by customer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prepaid_recon.contract import outputs
from prepaid_recon.contract.inputs import CONFIRMED_STATES
from prepaid_recon.domain import UomTable, round_by_unit, round_half_away, round_money

KEY = ["order", "line"]

ORDER_LINE_COLUMNS = outputs.columns("order_lines")
ORDER_COLUMNS = outputs.columns("orders")


def hours_in_unit(hours: pd.Series, units: pd.Series, uoms: UomTable) -> pd.Series:
    """Hours expressed in each row's unit, unrounded; the unit ``Units`` counts as hours.

    Time units divide by their size (8 h make a day); ``Units`` takes the hours as they are, as
    Odoo does; any other unit cannot hold time and gives NaN.
    """
    sizes = uoms.sizes(units)
    categories = uoms.categories(units)
    usable = categories.eq("time").fillna(False) | units.eq("Units").fillna(False)
    out = hours.astype("float64") / sizes.where(usable)
    return out.astype("float64")


def line_subtotal(
    quantity: pd.Series, unit_price: pd.Series, discount: pd.Series, currency: pd.Series
) -> pd.Series:
    """Untaxed amount of a quantity: quantity × unit price × (1 − discount/100), rounded once to
    the currency's minor unit, half away from zero (RULES section 1)."""
    raw = quantity.astype("float64") * unit_price.astype("float64") * (1 - discount / 100.0)
    if len(raw) == 0:
        return raw.astype("float64")
    return round_money(raw, currency.astype(object)).set_axis(raw.index)


TIME_POLICIES = ("prepaid", "timesheet")
"""Invoicing policies whose delivered quantity is the time logged on the line."""


def order_line_flags(
    state: pd.Series, product_type: pd.Series, policy: pd.Series, uom: pd.Series, uoms: UomTable
) -> pd.DataFrame:
    """What kind of line each order line is, from its order's state and its product and unit.

    ``confirmed``: the order's state is ``sale`` or ``done``; ``service``: the product is a
    service; ``live``: both, the only lines time can be billed to; ``is_time``: the line's unit
    is a unit of time; ``time_billed``: the policy is ``prepaid`` or ``timesheet``, so the line's
    delivered quantity is its time expressed in its unit.  Unknown values count as false.
    Shared by the rules and by validation, so both judge a line alike.
    """
    confirmed = state.isin(CONFIRMED_STATES).fillna(False).to_numpy(bool)
    service = product_type.eq("service").fillna(False).to_numpy(bool)
    return pd.DataFrame(
        {
            "confirmed": confirmed,
            "service": service,
            "live": confirmed & service,
            "is_time": uoms.is_time(uom).to_numpy(bool),
            "time_billed": policy.isin(TIME_POLICIES).fillna(False).to_numpy(bool),
        },
        index=state.index,
    )


def order_line_context(
    orders: pd.DataFrame,
    order_lines: pd.DataFrame,
    products: pd.DataFrame,
    uoms: UomTable,
    cutoff: pd.Timestamp,
) -> pd.DataFrame:
    """Every order line of an order dated on or before the cut-off, with what the rules need.

    Orders dated after the cut-off do not exist in this run. Each line carries its order's
    customer, date, state and currency, its product's policy and tracking, its unit (category,
    size in hours), its ordered quantity in hours, and its unit price: the one given on the line,
    else the product's price converted to the line's unit (100 per hour sold in days is 800 per
    day; unit prices are never rounded). ``confirmed`` means state ``sale`` or ``done``; ``live``
    means a service line of a confirmed order, the only lines time can be billed to.
    Sorted by (order, line).
    """
    head = orders[["order", "customer", "order_date", "state", "currency", "customer_ref"]]
    head = head[head["order_date"] <= cutoff]
    prod = products[
        [
            "product",
            "name",
            "type",
            "uom",
            "invoicing_policy",
            "service_tracking",
            "project",
            "unit_price",
            "tax_rate",
            "upsell_threshold",
        ]
    ].rename(
        columns={
            "name": "product_name",
            "uom": "product_uom",
            "project": "product_project",
            "unit_price": "product_price",
        }
    )
    lines = order_lines.assign(source_row=order_lines.index.to_numpy())  # the Excel row
    ctx = lines.merge(head, on="order", how="inner").merge(prod, on="product", how="left")
    ctx = ctx.sort_values(KEY, kind="stable").reset_index(drop=True)
    ctx["uom"] = ctx["uom"].fillna(ctx["product_uom"])
    flags = order_line_flags(ctx["state"], ctx["type"], ctx["invoicing_policy"], ctx["uom"], uoms)
    for flag in ("confirmed", "service", "live", "is_time"):
        ctx[flag] = flags[flag].to_numpy(bool)
    ctx["unit_hours"] = uoms.sizes(ctx["uom"]).where(ctx["is_time"])
    product_hourly = uoms.is_time(ctx["product_uom"]).to_numpy(bool) | ctx["product_uom"].eq(
        "Units"
    ).fillna(False).to_numpy(bool)
    ctx["product_unit_hours"] = uoms.sizes(ctx["product_uom"]).where(product_hourly)
    ctx["rounding"] = uoms.roundings(ctx["uom"]).fillna(0.01)
    ctx["ordered_hours"] = ctx["quantity"] * ctx["unit_hours"]
    ctx["prepaid_time"] = (
        ctx["live"] & ctx["invoicing_policy"].eq("prepaid").fillna(False) & ctx["is_time"]
    ).to_numpy(bool)
    same_category = uoms.categories(ctx["uom"]).eq(uoms.categories(ctx["product_uom"]))
    converted = (
        ctx["product_price"] * uoms.sizes(ctx["uom"]) / uoms.sizes(ctx["product_uom"])
    ).where(same_category.fillna(False), ctx["product_price"])
    ctx["unit_price"] = ctx["unit_price"].fillna(converted).fillna(0.0).astype("float64")
    ctx["discount"] = ctx["discount"].fillna(0.0).astype("float64")
    ctx["tax_rate"] = ctx["tax_rate"].fillna(0.0).astype("float64")
    ctx["upsell_threshold"] = ctx["upsell_threshold"].fillna(100.0).astype("float64")
    return ctx


def counted_hours_per_line(
    timesheets: pd.DataFrame, period_start: pd.Timestamp, cutoff: pd.Timestamp
) -> pd.DataFrame:
    """Hours of counted timesheets per order line: all of them, before the period, in it.

    Input: the linked timesheets (status, order, line, date, hours). Only ``counted`` rows count.
    Output columns: order, line, hours, hours_before_period, hours_in_period.
    """
    counted = timesheets.loc[
        timesheets["status"].eq("counted").to_numpy(bool), ["order", "line", "hours", "date"]
    ]
    frame = pd.DataFrame(
        {
            "order": counted["order"].to_numpy(object),
            "line": counted["line"].astype("Int64").to_numpy(),
            "hours": counted["hours"].to_numpy("float64"),
            "hours_before_period": counted["hours"].where(counted["date"] < period_start, 0.0),
            "hours_in_period": counted["hours"].where(
                (counted["date"] >= period_start) & (counted["date"] <= cutoff), 0.0
            ),
        }
    )
    frame["line"] = frame["line"].astype("Int64")
    if frame.empty:
        return frame.astype(
            {"hours": "float64", "hours_before_period": "float64", "hours_in_period": "float64"}
        )
    return frame.groupby(KEY, as_index=False, sort=True).sum()


def ledger_quantities(
    ctx: pd.DataFrame,
    invoices: pd.DataFrame,
    invoice_lines: pd.DataFrame,
    uoms: UomTable,
    cutoff: pd.Timestamp,
) -> pd.DataFrame:
    """Every ledger line that counts on an order line of this run, with its signed quantity.

    A ledger document counts when it is not cancelled and is dated on or before the cut-off;
    drafts count, since they reserve the quantity. A ledger line given in another unit is
    converted to the order line's unit (rounded to its step). ``signed`` is the quantity in the
    order line's unit, negative on a credit note. Columns: invoice, invoice_date, kind, state,
    reverses, order, line, signed; in ledger line order.
    """
    head = invoices[["invoice", "invoice_date", "kind", "state", "reverses"]]
    head = head[head["state"].ne("cancel") & (head["invoice_date"] <= cutoff)]
    ledger = invoice_lines[["invoice", "order", "line", "quantity", "uom"]].merge(
        head, on="invoice", how="inner"
    )
    ledger = ledger.rename(columns={"uom": "ledger_uom"}).merge(
        ctx[[*KEY, "uom"]], on=KEY, how="inner"
    )
    qty = ledger["quantity"].astype("float64")
    other_unit = ledger["ledger_uom"].notna() & ledger["ledger_uom"].ne(ledger["uom"]).fillna(False)
    if other_unit.any():
        converted = uoms.convert(
            qty[other_unit], ledger.loc[other_unit, "ledger_uom"], ledger.loc[other_unit, "uom"]
        )
        qty = qty.where(~other_unit, converted)
    sign = np.where(ledger["kind"].eq("credit_note").fillna(False), -1.0, 1.0)
    ledger = ledger.assign(signed=qty.to_numpy("float64") * sign)
    return ledger[["invoice", "invoice_date", "kind", "state", "reverses", *KEY, "signed"]]


def invoiced_per_line(ctx: pd.DataFrame, ledger: pd.DataFrame) -> pd.Series:
    """Quantity already invoiced on each order line, in the line's unit (aligned on ``ctx``):
    the sum of the signed quantities of the ledger lines that count (:func:`ledger_quantities`:
    invoices add, credit notes subtract), rounded to the line's unit step."""
    sums = ledger.groupby(KEY, sort=True)["signed"].sum()
    keys = pd.MultiIndex.from_frame(ctx[KEY])
    out = pd.Series(sums.reindex(keys).to_numpy("float64"), index=ctx.index).fillna(0.0)
    return round_by_unit(out, ctx["rounding"])


def _cents(values: pd.Series) -> pd.Series:
    return round_half_away(values.astype("float64"), 0.01)


def line_figures(
    ctx: pd.DataFrame,
    counted: pd.DataFrame,
    invoiced: pd.Series,
    tasks: pd.DataFrame,
    uoms: UomTable,
    alert_at: float | None = None,
) -> pd.DataFrame:
    """The ``order_lines`` report: one row per line of an order dated on or before the cut-off.

    * ordered = the line's quantity.
    * delivered: prepaid and timesheet lines sum the hours of their counted timesheets first
      and convert that sum once to the line's unit (one rounding, on the sum); manual lines take
      the typed ``delivered`` (0 when empty), whatever time is logged on them.
    * delivered_in_period: the same over timesheets dated in the period (0 for manual lines).
    * to_invoice (confirmed orders only, else 0): prepaid lines ordered − invoiced, others
      delivered − invoiced; negative means over-invoiced.
    * invoice_status, first match: unconfirmed → no; to_invoice ≠ 0 → to_invoice; prepaid with
      delivered > ordered ≥ 0 → upselling (so only once fully invoiced); invoiced ≥ ordered →
      invoiced; else no. Quantities are compared after rounding both sides to 0.01.
    * remaining_hours (prepaid lines in a time unit of confirmed orders): ordered hours −
      delivered hours from the raw hours, rounded to 0.01; NaN for other lines.
    * upsell_alert: confirmed prepaid service line with ordered ≥ 0 and delivered > ordered ×
      threshold/100 (a negative line, such as a credited block, never alerts).
    * consumed_percent (prepaid lines with ordered > 0): delivered / ordered × 100, to 0.01;
      alert_at: the level a block is watched at (``alert_at`` given by the user, else the
      product's threshold); near_threshold: a confirmed prepaid service line with ordered > 0
      and delivered > ordered × alert_at/100 (with the product's threshold, the upsell alert).
    Sorted by (order, line). Extra columns follow the contract ones.
    """
    frame = ctx.merge(counted, on=KEY, how="left")
    for col in ("hours", "hours_before_period", "hours_in_period"):
        frame[col] = frame[col].fillna(0.0).astype("float64")
    policy = frame["invoicing_policy"]
    by_time = policy.isin(["prepaid", "timesheet"]).to_numpy(bool)
    manual = policy.eq("manual").fillna(False).to_numpy(bool)

    timed = round_by_unit(hours_in_unit(frame["hours"], frame["uom"], uoms), frame["rounding"])
    timed_period = round_by_unit(
        hours_in_unit(frame["hours_in_period"], frame["uom"], uoms), frame["rounding"]
    )
    delivered = pd.Series(0.0, index=frame.index)
    delivered = delivered.where(~by_time, timed.fillna(0.0))
    delivered = delivered.where(~manual, frame["delivered"].fillna(0.0))
    frame["delivered_manual"] = frame["delivered"]
    frame["delivered"] = round_by_unit(delivered, frame["rounding"])
    frame["delivered_in_period"] = (
        pd.Series(0.0, index=frame.index).where(~by_time, timed_period.fillna(0.0)).astype(float)
    )
    frame["ordered"] = frame["quantity"].astype("float64")
    frame["invoiced"] = invoiced.to_numpy("float64")

    confirmed = frame["confirmed"].to_numpy(bool)
    prepaid = policy.eq("prepaid").fillna(False).to_numpy(bool)
    base = np.where(prepaid, frame["ordered"], frame["delivered"])
    to_invoice = pd.Series(np.where(confirmed, base - frame["invoiced"], 0.0), index=frame.index)
    frame["to_invoice"] = round_by_unit(to_invoice, frame["rounding"])

    ordered_c = _cents(frame["ordered"])
    delivered_c = _cents(frame["delivered"])
    invoiced_c = _cents(frame["invoiced"])
    to_invoice_c = _cents(frame["to_invoice"])
    frame["invoice_status"] = np.select(
        [
            ~confirmed,
            to_invoice_c.ne(0),
            prepaid & ordered_c.ge(0) & (delivered_c > ordered_c),
            invoiced_c >= ordered_c,
        ],
        ["no", "to_invoice", "upselling", "invoiced"],
        default="no",
    )
    frame["invoice_status"] = frame["invoice_status"].astype("str")

    remaining = round_half_away(frame["ordered_hours"] - frame["hours"], 0.01)
    frame["remaining_hours"] = remaining.where(frame["prepaid_time"]).astype("float64")
    threshold_c = _cents(frame["ordered"] * frame["upsell_threshold"] / 100.0)
    frame["upsell_alert"] = (
        confirmed
        & prepaid
        & frame["service"].to_numpy(bool)
        & ordered_c.ge(0)
        & (delivered_c > threshold_c)
    ).to_numpy(bool)

    live_prepaid = confirmed & prepaid & frame["service"].to_numpy(bool) & ordered_c.gt(0)
    consumed = frame["delivered"] / frame["ordered"].where(frame["ordered"] > 0) * 100.0
    frame["consumed_percent"] = round_half_away(consumed.where(prepaid), 0.01).astype("float64")
    level = frame["upsell_threshold"] if alert_at is None else pd.Series(alert_at, frame.index)
    frame["alert_at"] = level.where(prepaid).astype("float64")
    level_c = _cents(frame["ordered"] * level / 100.0)
    frame["near_threshold"] = (live_prepaid & (delivered_c > level_c)).to_numpy(bool)

    frame = frame.merge(tasks[[*KEY, "task"]], on=KEY, how="left")
    frame["untaxed_ordered"] = line_subtotal(
        frame["ordered"], frame["unit_price"], frame["discount"], frame["currency"]
    )
    frame["untaxed_invoiced"] = line_subtotal(
        frame["invoiced"], frame["unit_price"], frame["discount"], frame["currency"]
    )
    frame["untaxed_to_invoice"] = line_subtotal(
        frame["to_invoice"], frame["unit_price"], frame["discount"], frame["currency"]
    )
    frame = frame.rename(
        columns={
            "hours": "delivered_hours",
            "hours_before_period": "hours_before_period",
            "hours_in_period": "hours_in_period",
        }
    )
    extras = [
        "customer_ref",
        "state",
        "confirmed",
        "currency",
        "order_date",
        "description",
        "product_name",
        "unit_price",
        "discount",
        "tax_rate",
        "untaxed_ordered",
        "untaxed_invoiced",
        "untaxed_to_invoice",
        "ordered_hours",
        "delivered_hours",
        "consumed_percent",
        "alert_at",
        "upsell_threshold",
        "near_threshold",
        "source_row",
        "hours_before_period",
        "hours_in_period",
        "prepaid_time",
        "service",
    ]
    frame = frame[ORDER_LINE_COLUMNS + extras].reset_index(drop=True)
    text = ["order", "customer", "product", "invoicing_policy", "uom", "task", "state", "currency"]
    return frame.astype({col: "str" for col in [*text, "customer_ref"]})


def order_figures(orders: pd.DataFrame, lines: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """The ``orders`` report: one row per order dated on or before the cut-off, sorted by order.

    An order's status: not confirmed → no; any line to invoice → to_invoice; all lines invoiced
    → invoiced; all lines invoiced or upselling → upselling; else (or no line at all) → no.
    Untaxed amounts are sums of the lines' amounts, each rounded to the currency's minor unit.
    """
    head = orders[orders["order_date"] <= cutoff][["order", "customer", "state", "currency"]]
    head = head.sort_values("order", kind="stable").reset_index(drop=True)
    status = lines["invoice_status"]
    per = pd.DataFrame(
        {
            "order": lines["order"].to_numpy(object),
            "n": 1,
            "any_to_invoice": status.eq("to_invoice").to_numpy(bool),
            "n_invoiced": status.eq("invoiced").to_numpy(int),
            "n_upselling": status.eq("upselling").to_numpy(int),
            "untaxed_ordered": lines["untaxed_ordered"].to_numpy("float64"),
            "untaxed_invoiced": lines["untaxed_invoiced"].to_numpy("float64"),
            "untaxed_to_invoice": lines["untaxed_to_invoice"].to_numpy("float64"),
        }
    )
    agg = per.groupby("order", sort=True).agg(
        n=("n", "sum"),
        any_to_invoice=("any_to_invoice", "any"),
        n_invoiced=("n_invoiced", "sum"),
        n_upselling=("n_upselling", "sum"),
        untaxed_ordered=("untaxed_ordered", "sum"),
        untaxed_invoiced=("untaxed_invoiced", "sum"),
        untaxed_to_invoice=("untaxed_to_invoice", "sum"),
    )
    frame = head.merge(agg, left_on="order", right_index=True, how="left")
    n = frame["n"].fillna(0)
    confirmed = frame["state"].isin(CONFIRMED_STATES).to_numpy(bool)
    has = (n > 0).to_numpy(bool)
    frame["invoice_status"] = np.select(
        [
            ~confirmed,
            frame["any_to_invoice"].fillna(False).astype(bool).to_numpy(),
            has & frame["n_invoiced"].eq(n).to_numpy(bool),
            has & (frame["n_invoiced"] + frame["n_upselling"]).eq(n).to_numpy(bool),
        ],
        ["no", "to_invoice", "invoiced", "upselling"],
        default="no",
    )
    frame["invoice_status"] = frame["invoice_status"].astype("str")
    for col in ("untaxed_ordered", "untaxed_invoiced", "untaxed_to_invoice"):
        frame[col] = frame[col].fillna(0.0).astype("float64")
        if len(frame):
            frame[col] = round_money(frame[col], frame["currency"].astype(object)).to_numpy()
    frame = frame[ORDER_COLUMNS].reset_index(drop=True)
    return frame.astype({col: "str" for col in ("order", "customer", "state", "currency")})
