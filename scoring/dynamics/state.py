"""The people in a multi-year pool as column arrays, and counter-based random numbers keyed by person.

Numbers and booleans stay numpy arrays in their compact dtypes; categories are int16 codes with one label list
per column, so taking, appending and scoring are whole-array operations. Random draws are a hash of
(seed, replication, year, stream, person id): the same person makes the same draw in every variant run with the
same seed (common random numbers), which is what makes "with cap" and "no cap" comparable person by person.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

_MASK64 = (1 << 64) - 1


def splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser over a uint64 array (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def stream_key(*parts: int) -> int:
    """A 64-bit key mixing integers (seed, replication, year, stream) with splitmix64."""
    acc = np.array([0x243F6A8885A308D3], dtype=np.uint64)
    for part in parts:
        acc = splitmix64(acc ^ np.array([int(part) & _MASK64], dtype=np.uint64))
    return int(acc[0])


def uniforms(ids: np.ndarray, key: int) -> np.ndarray:
    """One U[0, 1) draw per person id for this key (float64, 53 random bits)."""
    z = splitmix64(ids ^ np.uint64(key))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


@dataclass
class State:
    """A pool of people: integer ids, numeric/boolean arrays and categorical codes with their labels."""

    ids: np.ndarray
    num: dict[str, np.ndarray]
    cat: dict[str, np.ndarray]
    labels: dict[str, list[str]]

    @property
    def n(self) -> int:
        """Number of people."""
        return len(self.ids)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, ids: np.ndarray, skip: Iterable[str] = ("person_id",)) -> State:
        """Split a population frame into arrays; text columns become categories."""
        num: dict[str, np.ndarray] = {}
        cat: dict[str, np.ndarray] = {}
        labels: dict[str, list[str]] = {}
        skipped = set(skip)
        for col in frame.columns:
            if col in skipped:
                continue
            s = frame[col]
            if isinstance(s.dtype, pd.CategoricalDtype):
                cat[col] = np.asarray(s.array.codes, dtype=np.int16)
                labels[col] = [str(c) for c in s.cat.categories]
            elif pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
                arr = s.to_numpy()
                if arr.dtype == object:
                    arr = s.to_numpy(dtype=np.float64, na_value=np.nan)
                num[col] = arr.copy()
            else:
                c = pd.Categorical(s.astype("string").to_numpy(dtype=object, na_value=None))
                cat[col] = np.asarray(c.codes, dtype=np.int16)
                labels[col] = [str(x) for x in c.categories]
        return cls(np.asarray(ids, dtype=np.uint64), num, cat, labels)

    def take(self, mask: np.ndarray) -> State:
        """The people where ``mask`` is true."""
        return State(self.ids[mask], {k: v[mask] for k, v in self.num.items()},
                     {k: v[mask] for k, v in self.cat.items()}, self.labels)

    def append(self, other: State) -> State:
        """This pool followed by ``other``; categories are re-coded to a common label list."""
        num = {}
        for k, v in self.num.items():
            extra = other.num.get(k)
            if extra is None:
                extra = np.zeros(other.n, dtype=v.dtype)
            num[k] = np.concatenate([v, extra.astype(v.dtype, copy=False)])
        cat, labels = {}, dict(self.labels)
        for k, codes in self.cat.items():
            mine = self.labels[k]
            if k not in other.cat:
                cat[k] = np.concatenate([codes, np.full(other.n, -1, dtype=np.int16)])
                continue
            theirs = other.labels[k]
            merged = mine + [c for c in theirs if c not in set(mine)]
            pos = {c: i for i, c in enumerate(merged)}
            lut = np.array([pos[c] for c in theirs] + [-1], dtype=np.int16)
            cat[k] = np.concatenate([codes, lut[other.cat[k]]])
            labels[k] = merged
        return State(np.concatenate([self.ids, other.ids]), num, cat, labels)

    def column(self, name: str) -> np.ndarray:
        """A numeric column, or a categorical column's codes."""
        return self.num[name] if name in self.num else self.cat[name]

    def has(self, name: str) -> bool:
        """True if the pool carries this column."""
        return name in self.num or name in self.cat

    def codes_of(self, name: str, values: Iterable[str]) -> np.ndarray:
        """Boolean mask: the categorical column ``name`` takes one of ``values``."""
        wanted = [i for i, c in enumerate(self.labels[name]) if c in set(values)]
        return np.isin(self.cat[name], np.array(wanted, dtype=np.int16))

    def frame(self, columns: Iterable[str], replace: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
        """A DataFrame of ``columns`` indexed by person id (for scoring); ``replace`` substitutes arrays."""
        replace = replace or {}
        data: dict[str, object] = {}
        for col in columns:
            if col in replace:
                data[col] = replace[col]
            elif col in self.num:
                data[col] = self.num[col]
            elif col in self.cat:
                data[col] = pd.Categorical.from_codes(self.cat[col], categories=self.labels[col], validate=False)
        return pd.DataFrame(data, index=pd.Index(self.ids.astype(np.int64), name="pid"), copy=False)
