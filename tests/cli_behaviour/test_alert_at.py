"""``run --alert-at PERCENT``: the level at which prepaid blocks are flagged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


def _near(tmp_path: Path, *options: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-m", "prepaid_recon", "run", str(SAMPLE), "--period", "2026-10",
         "--out", str(tmp_path / "out"), "--json", *options],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    findings = json.loads(done.stdout)["findings"]
    return {
        f["message"].split(":")[1].split()[1] for f in findings if f["code"] == "near_threshold"
    }


def test_alert_at_flags_the_blocks_past_the_users_level(tmp_path):
    assert _near(tmp_path) == {"S00101/1", "S00104/1", "S00110/1"}
    assert "S00102/1" in _near(tmp_path, "--alert-at", "80")  # Globex at 85 %


def test_an_alert_level_that_is_not_a_positive_percent_is_a_usage_error(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "prepaid_recon", "run", str(SAMPLE), "--period", "2026-10",
         "--out", str(tmp_path / "out"), "--alert-at", "0"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "--alert-at" in done.stderr
