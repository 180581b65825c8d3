"""Validation: the only place where input problems become findings.

One pass over everything read: missing files, sheets and columns; cells that are not of their
column's type; the pandera models of :mod:`prepaid_recon.contract.inputs` (required values, allowed
values, ranges, duplicate keys) run with ``lazy=True``; then the cross-sheet checks of CONTRACT
section 4 (references, unit categories, links to lines of another customer or of unconfirmed
orders, time on teams without timesheets, dates after the cut-off).  Each problem is one row
``severity, code, file, sheet, row, column, value, message`` in an accountant's words.

Vectorised throughout: checks are masks over whole columns, findings are built per check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from prepaid_recon.contract.inputs import CONFIRMED_STATES, CONTRACTS, SHEETS, columns_of
from prepaid_recon.domain import TIME, Inputs, Period, UomTable, is_currency_code
from prepaid_recon.findings import FINDING_COLUMNS, Finding, Severity
from prepaid_recon.read.cells import EXPECTED, PARSERS, display, present
from prepaid_recon.read.tables import RawTable, ReadResult

ERROR, WARNING = Severity.ERROR.value, Severity.WARNING.value
_SHEET_ORDER = {c.sheet: i for i, c in enumerate(SHEETS)}


class Findings:
    """Collects findings as frames: one chunk per check, however many rows it flags."""

    def __init__(self) -> None:
        self._chunks: list[pd.DataFrame] = []
        self._flagged: set[tuple[str, int, str]] = set()

    def add_one(self, finding: Finding) -> None:
        row = {c: getattr(finding, c) for c in FINDING_COLUMNS}
        row["severity"] = str(finding.severity)
        self._chunks.append(pd.DataFrame([row], columns=FINDING_COLUMNS))

    def add(
        self,
        severity: str,
        code: str,
        table: Table,
        mask: pd.Series,
        column: str,
        message: str | pd.Series,
        values: pd.Series | None = None,
    ) -> None:
        """Flag every row of ``table`` where ``mask`` holds, pointing at ``column``."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        rows = mask.index[mask.to_numpy()]
        if values is None:
            values = table.shown(column)
        value = values.reindex(rows).astype("object").where(lambda v: v.notna(), "")
        msg = message.reindex(rows) if isinstance(message, pd.Series) else message
        chunk = pd.DataFrame(
            {
                "severity": severity,
                "code": code,
                "file": table.file,
                "sheet": table.sheet,
                "row": rows.astype("int64"),
                "column": column,
                "value": value.astype(str).to_numpy(),
                "message": msg if isinstance(msg, str) else msg.to_numpy(),
            },
            columns=FINDING_COLUMNS,
        )
        if severity == ERROR:
            for r in rows:
                self._flagged.add((table.sheet, int(r), column))
        self._chunks.append(chunk)

    def is_flagged(self, sheet: str, row: int, column: str) -> bool:
        return (sheet, row, column) in self._flagged

    def frame(self) -> pd.DataFrame:
        """All findings, errors first, then in file, sheet, row, column order."""
        if not self._chunks:
            return pd.DataFrame(columns=FINDING_COLUMNS).astype({"row": "Int64"})
        out = pd.concat(self._chunks, ignore_index=True)
        out["row"] = out["row"].astype("Int64")
        out["_sheet"] = out["sheet"].map(_SHEET_ORDER).fillna(99)
        out["_sev"] = out["severity"].map({ERROR: 0, WARNING: 1})
        out = out.sort_values(
            ["_sev", "file", "_sheet", "row", "column", "code"], kind="stable", na_position="first"
        )
        return out.drop(columns=["_sheet", "_sev"]).reset_index(drop=True)


@dataclass
class Table:
    """A parsed input table with the raw cells kept for messages."""

    sheet: str
    file: str
    data: pd.DataFrame
    raw: pd.DataFrame
    columns_given: set[str]

    def shown(self, column: str) -> pd.Series:
        """The cells of a column as the user typed them (parsed value when not read)."""
        if column in self.raw.columns:
            return display(self.raw[column])
        if column in self.data.columns:
            return self.data[column].astype("object").astype(str)
        return pd.Series("", index=self.data.index)


# --------------------------------------------------------------------------------------------
# Per-sheet: columns, cell types, pandera models
# --------------------------------------------------------------------------------------------

_EMPTY = {
    "text": lambda idx: pd.Series(pd.NA, index=idx, dtype="str"),
    "bool": lambda idx: pd.Series(pd.NA, index=idx, dtype="boolean"),
    "date": lambda idx: pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]"),
    "number": lambda idx: pd.Series(np.nan, index=idx, dtype="float64"),
    "percent": lambda idx: pd.Series(np.nan, index=idx, dtype="float64"),
    "hours": lambda idx: pd.Series(np.nan, index=idx, dtype="float64"),
    "whole": lambda idx: pd.Series(pd.NA, index=idx, dtype="Int64"),
}


def _parse_table(raw: RawTable, findings: Findings) -> Table:
    """Parse every contract column of a sheet; report missing columns and unreadable cells."""
    frame = raw.frame
    data = {}
    given = set(frame.columns)
    table = Table(raw.sheet, raw.file, pd.DataFrame(index=frame.index), frame, given)
    for col in columns_of(raw.sheet):
        if col.name not in given:
            data[col.name] = _EMPTY[col.kind](frame.index)
            if col.required:
                findings.add_one(
                    Finding(
                        Severity.ERROR,
                        "missing_column",
                        raw.file,
                        raw.sheet,
                        None,
                        col.name,
                        "",
                        f"sheet '{raw.sheet}' of {raw.file} has no column '{col.name}'.",
                    )
                )
            continue
        parsed, bad = PARSERS[col.kind](frame[col.name])
        findings.add(
            ERROR,
            f"bad_{col.kind}",
            table,
            bad,
            col.name,
            f"'{col.name}' must be {EXPECTED[col.kind]}.",
        )
        data[col.name] = parsed
    table.data = pd.DataFrame(data, index=frame.index)
    return table


_CHECK_CODES = {
    "not_nullable": ("missing_value", "'{col}' is required but empty."),
    "field_uniqueness": ("duplicate_key", "'{col}' {value} is already used on an earlier row."),
    "isin": ("not_allowed", "'{col}' must be one of {allowed}; '{value}' is not."),
    "greater_than_or_equal_to": ("out_of_range", "'{col}' must be at least {bound}."),
    "less_than_or_equal_to": ("out_of_range", "'{col}' must be at most {bound}."),
    "greater_than": ("out_of_range", "'{col}' must be more than {bound}."),
}


def _run_model(table: Table, findings: Findings) -> None:
    """Run the sheet's pandera model lazily and translate each failure into a finding."""
    model = CONTRACTS[table.sheet].model
    schema = model.to_schema()
    data = table.data
    try:
        schema.validate(data, lazy=True)
        return
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    cases = cases[cases["index"].notna() & cases["column"].notna()]
    for (column, check), group in cases.groupby(["column", "check"], sort=True):
        name = str(check).split("(")[0]
        if name not in _CHECK_CODES:
            continue
        code, template = _CHECK_CODES[name]
        rows = pd.Index(group["index"].astype("int64").unique())
        if name == "not_nullable" and column not in table.columns_given:
            continue  # reported once as a missing column
        if name == "field_uniqueness":
            repeated = data[column].duplicated(keep="first")
            rows = rows[repeated.reindex(rows).fillna(False).to_numpy()]
        rows = pd.Index([r for r in rows if not findings.is_flagged(table.sheet, int(r), column)])
        if rows.empty:
            continue
        col_schema = schema.columns[column]
        allowed = ""
        bound = ""
        for c in col_schema.checks:
            if c.name == "isin":
                allowed = ", ".join(sorted(c.statistics["allowed_values"]))
            if c.name == name and "min_value" in c.statistics:
                bound = _fmt(c.statistics["min_value"])
            if c.name == name and "max_value" in c.statistics:
                bound = _fmt(c.statistics["max_value"])
        mask = pd.Series(data.index.isin(rows), index=data.index)
        shown = table.shown(column)
        messages = shown.map(
            lambda v, col=column, t=template, a=allowed, b=bound: t.format(
                col=col, value=v, allowed=a, bound=b
            )
        )
        severity = ERROR
        findings.add(severity, code, table, mask, column, messages)


def _fmt(value: object) -> str:
    return f"{value:g}" if isinstance(value, float | int) else str(value)


# --------------------------------------------------------------------------------------------
# Defaults
# --------------------------------------------------------------------------------------------


def _apply_defaults(tables: dict[str, Table], currency: str) -> None:
    """Fill empty optional cells with the contract's defaults (CONTRACT section 2)."""
    for sheet, table in tables.items():
        data = table.data
        for col in columns_of(sheet):
            if col.default is not None:
                data[col.name] = data[col.name].fillna(col.default)
            if col.kind == "bool" and col.name in data:
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
        default_id = ts.file + ":" + ts.data.index.astype(str)
        ts.data["timesheet"] = ts.data["timesheet"].fillna(
            pd.Series(default_id, index=ts.data.index)
        )


# --------------------------------------------------------------------------------------------
# Cross-sheet checks
# --------------------------------------------------------------------------------------------


def _unknown(findings: Findings, table: Table, column: str, known: pd.Index, what: str) -> None:
    """A reference to nothing; one that differs only by case is not merged, only hinted at."""
    values = table.data[column]
    mask = values.notna() & ~values.isin(known)
    if not mask.any():
        return
    message = pd.Series(f"no such {what}.", index=values.index)
    near = _case_insensitive_match(values[mask], known)
    hinted = near.notna()
    message[near.index[hinted]] = (
        f"no such {what} (references match case-sensitively): did you mean '" + near[hinted] + "'?"
    )
    findings.add(ERROR, "unknown_reference", table, mask, column, message)


def _case_insensitive_match(values: pd.Series, known: pd.Index) -> pd.Series:
    """The known name equal to each value but for case (the first one, when several are)."""
    names = pd.Series(known.dropna().astype("str").unique())
    by_lower = pd.Series(names.to_numpy(), index=names.str.lower().to_numpy())
    by_lower = by_lower[~by_lower.index.duplicated()]
    return _lookup(values.astype("str").str.lower(), by_lower.astype("object"))


def _lookup(keys: pd.Series, table: pd.Series) -> pd.Series:
    """``table[key]`` for every key (NA where absent), keeping the table's dtype even when empty."""
    values = table.reindex(keys.to_numpy()).to_numpy()
    return pd.Series(values, index=keys.index, dtype=table.dtype)


def _key(frame: pd.DataFrame) -> pd.Series:
    return _join(frame["order"], frame["line"], "\x1f")


def _join(order: pd.Series, line: pd.Series, sep: str = "/") -> pd.Series:
    """`order/line` as text (empty parts where missing), for keys and messages."""
    return order.astype("str").fillna("") + sep + line.astype("string").fillna("").astype("str")


def _check_teams(t: Table, f: Findings) -> None:
    d = t.data
    f.add(
        ERROR,
        "missing_value",
        t,
        d["timesheet_on_ticket"] & d["project"].isna(),
        "project",
        "a team with timesheet_on_ticket needs the project where ticket time is logged.",
    )
    f.add(
        ERROR,
        "not_allowed",
        t,
        d["time_reinvoicing"] & ~d["timesheet_on_ticket"],
        "time_reinvoicing",
        "time_reinvoicing needs timesheet_on_ticket: no time can be logged on this team.",
    )


def _check_uoms(t: Table, f: Findings) -> None:
    d = t.data
    is_time = d["category"].eq(TIME)
    f.add(
        ERROR,
        "missing_value",
        t,
        is_time & d["hours"].isna(),
        "hours",
        "a time unit needs its size in hours.",
    )
    f.add(
        ERROR,
        "missing_value",
        t,
        ~is_time & d["ratio"].isna() & d["category"].notna(),
        "ratio",
        "a unit outside the time category needs its ratio.",
    )
    builtin = d["uom"].isin(["Hours", "Days", "Units"])
    f.add(ERROR, "duplicate_key", t, builtin, "uom", "Hours, Days and Units are built in.")


def _check_products(t: Table, f: Findings, uoms: UomTable) -> None:
    d = t.data
    service = d["type"].eq("service")
    f.add(
        ERROR,
        "missing_value",
        t,
        service & d["invoicing_policy"].isna(),
        "invoicing_policy",
        "a service needs an invoicing policy: prepaid, timesheet or manual.",
    )
    f.add(
        ERROR,
        "not_allowed",
        t,
        ~service & d["invoicing_policy"].eq("timesheet"),
        "invoicing_policy",
        "only services can be invoiced on timesheets.",
    )
    f.add(
        ERROR,
        "unknown_reference",
        t,
        d["uom"].notna() & ~d["uom"].isin(uoms.names()),
        "uom",
        "no such unit: use Hours, Days, Units or one from the uoms sheet.",
    )
    global_project = d["service_tracking"].eq("task_global_project") & service
    f.add(
        ERROR,
        "missing_value",
        t,
        global_project & d["project"].isna(),
        "project",
        "task_global_project needs the project that receives the tasks.",
    )


def _bad_currency(currency: pd.Series) -> pd.Series:
    """Given currencies that are not ISO 4217 codes (empty cells are not bad)."""
    valid = currency.map(is_currency_code, na_action="ignore").astype("boolean")
    return currency.notna() & ~valid.fillna(True).astype(bool)


def _after_cutoff(
    f: Findings, t: Table, column: str, period: Period | None, what: str, effect: str
) -> None:
    """Rows dated after the cut-off do not exist for this run: a warning on their date cell."""
    if period is not None:
        late = t.data[column] > period.cutoff_ts
        f.add(WARNING, "after_cutoff", t, late, column, f"{what} {period.cutoff}: {effect}.")


def _check_orders(t: Table, f: Findings, period: Period | None) -> None:
    d = t.data
    bad_code = _bad_currency(d["currency"])
    f.add(
        ERROR,
        "bad_currency",
        t,
        bad_code,
        "currency",
        "currency must be an ISO 4217 code such as USD, EUR or JPY.",
    )
    _after_cutoff(f, t, "order_date", period, "order dated after the cut-off", "ignored this run")


def _line_facts(tables: dict[str, Table], uoms: UomTable, period: Period | None) -> pd.DataFrame:
    """Per order line: customer, confirmed, in this run, service, policy, time unit."""
    lines = tables["order_lines"].data
    orders = tables["orders"].data.drop_duplicates("order").set_index("order")
    products = tables["products"].data.drop_duplicates("product").set_index("product")
    facts = pd.DataFrame(
        {
            "order": lines["order"],
            "line": lines["line"],
            "customer": _lookup(lines["order"], orders["customer"]),
            "state": _lookup(lines["order"], orders["state"]),
            "confirmed": _lookup(lines["order"], orders["state"]).isin(CONFIRMED_STATES),
            "service": lines["product"].map(products["type"]).eq("service"),
            "policy": lines["product"].map(products["invoicing_policy"]),
            "time_unit": uoms.categories(lines["uom"]).eq(TIME),
        }
    )
    order_date = _lookup(lines["order"], orders["order_date"])
    facts["in_run"] = True if period is None else order_date <= period.cutoff_ts
    facts = facts[facts["order"].notna() & facts["line"].notna()]
    facts["key"] = _key(facts)
    return facts.drop_duplicates("key").set_index("key")


def _check_order_lines(
    t: Table, f: Findings, tables: dict[str, Table], uoms: UomTable, period: Period | None
) -> None:
    d = t.data
    orders = tables["orders"].data
    products = tables["products"].data.drop_duplicates("product").set_index("product")
    _unknown(f, t, "order", pd.Index(orders["order"].dropna()), "order in the orders sheet")
    _unknown(f, t, "product", products.index, "product in the products sheet")
    dup = d["order"].notna() & d["line"].notna() & _key(d).duplicated(keep="first")
    f.add(ERROR, "duplicate_key", t, dup, "line", "this order already has a line with this number.")
    known_uom = d["uom"].isin(uoms.names())
    f.add(
        ERROR,
        "unknown_reference",
        t,
        d["uom"].notna() & ~known_uom,
        "uom",
        "no such unit: use Hours, Days, Units or one from the uoms sheet.",
    )
    product_cat = uoms.categories(d["product"].map(products["uom"]).fillna(""))
    line_cat = uoms.categories(d["uom"].fillna(""))
    mismatch = known_uom & product_cat.notna() & line_cat.ne(product_cat)
    f.add(
        ERROR,
        "uom_category_mismatch",
        t,
        mismatch,
        "uom",
        "the unit is of another category ("
        + line_cat.astype("str").fillna("")
        + ") than the product's unit ("
        + product_cat.astype("str").fillna("")
        + ").",
    )
    f.add(
        WARNING, "negative_quantity", t, d["quantity"] < 0, "quantity", "negative ordered quantity."
    )
    manual = d["product"].map(products["invoicing_policy"]).eq("manual")
    in_run = pd.Series(True, index=d.index)
    if period is not None:
        dates = _lookup(
            d["order"], orders.drop_duplicates("order").set_index("order")["order_date"]
        )
        in_run = dates <= period.cutoff_ts
    f.add(
        WARNING,
        "missing_delivered",
        t,
        manual & d["delivered"].isna() & in_run,
        "delivered",
        "manual line without 'delivered': delivered is taken as 0.",
    )


def _check_link(
    f: Findings,
    t: Table,
    link_order: pd.Series,
    link_line: pd.Series,
    customer: pd.Series,
    facts: pd.DataFrame,
    column: str,
    check_after: pd.Series,
) -> pd.Series:
    """An explicit link must name a service line of a confirmed order of the same customer.

    Returns the mask of rows whose link names an existing line.
    """
    has = link_order.notna() & link_line.notna()
    key = _join(link_order, link_line, "\x1f")
    exists = has & key.isin(facts.index)
    f.add(
        ERROR,
        "unknown_reference",
        t,
        has & ~exists,
        column,
        "no such order line (order and line).",
        values=_join(link_order, link_line),
    )
    fact = facts.reindex(key.where(exists))
    fact.index = t.data.index
    shown = _join(link_order, link_line)
    in_run = fact["in_run"].fillna(True).astype(bool) | ~check_after
    other = exists & fact["customer"].ne(customer) & customer.notna()
    f.add(
        ERROR,
        "invalid_link",
        t,
        other,
        column,
        "linked to an order line of another customer ("
        + fact["customer"].astype("str").fillna("")
        + "), not of "
        + customer.astype("str").fillna("")
        + ".",
        values=shown,
    )
    unconfirmed = exists & ~other & ~fact["confirmed"].fillna(False).astype(bool)
    f.add(
        ERROR,
        "invalid_link",
        t,
        unconfirmed,
        column,
        "linked to an order line of an unconfirmed order (state "
        + fact["state"].astype("str").fillna("")
        + ", not sale or done).",
        values=shown,
    )
    future = exists & ~other & ~unconfirmed & ~in_run
    f.add(
        WARNING,
        "link_after_cutoff",
        t,
        future,
        column,
        "linked to an order dated after the cut-off: its time is not billed this run.",
        values=shown,
    )
    ok = exists & ~other & ~unconfirmed & ~future
    not_service = ok & ~fact["service"].fillna(False).astype(bool)
    f.add(
        ERROR,
        "invalid_link",
        t,
        not_service,
        column,
        "linked to an order line that is not a service.",
        values=shown,
    )
    no_time = (
        ok
        & ~not_service
        & fact["policy"].isin(["prepaid", "timesheet"])
        & ~fact["time_unit"].fillna(False).astype(bool)
    )
    f.add(
        ERROR,
        "non_time_unit_link",
        t,
        no_time,
        column,
        "time cannot be billed to a line whose unit is not a unit of time.",
        values=shown,
    )
    incomplete = link_order.notna() ^ link_line.notna()
    f.add(
        ERROR,
        "incomplete_link",
        t,
        incomplete,
        "line" if link_order.notna().any() else "order",
        "give both 'order' and 'line', or neither.",
    )
    return ok


def _task_lines(tables: dict[str, Table], uoms: UomTable, period: Period | None) -> pd.DataFrame:
    """The tasks that confirmed orders create, by name (RULES section 2)."""
    from prepaid_recon.rules.tasks import build_tasks

    cutoff = period.cutoff_ts if period is not None else pd.Timestamp.max.normalize()
    orders, lines, products = (tables[s].data for s in ("orders", "order_lines", "products"))
    orders = orders.dropna(subset=["order", "customer", "order_date", "state"])
    orders = orders.drop_duplicates("order")
    products = products.dropna(subset=["product", "type", "uom"]).drop_duplicates("product")
    products = products[products["uom"].isin(uoms.names())]
    usable = (
        lines["order"].isin(orders["order"])
        & lines["product"].isin(products["product"])
        & lines["line"].notna()
        & lines["quantity"].notna()
        & lines["uom"].isin(uoms.names())
        & ~_key(lines).duplicated()
    )
    tasks, _ = build_tasks(orders, lines[usable], products, uoms, cutoff)
    return tasks.drop_duplicates("task").set_index("task")


def _check_task_unit(
    f: Findings, t: Table, task: pd.Series, tasks: pd.DataFrame, facts: pd.DataFrame
) -> None:
    """Time reaching a prepaid or timesheet line through its task needs a unit of time."""
    known = task.notna() & task.isin(tasks.index)
    key = _join(_lookup(task, tasks["order"]), _lookup(task, tasks["line"]), "\x1f")
    fact = facts.reindex(key.where(known).to_numpy())
    by_time = fact["policy"].isin(["prepaid", "timesheet"]).to_numpy(bool)
    no_time = by_time & ~fact["time_unit"].astype("boolean").fillna(True).to_numpy(bool)
    f.add(
        ERROR,
        "non_time_unit_link",
        t,
        pd.Series(no_time, index=t.data.index) & known,
        "task",
        "the task's order line is not sold in a unit of time: hours cannot be billed to it.",
    )


def _check_tickets(
    t: Table,
    f: Findings,
    tables: dict[str, Table],
    facts: pd.DataFrame,
    tasks: pd.DataFrame,
    period: Period | None,
) -> None:
    d = t.data
    teams = tables["teams"].data.drop_duplicates("team").set_index("team")
    _unknown(f, t, "team", teams.index, "team in the teams sheet")
    _unknown(f, t, "task", tasks.index, "task created by a confirmed order (see tasks.xlsx)")
    after = (d["created"] <= period.cutoff_ts) if period is not None else d["created"].notna()
    explicit = _check_link(f, t, d["order"], d["line"], d["customer"], facts, "order", after)
    task_customer = d["task"].map(tasks["customer"])
    f.add(
        ERROR,
        "invalid_link",
        t,
        task_customer.notna() & task_customer.ne(d["customer"]),
        "task",
        "linked to the task of another customer's order.",
    )
    _check_task_unit(f, t, d["task"].where(d["order"].isna() & d["line"].isna()), tasks, facts)
    reinvoicing = d["team"].map(teams["time_reinvoicing"]).astype("boolean")
    reinvoicing = reinvoicing.fillna(True).astype(bool)
    linked = explicit | task_customer.notna()
    f.add(
        WARNING,
        "link_not_billed",
        t,
        linked & ~reinvoicing,
        "order",
        "linked to an order line, but the team does not re-invoice time: not billed.",
        values=(d["order"].fillna(d["task"])),
    )


def _check_timesheets(
    t: Table,
    f: Findings,
    tables: dict[str, Table],
    facts: pd.DataFrame,
    tasks: pd.DataFrame,
    period: Period | None,
) -> None:
    d = t.data
    tickets = tables["tickets"].data.drop_duplicates("ticket").set_index("ticket")
    teams = tables["teams"].data.drop_duplicates("team").set_index("team")
    if "ticket" not in t.columns_given and "task" not in t.columns_given:
        f.add_one(
            Finding(
                Severity.ERROR,
                "missing_column",
                t.file,
                t.sheet,
                None,
                "ticket",
                "",
                "timesheets need a 'ticket' or a 'task' column.",
            )
        )
    else:
        column = "ticket" if "ticket" in t.columns_given else "task"
        f.add(
            ERROR,
            "missing_value",
            t,
            d["ticket"].isna() & d["task"].isna(),
            column,
            "each timesheet needs a ticket or a task.",
        )
    dup_id = d["timesheet"].notna() & d["timesheet"].duplicated(keep="first")
    f.add(ERROR, "duplicate_key", t, dup_id, "timesheet", "this timesheet id is already used.")
    _unknown(f, t, "ticket", tickets.index, "ticket in the tickets sheet")
    _unknown(f, t, "task", tasks.index, "task created by a confirmed order (see tasks.xlsx)")
    customer = _lookup(d["ticket"], tickets["customer"]).fillna(
        _lookup(d["task"], tasks["customer"])
    )
    in_scope = (d["date"] <= period.cutoff_ts) if period is not None else d["date"].notna()
    _check_link(f, t, d["order"], d["line"], customer, facts, "order", in_scope)
    on_task_only = d["ticket"].isna() & d["order"].isna() & d["line"].isna()
    _check_task_unit(f, t, d["task"].where(on_task_only), tasks, facts)
    team = d["ticket"].map(tickets["team"])
    on_ticket = team.map(teams["timesheet_on_ticket"]).astype("boolean").fillna(True).astype(bool)
    f.add(
        ERROR,
        "team_without_timesheets",
        t,
        d["ticket"].notna() & ~on_ticket,
        "ticket",
        "time logged on a ticket of a team without timesheet_on_ticket.",
    )
    _possible_duplicates(t, f)
    created = _lookup(d["ticket"], tickets["created"])
    f.add(
        WARNING,
        "before_ticket_created",
        t,
        d["date"] < created,
        "date",
        "timesheet dated before its ticket was created.",
    )
    _after_cutoff(f, t, "date", period, "dated after the cut-off", "counted in a later period")


_SAME_ENTRY = ["employee", "date", "ticket", "task", "hours", "description"]


def _possible_duplicates(t: Table, f: Findings) -> None:
    """The same entry (employee, date, ticket or task, hours, description) exported twice.

    A warning on every repeat after the first, pointing at the first: the run still counts
    both, since two identical entries can be real (two calls of an hour on the same day).
    A row with a ``timesheet`` id is identified by it: two ids are two entries, and an id
    given twice is already a ``duplicate_key`` error; so only rows without an id are compared.
    """
    d = t.data
    complete = d["employee"].notna() & d["date"].notna() & d["hours"].notna()
    if "timesheet" in t.raw.columns:
        complete &= ~present(t.raw["timesheet"])
    entries = d.loc[complete, _SAME_ENTRY]
    repeat = entries.duplicated(keep="first")
    if not repeat.any():
        return
    group = entries.groupby(_SAME_ENTRY, dropna=False, sort=False).ngroup()
    first_row = pd.Series(entries.index, index=entries.index).groupby(group).transform("min")
    message = (
        "same employee, date, ticket, hours and description as row "
        + first_row.astype("str")
        + ": exported twice? Both are counted; delete the repeat if it is one."
    )
    f.add(
        WARNING,
        "possible_duplicate",
        t,
        repeat.reindex(d.index, fill_value=False),
        "hours",
        message,
    )


def _check_ledger(
    tables: dict[str, Table],
    f: Findings,
    facts: pd.DataFrame,
    uoms: UomTable,
    period: Period | None,
) -> None:
    inv = tables["invoices"]
    d = inv.data
    _unknown(f, inv, "reverses", pd.Index(d["invoice"].dropna()), "invoice in the ledger")
    bad_code = _bad_currency(d["currency"])
    f.add(
        ERROR,
        "bad_currency",
        inv,
        bad_code,
        "currency",
        "currency must be an ISO 4217 code.",
    )
    _after_cutoff(f, inv, "invoice_date", period, "dated after the cut-off", "ignored this run")
    lines = tables["invoice_lines"]
    ld = lines.data
    _unknown(f, lines, "invoice", pd.Index(d["invoice"].dropna()), "invoice in the invoices sheet")
    has = ld["order"].notna() & ld["line"].notna()
    key = _key(ld)
    f.add(
        ERROR,
        "unknown_reference",
        lines,
        has & ~key.isin(facts.index),
        "line",
        "no such order line (order and line).",
    )
    f.add(
        WARNING,
        "negative_quantity",
        lines,
        ld["quantity"] < 0,
        "quantity",
        "negative quantity on a ledger line: write it positive; credit notes subtract.",
    )
    known = ld["uom"].isin(uoms.names())
    f.add(ERROR, "unknown_reference", lines, ld["uom"].notna() & ~known, "uom", "no such unit.")
    order_lines = tables["order_lines"].data
    line_uom = pd.Series(order_lines["uom"].to_numpy(), index=_key(order_lines).to_numpy())
    line_uom = line_uom[~line_uom.index.duplicated()]
    target = uoms.categories(_lookup(key, line_uom))
    mismatch = known & target.notna() & uoms.categories(ld["uom"].fillna("")).ne(target)
    f.add(
        ERROR,
        "uom_category_mismatch",
        lines,
        mismatch,
        "uom",
        "the unit is of another category than the order line's unit.",
    )


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


@dataclass
class Validated:
    """The outcome of validation: findings always; inputs only when there is no error."""

    findings: pd.DataFrame
    inputs: Inputs | None
    row_counts: dict[str, int]

    @property
    def errors(self) -> int:
        return int((self.findings["severity"] == ERROR).sum())

    @property
    def warnings(self) -> int:
        return int((self.findings["severity"] == WARNING).sum())


def validate(read: ReadResult, period: Period | None, currency: str = "USD") -> Validated:
    """Check everything ``run`` checks, in one pass, and hand clean inputs to the rules."""
    findings = Findings()
    for finding in read.findings:
        findings.add_one(finding)
    tables: dict[str, Table] = {}
    for sheet, raw in read.tables.items():
        tables[sheet] = _parse_table(raw, findings)
        _run_model(tables[sheet], findings)
    _apply_defaults(tables, currency)
    counts = {sheet: len(t.data) for sheet, t in tables.items()}

    uoms = UomTable.from_frame(_clean_uoms(tables))
    if "teams" in tables:
        _check_teams(tables["teams"], findings)
    if "uoms" in tables:
        _check_uoms(tables["uoms"], findings)
    if "products" in tables:
        _check_products(tables["products"], findings, uoms)
    if "orders" in tables:
        _check_orders(tables["orders"], findings, period)
    core = {"orders", "order_lines", "products"} <= tables.keys()
    if core:
        _check_order_lines(tables["order_lines"], findings, tables, uoms, period)
        facts = _line_facts(tables, uoms, period)
        tasks = _task_lines(tables, uoms, period)
        if {"tickets", "teams"} <= tables.keys():
            _check_tickets(tables["tickets"], findings, tables, facts, tasks, period)
            if "timesheets" in tables:
                _check_timesheets(tables["timesheets"], findings, tables, facts, tasks, period)
        if {"invoices", "invoice_lines"} <= tables.keys():
            _check_ledger(tables, findings, facts, uoms, period)

    frame = findings.frame()
    inputs = None
    if not (frame["severity"] == ERROR).any():
        inputs = _inputs(tables)
    return Validated(frame, inputs, counts)


def _clean_uoms(tables: dict[str, Table]) -> pd.DataFrame | None:
    """Custom units usable for further checks even when some uoms rows are wrong."""
    if "uoms" not in tables:
        return None
    d = tables["uoms"].data
    size = d["hours"].where(d["category"].eq(TIME), d["ratio"])
    ok = d["uom"].notna() & d["category"].notna() & size.gt(0) & ~d["uom"].duplicated()
    return d[ok]


def _inputs(tables: dict[str, Table]) -> Inputs:
    """The clean, typed tables handed to the rules (empty tables for absent optional sheets)."""

    def frame(sheet: str) -> pd.DataFrame:
        if sheet in tables:
            return tables[sheet].data
        cols = {c.name: _EMPTY[c.kind](pd.RangeIndex(0, name="row")) for c in columns_of(sheet)}
        return pd.DataFrame(cols, index=pd.RangeIndex(0, name="row"))

    return Inputs(**{c.sheet: frame(c.sheet) for c in SHEETS})
