"""Two runs into the same OUT at once (CONTRACT section 1): a run holds a lock on OUT from
before it reads INPUT until its files are published; a second run into the same OUT meanwhile
exits 2 at once, saying that another run is writing OUT, and OUT ends as one complete set
(without the lock both exited 0 and OUT held a mix of their files).

The first run is held inside its lock with SIGSTOP (a barrier, not a delay): the test waits
until the lock is held (``/proc/locks``) or the run writes (its temporary folder exists),
stops it, runs the second one to its end, then lets the first go on.  Child processes only.
"""

from __future__ import annotations

import os
import signal

from hostile_files import invoke
from out_sets import (
    NEW_OPTIONS,
    PERIOD,
    SAMPLE,
    TIMEOUT,
    assert_no_traceback,
    beside,
    digest,
    lock_file,
    lock_held,
    needs_proc_locks,
    run,
    run_args,
    start,
    wait_until,
    writing,
)


def test_a_second_run_while_the_first_holds_out_exits_2_naming_out(tmp_path):
    """The second run exits 2 with a message naming OUT and saying another run writes it; the
    first exits 0; OUT is the first run's complete set; nothing is left beside OUT."""
    needs_proc_locks()
    out = tmp_path / "reports" / PERIOD
    assert invoke(*run_args(SAMPLE, out)).exit_code == 0
    old = digest(out)
    first = start(*run_args(SAMPLE, out, *NEW_OPTIONS))
    try:
        assert wait_until(lambda: lock_held(out) or writing(out), first), "first run ended"
        os.kill(first.pid, signal.SIGSTOP)
        try:
            second = run(*run_args(SAMPLE, out))
        finally:
            os.kill(first.pid, signal.SIGCONT)
        _, first_err = first.communicate(timeout=TIMEOUT)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert second.returncode == 2, second.stderr
    assert_no_traceback(second.stderr)
    assert "another" in second.stderr and str(out) in second.stderr, second.stderr
    assert first.returncode == 0, first_err
    new = digest(out)
    assert new != old and new["run.json"] != old["run.json"]
    assert beside(out) == [lock_file(out).name]
