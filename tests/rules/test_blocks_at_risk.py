"""Risk at a glance: % consumed and the alert level on every prepaid line, a warning at the
level the user sets, the blocks most consumed for the chart."""

from __future__ import annotations

from rules_factory import make_inputs, row

from prepaid_recon.domain import Period
from prepaid_recon.reconcile import Options, run
from prepaid_recon.report.rollups import blocks_at_risk

TABLES = {
    "orders": [
        {"order": "S1", "customer": "Globex", "order_date": "2026-09-01"},
        {"order": "S2", "customer": "Acme", "order_date": "2026-09-01"},
    ],
    "order_lines": [
        {"order": "S1", "line": 1, "product": "PREPAID-D", "quantity": 5},
        {"order": "S2", "line": 1, "product": "PREPAID-H", "quantity": 10},
    ],
    "tickets": [
        {"ticket": "T1", "customer": "Globex", "created": "2026-09-01", "order": "S1", "line": 1},
        {"ticket": "T2", "customer": "Acme", "created": "2026-09-01", "order": "S2", "line": 1},
    ],
    "timesheets": [
        {"ticket": "T1", "date": "2026-10-02", "hours": 34},  # 4.25 of 5 days: 85 %
        {"ticket": "T2", "date": "2026-10-02", "hours": 12},  # 120 %
    ],
}


def _run(alert_at: float | None = None):
    return run(make_inputs(**TABLES), Options(Period.parse("2026-10"), alert_at=alert_at))


def test_every_prepaid_line_shows_its_percent_consumed_and_its_alert_level():
    lines = _run().order_lines
    globex = row(lines, order="S1")
    assert (globex["consumed_percent"], globex["alert_at"]) == (85.0, 100.0)
    assert not globex["near_threshold"]  # 85 % under the product's threshold of 100 %
    assert row(lines, order="S2")["near_threshold"]


def test_a_block_past_the_users_alert_level_is_flagged():
    lines = _run(alert_at=80).order_lines
    assert row(lines, order="S1")["near_threshold"]
    assert row(lines, order="S1")["alert_at"] == 80.0
    assert not row(_run(alert_at=90).order_lines, order="S1")["near_threshold"]


def test_the_chart_shows_the_most_consumed_blocks_first():
    frame = blocks_at_risk(_run().order_lines, limit=1)
    assert frame["block"].tolist() == ["Acme S2/1"]
    assert frame["consumed_percent"].tolist() == [120.0]
