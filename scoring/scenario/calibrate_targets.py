"""Calibration targets: observed yearly series with their sources, and the parameters to fit (YAML or CSV).

YAML::

    id: beijing-2018-2020
    sources: [{title: ..., status: CONFIRMED}]
    targets:
      - {year: 2018, metric: cutoff, value: 90.75, scale: 0.5, source: official list}
      - {year: 2018, metric: applicants, value: 124000, bound: lower, scale: 10000}
      - {year: 2020, metric: cutoff, value: 97.13, held_out: true}
      - {year: 2018, metric: score_distribution, value: {90: 252, 91: 933, "110+": 48}, scale: 0.1}
      - {year: 2018, metric: share, dimension: education, group: bachelor, value: 0.52, scale: 0.05}
    parameters:
      - {path: dynamics.arrivals.per_year, low: 50000, high: 600000}
    fixed: {dynamics.profile.outside_core_share: 0.5}   # set, not fitted (e.g. what the fitted years cannot show)

CSV: columns year, metric, value, scale (optional), bound, held_out, source (no parameters: give them with the
YAML form). ``scale`` is the size of an error that counts as one unit in the objective (default: 5% of the value,
at least 0.01); ``bound: lower|upper`` makes the target one-sided ("over 124,000"); held-out targets are left out
of the fit and reported beside the prediction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import Field, ValidationError, model_validator

from scoring import labels
from scoring.errors import ScoringInputError
from scoring.model_base import StrictModel
from scoring.yaml_files import read_yaml_mapping

YEARLY_METRICS = ("cutoff", "applicants", "admitted", "eligible", "pool", "arrivals", "departures", "backlog",
                  "score_mean", "score_median")
METRICS = (*YEARLY_METRICS, "score_distribution", "share")
METRIC_NAMES_ZH = labels.METRIC_ZH  # the metrics' Chinese names (scoring.labels)
FITTABLE = (
    "dynamics.arrivals.per_year", "dynamics.arrivals.growth", "dynamics.arrivals.age_mean",
    "dynamics.arrivals.age_sd", "dynamics.arrivals.degree_share", "dynamics.departures.base",
    "dynamics.departures.years_slope", "dynamics.departures.age_rate", "dynamics.departures.age_from",
    "dynamics.employment.job_loss", "dynamics.employment.job_find", "dynamics.employment.insured_share",
    "dynamics.permits.take_up", "dynamics.application.low", "dynamics.application.high",
    "dynamics.application.scale", "dynamics.profile.degree_share", "dynamics.profile.master_share",
    "dynamics.profile.doctor_share", "dynamics.profile.associate_share", "dynamics.profile.tax_share",
    "dynamics.profile.honour_share", "dynamics.profile.innovation_share", "dynamics.profile.owned_share",
    "dynamics.profile.stock_age_mean", "dynamics.profile.stock_record_spread", "dynamics.profile.outside_core_share",
    "dynamics.profile.study_share", "dynamics.profile.study_years", "dynamics.profile.age_lag",
    "dynamics.application.first_low", "burn_in.stock", "burn_in.quota",
)


class TargetsError(ScoringInputError):
    """A targets file cannot be used."""



class Target(StrictModel):
    """One observed figure."""

    year: int
    metric: Literal[METRICS]  # type: ignore[valid-type]
    value: float | dict[int | str, float]
    scale: float | None = Field(default=None, gt=0)
    bound: Literal["lower", "upper"] | None = None
    held_out: bool = False
    weight: float = Field(default=1.0, ge=0)
    dimension: str | None = None
    group: str | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> Target:
        if self.metric == "score_distribution":
            if not isinstance(self.value, dict) or not self.value:
                raise ValueError("score_distribution needs value: {score: count, ...}")
            for k, v in self.value.items():
                _bin_low(k)
                if v < 0:
                    raise ValueError(f"count {v} for {k} must be >= 0")
        elif isinstance(self.value, dict):
            raise ValueError(f"metric {self.metric} needs a number")
        if self.metric == "share" and (self.dimension is None or self.group is None):
            raise ValueError("share needs dimension and group (e.g. education / bachelor)")
        return self

    @property
    def label(self) -> str:
        """e.g. ``2018 cutoff``."""
        extra = f" {self.dimension}={self.group}" if self.metric == "share" else ""
        return f"{self.year} {self.metric}{extra}"

    def unit(self) -> float:
        """The error that counts as one unit."""
        if self.scale is not None:
            return self.scale
        if self.metric == "score_distribution":
            return 0.1
        if self.metric == "share":
            return 0.05
        return max(abs(float(self.value)) * 0.05, 0.01)  # type: ignore[arg-type]


class Parameter(StrictModel):
    """A parameter to fit, within [low, high]."""

    path: str
    low: float
    high: float
    start: float | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Parameter:
        if self.path not in FITTABLE:
            raise ValueError(f"path {self.path!r} cannot be fitted; valid: {', '.join(FITTABLE)}")
        if not self.low < self.high:
            raise ValueError(f"low {self.low} must be below high {self.high}")
        if self.start is not None and not self.low <= self.start <= self.high:
            raise ValueError(f"start {self.start} must lie within [{self.low}, {self.high}]")
        return self


class Targets(StrictModel):
    """A targets file."""

    id: str = "targets"
    title: str | dict[str, str] | None = None
    sources: list[Any] = Field(default_factory=list)
    targets: list[Target] = Field(min_length=1)
    parameters: list[Parameter] = Field(default_factory=list)
    fixed: dict[str, float] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fixed(self) -> Targets:
        paths = [p.path for p in self.parameters]
        twice = sorted({p for p in paths if paths.count(p) > 1})
        if twice:
            raise ValueError(f"parameters: path {twice[0]!r} is listed twice; give each parameter once")
        for path in self.fixed:
            if path not in FITTABLE or path.startswith("burn_in."):
                raise ValueError(f"fixed: path {path!r} cannot be set; valid: dynamics.* paths that can be fitted")
            if path in {p.path for p in self.parameters}:
                raise ValueError(f"fixed: {path!r} is also a parameter to fit")
        return self


def _bin_low(key: Any) -> float:
    text = str(key).strip()
    try:
        return float(text[:-1]) if text.endswith("+") else float(text)
    except ValueError:
        raise ValueError(f"score bin {key!r} must be a number or NUMBER+") from None


def bins(target: Target) -> list[tuple[float, float, float]]:
    """(low, high, observed count) of a score_distribution target: ``N`` is [N, N+1), ``N+`` is [N, inf)."""
    out = []
    for key, count in target.value.items():  # type: ignore[union-attr]
        low = _bin_low(key)
        out.append((low, float("inf") if str(key).strip().endswith("+") else low + 1, float(count)))
    return sorted(out)


def read_targets(path: str | Path) -> Targets:
    """Read a targets file (YAML or CSV); a problem raises :class:`TargetsError` with one line."""
    path = Path(path)
    if not path.exists():
        raise TargetsError(f"{path}: targets file not found")
    try:
        if path.suffix.lower() == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            need = {"year", "metric", "value"} - set(frame.columns)
            if need:
                raise TargetsError(f"{path}: missing column(s) {', '.join(sorted(need))}; need year, metric, value")
            rows = []
            for rec in frame.to_dict(orient="records"):
                rec = {k: v for k, v in rec.items() if v != ""}
                if "held_out" in rec:
                    rec["held_out"] = str(rec["held_out"]).strip().lower() in ("1", "true", "yes")
                rows.append(rec)
            data: dict[str, Any] = {"id": path.stem, "targets": rows}
        else:
            data = read_yaml_mapping(path, "targets", TargetsError, "id, sources, targets, parameters")
        return Targets.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err.get("loc", ()) if not str(x).startswith(("function-", "literal[")))
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        raise TargetsError(f"{path}: {where or '(top level)'}: {msg}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise TargetsError(f"{path}: cannot read: {str(exc).splitlines()[0]}") from None
