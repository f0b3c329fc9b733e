"""The one pydantic base of every file model (schemes, scenarios, rule sets, dynamics parameters, targets), and
the pieces those files share (:class:`Source`).

Unknown keys are refused (``extra="forbid"``: a misspelt key is an error naming it, never silently ignored), and a
field with an alias (``in``, ``not``) may be filled by either its alias or its Python name.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A pydantic model that refuses unknown keys and accepts a field by its alias or its name."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Source(StrictModel):
    """A document a file's values come from (a scheme's or a rule set's ``sources:`` entry)."""

    title: str
    url: str | None = None
    status: str | None = None
