"""A value masked as a possible identifier (validate.NOT_SHOWN) is said in the command's language wherever a reason
or a message carries it: the one-line refusal and the rejected rows' file (README: their reasons are in --lang).
It was translated only in whatif's --person rule, so a Chinese line read "未知取值 (value not shown: ...)"."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scoring.cli import main
from scoring.cli.messages import localized
from scoring.errors import PopulationError
from scoring.population.validate import NOT_SHOWN
from scoring.reasons import NOT_SHOWN_ZH, reason_text, with_reasons_in

ROOT = Path(__file__).resolve().parent.parent
SCHEME = ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml"


@pytest.mark.parametrize(("reason", "zh"), [
    (f"unknown value {NOT_SHOWN} (allowed: bachelor/本科, master/硕士研究生)",
     f"未知取值{NOT_SHOWN_ZH}（可选：本科、硕士研究生）"),
    (f"not a number: {NOT_SHOWN}", f"不是数字：{NOT_SHOWN_ZH}"),
    (f"person_id {NOT_SHOWN} is not unique (rows 4, 9)", f"人员编号{NOT_SHOWN_ZH}重复（第 4、9 行）"),
    (f"a reason not in the table: {NOT_SHOWN}", f"a reason not in the table:{NOT_SHOWN_ZH}"),
])
def test_a_masked_value_is_said_in_chinese_in_every_reason(reason: str, zh: str) -> None:
    assert reason_text(reason, "zh") == zh
    assert reason_text(reason, "en") == reason
    frame = pd.DataFrame({"row": [1], "column": ["education"], "reason": [reason]})
    assert with_reasons_in(frame, "zh")["reason"].tolist() == [zh]


def test_a_masked_value_is_said_in_chinese_in_any_message() -> None:
    message = f"people.csv: person_id {NOT_SHOWN} appears in the file and the output"  # a form no table knows
    want = f"people.csv: person_id{NOT_SHOWN_ZH}appears in the file and the output"
    assert localized(PopulationError(message), "zh") == want
    assert localized(PopulationError(message), "en") == message


def _file_with_a_name_among_education(tmp: Path) -> Path:
    rows = [f"P{k:05d},{'张伟' if k == 7 else '本科'},{3 + k % 5},{2 + k % 4},是,0" for k in range(30)]
    path = tmp / "people.csv"
    path.write_text("人员编号,学历,居住年限,社保缴纳年限,是否持有居住证,行政拘留次数\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    return path


def test_the_refusal_and_the_rejected_rows_file_say_it_in_the_language(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    people = _file_with_a_name_among_education(tmp_path)
    argv = ["admit", "--scheme", str(SCHEME), "--population", str(people)]
    for lang, said, other in (("zh", NOT_SHOWN_ZH, NOT_SHOWN), ("en", NOT_SHOWN, NOT_SHOWN_ZH)):
        assert main([*argv, "--lang", lang]) == 2
        err = capsys.readouterr().err
        assert said in err and other not in err and "张伟" not in err, err
        out = tmp_path / f"admitted-{lang}.csv"
        assert main([*argv, "--lang", lang, "--skip-invalid", "--out", str(out)]) == 0
        capsys.readouterr()
        reasons = pd.read_csv(tmp_path / f"admitted-{lang}.rejected.csv", encoding="utf-8-sig")["reason"]
        assert len(reasons) == 1 and said in reasons[0] and other not in reasons[0] and "张伟" not in reasons[0]
