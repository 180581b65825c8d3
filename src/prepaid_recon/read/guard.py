"""Safety checks made before a native reader opens a file.

calamine (through fastexcel) is fast but trusts the file: a zip bomb, an XML entity bomb, an old
OLE/.xls or password-protected container, one stray cell in ``XFD1048576`` (which makes it
allocate the whole used range) or a shared-string table declaring four billion strings (which
it reserves up front) would hang it, exhaust the memory or abort the process; a shared-string
index it cannot parse silently reads string #0.  Every workbook is therefore opened first as a
plain zip archive, in bounded memory, and refused with a finding naming the file when it cannot
be a safe ``.xlsx``.  The same pass finds each contract sheet's header row (its first filled
cell), so that Excel row numbers stay exact.

What is checked is what calamine will read, found and parsed the way calamine 0.36 (fastexcel
0.21) does -- not the way a careful XML parser would:

* **Parts.**  The workbook's folder comes from the package relationships (``_rels/.rels``); a
  sheet's part is its relationship target, absolute (``/xl/...``) or joined to that folder, looked
  up with ASCII case ignored and ``\\`` read as ``/``, else by its exact bytes.  ``./`` and
  ``../`` are *not* resolved (calamine does not: such a target reaches only a part named so).
  Every part that could be read for a contract sheet is checked; when the workbook's sheets
  cannot be resolved, every part holding a ``sheetData`` is.  The shared strings are
  ``sharedStrings.xml`` in that folder (and any part so named is checked).
* **XML.**  Tags are read as quick-xml reads them: quoted values may hold ``>`` or ``<``, an
  attribute may be spelt ``t = 's'``, a repeated attribute may override the first, column
  letters may be lower case.  A sheet written the usual way (``<c r="B7" s="1" t="s">``) is
  checked by a few fast searches over its XML; any other spelling is walked tag by tag.
* **Shared strings.**  A table may declare at most as many strings as its size can hold, and
  every shared-string cell must give the number of one of its strings (``0 <= i < count``).

Measured on a 1M-row timesheets sheet (290-380 MB of XML): the usual sheet is checked in about
1.3 s (inline strings) to 1.5 s (shared strings) of CPU; a sheet that must be walked takes
about 30-40 s.
"""

from __future__ import annotations

import functools
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from prepaid_recon.contract.inputs import CONTRACTS, normalize_header
from prepaid_recon.findings import Code, Finding, Severity

MAX_UNPACKED_BYTES = 8 * 1024**3
"""Refuse a workbook whose parts inflate past this: a real 2M-row sheet is well below it."""
MAX_RATIO = 250
"""Refuse a zip entry compressed more than this (real sheet XML stays under ~30x)."""
MAX_SHEET_COLUMNS = 1024
"""Refuse a sheet used past this column: reading a column costs time and memory even empty."""
MAX_SHEET_CELLS = 1_048_576 * 32
"""Refuse a sheet whose used range (A1 to its last cell) holds more cells than a full sheet to
column AF: the reader allocates the whole range (32 bytes a cell), however few cells are filled."""
EXCEL_MAX_ROW = 1_048_576
MIN_SHARED_STRING_BYTES = len(b"<si/>")
"""The smallest shared-string item: a table of N bytes cannot hold more than N / 5 strings, so
it may not declare more (calamine reserves room for every declared string before reading)."""
MAX_TOKEN_BYTES = 64 << 20
"""Refuse a tag, comment or text longer than this where the XML must be walked tag by tag (no
spreadsheet writes one: a cell holds at most 32,767 characters)."""
MAX_BOOK_TAGS = 65_536
"""More sheets or relationships than this and the workbook is not resolved: every part is
checked instead."""
_XML_HEAD_BYTES = 64 * 1024
"""How much of each XML part is searched for a DOCTYPE (it must come before the root element)."""
_SCAN_CHUNK = 8 << 20
_OVERLAP = 256
"""Bytes each chunk of a fast scan repeats from the one before: longer than any pattern sought."""

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


def file_error(code: Code, file: str, message: str, sheet: str = "") -> Finding:
    """A finding about a whole file (no row, no column): the file cannot be read as a table."""
    return Finding(Severity.ERROR, code, file, sheet, None, "", "", message)


def inspect_workbook(path: Path, name: str) -> tuple[Finding | None, dict[str, int]]:
    """Before calamine sees a file: a finding when it cannot be a safe .xlsx workbook, and the
    Excel row of each contract sheet's header (its first filled row), read from the same zip."""
    rows: dict[str, int] = {}
    return _check_workbook(path, name, rows), rows


_ZIP_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    ValueError,  # also UnicodeDecodeError: a name flagged UTF-8 that is not
    EOFError,
    zlib.error,
    RuntimeError,  # an encrypted entry ("password required")
    NotImplementedError,  # an entry compressed by a method zipfile does not know
    struct.error,
)


def _check_workbook(path: Path, name: str, header_rows: dict[str, int]) -> Finding | None:
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as err:
        return file_error(Code.UNREADABLE_FILE, name, f"{name} cannot be read: {err.strerror}.")
    if not head:
        return file_error(
            Code.NOT_A_WORKBOOK, name, f"{name} is empty: it is not an Excel workbook."
        )
    if head.startswith(_OLE_MAGIC):
        return file_error(
            Code.PROTECTED_OR_XLS,
            name,
            f"{name} is password-protected or an old .xls workbook: remove the password or "
            "save it as .xlsx (Excel Workbook).",
        )
    if not head.startswith(_ZIP_MAGIC):
        return file_error(
            Code.NOT_A_WORKBOOK,
            name,
            f"{name} is not an Excel .xlsx workbook (wrong file content).",
        )
    try:
        with zipfile.ZipFile(path) as archive:
            return _check_archive(archive, name, header_rows)
    except _ZIP_ERRORS:
        return file_error(Code.CORRUPT_WORKBOOK, name, f"{name} is corrupt: it cannot be opened.")


def _check_archive(
    archive: zipfile.ZipFile, name: str, header_rows: dict[str, int]
) -> Finding | None:
    entries = archive.infolist()
    names = {e.filename for e in entries}
    if "xl/workbook.xml" not in names:
        return file_error(
            Code.NOT_A_WORKBOOK, name, f"{name} is a zip archive but not an Excel .xlsx workbook."
        )
    total = sum(e.file_size for e in entries)
    bomb = any(
        e.file_size > 10 * 1024**2 and e.file_size > MAX_RATIO * max(e.compress_size, 1)
        for e in entries
    )
    if total > MAX_UNPACKED_BYTES or bomb:
        return file_error(
            Code.OVERSIZED_WORKBOOK,
            name,
            f"{name} inflates to {total / 1024**2:,.0f} MB when opened: refused as unsafe.",
        )
    problem = _unsafe_xml(archive, name, entries)
    if problem:
        return problem
    book = _book(archive, _ZipView(archive))
    parts = [*book.strings, *(info for _, info in book.sheets)]
    problem = _unsafe_xml(archive, name, parts, every=True)
    if problem:
        return problem
    problem, strings = _check_shared_strings(archive, name, book.strings)
    if problem:
        return problem
    problem = _check_sheets(archive, name, book.sheets, strings)
    if problem is None and book.resolved:
        header_rows.update({sheet: _header_row(archive, info) for sheet, info in book.headers})
    return problem


def _unsafe_xml(
    archive: zipfile.ZipFile, name: str, entries: Iterable[zipfile.ZipInfo], every: bool = False
) -> Finding | None:
    """An XML part declaring a DOCTYPE or entities ("billion laughs") is refused unread.

    Spreadsheet XML never needs a DOCTYPE.  calamine does not expand entities (it fails on
    them), but the file is refused here first, with a message that says why.  Checked: the
    parts named like XML, or ``every`` part given (the parts calamine reads as XML, which
    may be named anything).
    """
    for entry in entries:
        if every or entry.filename.lower().endswith((".xml", ".rels", ".vml")):
            with archive.open(entry) as fh:
                head = fh.read(_XML_HEAD_BYTES)
            if _DOCTYPE.search(head):
                return _unsafe(name, entry)
    return None


def _unsafe(name: str, entry: zipfile.ZipInfo) -> Finding:
    return file_error(
        Code.UNSAFE_WORKBOOK,
        name,
        f"{name} declares XML entities (in {_printable(entry.filename)}), which spreadsheets "
        "never do: refused as unsafe. Save it again from Excel.",
    )


_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _corrupt(name: str, what: str, sheet: str = "") -> Finding:
    key = normalize_header(sheet)
    return file_error(
        Code.CORRUPT_WORKBOOK,
        name,
        f"{name} is corrupt: {what}. Save it again from Excel.",
        key if key in CONTRACTS else "",
    )


def _printable(text: str | bytes, limit: int = 40) -> str:
    """Text from the file, shown in a message: cut short, control characters as '?'."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    shown = "".join(c if c.isprintable() else "?" for c in text[:limit])
    return shown + ("..." if len(text) > limit else "")


# --------------------------------------------------------------------------------------------
# The archive as calamine sees it: which part a path reaches
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    info: zipfile.ZipInfo
    raw: bytes
    """The name as calamine's zip reader keys it (an Info-ZIP Unicode path replaces it)."""
    key: bytes
    """What calamine looks a path up by: the name decoded, ``\\`` as ``/``, ASCII lower case."""


def _names(info: zipfile.ZipInfo) -> Iterator[tuple[bytes, bytes]]:
    """``(raw, key)`` of each name calamine may know this entry by.

    Python decodes a name without the UTF-8 flag as cp437 and ignores the Info-ZIP Unicode
    path (extra field 0x7075), which calamine's zip reader takes instead: both are given.
    """
    utf8 = bool(info.flag_bits & 0x800)
    raw = info.orig_filename.encode("utf-8" if utf8 else "cp437")
    yield raw, _lookup_key(raw.decode("utf-8", "replace") if utf8 else info.orig_filename)
    extra, at = info.extra, 0
    while at + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, at)
        if tag == 0x7075 and size > 5:
            unicode = extra[at + 9 : at + 4 + size]
            yield unicode, _lookup_key(unicode.decode("utf-8", "replace"))
        at += 4 + size


def _lookup_key(name: str | bytes) -> bytes:
    data = name.encode("utf-8", "surrogateescape") if isinstance(name, str) else name
    return data.replace(b"\\", b"/").lower()  # bytes.lower(): ASCII only, as calamine's


class _ZipView:
    """The archive's entries and the lookup calamine does on them (zip 8.6, calamine 0.36)."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.entries = [
            _Entry(info, raw, key) for info in archive.infolist() for raw, key in _names(info)
        ]
        by_raw: dict[bytes, _Entry] = {}
        for entry in self.entries:
            by_raw[entry.raw] = entry  # a repeated name: the first place, the last entry
        self._by_raw = by_raw
        self._cache = {entry.key: entry for entry in by_raw.values()}

    def pick(self, path: bytes) -> zipfile.ZipInfo | None:
        """The entry calamine reads for ``path``: by lookup key, else by exact name."""
        entry = self._cache.get(_lookup_key(path)) or self._by_raw.get(path)
        return entry.info if entry else None

    def reachable(self, path: bytes) -> list[zipfile.ZipInfo]:
        """Every entry ``path`` may reach (a superset of :meth:`pick`, for the checks)."""
        key = _lookup_key(path)
        found = [e.info for e in self.entries if e.key == key or e.raw == path]
        return list(dict.fromkeys(found))


@dataclass
class _Book:
    """What calamine will read: each contract sheet's parts, the shared-string parts."""

    sheets: list[tuple[str, zipfile.ZipInfo]] = field(default_factory=list)
    """(sheet name, part): every part a contract sheet may be read from."""
    headers: list[tuple[str, zipfile.ZipInfo]] = field(default_factory=list)
    """(sheet name, part) calamine reads for that name, for its header row."""
    strings: list[zipfile.ZipInfo] = field(default_factory=list)
    resolved: bool = True


class _Unresolved(Exception):
    """The workbook's sheets cannot be mapped to parts as calamine would."""


def _book(archive: zipfile.ZipFile, view: _ZipView) -> _Book:
    """The parts to check.  When the sheets cannot be resolved, every part of the archive."""
    strings = [e.info for e in view.entries if e.key.endswith(b"sharedstrings.xml")]
    try:
        book = _resolved_book(archive, view)
    except Exception:  # unusual or broken workbook relationships: check every part
        every = [(i.filename, i) for i in archive.infolist() if _has_sheet_data(archive, i)]
        return _Book(every, [], list(dict.fromkeys(strings)), resolved=False)
    book.strings = list(dict.fromkeys([*book.strings, *strings]))
    return book


def _has_sheet_data(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> bool:
    """Whether a part could give calamine cells: it reads none before a ``sheetData`` tag."""
    return any(b"sheetData" in data for data, _end in _chunks(archive, part, 16))


def _resolved_book(archive: zipfile.ZipFile, view: _ZipView) -> _Book:
    """Resolve the contract sheets as calamine does (``Xlsx::new`` and ``worksheet_range``).

    The folder of every ``officeDocument`` target of ``_rels/.rels`` is tried (calamine takes
    the last); relationship targets are taken both as written and unescaped (calamine takes
    them as written); every ``id`` attribute of a sheet is tried (calamine takes the last).
    """
    package = view.pick(b"_rels/.rels")
    if package is None:
        raise _Unresolved
    folders: set[bytes] = set()
    for attrs in _start_tags(archive, package, b"Relationship"):
        if any(v.endswith(b"/relationships/officeDocument") for k, v in attrs if k == b"Type"):
            for target in _spellings(v for k, v in attrs if k == b"Target"):
                folder = target[: target.rfind(b"/") + 1]
                folders.add(folder[1:] if folder.startswith(b"/") else folder)
    if not folders:
        raise _Unresolved
    book = _Book()
    for folder in sorted(folders):
        book.strings += view.reachable(folder + b"sharedStrings.xml")
        rels_part = view.pick(folder + b"_rels/workbook.xml.rels")
        workbook = view.pick(folder + b"workbook.xml")
        if rels_part is None or workbook is None:
            raise _Unresolved
        targets: dict[bytes, list[bytes]] = {}
        for attrs in _start_tags(archive, rels_part, b"Relationship"):
            for rid in (v for k, v in attrs if k == b"Id"):
                targets.setdefault(rid, []).extend(
                    _spellings(v for k, v in attrs if k == b"Target")
                )
        for attrs in _start_tags(archive, workbook, b"sheet"):
            names = [_unescape(v) or v for k, v in attrs if k == b"name"]
            shown = [n.decode("utf-8", "replace") for n in names]
            if not any(normalize_header(n) in CONTRACTS for n in shown):
                continue
            rids = [v for k, v in attrs if k == b"id" or k.endswith(b":id")]
            if not rids or any(rid not in targets for rid in rids):
                raise _Unresolved
            for target in (t for rid in rids for t in targets[rid]):
                path = target[1:] if target.startswith(b"/") else folder + target
                for sheet in shown:
                    book.sheets += [(sheet, info) for info in view.reachable(path)]
                    picked = view.pick(path)
                    if picked is not None and sheet not in {s for s, _ in book.headers}:
                        book.headers.append((sheet, picked))
    return book


def _spellings(values: Iterable[bytes]) -> list[bytes]:
    """Each value as written and, when it holds entities, unescaped."""
    out: list[bytes] = []
    for value in values:
        out.append(value)
        unescaped = _unescape(value)
        if unescaped is not None and unescaped != value:
            out.append(unescaped)
    return out


_ENTITY = re.compile(rb"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|apos|quot);")
_ENTITIES = {b"lt": b"<", b"gt": b">", b"amp": b"&", b"apos": b"'", b"quot": b'"'}


def _unescape(value: bytes) -> bytes | None:
    """An attribute value with XML entities replaced; None when one is not XML's."""

    def one(match: re.Match[bytes]) -> bytes:
        ref = match.group(1)
        if not ref.startswith(b"#"):
            return _ENTITIES[ref]
        code = int(ref[2:], 16) if ref.startswith(b"#x") else int(ref[1:])
        return chr(code).encode("utf-8", "surrogatepass") if code <= 0x10FFFF else b"?"

    unescaped = _ENTITY.sub(one, value)
    return None if b"&" in _ENTITY.sub(b"", value) else unescaped


def _start_tags(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, local: bytes
) -> list[list[tuple[bytes, bytes]]]:
    """The attributes of every start tag named ``local`` (any prefix) in a small part."""
    found = []
    for token in _tokens(archive, info):
        if isinstance(token, str):
            raise _Unresolved
        name = token.group("name")
        if name is not None and not token.group("end") and _local_name(name) == local:
            found.append(list(_attributes(token.group("attrs"))))
            if len(found) > MAX_BOOK_TAGS:
                raise _Unresolved
    return found


# --------------------------------------------------------------------------------------------
# XML read as quick-xml reads it
# --------------------------------------------------------------------------------------------

_MARKUP = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
    rb"|(?P<decl><![A-Za-z])"
    rb"|<(?P<end>/?)(?P<name>(?![!?])[^\s/>]*)(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
    re.S,
)
"""One piece of markup: a comment, CDATA, a processing instruction, a declaration (DOCTYPE),
or a tag whose quoted attribute values may hold ``>`` and ``<`` (quick-xml allows both)."""
_UNSAFE, _TOO_LONG = "unsafe", "too long"


def _tokens(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[re.Match[bytes] | str]:
    """The markup of a part in order, in bounded memory.

    Each match is over a buffer that also holds the text after it, up to the next ``<``.  A
    string instead, and the end, when the part cannot be read safely: a declaration
    (``_UNSAFE``) or a piece of markup or text longer than ``MAX_TOKEN_BYTES`` (``_TOO_LONG``).
    Markup left unfinished at the end of the part ends it (calamine fails there too).
    """
    carry = b""
    with archive.open(info) as fh:
        while True:
            chunk = fh.read(_SCAN_CHUNK)
            final = not chunk
            data, carry, pos = carry + chunk, b"", 0
            for match in _MARKUP.finditer(data):
                gap = data.find(b"<", pos, match.start())
                if gap >= 0:  # a '<' that starts no whole markup: unfinished, wait for more
                    carry = data[gap:]
                    break
                if not final and data.find(b"<", match.end()) < 0:  # its text goes on
                    carry = data[match.start() :]
                    break
                if match.group("decl"):
                    yield _UNSAFE
                    return
                yield match
                pos = match.end()
            else:
                rest = data.find(b"<", pos)
                carry = data[rest:] if rest >= 0 else b""
            if final:
                return
            if len(carry) > MAX_TOKEN_BYTES:
                yield _TOO_LONG
                return


def _local_name(name: bytes) -> bytes:
    """quick-xml's local name: what follows the first ``:``."""
    return name.partition(b":")[2] if b":" in name else name


_ATTRIBUTE = re.compile(rb"[ \t\r\n\f]*([^=]*?)[ \t\r\n\f]*=[ \t\r\n\f]*(?:\"([^\"]*)\"|'([^']*)')")


def _attributes(raw: bytes) -> Iterator[tuple[bytes, bytes]]:
    """The ``(key, value)`` pairs of a tag as calamine reads them (its ``RawAttrIter``): keys
    as written (prefix included), values raw (no entity replaced); spaces around ``=``, single
    quotes and no space between attributes are all read; a malformed one ends the list."""
    raw = raw.removesuffix(b"/")
    pos = 0
    while match := _ATTRIBUTE.match(raw, pos):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        yield match.group(1), value
        pos = match.end()


# --------------------------------------------------------------------------------------------
# Shared strings
# --------------------------------------------------------------------------------------------

_SHARED_STRING = re.compile(rb"<(?:[^\s/>:<]{1,64}:)?si[\s/>]")
_UNIQUE_COUNT = re.compile(rb"uniqueCount\s*=\s*[\"']\s*\+?0*([0-9]*)")


def _check_shared_strings(
    archive: zipfile.ZipFile, name: str, parts: list[zipfile.ZipInfo]
) -> tuple[Finding | None, int]:
    """A shared-string table may not declare more strings than its size can hold.

    calamine reserves room for ``uniqueCount`` strings (24 bytes each) before reading one:
    ``4294967295`` aborts the process, ``2**63-1`` panics.  A table of N bytes holds at most
    N / 5 strings (``<si/>``), so a larger count is refused: the memory reserved stays within
    a few times what the table's real strings take.  Also returns how many ``<si>`` items the
    tables hold (the fewest of them, 0 without a table), for the cells' indices.
    """
    counts = []
    for part in parts:
        items, declared, size = _shared_strings(archive, part)
        if declared > size // MIN_SHARED_STRING_BYTES:
            shown = f"{declared:,}" if declared < 10**20 else "more than 10^20"
            return _corrupt(
                name,
                f"its shared-string table ({_printable(part.filename)}) declares {shown} "
                f"strings but its {size:,} bytes hold at most {size // MIN_SHARED_STRING_BYTES:,}",
            ), 0
        if items < 0:
            return _corrupt(
                name,
                f"its shared-string table ({_printable(part.filename)}) holds text or a tag "
                f"longer than {MAX_TOKEN_BYTES >> 20} MB",
            ), 0
        counts.append(items)
    return None, min(counts, default=0)


def _shared_strings(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> tuple[int, int, int]:
    """``(<si> items, largest uniqueCount declared, bytes)`` of a shared-string part, streamed.

    Items are counted as calamine counts them or more (also inside comments); every
    ``uniqueCount`` is read, wherever it is and however it is spelt (-1: none).  Items are -1
    when a piece of text or markup is longer than ``MAX_TOKEN_BYTES``.
    """
    items, declared, size, carry = 0, -1, 0, b""
    with archive.open(part) as fh:
        while True:
            chunk = fh.read(_SCAN_CHUNK)
            size += len(chunk)
            data = carry + chunk
            # Cut before the last '<': nothing sought holds a '<' but at its start.
            cut = max(data.rfind(b"<"), 0) if chunk else len(data)
            head, carry = data[:cut], data[cut:]
            items += _count_items(head)
            for digits in _UNIQUE_COUNT.findall(head):
                value = int(digits) if len(digits) <= 20 else 10**20
                declared = max(declared, value)
            if not chunk:
                return items, declared, size
            if len(carry) > MAX_TOKEN_BYTES:
                return -1, declared, size


def _count_items(data: bytes) -> int:
    """The ``<si>`` start tags in ``data``: ``<si`` then a space, ``/`` or ``>`` (the ends of a
    name for quick-xml), counted directly unless some carry a prefix (``<x:si>``)."""
    if b":si" in data:
        return len(_SHARED_STRING.findall(data))
    return sum(data.count(b"<si" + end) for end in (b">", b"/", b" ", b"\t", b"\n", b"\r"))


@functools.lru_cache(maxsize=64)
def _below(count: int) -> bytes:
    """A regex of the decimal numbers 0 <= i < count written the usual way (count >= 1)."""
    digits = str(count)
    if count == 1:
        return b"0"
    alternatives = [b"0"]
    if len(digits) > 1:
        alternatives.append(rb"[1-9][0-9]{0,%d}+" % (len(digits) - 2))
    for i, digit in enumerate(digits):
        low, high = (1 if i == 0 else 0), int(digit) - 1
        if high >= low:
            rest = len(digits) - i - 1
            alternatives.append(
                digits[:i].encode()
                + b"[%d-%d]" % (low, high)
                + (b"[0-9]{%d}" % rest if rest else b"")
            )
    return b"(?:" + b"|".join(alternatives) + b")"


@functools.lru_cache(maxsize=64)
def _unusual_string_cell(count: int) -> re.Pattern[bytes]:
    """A ``t="s"`` not followed by ``><v>i</v></c>`` with ``0 <= i < count`` (any prefix)."""
    v, c = rb"(?:v|[\w.-]{1,16}:v)>", rb"(?:c|[\w.-]{1,16}:c)>"
    return re.compile(rb't="s"(?!><' + v + _below(count) + rb"</" + v + rb"</" + c + rb")")


# --------------------------------------------------------------------------------------------
# Sheets
# --------------------------------------------------------------------------------------------


@dataclass
class _Scan:
    """What calamine would make of a sheet: an upper bound of its used range, and what is
    wrong in it (a shared-string index, or XML that cannot be read safely)."""

    rows: int = 999_999
    columns: int = 26
    bad_string: tuple[str, bytes] | None = None
    """(cell, value) of a shared-string cell whose index is not one of the table's."""
    problem: str = ""
    """``_UNSAFE``, ``_TOO_LONG`` or ``_MARKUP_IN_VALUE``: the sheet is refused unread."""

    def too_large(self) -> bool:
        return (
            self.columns > MAX_SHEET_COLUMNS
            or self.rows > EXCEL_MAX_ROW
            or self.rows * self.columns > MAX_SHEET_CELLS
        )


_MARKUP_IN_VALUE = "markup in a value"


def _check_sheets(
    archive: zipfile.ZipFile, name: str, parts: list[tuple[str, zipfile.ZipInfo]], strings: int
) -> Finding | None:
    """Each part a contract sheet may be read from is scanned; the first problem refuses the
    file (see :func:`_scan_sheet` for the rules)."""
    seen: set[int] = set()
    for sheet, part in parts:
        if id(part) in seen:
            continue
        seen.add(id(part))
        scan = _scan_sheet(archive, part, strings)
        finding = _sheet_finding(scan, sheet, part, name, strings)
        if finding is not None:
            return finding
    return None


def _sheet_finding(
    scan: _Scan, sheet: str, part: zipfile.ZipInfo, name: str, strings: int
) -> Finding | None:
    shown = _printable(sheet)
    if scan.problem == _UNSAFE:
        return _unsafe(name, part)
    if scan.problem == _TOO_LONG:
        return _corrupt(
            name,
            f"sheet '{shown}' ({_printable(part.filename)}) holds text or a tag longer than "
            f"{MAX_TOKEN_BYTES >> 20} MB",
            sheet,
        )
    if scan.problem == _MARKUP_IN_VALUE:
        return _corrupt(
            name, f"a cell of sheet '{shown}' holds markup where calamine reads its value", sheet
        )
    if scan.bad_string is not None:
        cell, value = scan.bad_string
        return _corrupt(
            name,
            f"cell {cell} of sheet '{shown}' should give the number of one of its "
            f"{strings:,} shared strings (0 to {strings - 1:,}) "
            f"but gives '{_printable(value, 24)}'",
            sheet,
        )
    rows, columns = scan.rows, scan.columns
    if columns > MAX_SHEET_COLUMNS:
        used = f"is used up to column {_column_letters(columns)} ({columns:,} columns)"
    elif rows > EXCEL_MAX_ROW:
        used = f"has a cell past Excel's last row {EXCEL_MAX_ROW:,}"
    elif rows * columns > MAX_SHEET_CELLS:
        used = f"is used up to cell {_column_letters(columns)}{rows} ({rows * columns:,} cells)"
    else:
        return None
    key = normalize_header(sheet)
    return file_error(
        Code.OVERSIZED_SHEET,
        name,
        f"sheet '{shown}' of {name} {used}: too large to read. Delete the unused rows and "
        f"columns (at most {MAX_SHEET_COLUMNS:,} columns and {MAX_SHEET_CELLS:,} cells), or "
        "give the table as a CSV file.",
        key if key in CONTRACTS else "",
    )


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + (char - 64)
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _scan_sheet(archive: zipfile.ZipFile, part: zipfile.ZipInfo, strings: int) -> _Scan:
    """A sheet's used range and its shared-string indices, as calamine will read them.

    Rules: the used range (A1 to the last cell, an upper bound of what calamine allocates)
    within ``MAX_SHEET_COLUMNS`` columns, ``EXCEL_MAX_ROW`` rows and ``MAX_SHEET_CELLS``
    cells; every shared-string cell's value, when a table exists, a decimal number below the
    number of strings (anything else reads string #0, or fails); no DOCTYPE, no markup inside
    a value, no piece of XML longer than ``MAX_TOKEN_BYTES``.  A sheet written the usual way
    is checked by fast searches (:func:`_scan_usual`); any other is walked tag by tag
    (:func:`_walk_sheet`).  Without a shared-string table, calamine fails on any
    shared-string cell: indices are then not read.
    """
    return _scan_usual(archive, part, strings) or _walk_sheet(archive, part, strings)


_OTHER_ATTRIBUTES = rb'(?: (?:[st]|cm|vm|ph)="[0-9A-Za-z]{1,9}+"){0,4}+/?>'
"""At most four of a cell tag's usual attributes after its reference: style, type, and Excel's
cell and value metadata (``cm``, ``vm``) and phonetic flag (``ph``); never a second ``r``."""
_USUAL_CELL = rb'r="[A-Z][0-9]{1,6}+"' + _OTHER_ATTRIBUTES
_UNUSUAL_CELLS = (
    re.compile(rb"<c(?! " + _USUAL_CELL + rb")[\s>/]"),
    re.compile(rb":c(?! " + _USUAL_CELL + rb")[\s>/]"),
)
"""A cell tag other than ``<c r="B7" s="1" t="s">`` within A1:Z999999 (any prefix)."""
_WIDE_CELL = re.compile(rb'[<:]c r="([A-Z]{1,10})([0-9]{1,12})"' + _OTHER_ATTRIBUTES)
"""A cell tag written the usual way, anywhere: its reference, then the usual attributes."""
_ROW_OF_REF = re.compile(rb'c r="[A-Z]+(\d+)"')


def _scan_usual(archive: zipfile.ZipFile, part: zipfile.ZipInfo, strings: int) -> _Scan | None:
    """The scan of a sheet written the usual way, by searches over its XML; None otherwise.

    Every cell tag must be ``<c r="REF"`` + at most ``s="..."`` and ``t="..."`` (double quotes,
    upper-case reference, any prefix): then the references alone give the used range, whatever
    the rows say.  Within A1:Z999999 (the usual sheet) no reference is even read (about 1 s
    per GB of XML).  With a shared-string table, every ``t="s"`` must be followed by
    ``><v>i</v></c>`` with ``i`` a string's number.  Anything else (another spelling, an
    index to report) is left to the walk.  Patterns are sought in overlapping chunks
    (``_OVERLAP``); a match starting at or after a chunk's ``end`` is left to the next one.
    """
    scan = _Scan()
    unusual_string = _unusual_string_cell(strings) if strings else None
    for data, end in _chunks(archive, part, _OVERLAP):
        for pattern in _UNUSUAL_CELLS:
            for match in pattern.finditer(data):
                if match.start() >= end:
                    break
                wide = _WIDE_CELL.match(data, match.start())
                if wide is None:
                    return None
                letters, digits = wide.groups()
                scan.rows = max(scan.rows, int(digits))
                scan.columns = max(scan.columns, _column_number(letters))
        if scan.rows > EXCEL_MAX_ROW or scan.columns > MAX_SHEET_COLUMNS:
            return scan
        if unusual_string is not None:
            odd = unusual_string.search(data)
            if odd is not None and odd.start() < end:
                return None
    if scan.rows * scan.columns > MAX_SHEET_CELLS:
        scan.rows = 1
        for data, _end in _chunks(archive, part, _OVERLAP):
            found = _ROW_OF_REF.findall(data)
            if found:
                scan.rows = max(scan.rows, *map(int, found))
    return scan


def _chunks(
    archive: zipfile.ZipFile, part: zipfile.ZipInfo, overlap: int
) -> Iterator[tuple[bytes, int]]:
    """The part's bytes as ``(chunk, end)`` in pieces of bounded size.

    Each chunk starts with the last ``overlap`` bytes of the one before: a pattern cut in two
    by a chunk boundary is found whole in the next chunk.  A match starting at or after ``end``
    may have been judged on a cut tag (``<c `` with its ``r="`` in the next chunk): it is left
    to the next chunk, which holds it whole.
    """
    tail = b""
    with archive.open(part) as fh:
        chunk = fh.read(_SCAN_CHUNK)
        while chunk:
            following = fh.read(_SCAN_CHUNK)
            data = tail + chunk
            yield data, (len(data) - overlap // 2 if following else len(data))
            tail, chunk = chunk[-overlap:], following


_REFERENCE = re.compile(rb"([A-Za-z]*)([0-9]+)")


def _position(value: bytes) -> tuple[int, int] | None:
    """``(row, column)``, 1-based, of a reference as calamine reads it (letters of any case,
    then digits; no 32-bit wrap-around, so never smaller than calamine's); column 0 when it
    has no letters; None when calamine fails on it."""
    match = _REFERENCE.fullmatch(value)
    if match is None:
        return None
    letters, digits = match.groups()
    row = int(digits) if len(digits) <= 12 else 10**12
    return (row, _letters_column(letters)) if row >= 1 else None


@functools.lru_cache(maxsize=4096)
def _letters_column(letters: bytes) -> int:
    return _column_number(letters.upper()) if len(letters) <= 10 else 10**12


_PIECE = re.compile(
    rb"([^<]*+)(?:"
    rb"<((?:[^\s/>:<!?]+:)?)c((?:[ \t\r\n]+[^<>\"'=]+=(?:\"[^\"<>]*\"|'[^'<>]*'))*[ \t\r\n]*)>"
    rb"(?:<\2f>[^<]*</\2f>)?(?:<\2v>([^<]*)</\2v>|<\2is><\2t"
    rb"(?:[ \t\r\n]+[^<>\"'=]+=(?:\"[^\"<>]*\"|'[^'<>]*'))*[ \t\r\n]*>[^<]*</\2t></\2is>)?</\2c>"
    rb"|<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|(<![A-Za-z])"
    rb"|<(/?)((?![!?])[^\s/>]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>)",
    re.S,
)
"""Text up to the next ``<``, then one piece of markup as in ``_MARKUP`` -- or a whole cell
written simply (``<c ...>``, maybe ``<f>`` text, maybe ``<v>`` text or ``<is><t>`` text, then
``</c>``: the same pieces, matched at once); matched one after the other from the start of the
part, so that what is not a whole piece is never skipped."""
_ATTRIBUTES = re.compile(
    rb"[ \t\r\n\f]*([^=]*?)[ \t\r\n\f]*=[ \t\r\n\f]*(?:\"([^\"]*)\"|'([^']*)')"
)
_OUT, _CELL, _VALUE, _TEXT = range(4)
_ROW, _C, _V, _F, _IS, _T, _STRUCTURE, _OTHER = range(8)
_KINDS = {b"row": _ROW, b"c": _C, b"v": _V, b"f": _F, b"is": _IS, b"t": _T}
_KINDS.update(dict.fromkeys([b"sheetData", b"si", b"sst", b"worksheet"], _STRUCTURE))


def _walk_sheet(archive: zipfile.ZipFile, part: zipfile.ZipInfo, strings: int) -> _Scan:
    """The scan of any sheet, tag by tag, placing cells as calamine's ``XlsxCellReader`` does.

    A cell with a reference is placed there (the largest, when it has several); one without
    follows the previous cell; ``</row>`` starts the next row at column A, a row's ``r`` sets
    it.  Inside a cell only ``<v>``, ``<f>``, ``<is>`` matter: calamine reads their content
    its own way, so markup where it reads text (in ``<v>``, ``<f>``, ``<t>``), or a cell or row
    tag inside ``<is>``, is refused rather than guessed.  A cell is a shared string when any of
    its ``t`` attributes is ``s``; the first text of each of its ``<v>`` (up to ``<`` or ``&``)
    is its index.  Cells outside ``<sheetData>`` count too (an upper bound).  Markup left
    unfinished at the end of the part ends the walk (calamine fails there too).
    """
    scan = _Scan(rows=0, columns=0)
    last_row = last_column = 0  # the used range so far
    row = column = 1  # calamine's next position, 1-based (never below it)
    cell, string_cell, index_next = (1, 1), False, False
    state, value_name, text_name, inline = _OUT, b"", b"", False
    kinds: dict[bytes, int] = {}
    carry = b""
    with archive.open(part) as fh:
        while True:
            chunk = fh.read(_SCAN_CHUNK)
            data, pos, match = carry + chunk, 0, _PIECE.match
            while piece := match(data, pos):
                pos = piece.end()
                text, prefix, cell_attrs, value, declaration, end, name, attrs = piece.groups()
                if index_next:  # the text after a shared-string cell's <v>
                    index_next = False
                    if not _is_index(text.partition(b"&")[0], strings):
                        bad = text.partition(b"&")[0]
                        scan.bad_string = (f"{_column_letters(cell[1])}{cell[0]}", bad)
                        return scan
                if prefix is not None:  # a whole cell: <c ...>, maybe <v>value</v>, </c>
                    if state != _OUT:  # its <c> alone decides: calamine fails, or refused
                        if state == _CELL:
                            return scan
                        scan.problem = _MARKUP_IN_VALUE
                        return scan
                    cell, string_cell = _cell_attributes(cell_attrs, row, column)
                    column = cell[1] + 1
                    if cell[0] > last_row or cell[1] > last_column:
                        last_row, last_column = max(last_row, cell[0]), max(last_column, cell[1])
                        scan.rows, scan.columns = last_row, last_column
                        if scan.too_large():
                            return scan
                    index = b"" if value is None else value.partition(b"&")[0]
                    if string_cell and strings > 0 and not _is_index(index, strings):
                        scan.bad_string = (f"{_column_letters(cell[1])}{cell[0]}", index)
                        return scan
                    continue
                if name is None:
                    if declaration:
                        scan.problem = _UNSAFE
                        return scan
                    continue  # a comment, CDATA, a processing instruction
                kind = kinds.get(name)
                if kind is None:
                    kind = kinds[name] = _KINDS.get(_local_name(name), _OTHER)
                closing = end == b"/"
                if state == _OUT:
                    if kind == _C and not closing:
                        cell, string_cell = _cell_attributes(attrs, row, column)
                        column = cell[1] + 1
                        if cell[0] > last_row or cell[1] > last_column:
                            last_row, last_column = (
                                max(last_row, cell[0]),
                                max(last_column, cell[1]),
                            )
                            scan.rows, scan.columns = last_row, last_column
                            if scan.too_large():
                                return scan
                        if not attrs.endswith(b"/"):
                            state = _CELL
                    elif kind == _ROW:
                        if not closing:  # calamine takes the first r: the largest is above it
                            row = max((r for r, _ in _references(attrs, 0)), default=row)
                        if closing or attrs.endswith(b"/"):
                            row, column = row + 1, 1
                elif state == _CELL:
                    if closing:
                        state = _OUT if kind == _C else _CELL
                    elif kind in (_V, _F, _IS):
                        if not attrs.endswith(b"/"):
                            index_next = kind == _V and string_cell and strings > 0
                            state, value_name, inline = _VALUE, name, kind == _IS
                    else:  # calamine fails on this cell (UnexpectedNode): nothing is allocated
                        return scan
                elif state == _VALUE:  # calamine reads on to the value's end tag
                    if closing and name == value_name:
                        state = _CELL
                    elif not inline or kind not in (_T, _OTHER):
                        scan.problem = _MARKUP_IN_VALUE
                        return scan
                    elif kind == _T and not closing and not attrs.endswith(b"/"):
                        state, text_name = _TEXT, name
                elif closing and name == text_name:  # in an inline string's <t>
                    state = _VALUE
                else:
                    scan.problem = _MARKUP_IN_VALUE
                    return scan
            carry = data[pos:]
            if not chunk:
                return scan
            if len(carry) > MAX_TOKEN_BYTES:
                scan.problem = _TOO_LONG
                return scan


_USUAL_ATTRIBUTES = re.compile(rb' r="([A-Z]{1,3})([0-9]{1,7})"(?: s="[0-9]{1,9}")?( t="s")?/?')


def _cell_attributes(attrs: bytes, row: int, column: int) -> tuple[tuple[int, int], bool]:
    """``((row, column), shared string)`` of a cell tag: its largest reference (else the
    position given), and whether any of its ``t`` is ``s``."""
    usual = _USUAL_ATTRIBUTES.fullmatch(attrs)
    if usual is not None:
        letters, digits, string = usual.groups()
        return (int(digits), _letters_column(letters)), string is not None
    places = [p for p in _references(attrs, 1)]
    string = any(k == b"t" and (q or s) == b"s" for k, q, s in _ATTRIBUTES.findall(attrs))
    if not places:
        return (row, column), string
    return (max(r for r, _ in places), max(c for _, c in places)), string


def _references(attrs: bytes, min_column: int) -> list[tuple[int, int]]:
    """The positions of every ``r`` of a tag calamine can read, with a column >= min_column."""
    places = []
    for key, quoted, single in _ATTRIBUTES.findall(attrs):
        if key == b"r":
            place = _position(quoted or single)
            if place is not None and place[1] >= min_column:
                places.append(place)
    return places


def _is_index(text: bytes, strings: int) -> bool:
    """Whether calamine reads ``text`` as a shared string's number below ``strings`` (or as
    no value at all): decimal digits only (leading zeros allowed), in 64 bits."""
    if not text:
        return True
    if not text.isdigit():
        return False
    digits = text.lstrip(b"0")
    return len(digits) <= 20 and int(digits or b"0") < strings


_FIRST_FILLED_CELL = re.compile(
    rb'<(?:\w+:)?c r="[A-Z]+(\d+)"[^>]*(?<!/)>\s*<(?:\w+:)?(?:v|is|f)[\s>]'
)


def _header_row(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> int:
    """Excel row of the sheet's first filled cell, which the reader takes as the header.

    calamine starts a sheet at its first filled cell, so a sheet whose first rows are blank
    would otherwise have every row number off.  Only the head of the sheet's XML is read.
    """
    with archive.open(part) as fh:
        match = _FIRST_FILLED_CELL.search(fh.read(_XML_HEAD_BYTES))
    return int(match.group(1)) if match else 1
