"""The run summary and the run manifest (``run.json``): computed once, rendered as text or JSON.

The manifest is an audit record: tool version, period and cut-off, options, SHA-256 of every
input file, row counts per input sheet, control totals, findings counts and the files written.
It holds no timestamp of the run itself, so the same inputs give the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from prepaid_recon import __version__
from prepaid_recon.domain import Period, minor_units, money_step, round_half_away


@dataclass
class RunSummary:
    """What a finance user wants to see at the end of a run, and what run.json records."""

    period: Period
    options: dict[str, Any]
    input_files: dict[str, str]
    row_counts: dict[str, int]
    errors: int
    warnings: int
    control_totals: list[dict[str, Any]] = field(default_factory=list)
    orders: int = 0
    order_lines: int = 0
    invoices: list[dict[str, Any]] = field(default_factory=list)
    upsell_lines: int = 0
    files_written: list[str] = field(default_factory=list)
    out_dir: str = ""

    def add_result(self, result: Any) -> None:
        """Take the figures of a reconciled run (a ``pipeline.Result``) into the summary."""
        self.control_totals = control_totals_records(result.control_totals)
        self.orders = len(result.orders)
        self.order_lines = len(result.order_lines)
        self.upsell_lines = int(result.order_lines["upsell_alert"].sum())
        self.invoices = draft_records(result.invoices)

    def manifest(self) -> dict[str, Any]:
        """The run.json document (no run timestamps: it is reproducible byte for byte)."""
        return {
            "tool": "prepaid-recon",
            "version": __version__,
            "period": str(self.period),
            "cutoff": self.period.cutoff.isoformat(),
            "options": self.options,
            "inputs": {"files": self.input_files, "row_counts": self.row_counts},
            "findings": {"errors": self.errors, "warnings": self.warnings},
            "control_totals": self.control_totals,
            "results": {
                "orders": self.orders,
                "order_lines": self.order_lines,
                "upsell_lines": self.upsell_lines,
                "drafts": self.invoices,
            },
            "files_written": self.files_written,
        }

    def manifest_bytes(self) -> bytes:
        return (json.dumps(self.manifest(), indent=2, sort_keys=False) + "\n").encode()

    def text(self) -> str:
        """A short console summary: period, volumes, drafts per currency, upsell, totals."""
        lines = [
            f"Period {self.period} (cut-off {self.period.cutoff}): "
            f"{self.orders} orders, {self.order_lines} order lines.",
        ]
        if self.invoices:
            for doc in self.invoices:
                decimals = minor_units(doc["currency"])
                lines.append(
                    f"Drafted {doc['count']} {doc['kind'].replace('_', ' ')}(s) in "
                    f"{doc['currency']}: total {doc['total']:,.{decimals}f} "
                    f"(untaxed {doc['untaxed']:,.{decimals}f})."
                )
        else:
            lines.append("Nothing to invoice this period.")
        lines.append(f"Prepaid lines over their threshold (upsell alert): {self.upsell_lines}.")
        for row in self.control_totals:
            lines.append(f"  {row['status']:<13}{row['rows']:>10,} rows {row['hours']:>14,.2f} h")
        lines.append(f"Findings: {self.errors} error(s), {self.warnings} warning(s).")
        if self.out_dir:
            lines.append(f"Reports in {self.out_dir}: {', '.join(self.files_written)}")
        return "\n".join(lines)


def control_totals_records(control_totals: pd.DataFrame) -> list[dict[str, Any]]:
    """The control totals as plain records (status, rows, hours rounded to the hundredth)."""
    return [
        {"status": str(r.status), "rows": int(r.rows), "hours": round_hours(r.hours)}
        for r in control_totals.itertuples(index=False)
    ]


def round_hours(value: float) -> float:
    return float(round_half_away(float(value), 0.01))


def draft_records(invoices: pd.DataFrame) -> list[dict[str, Any]]:
    """Drafts of this run per kind and currency: count, untaxed and total amounts."""
    if invoices.empty:
        return []
    grouped = invoices.groupby(["kind", "currency"], sort=True).agg(
        count=("invoice", "size"), untaxed=("untaxed", "sum"), total=("total", "sum")
    )
    return [
        {
            "kind": kind,
            "currency": currency,
            "count": int(row["count"]),
            "untaxed": float(round_half_away(float(row["untaxed"]), money_step(currency))),
            "total": float(round_half_away(float(row["total"]), money_step(currency))),
        }
        for (kind, currency), row in grouped.iterrows()
    ]
