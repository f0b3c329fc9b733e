"""One person on the Person page: the library's what-if search (:mod:`scoring.whatif`), under the page's names."""

from __future__ import annotations

from scoring.whatif import MAX_MONTHS, PAIR, Rivals, Standing, flip_changes, is_in, standing

Outcome = Standing  # the page's name for where one person stands
outcome = standing

__all__ = ["MAX_MONTHS", "PAIR", "Outcome", "Rivals", "flip_changes", "is_in", "outcome"]
