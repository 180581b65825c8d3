"""Which time each document bills: the attribution of invoiced quantities to timesheets.

For every ``timesheet``-policy order line, the quantity each document bills is attributed to
the line's counted timesheets, so that every billed hour names the document that bills it and
every document's quantity is made of named hours (docs/rules.md, "Which time a document
bills").  It is derived every run from the inputs, never remembered:

* the documents, in order: the ledger's documents that count (not cancelled, dated on or before
  the cut-off, drafts included) by invoice date then number, then this run's draft;
* an invoice (a positive quantity on the line) takes first the timesheets whose input
  ``invoice`` names it (Odoo's ``timesheet_invoice_id``, kept), then the line's free time, both
  in (date, input row) order; the timesheet that reaches the quantity is split;
* a credit note (a negative quantity on the line) takes back the most recently attributed time
  of the document it ``reverses`` (of the line's latest invoices when it names none, or names
  one without time on the line); that time is free again for later invoices;
* a quantity without time behind it (a document billing more than was logged, a unit rounding
  difference) is a *residual* part: a visible row with no timesheet, never dropped.

The result ties by construction: the parts of each document add up to its quantity; the
final holdings of a timesheet never exceed its hours.  The per-line work is sequential over
documents (a handful per line) and vectorised over timesheets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from prepaid_recon.rules.order_lines import KEY

EPS = 1e-9
"""Hours closer than this to zero are zero (float noise of sums of H:MM entries)."""

SOURCE_LEDGER = "ledger"
SOURCE_DRAFT = "draft"

PART_TIMESHEET = "timesheet"
PART_NO_TIME = "no_time"
PART_ROUNDING = "unit_rounding"
PART_OVER_CREDIT = "over_credit"
PART_KINDS = (PART_TIMESHEET, PART_NO_TIME, PART_ROUNDING, PART_OVER_CREDIT)
"""What an attributed part is: a timesheet's hours; or a residual: quantity billed with no time
behind it, a difference of less than half the unit's rounding step, or a credit taking back
more than the credited document's time."""

PART_COLUMNS = [
    "invoice",
    "kind",
    "source",
    "order",
    "line",
    "row",
    "hours",
    "quantity",
    "part",
    "from_invoice",
    "sequence",
]


@dataclass(frozen=True)
class Attribution:
    """The attribution of a run.

    ``parts``: one row per part: the document (``invoice``, ``kind``, ``source``), the order
    line, the timesheet (``row``: its index in the timesheets, NA for a residual), its signed
    ``hours`` and ``quantity`` in the line's unit (credit notes' take-backs negative), the part's
    kind (:data:`PART_KINDS`), the document it was taken back from (credit notes), and its
    position in the attribution order (``sequence``).

    ``invoice``: per timesheet row (aligned on the timesheets), the document the audit names:
    the one its input names when that document still bills some of it, else the latest
    document that still bills (or holds a correction of) some of it after every credit; NA when
    none. Fed back as input, these names give the same attribution again.
    ``billed_hours``: the hours of it billed by all documents together (0 when none).
    """

    parts: pd.DataFrame
    invoice: pd.Series
    billed_hours: pd.Series


def document_order(documents: pd.DataFrame) -> pd.DataFrame:
    """The documents of each line in the order they bill: the ledger's by invoice date, then
    number, then this run's drafts (by number).  Adds
    ``sequence``, the position of each document in that order (over the whole run)."""
    docs = documents.assign(_draft=documents["source"].eq(SOURCE_DRAFT).to_numpy(bool))
    docs = docs.sort_values(["_draft", "invoice_date", "invoice"], kind="stable")
    docs = docs.reset_index(drop=True).drop(columns="_draft")
    docs["sequence"] = np.arange(len(docs), dtype=np.int64)
    return docs


class _Line:
    """The state of one order line while its documents are attributed in order."""

    def __init__(self, hours: np.ndarray, pins: np.ndarray) -> None:
        self.remaining = hours.astype("float64").copy()
        self.pins = pins
        # per document position: parts in attribution order, as (entry positions, amounts);
        # entry position -1 is the residual.
        self.held: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.order_held: list[int] = []
        self.residual_kind: dict[int, str] = {}

    def _take(self, idx: np.ndarray, want: float) -> tuple[np.ndarray, np.ndarray, float]:
        """Take ``want`` hours from the entries ``idx`` in that order; the entry that reaches it
        is split. Returns (entries, amounts, hours still wanted)."""
        if want <= EPS or len(idx) == 0:
            return idx[:0], np.zeros(0), want
        amounts = self.remaining[idx]
        cum = np.cumsum(amounts)
        reached = np.flatnonzero(cum >= want - EPS)
        if len(reached) == 0:
            self.remaining[idx] = 0.0
            return idx, amounts.copy(), want - float(cum[-1])
        k = int(reached[0])
        taken = amounts[: k + 1].copy()
        taken[k] = want - (float(cum[k - 1]) if k else 0.0)
        self.remaining[idx[: k + 1]] -= taken
        last = idx[k]
        if abs(self.remaining[last]) <= EPS:
            self.remaining[last] = 0.0
        return idx[: k + 1], taken, 0.0

    def fill(self, doc: int, want: float) -> tuple[np.ndarray, np.ndarray, float]:
        """An invoice of ``want`` hours: its pinned timesheets first, then free time, each in
        (date, row) order.  Returns its parts and the residual (hours without time)."""
        live = self.remaining != 0
        pinned = np.flatnonzero(live & (self.pins == doc))
        e1, a1, want = self._take(pinned, want)
        free = np.flatnonzero(self.remaining != 0)
        e2, a2, want = self._take(free, want)
        entries = np.concatenate([e1, e2])
        amounts = np.concatenate([a1, a2])
        self._hold(doc, entries, amounts, want)
        return entries, amounts, want

    def _hold(self, doc: int, entries: np.ndarray, amounts: np.ndarray, residual: float) -> None:
        if abs(residual) > EPS:
            entries = np.append(entries, -1)
            amounts = np.append(amounts, residual)
        if doc in self.held:
            old_e, old_a = self.held[doc]
            entries, amounts = np.concatenate([old_e, entries]), np.concatenate([old_a, amounts])
        else:
            self.order_held.append(doc)
        self.held[doc] = (entries, amounts)

    def take_back(
        self, targets: list[int], want: float
    ) -> tuple[list[tuple[int, np.ndarray, np.ndarray]], float]:
        """A credit of ``want`` hours: the most recently attributed parts of each target
        document in turn (its residual first, since it was attributed last) go back to the
        pool.  Returns [(target, entries, amounts taken back)] and what could not be taken."""
        out: list[tuple[int, np.ndarray, np.ndarray]] = []
        for doc in targets:
            if want <= EPS:
                break
            if doc not in self.held:
                continue
            entries, amounts = self.held[doc]
            rev = amounts[::-1]
            cum = np.cumsum(rev)
            reached = np.flatnonzero(cum >= want - EPS)
            if len(reached) == 0:
                k = len(rev) - 1
                taken_rev = rev.copy()
                want -= float(cum[-1]) if len(cum) else 0.0
            else:
                k = int(reached[0])
                taken_rev = rev[: k + 1].copy()
                taken_rev[k] = want - (float(cum[k - 1]) if k else 0.0)
                want = 0.0
            n = len(amounts)
            t_entries = entries[n - 1 - np.arange(len(taken_rev))]
            keep = amounts.copy()
            keep[n - 1 - np.arange(len(taken_rev))] -= taken_rev
            alive = np.abs(keep) > EPS
            self.held[doc] = (entries[alive], keep[alive])
            back = t_entries >= 0
            np.add.at(self.remaining, t_entries[back], taken_rev[back])
            out.append((doc, t_entries, taken_rev))
        return out, want

    def latest_first(self) -> list[int]:
        """Documents holding time, the most recently attributed first."""
        return [d for d in reversed(self.order_held) if len(self.held[d][0])]


def _residual_kind(hours: float, step_hours: float) -> str:
    """What an invoice's quantity with no time behind it is: a difference of at most half the
    unit's rounding step is the unit's rounding; more is time billed that was never logged."""
    if abs(hours) < step_hours / 2 + EPS:
        return PART_ROUNDING
    return PART_NO_TIME


def attribute(entries: pd.DataFrame, documents: pd.DataFrame, lines: pd.DataFrame) -> Attribution:
    """Attribute every document's quantity on each ``timesheet`` line to the line's time.

    ``entries``: the counted timesheets of ``timesheet``-policy lines, indexed by timesheet row,
    with ``order``, ``line``, ``date``, ``hours`` and ``invoice`` (the input's link, NA when
    none).  ``documents``: one row per document and order line that counts: ``invoice``,
    ``kind``, ``source`` (ledger or draft), ``invoice_date``, ``reverses``, ``order``, ``line``
    and ``signed`` (the quantity in the line's unit, negative for a credit).  ``lines``: the
    order lines with ``unit_hours`` (hours per unit) and ``rounding`` (the unit's step).

    Timesheets are taken in (date, row) order; see the module docstring for the rule.
    """
    docs = document_order(documents)
    key_index = pd.MultiIndex.from_frame(lines[KEY].astype({"line": "Int64"}))
    unit_hours = lines["unit_hours"].to_numpy("float64")
    steps = lines["rounding"].to_numpy("float64")

    e = entries
    e_rows = e.index.to_numpy()
    e_codes = key_index.get_indexer(
        pd.MultiIndex.from_arrays([e["order"].to_numpy(object), e["line"].astype("Int64")])
    )
    order = np.lexsort((e_rows, e["date"].to_numpy("datetime64[ns]"), e_codes))
    e_rows, e_codes = e_rows[order], e_codes[order]
    e_hours = e["hours"].to_numpy("float64")[order]
    e_pins = e["invoice"].astype(object).to_numpy()[order]

    d_codes = key_index.get_indexer(
        pd.MultiIndex.from_arrays([docs["order"].to_numpy(object), docs["line"].astype("Int64")])
    )
    by_line = np.argsort(d_codes, kind="stable")  # each line's documents, in billing order
    docs = docs.iloc[by_line].reset_index(drop=True)
    d_codes = d_codes[by_line]
    d_names = docs["invoice"].astype(str).to_numpy(object)
    d_reverses = docs["reverses"].astype(object).to_numpy()
    d_signed = docs["signed"].to_numpy("float64")

    e_starts = _starts(e_codes)
    d_starts = _starts(d_codes)
    out = _Parts()
    final_label = np.full(len(e_rows), -1, dtype=np.int64)
    billed = np.where(e_codes >= 0, 0.0, np.nan)  # every timesheet of these lines: 0 unless billed

    for code, (d_lo, d_hi) in d_starts.items():
        if code < 0:
            continue
        size = unit_hours[code]
        if not (np.isfinite(size) and size > 0):
            size = 1.0  # a unit that cannot hold time: its documents are residuals only
        e_lo, e_hi = e_starts.get(code, (0, 0))
        names = d_names[d_lo:d_hi]
        position = {name: i for i, name in enumerate(names)}
        pins = np.array(
            [position.get(p, -1) if isinstance(p, str) else -1 for p in e_pins[e_lo:e_hi]],
            dtype=np.int64,
        )
        # A pin only holds for an invoice (a positive quantity): a credit takes nothing first.
        for i in range(d_hi - d_lo):
            if not d_signed[d_lo + i] > 0:
                pins[pins == i] = -1
        state = _Line(e_hours[e_lo:e_hi], pins)
        step_hours = steps[code] * size
        for i in range(d_hi - d_lo):
            want = float(d_signed[d_lo + i]) * size
            doc = d_lo + i
            if want > EPS:
                taken_e, taken_a, rest = state.fill(i, want)
                out.add(doc, e_rows[e_lo + taken_e], taken_a, PART_TIMESHEET, -1)
                if rest > EPS:
                    state.residual_kind[i] = _residual_kind(rest, step_hours)
                    out.add(doc, np.array([-1]), np.array([rest]), state.residual_kind[i], -1)
            elif want < -EPS:
                named = d_reverses[d_lo + i]
                target = position.get(named, -1) if isinstance(named, str) else -1
                if target >= i or target < 0 or target not in state.held:
                    targets = state.latest_first()
                else:
                    targets = [target]
                taken, rest = state.take_back(targets, -want)
                for src, t_e, t_a in taken:
                    real = t_e >= 0
                    out.add(doc, e_rows[e_lo + t_e[real]], -t_a[real], PART_TIMESHEET, d_lo + src)
                    if not real.all():
                        kind = state.residual_kind[src]
                        out.add(doc, np.array([-1]), -t_a[~real], kind, d_lo + src)
                if rest > EPS:
                    out.add(doc, np.array([-1]), np.array([-rest]), PART_OVER_CREDIT, -1)
        # The document each timesheet names: the one its input names while that document
        # still holds some of it (so that the audit fed back pins the same parts again), else
        # the latest document holding some of it.
        holding: dict[int, np.ndarray] = {}
        for doc in state.order_held:
            ent, amt = state.held[doc]
            real = ent >= 0
            holding[doc] = np.zeros(e_hi - e_lo)
            np.add.at(holding[doc], ent[real], amt[real])
        held_by = np.full(e_hi - e_lo, -1, dtype=np.int64)
        for doc, mine in holding.items():
            held_by[np.abs(mine) > EPS] = d_lo + doc
        for doc in sorted(set(pins[pins >= 0].tolist()) & holding.keys()):
            held_by[(pins == doc) & (np.abs(holding[doc]) > EPS)] = d_lo + doc
        total = sum(holding.values(), np.zeros(e_hi - e_lo))
        final_label[e_lo:e_hi] = held_by
        billed[e_lo:e_hi] = np.where(np.abs(total) > EPS, total, 0.0)

    parts = _parts_frame(out, docs, d_codes, unit_hours)
    label = pd.Series(pd.NA, index=e_rows, dtype="object")
    has = final_label >= 0
    label[has] = d_names[final_label[has]]
    invoice = label.reindex(entries.index)
    billed_hours = pd.Series(billed, index=e_rows, dtype="float64").reindex(entries.index)
    return Attribution(parts=parts, invoice=invoice, billed_hours=billed_hours)


def _starts(codes: np.ndarray) -> dict[int, tuple[int, int]]:
    """For codes already sorted, each code's (first, one past last) position."""
    if len(codes) == 0:
        return {}
    bounds = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[bounds[1:], len(codes)]
    return {int(codes[b]): (int(b), int(end)) for b, end in zip(bounds, ends, strict=True)}


class _Parts:
    """The parts of a run, collected as arrays per fill or take-back, in attribution order."""

    def __init__(self) -> None:
        self.chunks: list[tuple[np.ndarray, ...]] = []

    def add(self, doc: int, rows: np.ndarray, hours: np.ndarray, kind: str, src: int) -> None:
        """Parts of document ``doc`` (position in the billing order): the timesheet rows (-1 for
        a residual), their signed hours, their kind, and the document taken back from."""
        n = len(rows)
        if n == 0:
            return
        self.chunks.append(
            (
                np.full(n, doc, dtype=np.int64),
                np.asarray(rows, dtype=np.int64),
                np.asarray(hours, dtype="float64"),
                np.full(n, PART_KINDS.index(kind), dtype=np.int8),
                np.full(n, src, dtype=np.int64),
            )
        )

    def arrays(self) -> tuple[np.ndarray, ...]:
        if not self.chunks:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0), np.zeros(0, dtype=np.int8), empty
        return tuple(np.concatenate(column) for column in zip(*self.chunks, strict=True))


def _parts_frame(
    parts: _Parts, docs: pd.DataFrame, d_codes: np.ndarray, unit_hours: np.ndarray
) -> pd.DataFrame:
    """The parts as the ``parts`` table of :class:`Attribution`."""
    doc, row, hours, kind, src = parts.arrays()
    size = unit_hours[d_codes[doc]] if len(doc) else np.zeros(0)
    timed = np.isfinite(size) & (size > 0)
    quantity = hours / np.where(timed, size, 1.0)
    hours = np.where(timed, hours, np.nan)
    names = docs["invoice"].astype(str).to_numpy(object)
    take = np.where(src >= 0, src, 0)
    from_invoice = pd.Series(names[take] if len(names) else [], dtype=object).where(src >= 0)
    frame = pd.DataFrame(
        {
            "invoice": pd.Series(names[doc] if len(names) else [], dtype="str"),
            "kind": pd.Series(docs["kind"].to_numpy(object)[doc] if len(doc) else [], dtype="str"),
            "source": pd.Series(
                docs["source"].to_numpy(object)[doc] if len(doc) else [], dtype="str"
            ),
            "order": pd.Series(
                docs["order"].to_numpy(object)[doc] if len(doc) else [], dtype="str"
            ),
            "line": pd.array(docs["line"].astype("Int64").to_numpy()[doc], dtype="Int64"),
            "row": pd.array(np.where(row >= 0, row, 0), dtype="Int64"),
            "hours": hours.astype("float64"),
            "quantity": quantity.astype("float64"),
            "part": pd.Series(np.asarray(PART_KINDS, dtype=object)[kind], dtype="str"),
            "from_invoice": from_invoice.astype("str"),
            "sequence": np.arange(len(doc), dtype=np.int64),
        }
    )
    frame.loc[row < 0, "row"] = pd.NA
    return frame


def billing_documents(
    ledger: pd.DataFrame,
    draft_lines: pd.DataFrame,
    ctx: pd.DataFrame,
    invoice_date: pd.Timestamp,
) -> pd.DataFrame:
    """The documents that bill each ``timesheet`` line of a confirmed order, one row per
    document and line: the ledger's lines that count (``ledger``, see
    ``order_lines.ledger_quantities``; several lines of one document on one order line add up)
    and this run's draft lines (quantities written positive, a credit note's taken negative).
    Columns: invoice, kind, source, invoice_date, reverses, order, line, signed."""
    billed = ctx.loc[
        ctx["live"].to_numpy(bool) & ctx["invoicing_policy"].eq("timesheet").to_numpy(bool), KEY
    ]
    billed = billed.astype({"line": "Int64"})
    from_ledger = ledger.merge(billed, on=KEY, how="inner")
    from_ledger = from_ledger.groupby(["invoice", *KEY], sort=True, as_index=False).agg(
        kind=("kind", "first"),
        invoice_date=("invoice_date", "first"),
        reverses=("reverses", "first"),
        signed=("signed", "sum"),
    )
    from_ledger["source"] = SOURCE_LEDGER
    drafts = draft_lines.merge(billed, on=KEY, how="inner")
    sign = np.where(drafts["kind"].eq("credit_note"), -1.0, 1.0)
    from_drafts = pd.DataFrame(
        {
            "invoice": drafts["invoice"].astype(object).to_numpy(),
            "order": drafts["order"].astype(object).to_numpy(),
            "line": drafts["line"].astype("Int64").to_numpy(),
            "kind": drafts["kind"].astype(object).to_numpy(),
            "invoice_date": pd.Series(invoice_date, index=drafts.index).to_numpy("datetime64[ns]"),
            "reverses": pd.Series(pd.NA, index=drafts.index, dtype="object").to_numpy(),
            "signed": drafts["quantity"].to_numpy("float64") * sign,
            "source": SOURCE_DRAFT,
        }
    )
    columns = ["invoice", "kind", "source", "invoice_date", "reverses", *KEY, "signed"]
    frames = [f[columns] for f in (from_ledger, from_drafts) if len(f)]
    if not frames:
        return from_ledger[columns].iloc[0:0]
    out = pd.concat(frames, ignore_index=True)
    return out.astype({"line": "Int64", "invoice_date": "datetime64[ns]"})
