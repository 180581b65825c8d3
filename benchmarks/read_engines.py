"""Compare xlsx readers on one input sheet: fastexcel (the project's), python-calamine, openpyxl.

Usage: python benchmarks/read_engines.py PATH/timesheets.xlsx [SHEET]
(a sample input comes from `prepaid-recon sample DIR --timesheets 100000`). Prints the seconds
each reader takes to load every cell of the sheet, measured in this one process, in turn.
"""

from __future__ import annotations

import logging
import sys
import time

import fastexcel
import openpyxl
import python_calamine


def main() -> None:
    path = sys.argv[1]
    sheet = sys.argv[2] if len(sys.argv) > 2 else "timesheets"
    logging.getLogger("fastexcel").setLevel(logging.ERROR)

    start = time.perf_counter()
    frame = fastexcel.read_excel(path).load_sheet(sheet, schema_sample_rows=None).to_pandas()
    fast = time.perf_counter() - start

    start = time.perf_counter()
    python_calamine.CalamineWorkbook.from_path(path).get_sheet_by_name(sheet).to_python()
    calamine = time.perf_counter() - start

    start = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    for _ in book[sheet].iter_rows(values_only=True):
        pass
    book.close()
    slow = time.perf_counter() - start

    print(f"{len(frame):,} rows x {frame.shape[1]} columns")
    print(f"fastexcel (calamine -> Arrow -> pandas) {fast:6.2f} s")
    print(f"python-calamine to_python()             {calamine:6.2f} s")
    print(f"openpyxl read-only iter_rows            {slow:6.2f} s")


if __name__ == "__main__":
    main()
