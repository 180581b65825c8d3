"""The one exception family of prepaid-recon.

Data problems are findings (rows), not exceptions. An exception here means the command could not
run at all; each carries the exit code the CLI turns it into.
"""

from __future__ import annotations


class ReconError(Exception):
    """The command could not run (usage error, missing INPUT, OUT not writable): exit code 2."""

    exit_code: int = 2


class UsageError(ReconError):
    """Options or paths given on the command line cannot be used."""


class OutputError(ReconError):
    """The reports could not be written where asked (refused, not writable, disk full)."""


class InternalError(ReconError):
    """A broken internal invariant (a bug): the run stops before anything is written."""

    exit_code = 3
