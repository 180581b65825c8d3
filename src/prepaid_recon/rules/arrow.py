"""Lookups and text columns over millions of rows, with Arrow, without a Python object per row.

The timesheets are the only table of millions of rows.  Its text columns are Arrow strings
(pandas ``str``); turning one into Python strings (``to_numpy(object)``) costs about 60 bytes a
row, so a lookup or a label column over 5,000,000 rows costs hundreds of megabytes that Arrow
does without: it hashes and writes the strings where they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TEXT = pd.api.types.pandas_dtype("str")
"""The dtype of text columns (``str``: Arrow strings with NaN for missing from pandas 3)."""
_ARROW_TEXT = isinstance(TEXT, pd.StringDtype) and TEXT.storage == "pyarrow"


def _strings(values: pd.Series) -> pa.ChunkedArray:
    """The column as Arrow strings (the same buffers for a ``str`` column), nulls where NA."""
    out = pa.array(values, type=pa.large_string())
    return out if isinstance(out, pa.ChunkedArray) else pa.chunked_array([out])


def positions(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Where each value is in the text ``keys`` (unique): ``pd.Index(keys).get_indexer(values)``,
    -1 when absent (a missing value finds a missing key, as there)."""
    if len(values) == 0 or len(keys) == 0:
        return np.full(len(values), -1, dtype=np.intp)
    found = pc.index_in(
        _strings(values), value_set=_strings(keys).combine_chunks(), skip_nulls=False
    )
    return np.asarray(found.fill_null(-1).to_numpy(), dtype=np.intp)


def labels(codes: np.ndarray, names: Sequence[str], index: pd.Index) -> pd.Series:
    """A text column whose row i is ``names[codes[i]]``, missing where the code is -1:
    ``pd.Series(<those strings>, dtype="str")`` without a Python string per row."""
    if not _ARROW_TEXT:
        values = np.asarray([*names, None], dtype=object)[codes]
        return pd.Series(values, index=index, dtype=TEXT)
    numbers = np.asarray(codes, dtype=np.int32)
    column = pa.DictionaryArray.from_arrays(
        pa.array(numbers, mask=numbers < 0), pa.array(list(names), type=pa.large_string())
    ).dictionary_decode()
    out = column.to_pandas(types_mapper={pa.large_string(): TEXT}.get)
    out.index = index
    return out
