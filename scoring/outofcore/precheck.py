"""Header-level refusals of an out-of-core run, before any work starts (before a Dask cluster is started or
reached): not a Parquet file, too many columns, identifiers in the headers, a column the scheme or the ties need
missing. Each is refused with the one-line reason the chunked engine gives for the same file, from the same code:
the context of the run (:func:`scoring.outofcore.core.make_context`), the screen of the columns not read
(:func:`~scoring.outofcore.core.unread_findings`, only when a header names an identifier) and the validation and
scoring of the file's first row (:func:`~scoring.outofcore.core.pass1_batch`).
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import pandas as pd

from scoring.outofcore.core import FactsNeeded, make_context, pass1_batch, refuse_unread, unread_findings
from scoring.outofcore.engine_choice import refuse_not_parquet
from scoring.outofcore.files import _open, data_columns, iter_raw
from scoring.population.identifiers import screen_identifiers
from scoring.population.identifiers_arrow import refuse_identifier_index
from scoring.population.io import clean_header, refuse_width
from scoring.population.schema import load_schema
from scoring.scheme.load import Scheme


def refuse_early(scheme: Scheme, path: str | os.PathLike[str], *, engine: str = "dask", admission: bool = True,
                 quota: int | None = None, threshold: float | None = None, ties: Any = None,
                 drop_identifiers: bool = False) -> None:
    """Raise the reason (PopulationError and kin: the CLI exits 2) if the file's header alone means the run would
    be refused; return None otherwise (row problems are left to the engine)."""
    source = os.fspath(path)
    refuse_not_parquet(source, engine)  # the chunked engine's reasons
    pf = _open(source)
    refuse_identifier_index(source, pf.schema_arrow, load_schema())  # the in-memory reader's refusal
    columns = data_columns(pf)
    n_rows = pf.metadata.num_rows
    del pf
    refuse_width(source, len(columns))  # the reader's own limit and wording
    ctx = make_context(scheme, n_total=n_rows, source=source, skip_invalid=True, drop_identifiers=drop_identifiers,
                       admission=admission, quota=quota, threshold=threshold, ties=ties,
                       id_batches=lambda cols: [], columns=columns, prescan=False)
    headers = pd.DataFrame({clean_header(str(c)): pd.Series([], dtype=object) for c in columns})
    if not drop_identifiers and screen_identifiers(headers, schema=ctx.pop_schema):
        # the file will be refused: the chunked engine's first step for identifiers in the columns it does not
        # read (every value of those columns screened, so the reason names what the chunked engine names)
        from scoring.population.identifiers_arrow import parquet_blocks

        refuse_unread(ctx, unread_findings(ctx, lambda cols: parquet_blocks(source, cols)))
    if n_rows == 0:
        return
    raw = next(iter(iter_raw(source, 1, list(ctx.read))))[1]
    try:  # the first row as the engine validates and scores it: a column it needs, missing, is refused here
        # numpy for one row: loading numba's kernel in the client costs ~0.5-0.8 CPU-s and ~300 MB for nothing
        pass1_batch(raw, 0, dataclasses.replace(ctx, skip_invalid=True, engine="numpy"))
    except FactsNeeded:  # identifiers among the values read: the engine's full screen words the refusal
        return
