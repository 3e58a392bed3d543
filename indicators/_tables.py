"""Small helpers shared by the table builders (compute.py, outcomes.py): input checks, pooling,
sibling sets and the exchange sort order. Private: the public API is in the modules that use them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .disclosure import SiblingSet

NATIONAL = "riket"
"""forbund value of the national row, pooled over all förbund."""
INSATS_TOTAL = "alla"
"""insats value of a förbund's own figure (all its insatser together) when rows are per insats."""
NO_INSATS = ""
"""insats value of responses not tied to an insats (staff groups may leave it empty)."""
RESERVED = {"forbund": ((), (NATIONAL,)), "insats": ((INSATS_TOTAL,), ())}
"""Labels of pooled rows: `riket` sorts after every förbund, insats `alla` before every insats."""


def require_columns(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"{what} is missing columns {missing}")


def clean_keys(
    df: pd.DataFrame,
    str_keys: Sequence[str],
    int_keys: Sequence[str],
    reserved: Mapping[str, tuple[Sequence[str], Sequence[str]]] | None = None,
) -> pd.DataFrame:
    """The key columns with no missing values: numbers as int64, codes as Categoricals.

    Categoricals keep the many groupbys over large count tables on integer codes (several times
    faster than on strings). Their categories are sorted, with the labels of `reserved`
    (column -> (labels sorted first, labels sorted last), e.g. forbund -> ((), ("riket",)))
    placed around them; input holding a reserved label is refused. Call decode() at the end.
    """
    reserved = reserved or {}
    out = pd.DataFrame(index=df.index)
    for col in str_keys:
        first, last = reserved.get(col, ((), ()))
        out[col] = coded(df[col], first=first, last=last)
    for col in int_keys:
        if df[col].isna().any():
            raise ValueError(f"column {col} has missing values")
        out[col] = _integers(df[col], col)
    return out


def coded(values: pd.Series, *, first: Sequence[str] = (), last: Sequence[str] = ()) -> pd.Categorical:
    """values as a Categorical with sorted categories, `first` before and `last` after them."""
    if not (isinstance(values.dtype, pd.StringDtype) or pd.api.types.infer_dtype(values) == "string"):
        if values.isna().any():  # astype(str) would turn None into "None"
            raise ValueError(f"column {values.name} has missing values")
        values = values.astype(str)
    codes, uniques = pd.factorize(values, sort=True)
    if (codes < 0).any():
        raise ValueError(f"column {values.name} has missing values")
    clash = sorted(set(uniques) & {*first, *last})
    if clash:
        raise ValueError(f"{clash} reserved for pooled rows, not allowed as a code in {values.name}")
    return pd.Categorical.from_codes(codes + len(first), categories=[*first, *uniques, *last])


def decode(df: pd.DataFrame) -> pd.DataFrame:
    """Categorical key columns back to plain strings, for publication."""
    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(str)
    return out


def count_columns(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The count columns as non-negative int64 (SQL may hand over floats or nullable ints)."""
    out = pd.DataFrame(index=df.index)
    for col in columns:
        if df[col].isna().any():
            raise ValueError(f"column {col} has missing counts")
        values = _integers(df[col], col)
        if (values < 0).any():
            raise ValueError(f"column {col} has negative counts")
        out[col] = values
    return out


def _integers(column: pd.Series, name: str) -> np.ndarray:
    values = column.to_numpy()
    if values.dtype.kind in "iu":
        return values.astype(np.int64, copy=False)
    try:
        as_float = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"column {name} must hold whole numbers") from None
    if not np.all(np.isfinite(as_float)) or not np.all(as_float == np.round(as_float)):
        raise ValueError(f"column {name} must hold whole numbers")
    return as_float.astype(np.int64)


def pool(rows: pd.DataFrame, keys: Sequence[str], over: str, total: str, counts: Sequence[str]) -> pd.DataFrame:
    """Sum `counts` over all values of the key `over`, labelling the result `over` = total.

    Pooling counts (not percentages) is what makes national figures sum of positives over sum of
    valid answers, as INSTRUMENT.md requires.
    """
    rest = [k for k in keys if k != over]
    pooled = rows.groupby(rest, sort=False, as_index=False, observed=True)[list(counts)].sum()
    dtype = rows[over].dtype
    if isinstance(dtype, pd.CategoricalDtype):  # keep the column categorical for later concat
        label = np.full(len(pooled), dtype.categories.get_loc(total))
        pooled[over] = pd.Categorical.from_codes(label, dtype=dtype)
    else:
        pooled[over] = total
    return pooled[[*keys, *counts]]


def sibling_sets(keys: Sequence[str], totals: Mapping[str, str]) -> list[SiblingSet]:
    """One SiblingSet per key in `totals` (key -> the value that denotes its total)."""
    return [
        SiblingSet(tuple(k for k in keys if k != varying), varying, total)
        for varying, total in totals.items()
        if varying in keys
    ]


def sort_rows(df: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Sort by keys in order, each ascending: Categoricals in category order (so `riket` sorts
    last), other columns by value. One lexsort over integer codes, several times faster than
    sort_values on string columns."""
    arrays = []
    for col in keys:
        column = df[col]
        if isinstance(column.dtype, pd.CategoricalDtype):
            arrays.append(column.cat.codes.to_numpy())
        else:
            arrays.append(pd.factorize(column, sort=True)[0])
    order = np.lexsort(arrays[::-1])
    return df.iloc[order].reset_index(drop=True)
