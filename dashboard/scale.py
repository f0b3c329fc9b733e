"""One scale for every count the dashboard shows: real people, with the sampling ratio stated once.

The built-in synthetic population stands for Hangzhou's non-hukou residents (docs/synthetic_population.md: the
people who could apply for points settlement). Their number is not published; the assumption used here is the
same as the queue model's scenarios (``represents: 4000000`` in scenarios/hangzhou-*.yaml, docs/scenarios.md):
11.94 M residents (7th census, 2020, data/hz_census2020_population.csv) less about 7.95 M registered (户籍) residents
(2019, SECONDARY) ≈ 4.0 M. A synthetic sample of n people therefore stands for 4,000,000 / n real people each, and
a quota (a number of real places) admits quota / ratio people of the sample.

An uploaded file is taken as real people (ratio 1); a file of fewer than :data:`SMALL_SAMPLE` rows is flagged,
because every share and verdict then rests on a handful of people.

The points route is for residents of 杭州市城区 (notice 浙政办发〔2023〕41号 一(二)): every page counts the same
people for it, the residents of the area (:func:`route_people`, the one definition in
:mod:`scoring.population.area`, reading ``all_districts`` as the scenarios and the pathway parameters use), so the
same rule gives the same number on every page. A population without a ``district`` column cannot be placed: everyone
in it counts, and the note says so. No streamlit here; tested directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.population.area import in_city_districts
from scoring.population.synthetic import REPRESENTS
from scoring.sampling import sample_quota

SYNTH_REPRESENTS = REPRESENTS  # ASSUMPTION, defined once in the library: Hangzhou's ~4.0 M non-hukou residents
SYNTH_SOURCE = (
    "假设：杭州非户籍常住人口约400万，即2020年第七次人口普查常住人口1,193.6万减去户籍人口约795万，与名额模型情景一致",
    "assumption: about 4.0 million non-hukou residents of Hangzhou, i.e. 11.94 M residents in the 2020 census less "
    "about 7.95 M registered residents, the same figure as the queue model's scenarios",
)
SMALL_SAMPLE = 1_000  # fewer people than this: every share and verdict is flagged as resting on few people
AREA_READING = "all_districts"  # the reading of 杭州市城区 of the scenarios and data/synth_pathway_parameters.csv
AREA_NAME = ("杭州市城区（含富阳、临安的十个区和西湖风景名胜区）",
             "the Hangzhou city districts (the ten districts incl. Fuyang and Lin'an, and the West Lake scenic area)")


def route_mask(pop: pd.DataFrame) -> np.ndarray | None:
    """Who may use the points route: residents of 杭州市城区 (None when the population has no ``district``)."""
    if "district" not in pop.columns:
        return None
    return in_city_districts(pop["district"], AREA_READING)


def route_people(pop: pd.DataFrame) -> pd.DataFrame:
    """The points route's people: the residents of 杭州市城区 (everyone when there is no ``district`` column)."""
    mask = route_mask(pop)
    if mask is None or bool(mask.all()):
        return pop
    return pop.loc[mask].reset_index(drop=True)


@dataclass(frozen=True)
class Scale:
    """How many real people a population of ``sample`` rows stands for."""

    sample: int
    represents: int
    synthetic: bool
    route: int | None = None  # rows of the sample in 杭州市城区 (the points route's people); None: no district column

    @property
    def ratio(self) -> float:
        """Real people per person of the sample (1 for an upload)."""
        return self.represents / self.sample if self.sample else 1.0

    def people(self, count: float | int | None) -> int | None:
        """A count of the sample in real people (rounded to whole people); None stays None."""
        if count is None:
            return None
        return int(round(float(count) * self.ratio))

    def people_array(self, counts: np.ndarray) -> np.ndarray:
        """Counts of the sample (any shape) in real people, as whole numbers."""
        return np.rint(np.asarray(counts, dtype=np.float64) * self.ratio).astype(np.int64)

    def sample_quota(self, quota: int) -> int:
        """The places of the sample that a real quota of ``quota`` places corresponds to (at least 1 if quota > 0)."""
        return sample_quota(quota, self.ratio)  # the library's one definition

    @property
    def rows(self) -> int:
        """The rows the points-route figures rest on (the area's residents, or everyone)."""
        return self.sample if self.route is None else self.route

    @property
    def small(self) -> bool:
        """The figures rest on fewer than :data:`SMALL_SAMPLE` people."""
        return self.rows < SMALL_SAMPLE

    def area_note(self, lang: str) -> str:
        """The sentence that says once whom the points route counts."""
        zh = lang != "en"
        if self.route is None:
            return ("积分落户只适用于杭州市城区居民（通知一(二)），但所用数据没有区县列："
                    "积分落户人数按数据中的全部人计算。" if zh
                    else "The points route is for residents of the Hangzhou city districts (notice 1(2)), but the "
                    "data has no district column: points-route counts take everyone in it.")
        people = f"{self.people(self.route):,}"
        return (f"积分落户只适用于{AREA_NAME[0]}居民（通知一(二)）：各页的积分落户人数、分数线和占比都只计这些居民，"
                f"共{people}人。" if zh
                else f"The points route is for residents of {AREA_NAME[1]} (notice 1(2)): on every page, points-route "
                f"counts, lines and shares take these residents only, {people} people.")

    def note(self, lang: str) -> str:
        """The sentence that states the scale once per page."""
        zh = lang != "en"
        if not self.synthetic:
            return (f"人数为上传数据中的实际人数（{self.sample:,}人，每行代表1人）。" if zh
                    else f"Counts are the people in the uploaded file ({self.sample:,} people, one per row).") + (
                " " + self.area_note(lang) if not zh else self.area_note(lang))
        ratio = f"{self.ratio:,.1f}".rstrip("0").rstrip(".")
        return (f"所有人数均为折算后的实际人数：{self.sample:,}人的合成样本代表{self.represents:,}人，"
                f"每个样本代表{ratio}人（{SYNTH_SOURCE[0]}）。名额为实际名额。" if zh
                else f"Every count is in real people: the synthetic sample of {self.sample:,} stands for "
                f"{self.represents:,} people, {ratio} each ({SYNTH_SOURCE[1]}). Quotas are real places.") + (
            " " + self.area_note(lang) if not zh else self.area_note(lang))

    def small_warning(self, lang: str) -> str | None:
        """The warning for a small population (None when it is large enough)."""
        if not self.small:
            return None
        return (f"注意：以下结果仅基于{self.rows:,}人，样本过小（少于{SMALL_SAMPLE:,}人），比例和判断可能不可靠。"
                if lang != "en" else
                f"Caution: these results rest on {self.rows:,} people only (fewer than {SMALL_SAMPLE:,}); the "
                "shares and verdicts may not hold.")


def for_population(pop_key: str, rows: int, route: int | None = None) -> Scale:
    """The scale of a population key (``synth:N:SEED`` or an upload) with ``rows`` people, ``route`` of them in
    杭州市城区 (None: no district column)."""
    route = None if route is None else int(route)
    if pop_key.startswith("synth:"):
        return Scale(sample=int(rows), represents=SYNTH_REPRESENTS, synthetic=True, route=route)
    return Scale(sample=int(rows), represents=int(rows), synthetic=False, route=route)
