"""The one exception family of prepaid-recon, and how a stop signal becomes one of them.

Data problems are findings (rows), not exceptions. An exception here means the command could not
run at all, or was stopped; each carries the exit code the CLI turns it into.

Stop signals (SIGINT from Ctrl-C, SIGTERM from a scheduler or ``kill``): inside
:func:`signals_raise_interrupted` the first one raises :class:`Interrupted` in the main thread,
so that every ``finally`` on the way up cleans up (the temporary folder is removed, the lock on
OUT released) and the CLI exits 130 or 143 with one line.  A section that must not be cut in
two (the swap of OUT in :mod:`prepaid_recon.publish`) runs inside
:func:`stop_signals_deferred`: a signal arriving there is raised when the section ends.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

EXIT_OK = 0
"""Done; warnings allowed."""
EXIT_INPUT_ERRORS = 1
"""The input has errors: only ``exceptions.xlsx`` and ``run.json`` are written."""
EXIT_CANNOT_RUN = 2
"""The command could not run: usage error, INPUT missing, OUT refused, not writable or being
written by another run."""
EXIT_INTERNAL = 3
"""An internal check failed (a bug): nothing is written."""
EXIT_INTERRUPTED = 128 + signal.SIGINT
"""130: stopped by SIGINT (Ctrl-C); OUT holds its previous files or this run's, complete."""
EXIT_TERMINATED = 128 + signal.SIGTERM
"""143: stopped by SIGTERM; OUT holds its previous files or this run's, complete."""

STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)
"""The signals that stop a run cleanly (SIGKILL cannot be caught: the next run recovers)."""


class ReconError(Exception):
    """The command could not run (usage error, missing INPUT, OUT not writable): exit code 2."""

    exit_code: int = EXIT_CANNOT_RUN


class UsageError(ReconError):
    """Options or paths given on the command line cannot be used."""


class OutputError(ReconError):
    """The reports could not be written where asked (refused, not writable, disk full, or
    another run is writing the same OUT)."""


class InternalError(ReconError):
    """A broken internal invariant (a bug): the run stops before anything is written."""

    exit_code = EXIT_INTERNAL


class Interrupted(BaseException):
    """A stop signal ended the command: exit code 128 + the signal's number (130, 143).

    A :class:`BaseException`, like :class:`KeyboardInterrupt`: an ``except Exception`` on the
    way up does not swallow it, and every ``finally`` runs.
    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_code = 128 + signum
        super().__init__(f"interrupted by {signal.Signals(signum).name}")

    @classmethod
    def of(cls, stop: BaseException) -> Interrupted:
        """``stop`` itself, or a SIGINT for a :class:`KeyboardInterrupt` (Python's own SIGINT
        handler, where :func:`signals_raise_interrupted` is not in force)."""
        return stop if isinstance(stop, Interrupted) else cls(signal.SIGINT)


class _StopState:
    """The first stop signal received (None before), and how deep in deferred sections the
    main thread is. Only the main thread runs Python signal handlers, and only it uses this."""

    received: int | None = None
    deferring: int = 0


_state = _StopState()


def _on_stop_signal(signum: int, frame: FrameType | None) -> None:
    """Raise :class:`Interrupted` for the first stop signal, unless a deferred section runs
    (then it is raised when the section ends); later signals are ignored, so that they cannot
    cut the cleanup of the first one short."""
    if _state.received is not None:
        return
    _state.received = signum
    if _state.deferring == 0:
        raise Interrupted(signum)


def stop_requested() -> int | None:
    """The stop signal received so far (even if its exception was swallowed), or None."""
    return _state.received


@contextlib.contextmanager
def signals_raise_interrupted() -> Iterator[None]:
    """For the duration, SIGINT and SIGTERM raise :class:`Interrupted` (the first one only) in
    the main thread; the previous handlers are restored afterwards.  A signal that was ignored
    stays ignored; outside the main thread (where Python cannot install handlers) nothing
    changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # A signal ignored by whoever started the process (SIGINT for a background job of a
    # script, ``nohup``) stays ignored, as Python itself leaves it.
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    _state.received = None
    for sig, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(sig, _on_stop_signal)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _state.received = None


@contextlib.contextmanager
def stop_signals_deferred() -> Iterator[None]:
    """A section that no stop signal cuts in two: entered only if no stop was requested yet;
    SIGINT/SIGTERM are blocked at the OS level in this thread (``pthread_sigmask``) and, since
    another thread of the process may still take them, also held back by the Python handler;
    one that arrived is raised as :class:`Interrupted` once the section has ended normally."""
    if _state.received is not None:
        raise Interrupted(_state.received)
    blocked: set[int | signal.Signals] | None = None
    if hasattr(signal, "pthread_sigmask"):
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    _state.deferring += 1
    try:
        yield
    finally:
        _state.deferring -= 1
        if blocked is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    if _state.deferring == 0 and _state.received is not None:
        raise Interrupted(_state.received)
