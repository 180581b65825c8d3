"""The run summary and the run manifest (``run.json``): built once, rendered as text or JSON.

The manifest is an audit record: tool version, period and cut-off, options, SHA-256 of every
input file, row counts per input sheet, control totals, findings counts and the files written.
It holds no timestamp of the run itself, so the same inputs give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from prepaid_recon import __version__
from prepaid_recon.domain import Period, minor_units, round_half_away
from prepaid_recon.reconcile import Options, Result
from prepaid_recon.report.rollups import invoice_totals


@dataclass(frozen=True)
class RunSummary:
    """What a finance user wants to see at the end of a run, and what run.json records."""

    period: Period
    options: dict[str, str]
    input_files: dict[str, str]
    row_counts: dict[str, int]
    errors: int
    warnings: int
    files_written: list[str]
    out_dir: str = ""
    control_totals: list[dict[str, Any]] = field(default_factory=list)
    orders: int = 0
    order_lines: int = 0
    upsell_lines: int = 0
    drafts: list[dict[str, Any]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    """What the run must say although it is no finding: an input with 0 timesheets or 0
    order lines (the console prints them on standard error; ``--json`` and run.json list
    them)."""

    @classmethod
    def of_run(
        cls,
        options: Options,
        *,
        input_files: Mapping[str, str],
        row_counts: Mapping[str, int],
        errors: int,
        warnings: int,
        result: Result | None,
        files_written: Sequence[str],
        out_dir: str = "",
        notices: Sequence[str] = (),
    ) -> RunSummary:
        """The summary of one run; ``result`` is None when the input had errors."""
        figures: dict[str, Any] = {}
        if result is not None:
            figures = {
                "control_totals": control_totals_records(result),
                "orders": len(result.orders),
                "order_lines": len(result.order_lines),
                "upsell_lines": int(result.order_lines["upsell_alert"].sum()),
                "drafts": draft_records(result),
            }
        return cls(
            period=options.period,
            options={
                "currency": options.currency,
                "invoice_grouping": options.invoice_grouping,
                "invoice_date": options.effective_invoice_date.isoformat(),
            },
            input_files=dict(input_files),
            row_counts=dict(row_counts),
            errors=errors,
            warnings=warnings,
            files_written=sorted(files_written),
            out_dir=out_dir,
            notices=list(notices),
            **figures,
        )

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
            "notices": self.notices,
            "control_totals": self.control_totals,
            "results": {
                "orders": self.orders,
                "order_lines": self.order_lines,
                "upsell_lines": self.upsell_lines,
                "drafts": self.drafts,
            },
            "files_written": self.files_written,
        }

    def manifest_bytes(self) -> bytes:
        """run.json as written: the manifest as indented JSON, keys in a fixed order."""
        return (json.dumps(self.manifest(), indent=2, sort_keys=False) + "\n").encode()

    def text(self) -> str:
        """A short console summary: period, volumes, drafts per currency, upsell, totals."""
        lines = [
            f"Period {self.period} (cut-off {self.period.cutoff}): "
            f"{self.orders} orders, {self.order_lines} order lines.",
        ]
        if self.drafts:
            for doc in self.drafts:
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


def control_totals_records(result: Result) -> list[dict[str, Any]]:
    """The control totals as plain records (status, rows, hours to the hundredth)."""
    control = result.control_totals
    return [
        {"status": str(status), "rows": int(rows), "hours": round_half_away(float(hours))}
        for status, rows, hours in zip(
            control["status"].tolist(),
            control["rows"].to_numpy(dtype="int64"),
            control["hours"].to_numpy(dtype="float64"),
            strict=True,
        )
    ]


def draft_records(result: Result) -> list[dict[str, Any]]:
    """This run's drafts per kind and currency: count, untaxed and total amounts (the
    invoice totals of the ``totals`` sheet, without their ``net`` rows)."""
    totals = invoice_totals(result.invoices, result.invoice_lines)
    drafted = totals[totals["kind"].ne("net") & totals["documents"].gt(0)]
    drafted = drafted.sort_values(["kind", "currency"], kind="stable")
    return [
        {
            "kind": str(kind),
            "currency": str(currency),
            "count": int(count),
            "untaxed": float(untaxed),
            "total": float(total),
        }
        for kind, currency, count, untaxed, total in zip(
            drafted["kind"].tolist(),
            drafted["currency"].tolist(),
            drafted["documents"].to_numpy(dtype="int64"),
            drafted["untaxed"].to_numpy(dtype="float64"),
            drafted["total"].to_numpy(dtype="float64"),
            strict=True,
        )
    ]
