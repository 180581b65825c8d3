"""The one exception family of prepaid-recon.

Data problems are findings (rows), not exceptions. An exception here means the command could not
run at all; each carries the exit code the CLI turns it into.
"""

from __future__ import annotations

EXIT_OK = 0
"""Done; warnings allowed."""
EXIT_INPUT_ERRORS = 1
"""The input has errors: only ``exceptions.xlsx`` and ``run.json`` are written."""
EXIT_CANNOT_RUN = 2
"""The command could not run: usage error, INPUT missing, OUT refused or not writable."""
EXIT_INTERNAL = 3
"""An internal check failed (a bug): nothing is written."""


class ReconError(Exception):
    """The command could not run (usage error, missing INPUT, OUT not writable): exit code 2."""

    exit_code: int = EXIT_CANNOT_RUN


class UsageError(ReconError):
    """Options or paths given on the command line cannot be used."""


class OutputError(ReconError):
    """The reports could not be written where asked (refused, not writable, disk full)."""


class InternalError(ReconError):
    """A broken internal invariant (a bug): the run stops before anything is written."""

    exit_code = EXIT_INTERNAL
