"""The Arrow lookups and label columns of the rules (``rules/arrow.py``) give what pandas gave
with a Python object per row: the same positions, the same ``str`` columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prepaid_recon.rules.arrow import labels, positions

VALUES = ["T2", None, "T9", "T1", "T2", "", " T1", "t1", "é", None]


@pytest.mark.parametrize("key_dtype", ["str", object])
@pytest.mark.parametrize("missing_key", [False, True])
def test_positions_are_get_indexer(key_dtype, missing_key):
    keys = ["T1", "T2", "", "é"] + ([None] if missing_key else [])
    values = pd.Series(VALUES, dtype="str")
    expected = pd.Index(pd.Series(keys, dtype=key_dtype).to_numpy(object)).get_indexer(
        values.to_numpy(object)
    )
    got = positions(values, pd.Series(keys, dtype=key_dtype))
    assert got.tolist() == expected.tolist()


def test_positions_without_keys_or_values():
    assert (
        positions(pd.Series(VALUES, dtype="str"), pd.Series([], dtype="str")).tolist() == [-1] * 10
    )
    assert positions(pd.Series([], dtype="str"), pd.Series(["T1"], dtype="str")).tolist() == []


def test_labels_are_the_str_column_of_the_names():
    names = ("counted", "non_billable", "after_cutoff")
    codes = np.array([0, 2, -1, 1, 0, -1], dtype=np.int8)
    index = pd.RangeIndex(2, 8, name="row")
    expected = pd.Series(
        np.array([names[c] if c >= 0 else None for c in codes], dtype=object),
        index=index,
        dtype="str",
    )
    got = labels(codes, names, index)
    assert got.dtype == expected.dtype
    pd.testing.assert_series_equal(got, expected)
    assert labels(np.array([], dtype=np.int8), names, pd.RangeIndex(0)).dtype == expected.dtype
