"""The I/O floor of a run: read the input sheets, write sheets of the output's shape, nothing else.

    python benchmarks/floor.py INPUT SHAPE.json OUT [--writer xlsxwriter|rustpy]

* Read: every input sheet the tool reads (CONTRACT section 2) of every ``*.xlsx`` in INPUT,
  with python-calamine, the fastest reader: ``CalamineWorkbook.from_path(p)
  .get_sheet_by_name(s).to_python()``.  Each sheet's cells are dropped once read (the floor
  needs none of them), so its peak memory is that of the biggest single sheet.
* Write: the workbooks and sheets listed in SHAPE.json (made by ``bench_run.py`` from the
  tool's own output, or estimated from the input), with the same header, the same number of
  rows, and in every column the same number of text, number and boolean cells and about the
  same number of characters of text.  xlsxwriter in ``constant_memory`` mode, no formatting
  (no number formats, widths, frozen panes, filters or highlights), written through the same
  undecorated ``_write_*`` methods the project's writer uses.  ``--writer rustpy`` writes the
  same cells with rustpy-xlsxwriter instead (it must be installed; the project does not
  depend on it).

Deliberately stand-alone: it imports neither the project nor pandas, so the floor pays for
nothing but reading and writing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

INPUT_SHEETS = (
    "teams",
    "products",
    "uoms",
    "orders",
    "order_lines",
    "tickets",
    "timesheets",
    "invoices",
    "invoice_lines",
)
"""The sheets the tool reads (CONTRACT section 2); any other sheet of a workbook is ignored."""

_POOL = 997  # distinct generated strings per column (inline strings: distinctness is free)


def _norm(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").replace("_", " ").split())


def read_inputs(folder: Path) -> dict[str, int]:
    """Read every input sheet of every workbook in ``folder``; return data rows per sheet."""
    from python_calamine import CalamineWorkbook

    rows: dict[str, int] = {}
    for path in sorted(folder.glob("*.xlsx")):
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            if _norm(name) not in INPUT_SHEETS:
                continue
            cells = book.get_sheet_by_name(name).to_python()
            rows[_norm(name)] = max(len(cells) - 1, 0)
            del cells
    return rows


def _strings(chars: int, count: int, tag: str) -> list[str]:
    """A pool of distinct strings whose mean length is ``chars / count``."""
    mean = max(1, round(chars / count)) if count else 1
    out = []
    for k in range(min(_POOL, max(count, 1))):
        stem = f"{tag}{k}"
        out.append((stem + "x" * mean)[:mean] if len(stem) < mean else stem[-mean:])
    return out


def column_values(column: dict, rows: int, tag: str) -> list:
    """The cells of one column: its text cells, then numbers, then booleans, then empties."""
    cells = column["cells"]
    n_str, n_num, n_bool = cells.get("str", 0), cells.get("num", 0), cells.get("bool", 0)
    values: list = []
    if n_str:
        pool = _strings(column.get("str_chars", n_str), n_str, tag)
        size = len(pool)
        values.extend(pool[i % size] for i in range(n_str))
    if n_num:
        # a mix of whole and fractional numbers, like ids, dates (serials) and hours
        values.extend(float((i % 4000) * 0.25 + 1.0) for i in range(n_num))
    if n_bool:
        values.extend(bool(i & 1) for i in range(n_bool))
    values.extend([None] * (rows - len(values)))
    return values


def _homogeneous(column: dict) -> str | None:
    kinds = [k for k, n in column["cells"].items() if n]
    return kinds[0] if len(kinds) == 1 else None


def write_xlsxwriter(path: Path, sheets: list[dict]) -> int:
    """Write ``sheets`` (from the shape) with xlsxwriter, constant memory, no formatting."""
    import xlsxwriter

    cells = 0
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "tmpdir": str(path.parent),
        },
    )
    for sheet in sheets:
        ws = book.add_worksheet(sheet["sheet"])
        writers = {"str": ws._write_string, "num": ws._write_number, "bool": ws._write_boolean}
        plain, mixed = [], []
        for c, column in enumerate(sheet["columns"]):
            ws._write_string(0, c, column["name"], None)
            values = column_values(column, sheet["rows"], f"{sheet['sheet']}{c}_")
            kind = _homogeneous(column)
            if kind is not None:
                plain.append((c, writers[kind], values))
            elif any(column["cells"].values()):
                mixed.append((c, values))
        for i in range(sheet["rows"]):
            row = i + 1
            for c, write, values in plain:
                v = values[i]
                if v is not None:
                    write(row, c, v, None)
            for c, values in mixed:
                v = values[i]
                if v is None:
                    continue
                if v.__class__ is str:
                    ws._write_string(row, c, v, None)
                elif v.__class__ is bool:
                    ws._write_boolean(row, c, v, None)
                else:
                    ws._write_number(row, c, v, None)
        cells += sum(sum(col["cells"].values()) for col in sheet["columns"])
    book.close()
    return cells


def _records(names: list[str], columns: list[list], rows: int):
    """Rows as dicts, streamed (rustpy-xlsxwriter consumes them when the workbook is saved)."""
    if not rows:  # a header-only sheet: one row of empty cells gives rustpy its header
        return iter([dict.fromkeys(names)])
    return (dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True))


def write_rustpy(path: Path, sheets: list[dict]) -> int:
    """Write the same cells with rustpy-xlsxwriter (streamed rows of dicts, constant memory)."""
    from rustpy_xlsxwriter import FastExcel

    cells = 0
    excel = FastExcel(str(path))
    for sheet in sheets:
        names = [column["name"] for column in sheet["columns"]]
        columns = [
            column_values(column, sheet["rows"], f"{sheet['sheet']}{c}_")
            for c, column in enumerate(sheet["columns"])
        ]
        excel.sheet(sheet["sheet"], _records(names, columns, sheet["rows"]))
        cells += sum(sum(col["cells"].values()) for col in sheet["columns"])
    excel.save()
    return cells


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path, help="input folder (from prepaid-recon sample)")
    parser.add_argument("shape", type=Path, help="shape JSON written by bench_run.py")
    parser.add_argument("out", type=Path, help="folder to write the workbooks into")
    parser.add_argument("--writer", choices=["xlsxwriter", "rustpy"], default="xlsxwriter")
    args = parser.parse_args(argv)

    import time

    shape = json.loads(args.shape.read_text())
    t0 = time.perf_counter()
    read_rows = read_inputs(args.input)
    t1 = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    write = write_rustpy if args.writer == "rustpy" else write_xlsxwriter
    cells = 0
    for file_name, sheets in shape["workbooks"].items():
        cells += write(args.out / file_name, sheets)
    t2 = time.perf_counter()
    print(
        f"floor: read={t1 - t0:.2f}s write={t2 - t1:.2f}s total={t2 - t0:.2f}s "
        f"input_rows={sum(read_rows.values())} output_cells={cells}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
