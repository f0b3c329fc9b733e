"""A tuning constraint in words of the report's language: its name and its values formatted for people (shares as
per cent, counts as whole people, cut-offs to the cent), shared by the CLI's checks and the binding-constraint lines."""

from __future__ import annotations

from scoring.labels import measure_label

_NAMES = {"admitted": ("录取人数", "admitted"), "cutoff": ("分数线", "cut-off")}


def constraint_name(constraint: str, quantity: str, lang: str = "zh") -> str:
    """``realised share >= 0.6`` -> 占积分的比例（字面读法，符合资格者）; ``admitted`` -> 录取人数 / admitted."""
    if quantity == "share":
        measure = constraint.split()[0]
        if measure in ("design", "realised", "decisive"):
            return measure_label(measure, "name", lang)
        return constraint.split(" >=")[0].split(" <=")[0]
    return _NAMES.get(quantity, (quantity, quantity))[1 if lang == "en" else 0]


def quantity_text(quantity: str, value: float | None, ratio: float = 1.0) -> str:
    """A value for people: a share as per cent, a count (of a sample of ``ratio`` real people per row) in real
    people, a cut-off to the cent; None as a dash."""
    if value is None:
        return "—"
    if quantity == "share":
        return f"{float(value):.1%}"
    if quantity == "admitted":
        return f"{float(value) * ratio:,.0f}"
    return f"{float(value):.2f}"
