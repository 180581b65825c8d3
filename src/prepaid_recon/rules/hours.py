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


def _hours_split(frame: pd.DataFrame, period_start: pd.Timestamp) -> pd.DataFrame:
    """Hours columns used by the ticket and employee reports (only rows up to the cut-off)."""
    status = frame["status"]
    hours = frame["hours"].astype("float64")
    return pd.DataFrame(
        {
            "hours": hours,
            "billable_hours": hours.where(status.eq("counted"), 0.0),
            "non_billable_hours": hours.where(status.eq("non_billable"), 0.0),
            "hours_in_period": hours.where(frame["date"] >= period_start, 0.0),
        },
        index=frame.index,
    )


def ticket_hours(
    tickets_linked: pd.DataFrame, audit: pd.DataFrame, period_start: pd.Timestamp
) -> pd.DataFrame:
    """The ``tickets`` report: each ticket, its order line and how it was found (``link``), and
    its time dated on or before the cut-off: hours, billable (counted), non-billable, in the
    period, number of timesheets, first and last date. Sorted by ticket."""
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
        timesheets=("hours", "size"),
        first_date=("date", "min"),
        last_date=("date", "max"),
    )
    frame = tickets_linked.merge(agg, left_on="ticket", right_index=True, how="left")
    for col in ("hours", "billable_hours", "non_billable_hours", "hours_in_period"):
        frame[col] = round_half_away(frame[col].fillna(0.0).astype("float64"), 0.01)
    frame["timesheets"] = frame["timesheets"].fillna(0).astype("int64")
    for col in ("first_date", "last_date"):
        frame[col] = frame[col].astype("datetime64[ns]")
    frame = frame.sort_values("ticket", kind="stable")[TICKET_COLUMNS].reset_index(drop=True)
    text = ["ticket", "team", "customer", "subject", "order", "task", "link"]
    return frame.astype({col: "str" for col in text})


def employee_hours(audit: pd.DataFrame, period_start: pd.Timestamp) -> pd.DataFrame:
    """The ``employees`` report: each employee's hours dated on or before the cut-off, billable
    (counted) and non-billable. Sorted by employee."""
    on_time = audit.loc[
        audit["status"].ne("after_cutoff").to_numpy(bool), ["status", "hours", "date", "employee"]
    ]
    split = _hours_split(on_time, period_start)
    split["employee"] = on_time["employee"].to_numpy(object)
    agg = split.groupby("employee", as_index=False, sort=True)[
        ["hours", "billable_hours", "non_billable_hours"]
    ].sum()
    for col in ("hours", "billable_hours", "non_billable_hours"):
        agg[col] = round_half_away(agg[col].astype("float64"), 0.01)
    agg["employee"] = agg["employee"].astype("str")
    return agg[EMPLOYEE_COLUMNS].reset_index(drop=True)


def control_totals(audit: pd.DataFrame) -> pd.DataFrame:
    """Rows and hours per status (counted, non_billable, after_cutoff) and the total of every
    input timesheet: the proof of conservation.

    Hours are the exact sums (only float noise is removed, at 0.000001), not rounded to 0.01
    each: minutes typed as H:MM (0:20 = 0.3333 h) would otherwise make three rounded parts
    differ from the rounded total by a cent. Formatted as 0.00, they tie to the hundredth."""
    statuses = [*linking.STATUSES, "total"]
    rows = [int(audit["status"].eq(s).sum()) for s in linking.STATUSES] + [len(audit)]
    hours = [float(audit.loc[audit["status"].eq(s), "hours"].sum()) for s in linking.STATUSES]
    hours.append(float(audit["hours"].sum()))
    return pd.DataFrame(
        {
            "status": pd.Series(statuses, dtype="str"),
            "rows": np.asarray(rows, dtype="int64"),
            "hours": round_half_away(np.asarray(hours, dtype="float64"), 1e-6),
        }
    )
