"""Publishing a run's files into OUT: all of them or none, never over the input.

A run's reports are a set: an ``invoices.xlsx`` of this month beside a ``run.json`` of last
month would be an audit trail that lies.  :func:`publish` therefore writes every file into a
temporary folder beside OUT (same file system, so moving is renaming) and moves them into place
only once every one is complete.  Each file is produced by a writer function given the path to
write; this module knows nothing of Excel or JSON.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from prepaid_recon.errors import OutputError

FileWriter = Callable[[Path], object]
"""Writes one output file at the path it is given (inside the temporary folder); whatever it
returns (``Path.write_bytes`` returns a byte count) is ignored."""


def _same_path(a: Path, b: Path) -> bool:
    return os.path.normcase(str(a)) == os.path.normcase(str(b))


def check_destination(
    out_dir: Path | str, refuse: Path | str | None, names: Iterable[str] = ()
) -> None:
    """Refuse, with :class:`OutputError`, an OUT that is the INPUT folder, a report that would
    land on the INPUT file, or an OUT that is a file. The run checks it before reading the
    input; :func:`publish` checks it again before writing: input files are only ever read."""
    out_dir = Path(out_dir).expanduser().resolve()
    refuse = Path(refuse).expanduser() if refuse is not None else None
    if refuse is not None:
        refused = refuse.resolve()
        if _same_path(out_dir, refused):
            raise OutputError(f"--out {out_dir} is the INPUT folder: choose another folder")
        for name in names:
            if _same_path(out_dir / name, refused):
                raise OutputError(f"writing {name} into {out_dir} would overwrite the INPUT file")
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"--out {out_dir} is a file, not a folder")


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
    are they moved into place: a new ``out_dir`` is the temporary folder renamed; an existing
    one gets each file replaced (in the order given, so ``run.json`` goes last when it is
    listed last), then the names listed in ``stale`` that this run did not write are removed,
    so an error run does not leave last run's reports beside its ``exceptions.xlsx``.  Nothing
    else in an existing ``out_dir`` is touched.  If anything fails before the move, ``out_dir``
    is left exactly as it was and the temporary folder is removed.

    ``refuse`` is the INPUT path: an ``out_dir`` equal to it, or a file that would land on it,
    is refused with :class:`OutputError` (exit code 2), as is an ``out_dir`` that cannot be
    written.
    """
    out = Path(out_dir).expanduser().resolve()
    names = list(files)
    for name in names:
        if Path(name).name != name or name in {"", ".", ".."}:
            raise ValueError(f"output file names are plain names, got {name!r}")
    check_destination(out, refuse, names)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = _make_temp_dir(out)
    except OSError as exc:
        raise OutputError(f"cannot write into {out.parent}: {exc.strerror or exc}") from exc
    try:
        for name, write in files.items():
            write(tmp / name)
        if not out.exists():
            tmp.rename(out)
        else:
            for name in names:
                os.replace(tmp / name, out / name)
            for name in sorted(set(stale) - set(names)):
                target = out / name
                if target.is_file():
                    target.unlink()
    except OSError as exc:
        raise OutputError(f"cannot write the reports into {out}: {exc.strerror or exc}") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return sorted(names)
