"""Hours reports (CONTRACT section 3, hours_by_ticket.xlsx): per ticket, per employee, and the
control totals that prove every input timesheet is accounted for (RULES section 7).

Only time dated on or before the cut-off counts here; ``billable`` means status ``counted`` and
``non_billable`` status ``non_billable``.  Sums are rounded to the hundredth once, on the sum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prepaid_recon.contract import outputs
from prepaid_recon.domain import round_half_away
from prepaid_recon.rules import linking

TICKET_COLUMNS = outputs.columns("tickets")
EMPLOYEE_COLUMNS = outputs.columns("employees")


PERIOD_SPLIT = ["hours_in_period", "billable_hours_in_period", "non_billable_hours_in_period"]
"""The period's share of the ticket and employee figures (the plain ones are life-to-date)."""


def _hours_split(frame: pd.DataFrame, period_start: pd.Timestamp) -> pd.DataFrame:
    """Hours columns used by the ticket and employee reports (only rows up to the cut-off):
    life-to-date, and the same dated in the period."""
    status = frame["status"]
    hours = frame["hours"].astype("float64")
    billable = hours.where(status.eq("counted"), 0.0)
    non_billable = hours.where(status.eq("non_billable"), 0.0)
    in_period = (frame["date"] >= period_start).to_numpy(bool)
    return pd.DataFrame(
        {
            "hours": hours,
            "billable_hours": billable,
            "non_billable_hours": non_billable,
            "hours_in_period": hours.where(in_period, 0.0),
            "billable_hours_in_period": billable.where(in_period, 0.0),
            "non_billable_hours_in_period": non_billable.where(in_period, 0.0),
        },
        index=frame.index,
    )


def ticket_hours(
    tickets_linked: pd.DataFrame, audit: pd.DataFrame, period_start: pd.Timestamp
) -> pd.DataFrame:
    """The ``tickets`` report: each ticket, its order line and how it was found (``link``), and
    its time dated on or before the cut-off (life-to-date): hours, billable (counted),
    non-billable, number of timesheets, first and last date; and the hours, billable and
    non-billable hours dated in the period. Sorted by ticket."""
    on_time = audit.loc[
        audit["status"].ne("after_cutoff").to_numpy(bool) & audit["ticket"].notna().to_numpy(bool),
        ["status", "hours", "date", "ticket"],
    ]
    split = _hours_split(on_time, period_start)
    split["ticket"] = on_time["ticket"].to_numpy(object)
    split["date"] = on_time["date"].to_numpy()
    agg = split.groupby("ticket", sort=True).agg(
        hours=("hours", "sum"),
        billable_hours=("billable_hours", "sum"),
        non_billable_hours=("non_billable_hours", "sum"),
        hours_in_period=("hours_in_period", "sum"),
        billable_hours_in_period=("billable_hours_in_period", "sum"),
        non_billable_hours_in_period=("non_billable_hours_in_period", "sum"),
        timesheets=("hours", "size"),
        first_date=("date", "min"),
        last_date=("date", "max"),
    )
    frame = tickets_linked.merge(agg, left_on="ticket", right_index=True, how="left")
    for col in ("hours", "billable_hours", "non_billable_hours", *PERIOD_SPLIT):
        frame[col] = round_half_away(frame[col].fillna(0.0).astype("float64"), 0.01)
    frame["timesheets"] = frame["timesheets"].fillna(0).astype("int64")
    for col in ("first_date", "last_date"):
        frame[col] = frame[col].astype("datetime64[ns]")
    columns = [*TICKET_COLUMNS, *PERIOD_SPLIT[1:]]
    frame = frame.sort_values("ticket", kind="stable")[columns].reset_index(drop=True)
    text = ["ticket", "team", "customer", "subject", "order", "task", "link"]
    return frame.astype({col: "str" for col in text})


def employee_hours(audit: pd.DataFrame, period_start: pd.Timestamp) -> pd.DataFrame:
    """The ``employees`` report: each employee's hours dated on or before the cut-off
    (life-to-date), billable (counted) and non-billable, then the same dated in the period.
    Sorted by employee."""
    on_time = audit.loc[
        audit["status"].ne("after_cutoff").to_numpy(bool), ["status", "hours", "date", "employee"]
    ]
    split = _hours_split(on_time, period_start)
    split["employee"] = on_time["employee"].to_numpy(object)
    figures = ["hours", "billable_hours", "non_billable_hours", *PERIOD_SPLIT]
    agg = split.groupby("employee", as_index=False, sort=True)[figures].sum()
    for col in figures:
        agg[col] = round_half_away(agg[col].astype("float64"), 0.01)
    agg["employee"] = agg["employee"].astype("str")
    return agg[[*EMPLOYEE_COLUMNS, *PERIOD_SPLIT]].reset_index(drop=True)


def _exact(values: list[float]) -> np.ndarray:
    """Sums of hours as exact figures: only float noise removed (at 0.000001), never rounded to
    0.01 part by part, so that parts and total tie to the hundredth (minutes typed as H:MM, such
    as 0:20 = 0.3333 h, would otherwise make rounded parts differ from the total by a cent)."""
    return round_half_away(np.asarray(values, dtype="float64"), 1e-6) + 0.0


def control_totals(audit: pd.DataFrame, period_start: pd.Timestamp) -> pd.DataFrame:
    """Rows and hours per status (counted, non_billable, after_cutoff) and the total of every
    input timesheet: the proof of conservation.  Each row's hours are split by date into
    ``hours_before_period``, ``hours_in_period`` and ``hours_after_cutoff`` (which add up to
    ``hours``): the bridge from the whole input to the period.  Exact sums (:func:`_exact`)."""
    statuses = [*linking.STATUSES, "total"]
    status = audit["status"]
    hours = audit["hours"].astype("float64")
    after = status.eq(linking.AFTER_CUTOFF).to_numpy(bool)
    before = (audit["date"] < period_start).to_numpy(bool) & ~after
    during = ~after & ~before
    masks = [status.eq(s).to_numpy(bool) for s in linking.STATUSES]
    masks.append(np.ones(len(audit), dtype=bool))
    return pd.DataFrame(
        {
            "status": pd.Series(statuses, dtype="str"),
            "rows": np.asarray([int(m.sum()) for m in masks], dtype="int64"),
            "hours": _exact([float(hours[m].sum()) for m in masks]),
            "hours_before_period": _exact([float(hours[m & before].sum()) for m in masks]),
            "hours_in_period": _exact([float(hours[m & during].sum()) for m in masks]),
            "hours_after_cutoff": _exact([float(hours[m & after].sum()) for m in masks]),
        }
    )


SCOPE_ALL = "all dates"
SCOPE_AFTER = "after the cut-off"
SCOPE_TO_DATE = "life-to-date"
SCOPE_BEFORE = "before the period"
SCOPE_PERIOD = "period"


def hours_bridge(
    audit: pd.DataFrame,
    line_policy: pd.Series,
    beyond_block: pd.Series,
    unbilled_reason: pd.Series,
    reasons: dict[str, str],
    period_start: pd.Timestamp,
) -> pd.DataFrame:
    """The bridge from the hours of the input to the hours of the period, and what became of
    the period's hours.

    From the whole input: dated after the cut-off (counted in a later period) + dated up to the
    cut-off (life-to-date) = input; life-to-date = before the period + in the period.  The
    period's hours, each in exactly one place: counted on ``timesheet`` lines; counted on
    prepaid lines within the block; beyond the block (unbilled); counted on ``manual`` lines;
    marked non-billable; unbilled for each reason with no order line (``reasons``: code →
    words, in report order).  ``line_policy``, ``beyond_block`` and ``unbilled_reason`` are
    aligned on ``audit``.  Columns ``step, scope, timesheets, hours``; hours are exact sums
    (:func:`_exact`), so each level adds up to the one above to the hundredth.
    """
    status = audit["status"]
    hours = audit["hours"].to_numpy("float64")
    after = status.eq(linking.AFTER_CUTOFF).to_numpy(bool)
    before = (audit["date"] < period_start).to_numpy(bool) & ~after
    period = ~after & ~before
    counted = status.eq(linking.COUNTED).to_numpy(bool) & period
    policy = line_policy.reindex(audit.index)
    beyond = beyond_block.reindex(audit.index).fillna(0.0).to_numpy("float64")
    why = unbilled_reason.reindex(audit.index)
    prepaid = counted & policy.eq("prepaid").fillna(False).to_numpy(bool)

    steps: list[tuple[str, str, np.ndarray, np.ndarray]] = [
        ("all input timesheets", SCOPE_ALL, np.ones(len(hours), bool), hours),
        ("logged after the cut-off", SCOPE_AFTER, after, hours),
        ("logged up to the cut-off", SCOPE_TO_DATE, ~after, hours),
        ("logged before the period", SCOPE_BEFORE, before, hours),
        ("logged in the period", SCOPE_PERIOD, period, hours),
        (
            "counted on timesheet (time and materials) lines",
            SCOPE_PERIOD,
            counted & policy.eq("timesheet").fillna(False).to_numpy(bool),
            hours,
        ),
        ("counted on prepaid lines, within the block", SCOPE_PERIOD, prepaid, hours - beyond),
        (
            "counted on prepaid lines, beyond the block (unbilled)",
            SCOPE_PERIOD,
            prepaid & (beyond != 0),
            beyond,
        ),
        (
            "counted on manual lines",
            SCOPE_PERIOD,
            counted & policy.eq("manual").fillna(False).to_numpy(bool),
            hours,
        ),
        (
            "non-billable: marked non-billable",
            SCOPE_PERIOD,
            period & audit["reason"].eq(linking.REASON_NOT_BILLABLE).fillna(False).to_numpy(bool),
            hours,
        ),
    ]
    for code, words in reasons.items():
        mask = period & why.eq(code).fillna(False).to_numpy(bool)
        steps.append((f"unbilled: {words}", SCOPE_PERIOD, mask, hours))
    return pd.DataFrame(
        {
            "step": pd.Series([s[0] for s in steps], dtype="str"),
            "scope": pd.Series([s[1] for s in steps], dtype="str"),
            "timesheets": np.asarray([int(s[2].sum()) for s in steps], dtype="int64"),
            "hours": _exact([float(s[3][s[2]].sum()) for s in steps]),
        }
    )
