"""`prepaid-recon run` end to end on the bundled sample company: what a finance user gets.

The figures asserted here are the ones `sample_data/README.md` derives by hand for each case
(Acme's 49 h on 40 prepaid, Globex's 34 h = 4.25 days, Massive Dynamic's 1.625 -> 1.63 days,
...), read back from the written workbooks by cell value.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from builders import clean_inputs, write_inputs
from builders import records as rows
from prepaid_recon.cli import cli

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
REPORTS = [
    "delivered_vs_ordered.xlsx",
    "exceptions.xlsx",
    "hours_by_ticket.xlsx",
    "invoices.xlsx",
    "run.json",
    "tasks.xlsx",
]


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def invoke_unchecked(*args: object):
    """The command in-process, for its output and exit code (exceptions caught by click)."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def one(records: list[dict], **match) -> dict:
    found = [r for r in records if all(r.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "2026-10"
    result = invoke("run", SAMPLE, "--period", "2026-10", "--out", out)
    assert result.exit_code == 0, result.output
    return out


def test_run_writes_every_report_and_the_manifest(sample_run: Path) -> None:
    assert sorted(p.name for p in sample_run.iterdir()) == REPORTS


def test_prepaid_block_burned_through_shows_upselling_and_negative_remaining(sample_run):
    line = one(
        rows(sample_run / "delivered_vs_ordered.xlsx", "order_lines"), order="S00101", line=1
    )
    assert (line["ordered"], line["delivered"], line["delivered_in_period"]) == (40, 49, 25)
    assert line["invoice_status"] == "upselling"
    assert line["upsell_alert"] is True
    assert line["remaining_hours"] == -9
    balance = one(
        rows(sample_run / "delivered_vs_ordered.xlsx", "prepaid_balances"), order="S00101"
    )
    assert (balance["opening_hours"], balance["consumed_hours"], balance["closing_hours"]) == (
        16,
        25,
        -9,
    )


def test_days_line_is_rounded_once_on_the_sum(sample_run):
    line = one(
        rows(sample_run / "delivered_vs_ordered.xlsx", "order_lines"), order="S00102", line=1
    )
    assert (line["delivered"], line["delivered_in_period"], line["remaining_hours"]) == (
        4.25,
        2.38,
        6,
    )


def test_half_day_tie_is_drafted_rounded_half_away_from_zero(sample_run):
    draft = one(rows(sample_run / "invoices.xlsx", "invoice_lines"), order="S00113")
    assert draft["quantity"] == 1.63
    assert draft["subtotal"] == pytest.approx(1.63 * 900)


def test_each_currency_gets_its_own_drafts(sample_run):
    invoices = rows(sample_run / "invoices.xlsx", "invoices")
    eur = [i for i in invoices if i["currency"] == "EUR"]
    assert [i["customer"] for i in eur] == ["Stark Industries"]
    assert all(i["state"] == "draft" and i["kind"] == "invoice" for i in invoices)
    assert [i["invoice"] for i in invoices] == [
        f"INV/2026-10/{n:04d}" for n in range(1, len(invoices) + 1)
    ]


def test_control_totals_tie_to_every_input_timesheet(sample_run):
    totals = {r["status"]: r for r in rows(sample_run / "hours_by_ticket.xlsx", "control_totals")}
    audit = rows(sample_run / "hours_by_ticket.xlsx", "timesheets")
    assert totals["total"]["rows"] == len(audit) == 884
    parts = ("counted", "non_billable", "after_cutoff")
    assert sum(totals[s]["rows"] for s in parts) == totals["total"]["rows"]
    assert sum(totals[s]["hours"] for s in parts) == pytest.approx(totals["total"]["hours"])
    assert totals["total"]["hours"] == pytest.approx(sum(r["hours"] for r in audit))


def test_manifest_records_inputs_options_and_totals_without_a_clock(sample_run):
    manifest = json.loads((sample_run / "run.json").read_text())
    assert manifest["period"] == "2026-10" and manifest["cutoff"] == "2026-10-31"
    files = manifest["inputs"]["files"]
    assert sorted(files) == sorted(p.name for p in SAMPLE.glob("*.xlsx"))
    for name, digest in files.items():
        assert digest == hashlib.sha256((SAMPLE / name).read_bytes()).hexdigest()
    assert manifest["inputs"]["row_counts"]["timesheets"] == 884
    listed = rows(sample_run / "exceptions.xlsx", "exceptions")
    warnings = sum(r["severity"] == "warning" for r in listed)
    assert warnings == len(listed) > 0  # the input's warnings and the run's unbilled work
    assert manifest["findings"] == {"errors": 0, "warnings": warnings}
    assert manifest["files_written"] == REPORTS
    assert "2026-11-27" not in (sample_run / "run.json").read_text()


def test_same_inputs_give_byte_identical_reports(sample_run, tmp_path):
    again = tmp_path / "again"
    assert invoke("run", SAMPLE, "--period", "2026-10", "--out", again, "-q").exit_code == 0
    for name in REPORTS:
        first = (sample_run / name).read_bytes()
        assert first == (again / name).read_bytes(), name


def test_json_option_prints_the_summary_as_json(tmp_path):
    result = invoke("run", SAMPLE, "--period", "2026-10", "--out", tmp_path / "o", "--json")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["control_totals"][-1]["status"] == "total"
    assert {d["currency"] for d in summary["results"]["drafts"]} == {"EUR", "USD"}


def test_quiet_run_prints_nothing_on_stdout(tmp_path):
    result = invoke("run", SAMPLE, "--period", "2026-10", "--out", tmp_path / "o", "-q")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_customer_grouping_drafts_one_document_per_customer_and_currency(tmp_path):
    out = tmp_path / "o"
    result = invoke(
        "run", SAMPLE, "--period", "2026-10", "--out", out, "--invoice-grouping", "customer"
    )
    assert result.exit_code == 0
    lines = rows(out / "delivered_vs_ordered.xlsx", "order_lines")
    orders = {o["order"]: o for o in rows(out / "delivered_vs_ordered.xlsx", "orders")}
    expected = {
        (line["customer"], orders[line["order"]]["currency"])
        for line in lines
        if line["to_invoice"] != 0
    }
    invoices = rows(out / "invoices.xlsx", "invoices")
    assert sorted((i["customer"], i["currency"]) for i in invoices) == sorted(expected)
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["options"]["invoice_grouping"] == "customer"


def test_input_errors_exit_1_with_only_exceptions_and_manifest(tmp_path):
    broken = tmp_path / "in"
    shutil.copytree(SAMPLE, broken)
    (broken / "tickets.xlsx").write_bytes(b"not a workbook")
    out = tmp_path / "out"
    result = invoke("run", broken, "--period", "2026-10", "--out", out)
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["exceptions.xlsx", "run.json"]
    finding = one(rows(out / "exceptions.xlsx", "exceptions"), file="tickets.xlsx")
    assert finding["severity"] == "error" and finding["code"] == "not_a_workbook"
    assert "Traceback" not in result.output


def test_an_error_run_removes_last_runs_financial_reports(sample_run, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(sample_run, out)
    broken = tmp_path / "in"
    shutil.copytree(SAMPLE, broken)
    (broken / "teams.xlsx").unlink()
    assert invoke("run", broken, "--period", "2026-10", "--out", out).exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["exceptions.xlsx", "run.json"]


@pytest.mark.parametrize(
    "args",
    [
        ["run", "does-not-exist", "--period", "2026-10"],
        ["run", str(SAMPLE), "--period", "2026-13"],
        ["run", str(SAMPLE), "--period", "2026-10", "--out", str(SAMPLE)],
        ["run", str(SAMPLE), "--period", "2026-10", "--currency", "dollars"],
        ["run", str(SAMPLE), "--period", "2026-10", "--invoice-date", "31/10/2026"],
    ],
    ids=["missing-input", "bad-period", "out-is-input", "bad-currency", "bad-invoice-date"],
)
def test_could_not_run_exits_2_without_traceback(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def run_command(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command in a child process: an exception would show there as a traceback (click's
    runner would catch it)."""
    return subprocess.run(
        [sys.executable, "-m", "prepaid_recon", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


OUT_OF_RANGE = {
    "period-9999": (["run", SAMPLE, "--period", "9999-12"], "--period"),
    "period-0000": (["run", SAMPLE, "--period", "0000-01"], "--period"),
    "invoice-date-0001": (
        ["run", SAMPLE, "--period", "2026-10", "--invoice-date", "0001-01-01"],
        "--invoice-date",
    ),
    "seed-negative": (["sample", "s", "--seed", "-1", "--timesheets", "5"], "--seed"),
    "seed-2**32": (["sample", "s", "--seed", str(2**32), "--timesheets", "5"], "--seed"),
}
"""The tracebacks of issue 9 (OutOfBoundsDatetime, 'year 0 is out of range', a ValueError of
the seed; a seed of 2**32 was taken), run in a child process where a traceback would show."""

MORE_OUT_OF_RANGE = {
    "validate-period-2100": (["validate", SAMPLE, "--period", "2100-01"], "--period"),
    "invoice-date-9999": (
        ["run", SAMPLE, "--period", "2026-10", "--invoice-date", "9999-12-31"],
        "--invoice-date",
    ),
    "timesheets-huge": (["sample", "s", "--timesheets", str(10**20)], "--timesheets"),
    "sample-period-9999": (["sample", "s", "--period", "9999-12", "--timesheets", "5"], "--period"),
    "sample-period-2099-12": (["sample", "s", "--period", "2099-12"], "--period"),
}
"""More options out of their ranges, in-process (click's runner lets no exception through)."""


@pytest.mark.parametrize("case", sorted(OUT_OF_RANGE))
def test_an_option_out_of_its_range_is_a_usage_error_never_a_traceback(case, tmp_path):
    """Issue 9: each printed a traceback and exited 1; now click's usage error (exit 2) naming
    the option, and nothing written."""
    args, option = OUT_OF_RANGE[case]
    done = run_command(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert f"Invalid value for '{option}'" in done.stderr, done.stderr
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("case", sorted(MORE_OUT_OF_RANGE))
def test_more_options_out_of_their_range_are_usage_errors(case, tmp_path, monkeypatch):
    args, option = MORE_OUT_OF_RANGE[case]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output
    assert not (tmp_path / "s").exists()


def test_the_range_of_each_option_is_stated_in_its_message(tmp_path):
    """The message says what is accepted: the supported months, days, seeds and row counts."""
    period = invoke_unchecked("run", SAMPLE, "--period", "2100-01").output
    assert "from 1900-03 to 2099-12" in period
    day = invoke_unchecked("run", SAMPLE, "--period", "2026-10", "--invoice-date", "1900-02-28")
    assert "from 1900-03-01 to 2099-12-31" in day.output
    seed = invoke_unchecked("sample", tmp_path / "s", "--seed", "-1").output
    assert "0<=x<=4294967295" in seed
    rows = invoke_unchecked("sample", tmp_path / "s", "--timesheets", "1048576").output
    assert "1<=x<=1048575" in rows
    history = invoke_unchecked("sample", tmp_path / "s", "--period", "2099-12").output
    assert "from 1901-03 to 2099-11" in history


@pytest.mark.parametrize(
    ("seed", "period"), [(0, "1901-03"), (2**32 - 1, "2099-11")], ids=["lowest", "highest"]
)
def test_the_edges_of_the_sample_options_write_a_valid_sample(seed, period, tmp_path):
    """The smallest and largest seeds, with the first and last periods a sample accepts, give
    input that validates without error (its dates are all supported dates)."""
    folder = tmp_path / "s"
    args = ["--seed", seed, "--timesheets", 30, "--period", period]
    assert invoke("sample", folder, *args).exit_code == 0
    result = invoke_unchecked("validate", folder, "--period", period, "-q")
    assert result.exit_code == 0, result.output


def test_the_first_and_last_supported_invoice_dates_are_accepted(tmp_path):
    folder = write_inputs(tmp_path / "in", clean_inputs())
    for day in ("1900-03-01", "2099-12-31"):
        out = tmp_path / day
        args = ["run", folder, "--period", "2026-10", "--invoice-date", day, "--out", out, "-q"]
        assert invoke(*args).exit_code == 0
        assert json.loads((out / "run.json").read_text())["options"]["invoice_date"] == day


def _append_rows(ledger: Path, drafts: Path, out: Path) -> None:
    """The month's drafts appended to the ledger, as a user posts them (matching columns)."""
    book = openpyxl.load_workbook(ledger)
    for sheet in ("invoices", "invoice_lines"):
        ws = book[sheet]
        header = [c.value for c in ws[1]]
        for row in rows(drafts, sheet):
            ws.append([row.get(name) for name in header])
    book.save(out)


def test_rerun_after_posting_the_drafts_drafts_nothing_new(sample_run, tmp_path):
    posted = tmp_path / "in"
    shutil.copytree(SAMPLE, posted)
    _append_rows(SAMPLE / "invoices.xlsx", sample_run / "invoices.xlsx", posted / "invoices.xlsx")
    out = tmp_path / "out"
    assert invoke("run", posted, "--period", "2026-10", "--out", out, "-q").exit_code == 0
    assert rows(out / "invoices.xlsx", "invoices") == []
    lines = rows(out / "delivered_vs_ordered.xlsx", "order_lines")
    assert all(line["to_invoice"] == 0 for line in lines)
    assert any(line["invoice_status"] == "invoiced" for line in lines)
