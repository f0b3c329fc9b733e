"""Scheme building blocks: labels, conditions (a column test, or all_of/any_of/not), min_of/max_of over columns,
eligibility gates, conditional caps and a scheme's declared input columns. The format is in docs/schemes.md."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from scoring.model_base import Label, StrictModel

MAX_VALUES = 1000  # entries of a condition's `in` list (and of an item's category points or bands)

MAX_PARTS = 50  # conditions in an all_of/any_of, columns in a min_of/max_of, entries of a group's caps
MAX_INPUTS = 500  # declared input columns of a scheme
MAX_CATEGORIES = 1000  # categories of a declared input column
# The most points of any value, cap, weight or line. A person's points of one item are held as whole cents in 32-bit
# integers; the engine refuses an item that would give anyone more than this (see docs/schemes.md).
MAX_POINTS = 1_000_000
Points = Annotated[float, Field(ge=-MAX_POINTS, le=MAX_POINTS)]


class Over(StrictModel):
    """The lowest (``min_of``) or highest (``max_of``) of several columns or nested expressions, row by row."""

    min_of: list[str | Over] | None = Field(default=None, max_length=MAX_PARTS)
    max_of: list[str | Over] | None = Field(default=None, max_length=MAX_PARTS)

    @model_validator(mode="after")
    def _one(self) -> Over:
        if (self.min_of is None) == (self.max_of is None):
            raise ValueError("needs exactly one of min_of or max_of (a list of columns or nested min_of/max_of)")
        if not (self.min_of or self.max_of):
            raise ValueError("min_of/max_of needs at least one column")
        return self

    def columns(self) -> list[str]:
        """Every column the expression reads, in order."""
        out: list[str] = []
        for part in self.min_of or self.max_of or []:
            out.extend([part] if isinstance(part, str) else part.columns())
        return list(dict.fromkeys(out))


CONDITION_TESTS = ("equals", "in", "min", "max", "above", "below")
CONDITION_FORMS = "column (or min_of/max_of) with equals, in, min, max, above, below; or all_of, any_of, not"


class Condition(StrictModel):
    """A test on one column (or on the min/max of several): ``equals``, ``in``, ``min``/``max`` (inclusive) and
    ``above``/``below`` (strict), all given parts must hold; or ``all_of``/``any_of``/``not`` over conditions."""

    column: str | None = None
    min_of: list[str | Over] | None = Field(default=None, max_length=MAX_PARTS)
    max_of: list[str | Over] | None = Field(default=None, max_length=MAX_PARTS)
    equals: bool | int | float | str | None = None
    in_: list[bool | int | float | str] | None = Field(default=None, alias="in", max_length=MAX_VALUES)
    min: float | None = None
    max: float | None = None
    above: float | None = None
    below: float | None = None
    all_of: list[Condition] | None = Field(default=None, max_length=MAX_PARTS)
    any_of: list[Condition] | None = Field(default=None, max_length=MAX_PARTS)
    not_: Condition | None = Field(default=None, alias="not")

    @model_validator(mode="before")
    @classmethod
    def _mapping(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError(
                f"a condition is a mapping ({CONDITION_FORMS}); text such as {value[:40]!r} is never evaluated "
                "(see docs/schemes.md)"
            )
        return value

    @model_validator(mode="after")
    def _has_test(self) -> Condition:
        sources = [self.column is not None, self.min_of is not None, self.max_of is not None]
        composite = [self.all_of is not None, self.any_of is not None, self.not_ is not None]
        tests = [self.equals, self.in_, self.min, self.max, self.above, self.below]
        if sum(sources) + sum(composite) != 1:
            raise ValueError(f"needs exactly one of column, min_of, max_of, all_of, any_of, not ({CONDITION_FORMS})")
        if any(composite):
            if any(t is not None for t in tests):
                raise ValueError("equals/in/min/max/above/below belong on a column inside all_of/any_of/not")
            if (self.all_of is not None and not self.all_of) or (self.any_of is not None and not self.any_of):
                raise ValueError("all_of/any_of needs at least one condition")
            return self
        if all(t is None for t in tests):
            raise ValueError("needs at least one of equals, in, min, max, above, below")
        if self.column is None and (self.equals is not None or self.in_ is not None):
            text = [v for v in [self.equals, *(self.in_ or [])] if isinstance(v, str) and not isinstance(v, bool)]
            if text:
                raise ValueError("min_of/max_of are numbers; equals/in with text needs a single column")
        lows = [(k, v) for k, v in (("min", self.min), ("above", self.above)) if v is not None]
        highs = [(k, v) for k, v in (("max", self.max), ("below", self.below)) if v is not None]
        for lk, lo in lows:
            for hk, hi in highs:
                if lo > hi or (lo == hi and (lk, hk) != ("min", "max")):
                    raise ValueError(f"{lk} {lo} and {hk} {hi} leave no value between them; nobody can meet it")
        return self

    @property
    def source(self) -> str | Over | None:
        """The value a leaf condition tests: a column name or a min_of/max_of expression (None when composite)."""
        return value_source(self.column, self.min_of, self.max_of)

    @property
    def children(self) -> list[Condition]:
        """The sub-conditions of all_of/any_of/not (empty for a leaf)."""
        return list(self.all_of or self.any_of or ([self.not_] if self.not_ is not None else []))

    def columns(self) -> list[str]:
        """Every column the condition reads, in order."""
        src = self.source
        if src is not None:
            return [src] if isinstance(src, str) else src.columns()
        out: list[str] = []
        for child in self.children:
            out.extend(child.columns())
        return list(dict.fromkeys(out))


def when_list(value: Any) -> Any:
    """A list under ``when`` means all of them must hold."""
    return {"all_of": value} if isinstance(value, list) else value


class Gate(Condition):
    """An eligibility gate: a hard condition, not points. Failing it makes a person ineligible with ``id`` as reason."""

    id: str
    label: Label | None = None


class CapRule(StrictModel):
    """One conditional cap of a group: ``cap`` applies to the rows where ``when`` holds (no ``when``: all rows)."""

    cap: float = Field(ge=0, le=MAX_POINTS)
    when: Condition | None = None

    @field_validator("when", mode="before")
    @classmethod
    def _when(cls, value: Any) -> Any:
        return when_list(value)


class InputColumn(StrictModel):
    """A scheme's own input column: its type, allowed categories (category) or range (int/float), and label."""

    type: Literal["int", "float", "bool", "category"]
    categories: list[str] | None = Field(default=None, max_length=MAX_CATEGORIES)
    min: float | None = None
    max: float | None = None
    label: Label | None = None
    note: str | None = None

    @field_validator("categories", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return [str(v) for v in value] if isinstance(value, list) else value

    @model_validator(mode="after")
    def _consistent(self) -> InputColumn:
        if self.type == "category" and not self.categories:
            raise ValueError("type category needs categories: [value, ...]")
        if self.type != "category" and self.categories is not None:
            raise ValueError(f"categories apply to type category, not {self.type}")
        if (self.min is not None or self.max is not None) and self.type not in ("int", "float"):
            raise ValueError("min/max apply to type int or float")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self


def value_source(column: str | None, min_of: list[Any] | None, max_of: list[Any] | None) -> str | Over | None:
    """What a condition or an item reads: ``column``, else the ``min_of``/``max_of`` expression, else None."""
    if column is not None:
        return column
    if min_of is not None or max_of is not None:
        return Over(min_of=min_of, max_of=max_of)
    return None
