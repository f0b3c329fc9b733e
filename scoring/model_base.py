"""The one pydantic base of every file model (schemes, scenarios, rule sets, dynamics parameters, targets), and
the pieces those files share (:class:`Source`, the bilingual :class:`Label`).

Unknown keys are refused (``extra="forbid"``: a misspelt key is an error naming it, never silently ignored), and a
field with an alias (``in``, ``not``) may be filled by either its alias or its Python name.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


class StrictModel(BaseModel):
    """A pydantic model that refuses unknown keys and numbers that are not finite (.nan, .inf: they crashed the
    scoring later), and accepts a field by its alias or its name."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)  # .nan, .inf: refused


class Label(StrictModel):
    """A bilingual label (a scheme's, a rule set's); a plain string in a file, or only one of ``zh`` / ``en``,
    stands for both languages."""

    zh: str
    en: str

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"zh": value, "en": value}
        if isinstance(value, dict) and ("zh" in value) != ("en" in value):
            only = value.get("zh", value.get("en"))
            return {"zh": only, "en": only, **{k: v for k, v in value.items() if k not in ("zh", "en")}}
        return value

    def get(self, lang: str) -> str:
        """The label in ``lang`` ("zh" or "en")."""
        return self.en if lang == "en" else self.zh


class Source(StrictModel):
    """A document a file's values come from (a scheme's or a rule set's ``sources:`` entry)."""

    title: Label  # a plain string stands for both languages
    url: str | None = None
    status: str | None = None
