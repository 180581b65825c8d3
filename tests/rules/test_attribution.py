"""docs/rules.md section 8: which time each document bills, derived every run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rules_factory import reconcile, row

from prepaid_recon.rules import attribution

T_AND_M = {"order": "S1", "customer": "Acme", "order_date": "2026-08-01"}
TICKET = {"ticket": "T1", "customer": "Acme", "created": "2026-08-01", "order": "S1", "line": 1}


def _example(ledger_credit: bool = False, **timesheet_extra: dict) -> object:
    """docs/rules.md section 8's worked example: five timesheets, one September invoice of 4 h
    (and, optionally, a credit note of 1 h reversing it)."""
    hours = [("09-05", 2.0), ("09-12", 1.5), ("09-20", 1.0), ("10-03", 2.0), ("10-10", 0.5)]
    timesheets = [
        {"timesheet": f"TS-{i}", "ticket": "T1", "date": f"2026-{day}", "hours": h}
        | timesheet_extra.get(f"TS-{i}", {})
        for i, (day, h) in enumerate(hours, start=1)
    ]
    invoices = [{"invoice": "INV/2026-09/0001", "invoice_date": "2026-09-30", "state": "posted"}]
    lines = [{"invoice": "INV/2026-09/0001", "order": "S1", "line": 1, "quantity": 4}]
    if ledger_credit:
        invoices.append(
            {
                "invoice": "RINV/2026-10/0001",
                "invoice_date": "2026-10-15",
                "kind": "credit_note",
                "state": "posted",
                "reverses": "INV/2026-09/0001",
            }
        )
        lines.append({"invoice": "RINV/2026-10/0001", "order": "S1", "line": 1, "quantity": 1})
    return reconcile(
        "2026-10",
        orders=[T_AND_M],
        order_lines=[{"order": "S1", "line": 1, "product": "TM-H", "quantity": 0}],
        tickets=[TICKET],
        timesheets=timesheets,
        invoices=invoices,
        invoice_lines=lines,
    )


def _held(result) -> dict[tuple[str, str], float]:
    """Hours each document holds of each timesheet at the end (credits subtracted)."""
    parts = result.attribution
    ids = result.timesheets.set_index("source_row")["timesheet"]
    held: dict[tuple[str, str], float] = {}
    for part in parts.itertuples():
        if pd.isna(part.row):
            continue
        document = part.from_invoice if part.kind == "credit_note" else part.invoice
        key = (document, ids[int(part.row)])
        held[key] = held.get(key, 0.0) + part.hours
    return {k: round(v, 6) for k, v in held.items() if abs(v) > 1e-9}


def test_an_invoice_takes_time_in_date_order_and_the_timesheet_that_reaches_it_is_split():
    result = _example()
    assert _held(result) == {
        ("INV/2026-09/0001", "TS-1"): 2.0,
        ("INV/2026-09/0001", "TS-2"): 1.5,
        ("INV/2026-09/0001", "TS-3"): 0.5,
        ("INV/2026-10/0001", "TS-3"): 0.5,
        ("INV/2026-10/0001", "TS-4"): 2.0,
        ("INV/2026-10/0001", "TS-5"): 0.5,
    }
    audit = result.timesheets.set_index("timesheet")
    assert audit.loc["TS-1", "invoice"] == "INV/2026-09/0001"
    assert audit.loc["TS-3", "invoice"] == "INV/2026-10/0001"  # the latest that bills it
    assert audit["billed_hours"].tolist() == [2.0, 1.5, 1.0, 2.0, 0.5]


def test_a_credit_note_takes_back_the_latest_time_of_the_invoice_it_reverses():
    result = _example(ledger_credit=True)
    assert row(result.order_lines, order="S1")["to_invoice"] == 4.0
    assert _held(result) == {
        ("INV/2026-09/0001", "TS-1"): 2.0,
        ("INV/2026-09/0001", "TS-2"): 1.0,
        ("INV/2026-10/0001", "TS-2"): 0.5,
        ("INV/2026-10/0001", "TS-3"): 1.0,
        ("INV/2026-10/0001", "TS-4"): 2.0,
        ("INV/2026-10/0001", "TS-5"): 0.5,
    }
    taken = result.attribution[result.attribution["kind"].eq("credit_note")]
    assert taken["from_invoice"].unique().tolist() == ["INV/2026-09/0001"]
    assert math.isclose(taken["hours"].sum(), -1.0)


def test_a_timesheet_pinned_to_an_invoice_is_taken_by_it_before_earlier_time():
    result = _example(**{"TS-5": {"invoice": "INV/2026-09/0001"}})
    assert _held(result) == {
        ("INV/2026-09/0001", "TS-5"): 0.5,
        ("INV/2026-09/0001", "TS-1"): 2.0,
        ("INV/2026-09/0001", "TS-2"): 1.5,
        ("INV/2026-10/0001", "TS-3"): 1.0,
        ("INV/2026-10/0001", "TS-4"): 2.0,
    }


def test_a_pin_to_a_document_that_does_not_count_is_ignored():
    pinned = _example(**{"TS-5": {"invoice": "INV/1999-01/0001"}})
    plain = _example()
    assert _held(pinned) == _held(plain)


def test_a_document_billing_more_than_the_time_logged_leaves_a_visible_residual():
    result = reconcile(
        "2026-10",
        orders=[T_AND_M],
        order_lines=[{"order": "S1", "line": 1, "product": "TM-H", "quantity": 0}],
        tickets=[TICKET],
        timesheets=[{"ticket": "T1", "date": "2026-09-05", "hours": 2}],
        invoices=[{"invoice": "INV/2026-09/0001", "invoice_date": "2026-09-30"}],
        invoice_lines=[{"invoice": "INV/2026-09/0001", "order": "S1", "line": 1, "quantity": 3}],
    )
    parts = result.attribution
    residual = parts[parts["row"].isna() & parts["invoice"].eq("INV/2026-09/0001")]
    assert residual["part"].tolist() == [attribution.PART_NO_TIME]
    assert residual["hours"].tolist() == [1.0]
    # The over-invoiced hour is credited by this run's draft, taking the residual back first.
    credit = parts[parts["kind"].eq("credit_note")]
    assert credit["row"].isna().all() and credit["hours"].sum() == -1.0


def test_a_days_line_billed_at_its_rounded_quantity_shows_the_rounding_as_a_residual():
    result = reconcile(
        "2026-10",
        orders=[T_AND_M],
        order_lines=[{"order": "S1", "line": 1, "product": "TM-D", "quantity": 0}],
        tickets=[TICKET],
        timesheets=[{"ticket": "T1", "date": "2026-10-05", "hours": 13}],
    )
    assert row(result.invoice_lines, order="S1")["quantity"] == 1.63
    parts = result.attribution
    assert parts["part"].tolist() == [attribution.PART_TIMESHEET, attribution.PART_ROUNDING]
    assert np.allclose(parts["hours"], [13.0, 0.04])
    assert math.isclose(parts["quantity"].sum(), 1.63)


def test_prepaid_time_is_never_linked_to_an_invoice_even_when_the_input_names_one():
    result = reconcile(
        "2026-10",
        orders=[T_AND_M],
        order_lines=[{"order": "S1", "line": 1, "product": "PREPAID-H", "quantity": 10}],
        tickets=[TICKET],
        timesheets=[{"ticket": "T1", "date": "2026-10-05", "hours": 2, "invoice": "INV/X"}],
        invoices=[{"invoice": "INV/X", "invoice_date": "2026-09-30"}],
        invoice_lines=[{"invoice": "INV/X", "order": "S1", "line": 1, "quantity": 10}],
    )
    assert result.timesheets["invoice"].isna().all()
    assert result.attribution.empty


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

LINES = pd.DataFrame({"order": ["S1"], "line": pd.array([1], dtype="Int64"),
                      "unit_hours": [8.0], "rounding": [0.01]})  # fmt: skip


@st.composite
def histories(draw):
    """A `timesheet` line in Days: timesheets (some corrections) and a ledger of invoices and
    credit notes (some reversing an invoice, some naming none), then a draft."""
    n = draw(st.integers(1, 14))
    days = draw(st.lists(st.integers(1, 60), min_size=n, max_size=n))
    quarters = draw(st.lists(st.integers(-4, 24), min_size=n, max_size=n))
    entries = pd.DataFrame(
        {
            "order": "S1",
            "line": pd.array([1] * n, dtype="Int64"),
            "date": pd.Timestamp("2026-09-01") + pd.to_timedelta(days, unit="D"),
            "hours": [q / 4 for q in quarters],
            "invoice": pd.Series([None] * n, dtype="object"),
        },
        index=pd.RangeIndex(2, 2 + n, name="row"),
    )
    docs = []
    invoices: list[str] = []
    for k in range(draw(st.integers(0, 5))):
        credit = bool(invoices) and draw(st.booleans())
        name = f"{'RINV' if credit else 'INV'}/{k:04d}"
        quantity = draw(st.integers(1, 40)) / 8
        reverses = draw(st.sampled_from([None, *invoices])) if credit else None
        docs.append(
            {
                "invoice": name,
                "kind": "credit_note" if credit else "invoice",
                "source": attribution.SOURCE_LEDGER,
                "invoice_date": pd.Timestamp("2026-09-01") + pd.Timedelta(days=7 * k),
                "reverses": reverses,
                "order": "S1",
                "line": 1,
                "signed": -quantity if credit else quantity,
            }
        )
        if not credit:
            invoices.append(name)
    total = float(entries["hours"].sum()) / 8 - sum(d["signed"] for d in docs)
    if abs(total) > 1e-9:
        docs.append(
            {
                "invoice": "DRAFT",
                "kind": "invoice" if total > 0 else "credit_note",
                "source": attribution.SOURCE_DRAFT,
                "invoice_date": pd.Timestamp("2026-10-31"),
                "reverses": None,
                "order": "S1",
                "line": 1,
                "signed": total,
            }
        )
    frame = pd.DataFrame(
        docs,
        columns=[
            "invoice",
            "kind",
            "source",
            "invoice_date",
            "reverses",
            "order",
            "line",
            "signed",
        ],
    )
    return entries, frame.astype({"line": "Int64"})


def _holdings(result: attribution.Attribution) -> dict[tuple[int, str], float]:
    out: dict[tuple[int, str], float] = {}
    for part in result.parts.itertuples():
        if pd.isna(part.row):
            continue
        document = part.from_invoice if part.kind == "credit_note" else part.invoice
        key = (int(part.row), document)
        out[key] = out.get(key, 0.0) + part.hours
    return {k: round(v, 9) for k, v in out.items() if abs(v) > 1e-9}


PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(histories())
def test_every_documents_parts_add_up_to_its_quantity(history):
    entries, documents = history
    result = attribution.attribute(entries, documents, LINES)
    sums = result.parts.groupby("invoice")["quantity"].sum()
    for doc in documents.itertuples():
        assert math.isclose(sums.get(doc.invoice, 0.0), doc.signed, abs_tol=1e-9), doc.invoice


@PROPERTY
@given(histories())
def test_no_timesheet_is_billed_beyond_its_hours(history):
    entries, documents = history
    result = attribution.attribute(entries, documents, LINES)
    for (row_, _doc), hours in _holdings(result).items():
        own = entries.loc[row_, "hours"]
        assert min(0.0, own) - 1e-9 <= hours <= max(0.0, own) + 1e-9
    billed = result.billed_hours.reindex(entries.index)
    assert (billed.abs() <= entries["hours"].abs() + 1e-9).all()


@PROPERTY
@given(histories(), st.randoms(use_true_random=False))
def test_attribution_does_not_depend_on_the_input_row_order_of_different_dates(history, rnd):
    entries, documents = history
    entries = entries.drop_duplicates("date")
    shuffled = entries.sample(frac=1.0, random_state=rnd.randint(0, 2**31))
    first = attribution.attribute(entries, documents, LINES)
    second = attribution.attribute(shuffled, documents, LINES)
    assert _holdings(first) == _holdings(second)


@PROPERTY
@given(histories())
def test_feeding_the_audit_back_as_input_changes_nothing(history):
    entries, documents = history
    first = attribution.attribute(entries, documents, LINES)
    second = attribution.attribute(_fed_back(entries, first), documents, LINES)
    assert _holdings(second) == _holdings(first)
    assert second.invoice.fillna("").tolist() == first.invoice.fillna("").tolist()


@PROPERTY
@given(histories(), st.data())
def test_links_from_another_system_settle_after_one_round(history, data):
    entries, documents = history
    names = [None, *documents["invoice"].tolist()]
    entries = entries.assign(invoice=[data.draw(st.sampled_from(names)) for _ in entries.index])
    first = attribution.attribute(entries, documents, LINES)
    second = attribution.attribute(_fed_back(entries, first), documents, LINES)
    third = attribution.attribute(_fed_back(entries, second), documents, LINES)
    assert _holdings(third) == _holdings(second)
    sums = first.parts.groupby("invoice")["quantity"].sum()
    for doc in documents.itertuples():
        assert math.isclose(sums.get(doc.invoice, 0.0), doc.signed, abs_tol=1e-9)


def _fed_back(entries: pd.DataFrame, result: attribution.Attribution) -> pd.DataFrame:
    """The timesheets with the audit's ``invoice`` as their input link."""
    return entries.assign(invoice=result.invoice.astype(object).where(result.invoice.notna(), None))
