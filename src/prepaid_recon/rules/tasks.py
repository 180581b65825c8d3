"""Tasks and projects created by confirmed orders (RULES section 2)."""

from __future__ import annotations

import pandas as pd

from prepaid_recon.contract import outputs
from prepaid_recon.domain import UomTable, round_half_away
from prepaid_recon.rules.order_lines import KEY, order_line_context

TASK_COLUMNS = outputs.columns("tasks")
PROJECT_COLUMNS = outputs.columns("projects")
GLOBAL = "task_global_project"
IN_PROJECT = "task_in_project"
PROJECT_ONLY = "project_only"


def allocated_hours(quantity: pd.Series, units: pd.Series, uoms: UomTable) -> pd.Series:
    """A line's quantity in hours: time units by their size (Days × 8), ``Units`` as hours (as in
    Odoo), any other unit 0. Rounded to 0.01."""
    sizes = uoms.sizes(units).where(uoms.is_time(units) | units.eq("Units").fillna(False), 0.0)
    return round_half_away(quantity.astype("float64") * sizes.fillna(0.0), 0.01)


def _unique_names(names: list[str], orders: list[str], lines: list[int]) -> list[str]:
    """Task names are unique in the run: taking lines in (order, line) order, a name already used
    gets ``" (<order>/<line>)"`` appended (Departure: Odoo allows duplicates)."""
    used: set[str] = set()
    out: list[str] = []
    for name, order, line in zip(names, orders, lines, strict=True):
        while name in used:
            name = f"{name} ({order}/{line})"
        used.add(name)
        out.append(name)
    return out


def build_tasks(
    orders: pd.DataFrame,
    order_lines: pd.DataFrame,
    products: pd.DataFrame,
    uoms: UomTable,
    cutoff: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tasks and projects that confirming the orders creates, from the input tables (see
    :func:`tasks_from_context`)."""
    return tasks_from_context(order_line_context(orders, order_lines, products, uoms, cutoff), uoms)


def tasks_from_context(ctx: pd.DataFrame, uoms: UomTable) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tasks and projects that confirming the orders creates; returns ``(tasks, projects)``.

    ``ctx`` is ``order_lines.order_line_context`` of the run.

    Each line of a confirmed order (``sale``/``done``, dated on or before the cut-off) with a
    service product and a quantity above 0 creates, by the product's ``service_tracking``:

    * ``task_global_project``: a task in the product's project, named ``"<order> - <product
      name>"``, or ``"<order> - <description>"`` when the line's description differs.
    * ``task_in_project``: a task in the order's own project, named by the description (else the
      product name). The order's project is ``"<customer_ref> - <order>"`` (or ``"<order>"``),
      plus ``" - <product name>"`` when exactly one creating line of the order has
      ``task_in_project`` or ``project_only``.
    * ``project_only``: the order's project, no task.

    Names already used get ``" (<order>/<line>)"``. Allocated hours of a task: its line's quantity
    in hours; of an order's project: the sum over its lines; of a global project: the sum of its
    tasks in this run. A global project serves many orders, so its ``order`` is empty (NA).
    ``tasks`` is sorted by (order, line); ``projects`` by (project, order).
    """
    tracking = ctx["service_tracking"].fillna("no")
    keep = (
        ctx["confirmed"]
        & ctx["service"]
        & (ctx["quantity"] > 0)
        & tracking.isin([GLOBAL, IN_PROJECT, PROJECT_ONLY])
    )
    lines = ctx[keep.to_numpy(bool)].reset_index(drop=True)
    tracking = lines["service_tracking"]
    lines["allocated_hours"] = allocated_hours(lines["quantity"], lines["uom"], uoms)

    own = tracking.isin([IN_PROJECT, PROJECT_ONLY]).to_numpy(bool)
    own_count = lines["order"].where(own).map(lines.loc[own, "order"].value_counts())
    base = lines["order"].where(
        lines["customer_ref"].isna(), lines["customer_ref"] + " - " + lines["order"]
    )
    single = own_count.eq(1).fillna(False).to_numpy(bool)
    own_project = base.where(~single, base + " - " + lines["product_name"])
    lines["project"] = own_project.where(own, lines["product_project"])

    title = lines["description"].fillna(lines["product_name"])
    differs = lines["description"].notna() & lines["description"].ne(lines["product_name"])
    global_name = (
        lines["order"]
        + " - "
        + lines["product_name"].where(~differs.fillna(False), lines["description"])
    )
    lines["task"] = global_name.where(tracking.eq(GLOBAL), title)

    with_task = lines[tracking.ne(PROJECT_ONLY).to_numpy(bool)].reset_index(drop=True)
    with_task["task"] = _unique_names(
        with_task["task"].tolist(), with_task["order"].tolist(), with_task["line"].tolist()
    )
    tasks = with_task[TASK_COLUMNS].astype({"task": "str", "project": "str"})
    tasks = tasks.reset_index(drop=True)

    own_lines = lines[own]
    own_projects = own_lines.groupby(["project", "order"], as_index=False, sort=True)[
        ["allocated_hours"]
    ].sum()
    global_tasks = with_task[with_task["service_tracking"].eq(GLOBAL).to_numpy(bool)]
    global_projects = global_tasks.groupby("project", as_index=False, sort=True)[
        ["allocated_hours"]
    ].sum()
    global_projects["order"] = pd.Series(pd.NA, index=global_projects.index, dtype="str")
    projects = pd.concat(
        [own_projects[PROJECT_COLUMNS], global_projects[PROJECT_COLUMNS]], ignore_index=True
    )
    projects["allocated_hours"] = round_half_away(
        projects["allocated_hours"].astype("float64"), 0.01
    )
    projects = projects.astype({"project": "str", "order": "str"})
    projects = projects.sort_values(["project", "order"], kind="stable", na_position="first")
    return tasks, projects.reset_index(drop=True)


def task_lines(tasks: pd.DataFrame) -> pd.DataFrame:
    """Task name → its order line (order, line), for tickets and timesheets logged on a task."""
    return tasks[["task", *KEY]].rename(columns={"order": "task_order", "line": "task_line"})
