"""The console entry point (``prepaid-recon``, ``python -m prepaid_recon``).

Stop signals are turned into a clean stop before anything heavy is imported: a Ctrl-C or a
SIGTERM at any moment, even while numpy and pandas load, ends the command with one line and
exit 130 (143 for SIGTERM), never a traceback.
"""

from __future__ import annotations

import sys

from prepaid_recon.errors import Interrupted, signals_raise_interrupted


def main() -> None:
    """Run the command line with stop signals handled from the first instant."""
    try:
        with signals_raise_interrupted():
            from prepaid_recon.cli import main as command_line

            command_line()
    except (Interrupted, KeyboardInterrupt) as err:
        stop = Interrupted.of(err)
        sys.stderr.write(f"prepaid-recon: {stop}\n")
        sys.exit(stop.exit_code)


if __name__ == "__main__":
    main()
