"""One search serves several lookups: ``find`` gives each key's position in a sheet's unique
index and ``lookup_at`` takes a column through those positions, exactly as ``lookup`` looks
each key up (a missing key finds a missing entry; the column keeps its dtype)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prepaid_recon.validate.lookups import find, lookup, lookup_at

KEYS = pd.Series(["HT-2", None, "HT-9", "HT-1", "ht-1", "HT-2", ""], index=range(10, 17))


@pytest.mark.parametrize("key_dtype", ["str", object])
@pytest.mark.parametrize("missing_entry", [False, True])
@pytest.mark.parametrize(
    "column",
    [
        pd.Series(["C1", "C2", None], dtype="str"),
        pd.Series(pd.to_datetime(["2026-10-01", None, "2026-09-30"]), dtype="datetime64[ns]"),
        pd.Series([1.5, np.nan, 3.0]),
        pd.Series([True, False, True], dtype="boolean"),
    ],
)
def test_lookup_at_the_found_positions_is_lookup(key_dtype, missing_entry, column):
    index = pd.Index(["HT-1", "HT-2", None if missing_entry else "HT-3"], dtype=key_dtype)
    table = pd.Series(column.to_numpy(), index=index, dtype=column.dtype)
    keys = KEYS.astype(key_dtype)
    got = lookup_at(table, find(keys, table.index), keys.index)
    pd.testing.assert_series_equal(got, lookup(keys, table))


def test_an_empty_sheet_finds_nothing():
    table = pd.Series([], index=pd.Index([], dtype="str"), dtype="str")
    at = find(KEYS.astype("str"), table.index)
    assert at.tolist() == [-1] * len(KEYS)
    pd.testing.assert_series_equal(lookup_at(table, at, KEYS.index), lookup(KEYS, table))
