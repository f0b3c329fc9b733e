"""Real places and the rows of a sample: the one definition of the quota a sample gets.

A quota is a number of real places. A population of ``n`` rows that stands for ``R`` real people (the built-in
synthetic sample stands for :data:`scoring.population.synthetic.REPRESENTS`) has ``ratio = R / n`` real people per
row; run on the sample, the quota admits ``quota / ratio`` rows (at least 1 when the quota is positive), so every
count scaled back by the ratio is in real people and a quota of 8,000 admits about 8,000 real people at any sample
size. A user's file is taken as real people (ratio 1): its quota is unchanged.

Used by the dashboard (``dashboard.scale.Scale.sample_quota``, the Tuning page) and the CLI (``tune``,
``sensitivity`` and ``simplify`` with ``--synth N``).
"""

from __future__ import annotations

from scoring.scheme.load import Scheme, scheme_from_dict


def synth_ratio(rows: int) -> float:
    """Real people per row of a synthetic sample of ``rows`` rows (REPRESENTS / rows)."""
    from scoring.population.synthetic import REPRESENTS

    return REPRESENTS / rows if rows > 0 else 1.0


def sample_quota(quota: int, ratio: float) -> int:
    """The places of a sample (``ratio`` real people per row) that a real quota of ``quota`` places stands for:
    ``round(quota / ratio)``, at least 1 if the quota is positive (a quota never vanishes), 0 for none."""
    if quota <= 0:
        return 0
    return max(1, int(round(quota / ratio)))


def with_quota(scheme: Scheme, quota: int | None) -> Scheme:
    """``scheme`` with its quota set to ``quota`` (unchanged without a quota rule, for None, or when it already is)."""
    adm = scheme.admission
    if quota is None or adm is None or adm.quota_in_force is None or adm.quota == quota:
        return scheme
    data = scheme.to_dict()
    data["admission"]["quota"] = int(quota)
    return scheme_from_dict(data, scheme.path or "<scheme>")


def for_sample(scheme: Scheme, ratio: float) -> Scheme:
    """The scheme as it runs on a sample of ``ratio`` real people per row: its real quota as the sample's places."""
    adm = scheme.admission
    if adm is None or adm.quota is None or ratio == 1.0:
        return scheme
    return with_quota(scheme, sample_quota(int(adm.quota), ratio))


def real_quota(scheme: Scheme, original: Scheme) -> Scheme:
    """A scheme tuned on a sample with ``original``'s own quota (real places) back in place of the sample's."""
    adm = original.admission
    return with_quota(scheme, None if adm is None else adm.quota)
