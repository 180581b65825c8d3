"""Helpers for the robustness tests: hand-made .xlsx parts, bombs, and bounded CLI runs.

``run_bounded`` runs the installed command in a child process under an address-space limit
(``RLIMIT_AS``) and a wall-clock timeout: a reader that inflated a bomb, expanded entities or
allocated a huge cell range would die (MemoryError, Rust abort) or time out there, and the test
would see it, instead of the test process itself swapping or being killed.
"""

from __future__ import annotations

import resource
import struct
import subprocess
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from prepaid_recon.cli import cli

COMMAND = Path(sys.executable).with_name("prepaid-recon")
MEMORY_LIMIT = 1 << 30
"""1 GiB of address space: a clean validate of the small inputs peaks far below it."""
TIME_LIMIT = 120
"""Seconds: a ceiling only a hang reaches (how fast a file is refused is a benchmark's
question, not a test's: CI shares two cores)."""

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

LAUGHS = b"""<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""
"""The "billion laughs": 10^9 x 'lol' (3 GB) if a parser expanded &lol9;."""


def _parts(
    sheet: str, sheet_xml: bytes, strings: list[bytes], prolog: bytes = b"", sst_prolog: bytes = b""
) -> dict:
    sst = b"".join(b"<si><t>" + s + b"</t></si>" for s in strings)
    return {
        "[Content_Types].xml": _XML + (
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            b'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            b'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
            b'.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application'
            b'/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": _XML + (
            f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/officeDocument"'
            ' Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": _XML + (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            f'<sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": _XML + (
            f'<Relationships xmlns="{_PKG}">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/worksheets/sheet1.xml": _XML + prolog + (
            f'<worksheet xmlns="{_MAIN}"><sheetData>'.encode() + sheet_xml
            + b"</sheetData></worksheet>"
        ),
        "xl/sharedStrings.xml": _XML + sst_prolog + (
            f'<sst xmlns="{_MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'.encode()
            + sst + b"</sst>"
        ),
    }  # fmt: skip


def write_raw_workbook(
    path: Path,
    sheet: str,
    sheet_xml: bytes,
    strings: list[bytes],
    prolog: bytes = b"",
    sst_prolog: bytes = b"",
) -> Path:
    """A minimal .xlsx whose one sheet holds ``sheet_xml`` rows (cells ``t="s"`` index into
    ``strings``); ``prolog`` / ``sst_prolog`` go before the sheet's / shared strings' root."""
    return write_parts(path, _parts(sheet, sheet_xml, strings, prolog, sst_prolog))


def workbook_parts(sheet: str, sheet_xml: bytes, strings: list[bytes]) -> dict:
    """The parts of :func:`write_raw_workbook` (name -> bytes), to edit before writing them
    with :func:`write_parts`: ``xl/worksheets/sheet1.xml``, ``xl/sharedStrings.xml``,
    ``xl/_rels/workbook.xml.rels`` (the sheet is ``rId1``), ``_rels/.rels``..."""
    return _parts(sheet, sheet_xml, strings)


def write_parts(path: Path, parts: dict) -> Path:
    """A zip of ``parts``, in order: name (or a prepared ``ZipInfo``) -> bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def renamed_sheet(parts: dict, target: str, entry: str | zipfile.ZipInfo) -> dict:
    """``parts`` with the sheet moved to the zip entry ``entry`` and the workbook's relationship
    pointing at it as ``target`` (the spelling under test)."""
    parts = dict(parts)
    sheet = parts.pop("xl/worksheets/sheet1.xml")
    rels = parts["xl/_rels/workbook.xml.rels"]
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        b'Target="worksheets/sheet1.xml"', b'Target="%s"' % target.encode()
    )
    parts[entry] = sheet
    return parts


def unicode_path_entry(raw_name: str, unicode_name: str) -> zipfile.ZipInfo:
    """A zip entry named ``raw_name`` whose Info-ZIP Unicode path extra field (0x7075) names it
    ``unicode_name``: Python's zipfile ignores the field, the Rust zip reader takes it."""
    info = zipfile.ZipInfo(raw_name)
    info.compress_type = zipfile.ZIP_DEFLATED
    unicode = unicode_name.encode()
    crc = zlib.crc32(raw_name.encode())
    info.extra = struct.pack("<HHBI", 0x7075, 5 + len(unicode), 1, crc) + unicode
    return info


class _RepeatedDeflate:
    """A deflate compressor for input that is one block repeated: the block is compressed once
    with a full flush (which resets the history), so its compressed bytes can be repeated."""

    def __init__(self, block: bytes) -> None:
        self.block = block
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        self.once = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
        self.end = compressor.flush()

    def compress(self, data: bytes) -> bytes:
        assert data == self.block
        return self.once

    def flush(self) -> bytes:
        return self.end


def write_zip_bomb(path: Path, inflated: int = 3 << 30, block: int = 16 << 20) -> Path:
    """An .xlsx (about 3 MB) whose sheet XML inflates to ``inflated`` bytes of spaces.

    Built without holding or writing gigabytes: zipfile streams the entry (zip64 sizes) and the
    repeated block is compressed once.  Takes about 0.5 s (zipfile's CRC of every byte).
    """
    parts = _parts("timesheets", b"", [b"date"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                archive.writestr(name, data)
        spaces = b" " * block
        original = zipfile._get_compressor  # type: ignore[attr-defined]
        zipfile._get_compressor = lambda *a, **k: _RepeatedDeflate(spaces)  # type: ignore
        try:
            with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
                for _ in range(inflated // block):
                    entry.write(spaces)
        finally:
            zipfile._get_compressor = original  # type: ignore[attr-defined]
    return path


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    max_rss_mb: float


def _limits(memory: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return apply


def run_bounded(*args: object, memory: int = MEMORY_LIMIT, timeout: float = TIME_LIMIT) -> Ran:
    """The installed ``prepaid-recon`` in a child process under ``memory`` bytes of address
    space and ``timeout`` seconds (``subprocess.TimeoutExpired`` fails the test)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(
        [str(COMMAND), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limits(memory),
        check=False,
    )
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return Ran(
        done.returncode,
        done.stdout,
        done.stderr,
        max(rss, before) / 1024,
    )


def invoke(*args: object):
    """The command in-process through click's runner (exceptions are caught and returned)."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_clean_failure(output: str, code: int, expected: int, *names: str) -> None:
    """Exit code ``expected``, every name in the message, and no Python traceback."""
    assert code == expected, output
    assert "Traceback" not in output, output
    for name in names:
        assert name in output, (name, output)
