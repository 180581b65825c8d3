"""Publishing a run's files into OUT: the old complete set or the new one, never a mix.

A run's reports are a set: an ``invoices.xlsx`` of this month beside a ``run.json`` of last
month would be an audit trail that lies.  The promise kept here: whatever happens to a run (a
full disk, a refused rename, Ctrl-C, SIGTERM, SIGKILL, a second run at the same time), a reader
of OUT finds the previous complete set of files or the new complete set.  Each file is produced
by a writer function given the path to write; this module knows nothing of Excel or JSON.

The design, and why:

1. **Build beside, then swap the whole folder.**  Every file is written into a new folder
   ``.OUT.tmp-<random>`` beside OUT (same file system, so moving is renaming).  Then the
   user's own entries of OUT (anything that is not one of this tool's output files) are
   carried into it: files as hard links (nothing copied, the same file), folders by
   ``copytree`` making hard links, copying only where the file system refuses a link.  The
   tool's files of an earlier run that this run does not write are not carried: an error run
   leaves only ``exceptions.xlsx`` and ``run.json``.  OUT's permission bits are copied.  Only
   then does the complete folder take OUT's place, in one step.  Replacing the files one by one
   (what this module did before) has no such step: a signal or a refused rename between two
   renames left this month's invoices beside last month's ``run.json``.
2. **One atomic step on Linux**: ``renameat2(RENAME_EXCHANGE)`` (through ctypes: Python has no
   binding) exchanges the two folders in one system call, so a reader sees the old folder or
   the new one, never neither, never a mix; the temporary name then holds the old set, which
   is removed.  A new OUT is the temporary folder renamed.
3. **Fallback** where the exchange is unavailable (another system, a file system answering
   EINVAL or ENOSYS): OUT is renamed aside to ``.OUT.old-<random>``, the new folder renamed in,
   the old one removed; a failed second rename puts the old one back.  A reader may find no
   OUT for the instant between the two renames (never a mix), and a SIGKILL there leaves OUT
   missing, which the next run repairs (5).
4. **Signals.**  SIGINT and SIGTERM are deferred while the folders are swapped
   (:func:`~prepaid_recon.errors.stop_signals_deferred`): no signal falls between the renames
   of the fallback.  Anywhere else an interrupted run ends in the ``finally`` that removes its
   temporary folder, and OUT is untouched or wholly swapped.
5. **A lock, and recovery at the next start.**  :func:`lock_out` takes an exclusive, non-
   blocking ``flock`` on ``.OUT.lock`` beside OUT: a second run into the same OUT fails at
   once, naming OUT, instead of mixing its files with the first one's.  The lock file is kept
   (empty): it is the only thing written outside OUT; deleting it on the way out would let a
   third run lock a new file while a second one still holds the deleted one.  Under the lock,
   what a killed run of the same OUT left is settled first: ``.OUT.tmp-*`` folders are removed
   (a new set matters only once swapped in), and a ``.OUT.old-*`` folder is removed when OUT
   exists, or renamed back to OUT when OUT is missing (the fallback was killed between its
   two renames).
6. **Refused before anything is written** (:func:`check_destination`): an OUT that is the INPUT
   folder, a file, or a mount point (a mount point cannot be moved: write into a folder inside
   it); a file this run writes or drops that is the INPUT workbook; an output name in OUT
   that is a folder (the user's, or it could not be replaced by a file); anything mounted
   inside OUT (removing the old folder would reach into it).

Not kept across a swap: OUT's owner (the new folder belongs to whoever ran the tool) and OUT's
own extended attributes; an entry added to OUT in the instant between carrying and swapping
stays in the old folder and goes with it.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import re
import secrets
import shutil
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path

from prepaid_recon.errors import OutputError, stop_signals_deferred

FileWriter = Callable[[Path], object]
"""Writes one output file at the path it is given (inside the temporary folder); whatever it
returns (``Path.write_bytes`` returns a byte count) is ignored."""

_HELD: set[Path] = set()
"""The OUT folders whose lock this process holds (:func:`lock_out` is re-entrant)."""

_AT_FDCWD = -100
_RENAME_EXCHANGE = 1 << 1
_EXCHANGE_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP})


def _resolve(out_dir: Path | str) -> Path:
    """OUT as one absolute path (``~`` expanded, links resolved): the folder actually swapped,
    and the one name its lock and temporary folders are derived from."""
    return Path(out_dir).expanduser().resolve()


def _same_path(a: Path, b: Path) -> bool:
    """``a`` and ``b`` name the same path (case-insensitively where the system is)."""
    return os.path.normcase(str(a)) == os.path.normcase(str(b))


def lock_path(out_dir: Path | str) -> Path:
    """The lock file of OUT: ``.<OUT name>.lock`` beside it (kept between runs, empty)."""
    out = _resolve(out_dir)
    return out.parent / f".{out.name}.lock"


def _leftover_pattern(out: Path) -> re.Pattern[str]:
    """``.OUT.tmp-<hex>`` and ``.OUT.old-<hex>``, exactly (not another OUT's named alike)."""
    return re.compile(rf"^\.{re.escape(out.name)}\.(tmp|old)-[0-9a-f]{{12}}$")


def _mount_points() -> list[Path]:
    """Every mount point of this process (Linux ``/proc/self/mountinfo``; empty elsewhere)."""
    try:
        lines = Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        fields = line.split()
        if len(fields) > 4:  # the 5th field is the mount point, with \NNN octal escapes
            found.append(Path(re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), fields[4])))
    return found


def check_destination(
    out_dir: Path | str, refuse: Path | str | None, names: Iterable[str] = ()
) -> None:
    """Refuse, with :class:`OutputError` (exit 2), an OUT that cannot be replaced safely.

    Refused: an OUT that is the INPUT folder (``refuse``), a file, or a mount point; a name of
    ``names`` (the files a run writes or drops in OUT) that is the INPUT file or a folder in
    OUT; anything mounted inside OUT.  The run checks this before reading the input, and
    :func:`publish` again before writing: input files are only ever read.
    """
    out_dir = _resolve(out_dir)
    refuse = Path(refuse).expanduser() if refuse is not None else None
    names = list(names)
    if refuse is not None:
        refused = refuse.resolve()
        if _same_path(out_dir, refused):
            raise OutputError(f"--out {out_dir} is the INPUT folder: choose another folder")
        for name in names:
            if _same_path(out_dir / name, refused):
                raise OutputError(
                    f"writing {name} into {out_dir} would overwrite the INPUT file "
                    "(or remove it as an earlier report): choose another folder"
                )
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise OutputError(f"--out {out_dir} is a file, not a folder")
    mounts = _mount_points()
    if os.path.ismount(out_dir) or out_dir in mounts:
        raise OutputError(
            f"--out {out_dir} is a mount point: the reports replace OUT as a whole, which "
            "cannot be done to a mount point; write into a folder inside it"
        )
    for mount in mounts:
        if out_dir in mount.parents:
            raise OutputError(
                f"{mount} is a mount point inside --out {out_dir}: the reports replace OUT as "
                "a whole, so nothing may be mounted inside it"
            )
    for name in names:
        with contextlib.suppress(OSError):
            if stat.S_ISDIR(os.lstat(out_dir / name).st_mode):
                raise OutputError(
                    f"{out_dir / name} is a folder, where the reports have a file of that "
                    "name: move it out of the way"
                )


@contextlib.contextmanager
def lock_out(out_dir: Path | str) -> Iterator[Path]:
    """Hold OUT's lock for the duration; yield OUT resolved.

    The lock is an exclusive ``flock`` on :func:`lock_path`, tried without waiting: when
    another process holds it, :class:`OutputError` (exit 2) says that another run is writing
    OUT.  Taken, it first settles what a killed run of OUT left beside it (module docstring,
    5).  Re-entrant within a process; released when the block ends, however it ends (the
    kernel releases it when the process dies).
    """
    out = _resolve(out_dir)
    if out in _HELD:
        yield out
        return
    path = lock_path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        raise OutputError(f"cannot write into {out.parent}: {exc.strerror or exc}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(
                f"another prepaid-recon run is writing {out}: wait for it to end, then run again"
            ) from None
        except OSError as exc:
            raise OutputError(f"cannot lock {path}: {exc.strerror or exc}") from exc
        _HELD.add(out)
        try:
            _recover(out)
            yield out
        finally:
            _HELD.discard(out)
    finally:
        os.close(fd)


def _recover(out: Path) -> None:
    """Settle what killed runs of OUT left beside it (called under OUT's lock, so no run of
    OUT is under way): temporary folders go; a set-aside old OUT comes back if OUT is missing,
    else goes."""
    pattern = _leftover_pattern(out)
    try:
        names = sorted(n for n in os.listdir(out.parent) if pattern.match(n))
    except OSError:
        return
    temps = [out.parent / n for n in names if ".tmp-" in n]
    olds = sorted((out.parent / n for n in names if ".old-" in n), key=lambda p: p.lstat().st_mtime)
    try:
        _settle(out, temps, olds)
    except OSError as exc:
        raise OutputError(
            f"cannot put the previous reports back from {olds[-1]} into {out}: "
            f"{exc.strerror or exc}"
        ) from exc


def _settle(out: Path, temps: Iterable[Path], olds: list[Path]) -> None:
    """Remove ``temps``; if OUT is missing, rename the newest of ``olds`` back to OUT (an
    ``OSError`` if that fails, the old set staying where it is); remove the other ``olds``."""
    for temp in temps:
        _remove(temp)
    olds = [old for old in olds if os.path.lexists(old)]
    if olds and not os.path.lexists(out):
        os.rename(olds.pop(), out)
    for old in olds:
        _remove(old)


def _remove(path: Path) -> None:
    """Remove a folder of this module's making (or whatever took its name), as far as
    possible: what cannot be removed now is removed by the next run of the same OUT."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError, PermissionError, IsADirectoryError):
            os.unlink(path)


def _make_temp_dir(out: Path) -> Path:
    """A new hidden folder beside ``out``, created with the user's umask (``mkdtemp`` would make
    it private, and it becomes ``out`` itself when renamed)."""
    for _ in range(100):
        candidate = out.parent / f".{out.name}.tmp-{secrets.token_hex(6)}"
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"no free temporary folder name beside {out}")


def _aside_name(out: Path) -> Path:
    """A free name beside ``out`` for the fallback swap to rename OUT to (not created)."""
    while True:
        candidate = out.parent / f".{out.name}.old-{secrets.token_hex(6)}"
        if not os.path.lexists(candidate):
            return candidate


def _link_or_copy(src: str, dst: str) -> str:
    """Make ``dst`` the same file as ``src`` (a hard link: nothing is copied, a symbolic link is
    linked itself); copy it where the file system refuses links.  Crossing file systems
    (EXDEV) is never papered over with a copy: it is raised."""
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError as exc:
        if exc.errno == errno.EXDEV:
            raise
        shutil.copy2(src, dst, follow_symlinks=False)
    return dst


def _carry(out: Path, new: Path, own: set[str]) -> None:
    """Bring every entry of OUT whose name is not in ``own`` (this tool's files) into the new
    folder, as it is (files and links linked, folders rebuilt of links), and give the new
    folder OUT's permission bits.  OUT itself is not changed."""
    with os.scandir(out) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name in own:
                continue
            target = new / entry.name
            if entry.is_dir(follow_symlinks=False):
                shutil.copytree(entry.path, target, symlinks=True, copy_function=_link_or_copy)
            else:
                _link_or_copy(entry.path, str(target))
    os.chmod(new, stat.S_IMODE(os.stat(out).st_mode))


@cache
def _renameat2() -> Callable[..., int] | None:
    """libc's ``renameat2``, or None where there is none (not Linux, or an old C library)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    dirfd, path, flags = ctypes.c_int, ctypes.c_char_p, ctypes.c_uint
    function.argtypes = (dirfd, path, dirfd, path, flags)
    function.restype = ctypes.c_int
    return function


def _exchange(a: Path, b: Path) -> bool:
    """Exchange the folders ``a`` and ``b`` in one system call; False where that is
    unsupported (nothing changed then), an ``OSError`` for any other refusal."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _EXCHANGE_UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap(new: Path, out: Path, aside: Path) -> None:
    """Put the complete folder ``new`` in OUT's place, with no stop signal in between: by
    exchanging them (``new`` then holds the old set), by renaming ``new`` when OUT does not
    exist, else by renaming OUT to ``aside`` then ``new`` to OUT (OUT put back if the second
    rename fails).  On an ``OSError`` OUT is as it was."""
    with stop_signals_deferred():
        if not os.path.lexists(out):
            os.rename(new, out)
        elif not _exchange(new, out):
            os.rename(out, aside)
            try:
                os.rename(new, out)
            except OSError:
                with contextlib.suppress(OSError):
                    os.rename(aside, out)
                raise


def publish(
    out_dir: Path | str,
    files: Mapping[str, FileWriter],
    *,
    refuse: Path | str | None = None,
    stale: Iterable[str] = (),
) -> list[str]:
    """Write every file of a run into ``out_dir``, all or nothing; return their names, sorted.

    ``files`` maps each plain file name to the function that writes it; they are called in
    that order inside a temporary folder beside ``out_dir``.  Only when every file is complete
    does that folder replace ``out_dir`` as a whole (module docstring): a reader finds the old
    complete set or the new one, never a mix.  The names in ``stale`` are this tool's files
    too: one that this run does not write is not carried over (an error run does not leave
    last run's reports beside its ``exceptions.xlsx``); every other entry of an existing
    ``out_dir`` is carried over unchanged.  If anything fails or a stop signal arrives before
    the swap, ``out_dir`` is left exactly as it was and the temporary folder is removed.

    Concurrent runs are kept apart by :func:`lock_out`, which the caller holds around reading
    the input and publishing (and which settles what a killed run left); ``publish`` does not
    take it itself.  ``refuse`` is the INPUT path (:func:`check_destination`).  Every failure
    to write is an :class:`OutputError` (exit code 2) with the system's message.
    """
    out = _resolve(out_dir)
    names = list(files)
    stale = list(stale)
    for name in [*names, *stale]:
        if Path(name).name != name or name in {"", ".", ".."}:
            raise ValueError(f"output file names are plain names, got {name!r}")
    own = {*names, *stale}
    check_destination(out, refuse, sorted(own))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = _make_temp_dir(out)
    except OSError as exc:
        raise OutputError(f"cannot write into {out.parent}: {exc.strerror or exc}") from exc
    aside = _aside_name(out)
    try:
        for name, write in files.items():
            write(tmp / name)
        if out.is_dir():
            _carry(out, tmp, own)
        _swap(tmp, out, aside)
    except OSError as exc:
        raise OutputError(f"cannot write the reports into {out}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(OSError):
            _settle(out, [tmp], [aside])
    return sorted(names)
