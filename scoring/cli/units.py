"""The unit of the CLI's person counts: real people, with the sampling ratio stated once.

A synthetic sample of n rows stands for :data:`scoring.population.synthetic.REPRESENTS` real people (the product's
one scale, as the scenarios' ``represents`` and the dashboard), so each row stands for REPRESENTS / n people; a
user's file is taken as it is, one row = one person (no weights are applied).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Units:
    """How many real people the ``rows`` of the population stand for."""

    rows: int
    synthetic: bool

    @property
    def represents(self) -> int:
        """Real people the whole population stands for."""
        from scoring.population.synthetic import REPRESENTS

        return REPRESENTS if self.synthetic else self.rows

    @property
    def ratio(self) -> float:
        """Real people per row (1 for a user's file)."""
        return self.represents / self.rows if self.synthetic and self.rows else 1.0

    def ratio_text(self) -> str:
        """The ratio for people: ``40`` or ``1,333.3``."""
        return f"{self.ratio:,.1f}".rstrip("0").rstrip(".")

    def people(self, count: Any) -> Any:
        """A count of rows in real people (whole people); anything not a number is returned as it is."""
        if isinstance(count, bool) or not isinstance(count, int | float | np.integer | np.floating):
            return count
        return int(round(float(count) * self.ratio))

    def frame(self, frame: pd.DataFrame, skip: tuple[str, ...] = ()) -> pd.DataFrame:
        """The count columns of ``frame`` (numeric, not boolean, not a share, not in ``skip``) in real people."""
        out = frame.copy()
        for col in out.columns:
            values = out[col]
            if (col in skip or "share" in str(col) or pd.api.types.is_bool_dtype(values.dtype)
                    or not pd.api.types.is_numeric_dtype(values.dtype)):
                continue
            out[col] = np.rint(values.to_numpy(dtype=np.float64) * self.ratio).astype(np.int64)
        return out

    def line(self, lang: str) -> str:
        """The one sentence stating the unit."""
        zh = lang != "en"
        if self.synthetic:
            return (f"人数均为折算后的实际人数：合成样本{self.rows:,}行，每行代表{self.ratio_text()}人"
                    f"（假设样本代表杭州非户籍常住人口约{self.represents:,}人）。" if zh else
                    f"Counts are real people: a synthetic sample of {self.rows:,} rows, 1 row = {self.ratio_text()} "
                    f"real people (assumption: the sample stands for about {self.represents:,} non-hukou residents "
                    "of Hangzhou).")
        return (f"人数为数据中的人数：{self.rows:,}行，每行代表1人（不使用权重）。" if zh else
                f"Counts are people of the file: {self.rows:,} rows, 1 row = 1 person (no weights are applied).")

    def to_dict(self) -> dict[str, Any]:
        """The unit as plain data (JSON)."""
        return {"unit": "real people" if self.synthetic else "rows of the file (1 row = 1 person)",
                "sample_rows": self.rows, "represents": self.represents, "ratio": self.ratio,
                "synthetic": self.synthetic, "line": {"zh": self.line("zh"), "en": self.line("en")}}
