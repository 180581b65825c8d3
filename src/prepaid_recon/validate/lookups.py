"""Looking values up in another sheet, and the reference check every sheet shares.

Order lines are keyed by ``order`` and ``line`` joined (:func:`line_key`); a reference to a
team, product, order, ticket, task, unit or invoice that does not exist is an error on the
referring cell, with a hint when it differs from a known name only by case (:func:`check_unknown`).
A column of millions of keys is searched once (:func:`find`: positions) and each column needed
of the other sheet taken through the positions (:func:`lookup_at`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prepaid_recon.findings import Code
from prepaid_recon.rules.arrow import positions
from prepaid_recon.validate.collector import Findings, Table

KEY_SEPARATOR = "\x1f"
"""Joins ``order`` and ``line`` into one key (a character no reference contains)."""


def lookup(keys: pd.Series, table: pd.Series) -> pd.Series:
    """``table[key]`` for every key (NA where absent), keeping the table's dtype even when empty.

    Text keys are found by Arrow (no Python string per key: the timesheets have millions)."""
    if _text_lookup(keys, table):
        return lookup_at(table, positions(keys, table.index.to_series()), keys.index)
    values = table.reindex(keys.to_numpy()).to_numpy()
    return pd.Series(values, index=keys.index, dtype=table.dtype)


def lookup_at(table: pd.Series, at: np.ndarray, index: pd.Index) -> pd.Series:
    """``table.iloc[at]`` indexed by ``index``, NA where ``at`` is -1: :func:`lookup` of keys
    already found (:func:`find`), so that one search serves several lookups."""
    found = table.take(np.where(at >= 0, at, 0)) if len(table) else table.reindex([None] * len(at))
    found.index = index
    found = found.where(pd.Series(at >= 0, index=index))
    values = found.array if found.dtype == table.dtype else found.to_numpy()
    return pd.Series(values, index=index, dtype=table.dtype)


def find(keys: pd.Series, index: pd.Index) -> np.ndarray:
    """Where each key is in the unique ``index`` (-1 when absent; a missing key finds a missing
    entry), as :func:`lookup` finds it: text by Arrow, without a Python string per key."""
    if len(index) == 0:
        return np.full(len(keys), -1, dtype=np.intp)
    if _text_lookup(keys, index):
        return positions(keys, index.to_series())
    return np.asarray(index.get_indexer(pd.Index(keys.to_numpy())), dtype=np.intp)


def _text_lookup(keys: pd.Series, table: pd.Series | pd.DataFrame | pd.Index) -> bool:
    """Whether ``table`` is looked up by Arrow: text keys, a unique text index, not empty."""
    index = table if isinstance(table, pd.Index) else table.index
    return bool(
        len(index)
        and pd.api.types.is_string_dtype(keys.dtype)
        and pd.api.types.is_string_dtype(index.dtype)
        and index.is_unique
    )


def join_line(order: pd.Series, line: pd.Series, sep: str = "/") -> pd.Series:
    """`order/line` as text (empty parts where missing), for keys and messages."""
    return order.astype("str").fillna("") + sep + line.astype("string").fillna("").astype("str")


def line_key(frame: pd.DataFrame) -> pd.Series:
    """The order-line key of each row of a frame with ``order`` and ``line`` columns."""
    return join_line(frame["order"], frame["line"], KEY_SEPARATOR)


def check_unknown(
    findings: Findings, table: Table, column: str, known: pd.Index, what: str
) -> None:
    """A reference to nothing; one that differs only by case is not merged, only hinted at."""
    values = table.data[column]
    mask = values.notna() & ~values.isin(known)
    if not mask.any():
        return
    message = pd.Series(f"no such {what}.", index=values.index[mask.to_numpy(bool)])
    near = _case_insensitive_match(values[mask], known)
    hinted = near.notna()
    message[near.index[hinted]] = (
        f"no such {what} (references match case-sensitively): did you mean '" + near[hinted] + "'?"
    )
    findings.add(Code.UNKNOWN_REFERENCE, table, mask, column, message)


def _case_insensitive_match(values: pd.Series, known: pd.Index) -> pd.Series:
    """The known name equal to each value but for case (the first one, when several are)."""
    names = pd.Series(known.dropna().astype("str").unique())
    by_lower = pd.Series(names.to_numpy(), index=names.str.lower().to_numpy())
    by_lower = by_lower[~by_lower.index.duplicated()]
    return lookup(values.astype("str").str.lower(), by_lower.astype("object"))
