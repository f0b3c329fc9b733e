"""The identifier refusal carries its facts as fields (IdentifierError), so a front end can word it in its own
language; the fields never hold a value."""

from __future__ import annotations

import pytest

from scoring.errors import IdentifierError, PopulationError
from scoring.population.load import read_population
from scoring.population.synthetic import synth


def test_identifier_error_fields(tmp_path):
    frame = synth(20, 1)
    frame["备注"] = "无"
    frame.loc[5, "备注"] = "联系电话13812345678"
    path = tmp_path / "remark.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(IdentifierError) as got:
        read_population(path)
    exc = got.value
    assert isinstance(exc, PopulationError) and not exc.needed and exc.file.endswith("remark.csv")
    (f,) = exc.findings
    assert f["column"] == "备注" and f["position"] == len(frame.columns) and f["kind"] == "phone"
    assert f["rows"] == [7] and f["rows_hit"] == 1 and f["excel"] and not f["from_header"] and not f["more"]
    assert "13812345678" not in repr(exc.findings)
    assert "Excel row 7" in str(exc)  # the library's English sentence is unchanged
