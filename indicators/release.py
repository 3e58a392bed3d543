"""The step rule of DISCLOSURE.md rule 4: two published states of a figure never differ by fewer
than k responses or records.

A source's counts are published in units (one figure's base: a row of indicator counts; the
records of one förbund, year, source and kön for outcome rates). `step` takes the last published
state and the live counts and releases anew only the units whose base has moved by at least k.
Every published figure is a sum of units, so the difference between any two of its published
states rests on at least k responses or records, and one send (or a few padded rows) cannot be
isolated by comparing two exports. The app stores the states (survey/figures/releases.py).
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .disclosure import check_k

__all__ = ["step"]


def step(published: pd.DataFrame | None, live: pd.DataFrame, unit: Sequence[str], base: str,
         k: int) -> tuple[pd.DataFrame, int]:
    """The next released state and how many units moved: per unit, the live rows where the
    unit's base (summed over its rows) differs from the published one by at least k, else the
    published rows. No published state yet: the live counts. Units are compared on their key
    values (None for a blank kön or insats matches None)."""
    k = check_k(k)
    if published is None:
        return live.reset_index(drop=True), len(live)
    unit = list(unit)
    live_key = _unit_key(live, unit)
    pub_key = _unit_key(published, unit)
    live_base = live[base].groupby(live_key).sum()
    pub_base = published[base].groupby(pub_key).sum()
    both = pd.concat([live_base.rename("live"), pub_base.rename("published")], axis=1).fillna(0)
    moved = both.index[(both["live"] - both["published"]).abs() >= k]
    if not len(moved):
        return published, 0
    out = pd.concat([published[~pub_key.isin(moved)], live[live_key.isin(moved)]], ignore_index=True)
    out = out[live.columns]
    for column in out.columns:
        if out[column].dtype.kind not in "iufb":  # blanks as None, as counts.py hands them over
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out, len(moved)


def _unit_key(frame: pd.DataFrame, unit: list[str]) -> pd.Series:
    """One string per row naming its unit (NaN and None alike)."""
    if frame.empty:
        return pd.Series([], dtype=object, index=frame.index)
    parts = [frame[c].astype(object).where(frame[c].notna(), "\x00").astype(str) for c in unit]
    key = parts[0]
    for part in parts[1:]:
        key = key + "\x1f" + part
    return key


