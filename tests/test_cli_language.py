"""The command line speaks the report's language (trial finding 14, issue 16 item 11): with ``--lang zh`` (the
default) a user's mistake, the refused rows (stderr and ``*.rejected.csv``), ``whatif``, ``run`` and ``compare``
read in Chinese; with ``--lang en`` in English. Ids, file paths, numbers and the schemes' own ids are not words."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from scoring.cli import main
from scoring.population.synthetic import synth

ROOT = Path(__file__).resolve().parent.parent
SCHEME = ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml"
# ASCII that is not a word of a language: paths, options, ids, codes quoted from the file, numbers
NOT_WORDS = re.compile(r"(hangzhou-[\w.-]+|\bv20[\w.-]+|--[\w-]+|[\w./-]*/[\w./-]+|\b[\w-]+\.(?:csv|yaml|parquet)\b"
                       r"|'[^']*'|“[^”]*”|\b\w*\d\w*\b|\bP\d+|Excel)")
WORD = re.compile(r"[A-Za-z]{2,}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def english_words(text: str) -> list[str]:
    return WORD.findall(NOT_WORDS.sub(" ", text))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("lang")
    pop = synth(200, 3)
    good = tmp / "good.csv"
    pop.to_csv(good, index=False)
    bad = pop.astype({"insurance_years": object, "education": object}).copy()
    bad.loc[7, "insurance_years"] = -5
    bad.loc[10, "education"] = "火星大学"
    bad.loc[12, "person_id"] = bad.loc[11, "person_id"]
    bad_path = tmp / "bad.csv"
    bad.to_csv(bad_path, index=False)
    return {"good": good, "bad": bad_path, "tmp": tmp}


def _err(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    try:
        code = main(argv)
    except SystemExit as exc:  # a usage error (argparse) exits from parsing
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err.strip()
    english = "--lang" in argv and argv[argv.index("--lang") + 1] == "en"
    assert err.startswith("error: " if english else "错误：") and "\n" not in err, err  # the first word too
    return err


def test_admit_mistakes_in_the_reports_language(files, capsys) -> None:
    cases = [
        ["admit", "--scheme", str(SCHEME), "--population", str(files["bad"])],  # refused rows
        ["admit", "--scheme", str(SCHEME), "--population", str(files["tmp"] / "missing.csv")],
        ["admit", "--scheme", str(files["tmp"] / "missing.yaml"), "--population", str(files["good"])],
        ["admit", "--scheme", str(SCHEME), "--population", str(files["good"]), "--out", str(files["tmp"])],
        ["admit", "--scheme", str(SCHEME), "--population", str(files["good"]), "--out", str(files["good"])],
    ]
    for argv in cases:
        zh = _err(capsys, argv)
        assert CJK.search(zh) and not english_words(zh.removeprefix("错误：")), zh
        en = _err(capsys, [*argv, "--lang", "en"])
        assert not CJK.search(en.replace("火星大学", "").replace("未上过学", "")) or "allowed" in en, en
    zh = _err(capsys, cases[0])
    assert "社保缴纳年限" in zh and "须在 0 到 100 之间" in zh and "--skip-invalid" in zh  # the user's column, named
    for argv in (["admit", "--scheme", str(SCHEME), "--population", str(files["good"]), "--quota", "abc"],
                 ["admit", "--scheme", str(SCHEME)]):  # usage errors (argparse) too
        zh = _err(capsys, argv)
        assert CJK.search(zh) and not english_words(zh.split(": ", 1)[1].replace("python -m scoring admit", "")), zh
        assert not CJK.search(_err(capsys, [*argv, "--lang", "en"]))


def test_rejected_rows_file_in_the_reports_language(files, capsys) -> None:
    for lang in ("zh", "en"):
        out = files["tmp"] / f"y_{lang}.csv"
        assert main(["admit", "--scheme", str(SCHEME), "--population", str(files["bad"]), "--skip-invalid",
                     "--out", str(out), "--lang", lang]) == 0
        capsys.readouterr()
        reasons = pd.read_csv(files["tmp"] / f"y_{lang}.rejected.csv", encoding="utf-8-sig")["reason"]
        assert len(reasons) == 4
        for r in reasons:
            if lang == "zh":
                assert CJK.search(r) and not english_words(r), r  # incl. the allowed values: names, not codes
            else:
                assert english_words(r), r
    zh = pd.read_csv(files["tmp"] / "y_zh.rejected.csv", encoding="utf-8-sig")
    assert "须在 0 到 100 之间，填写的是 -5" in set(zh["reason"])
    assert any(r.startswith("未知取值 '火星大学'（可选：未上过学、小学、") for r in zh["reason"])  # trial finding 17
    assert list(zh.columns[:4]) == ["row", "excel_row", "column", "reason"]  # the documented headers (English)


def test_whatif_says_what_changes_in_words(files, capsys) -> None:
    pop = pd.read_csv(files["good"])
    for person in pop["person_id"].head(40):
        for lang in ("zh", "en"):
            assert main(["whatif", "--scheme", str(SCHEME), "--population", str(files["good"]), "--person",
                         str(person), "--lang", lang]) == 0
            lines = capsys.readouterr().out.strip().splitlines()[1:]  # after the stamp
            for line in lines:
                if lang == "zh":
                    assert not english_words(line), line
                else:
                    assert not CJK.search(line), line
            if lang == "zh" and "达到分数线" in lines[0]:
                assert all(re.search(r"少 \d+ 个月（[\d.]+ → [\d.]+ 年）", x) or "改为" in x for x in lines[1:])


def _scenario(tmp: Path, name: str, **extra: object) -> Path:
    data = {"id": name, "scheme": str(ROOT / "scenarios/schemes/hangzhou-2022-illustrative.yaml"),
            "population": {"synth": {"n": 1500, "seed": 2}}, "horizon": 2, "admission": {"mode": "quota", "quota": 40},
            "dynamics": {"arrivals": {"per_year": 100}}, **extra}
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_run_and_compare_text_in_the_reports_language(files, capsys) -> None:
    tmp = files["tmp"]
    a = _scenario(tmp, "a")
    b = _scenario(tmp, "b", admission={"mode": "none"}, recognition={"yrd_insurance": True})
    for lang in ("zh", "en"):
        assert main(["compare", str(a), str(b), "--out", str(tmp / f"cmp_{lang}"), "--no-quota-question",
                     "--no-progress", "--lang", lang]) == 0
        text = capsys.readouterr().out
        assert main(["run", str(a), "--out", str(tmp / f"run_{lang}"), "--no-quota-question", "--no-progress",
                     "--lang", lang]) == 0
        text += capsys.readouterr().out
        body = text.replace(str(tmp), " ")
        if lang == "zh":
            assert "累计互认" in body and "长三角社保互认" in body and "结果已写入" in body
            assert not english_words(body), english_words(body)
        else:
            assert "YRD insurance years" in body and "results in" in body
            assert not CJK.search(body), CJK.findall(body)


def test_progress_bars_speak_the_reports_language(capsys) -> None:
    from scoring.cli import core, scenario

    for lang in ("zh", "en"):
        with scenario._progress(3, False, lang) as bar:  # the run / compare bar, drawn on stderr
            bar.update(1)
        words = [*(v[lang == "en"] for v in core.PROGRESS_TEXT.values()), capsys.readouterr().err]  # score / admit
        text = " ".join(words)
        assert (not english_words(text) and "模拟年数" in text) if lang == "zh" else \
            ("years x replications" in text and not CJK.search(text)), text


def test_rejected_reasons_are_worded_as_row_by_row():
    """scoring.reasons.with_reasons_in (the CLI's and both out-of-core engines' rejected files) gives each row what
    reason_text gives it, unknown reasons as written, and leaves English and empty tables alone."""
    import pandas as pd

    from scoring.reasons import reason_text, with_reasons_in

    reasons = ["missing value", "not a number: abc", "missing value", "something new", "not a finite number"]
    frame = pd.DataFrame({"row": range(5), "column": ["age"] * 5, "reason": reasons})
    got = with_reasons_in(frame, "zh")
    assert got["reason"].tolist() == [reason_text(r, "zh") for r in reasons]
    assert got["reason"].iloc[0] == "缺少数值" and got["reason"].iloc[3] == "something new"
    assert frame["reason"].tolist() == reasons  # the input is not changed
    assert with_reasons_in(frame, "en") is frame
    empty = frame.iloc[:0]
    assert with_reasons_in(empty, "zh") is empty


def test_whatif_on_a_rejected_row_says_where_and_why(files, capsys) -> None:
    """Trial finding: whatif dropped invalid rows silently, then said a rejected person was not in the file."""
    bad = pd.read_csv(files["bad"])
    person, other = str(bad.loc[7, "person_id"]), str(bad.loc[0, "person_id"])  # row 8: insurance_years -5
    skip = ["--skip-invalid"]  # whatif reads the file as admit does: strict unless told to skip the invalid rows
    zh = _err(capsys, ["whatif", "--scheme", str(SCHEME), "--population", str(files["bad"]), "--person", person, *skip])
    assert "未通过校验" in zh and "第 8 行" in zh and "Excel 第 9 行" in zh
    assert not english_words(zh.split("：", 1)[1].replace("insurance_years", ""))  # but the file's own header
    en = _err(capsys, ["whatif", "--scheme", str(SCHEME), "--population", str(files["bad"]), "--person", person,
                       "--lang", "en", *skip])
    assert "its row was rejected" in en and "row 8 (Excel row 9), column insurance_years" in en
    assert not CJK.search(en)
    nobody = _err(capsys, ["whatif", "--scheme", str(SCHEME), "--population", str(files["bad"]), "--person",
                           "NOBODY-1", "--lang", "en", *skip])
    assert "no such person_id" in nobody
    assert main(["whatif", "--scheme", str(SCHEME), "--population", str(files["bad"]), "--person", other,
                 "--lang", "en", *skip]) == 0
    strict = _err(capsys, ["whatif", "--scheme", str(SCHEME), "--population", str(files["bad"]), "--person", other,
                           "--lang", "en"])  # as admit without --skip-invalid: the file refused, with its first rows
    assert "row 8 (Excel row 9), column insurance_years" in strict and "--skip-invalid" in strict


def test_whatif_explains_a_rejected_row_from_the_one_read(files, capsys, monkeypatch) -> None:
    """Trial finding: whatif read the population file a second time on its error path (to find the rejected row's
    id). It now uses the ids of the rejected rows kept by the one read: one call, the same message."""
    import scoring.population.load as load_module

    calls: list[object] = []
    real = load_module.read_population

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(load_module, "read_population", counting)
    person = str(pd.read_csv(files["bad"]).loc[7, "person_id"])  # row 8: insurance_years -5
    en = _err(capsys, ["whatif", "--scheme", str(SCHEME), "--population", str(files["bad"]), "--person", person,
                       "--lang", "en", "--skip-invalid"])
    assert "its row was rejected" in en and "row 8 (Excel row 9), column insurance_years" in en
    assert len(calls) == 1


def test_rejected_rows_file_names_the_excel_row(files, capsys, tmp_path: Path) -> None:
    """Trial finding 7: NAME.rejected.csv gave only the data row; for a CSV with lines above its header the
    analyst had to add them. It now has excel_row beside row, as the error line says it."""
    body = files["bad"].read_text(encoding="utf-8")
    src = tmp_path / "titled.csv"
    src.write_text("人员名单（示例）\n\n" + body, encoding="utf-8")
    out = tmp_path / "o.csv"
    assert main(["admit", "--scheme", str(SCHEME), "--population", str(src), "--skip-invalid", "--quota", "10",
                 "--out", str(out), "--lang", "en"]) == 0
    capsys.readouterr()
    rej = pd.read_csv(tmp_path / "o.rejected.csv", encoding="utf-8-sig")
    assert list(rej.columns[:2]) == ["row", "excel_row"]
    assert (rej["excel_row"] == rej["row"] + 3).all() and {8, 11, 13} <= set(rej["row"])  # title, blank, header
    err = _err(capsys, ["admit", "--scheme", str(SCHEME), "--population", str(src), "--lang", "en"])
    assert "row 8 (Excel row 11)" in err


def test_every_logical_reason_reads_in_chinese() -> None:
    """Each check between columns (residence or insurance beyond the age, permit or homes beyond the residence, a
    permit's years without a permit) gives a reason with no English left in Chinese: the columns by their Chinese
    names (trial: "insurance_years（55）超过 age - 16 (5): nobody is insured before 16")."""
    import pandas as pd

    from scoring.population.load import read_population
    from scoring.reasons import reason_text

    pop = synth(8, 5).astype({"residence_years": "float64", "insurance_years": "float64"})
    pop["age"] = 30
    pop["residence_years"], pop["residence_years_other_districts"] = 5.0, 0.0
    pop["insurance_years"], pop["insurance_years_yrd"] = 2.0, 0.0
    pop["permit_years"], pop["has_residence_permit"] = 1.0, True
    pop["owned_home_years"], pop["rented_home_years"] = 0.0, 1.0
    pop.loc[0, "residence_years"] = 40.0  # beyond the age
    pop.loc[1, "insurance_years"] = 20.0  # beyond age - 16
    pop.loc[2, "insurance_years_yrd"] = 20.0  # the two together beyond age - 16
    pop.loc[3, "permit_years"] = 9.0  # beyond the residence
    pop.loc[4, ["permit_years", "has_residence_permit"]] = [1.0, False]
    pop.loc[5, ["owned_home_years", "rented_home_years"]] = [4.0, 4.0]  # beyond the residence
    load = read_population(pd.DataFrame(pop), skip_invalid=True)
    assert sorted(set(load.rejected["row"])) == [1, 2, 3, 4, 5, 6], load.rejected
    for reason in load.rejected["reason"]:
        zh = reason_text(reason, "zh")
        assert CJK.search(zh) and not english_words(zh), (reason, zh)


def test_synth_and_test_speak_the_reports_language(tmp_path, capsys) -> None:
    """synth's progress lines and test's report in Chinese by default, in English with --lang en (trial: synth's
    progress was English whatever --lang; test refused --lang)."""
    out = tmp_path / "p.parquet"
    for lang, marker in (("zh", "年龄和性别"), ("en", "age and sex")):
        assert main(["synth", "--n", "50", "--out", str(out), "--lang", lang]) == 0
        err = capsys.readouterr().err
        assert marker in err and (not english_words(err.replace("synth", "")) if lang == "zh" else not CJK.search(err))
        assert main(["test", str(ROOT / "scenarios" / "schemes" / "beijing-2020.yaml"), "--lang", lang]) == 0
        report = capsys.readouterr().out
        assert ("个案例全部通过" in report) if lang == "zh" else ("cases pass" in report and not CJK.search(report))


@pytest.mark.parametrize("args", [["--n", "-5"], ["--n", "0"], ["--n", "5", "--seed", "-1"]])
def test_synth_refuses_no_people_in_the_users_language(tmp_path, capsys, args) -> None:
    """synth --n 0 wrote a file every later command refused, and --n -5 answered in English in the Chinese view
    (trial): both refused with exit 2, in Chinese by default and in English with --lang en, and no file written."""
    out = tmp_path / "p.parquet"
    assert main(["synth", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("错误：") and not english_words(err.replace("--seed", "").replace("--n", "")), err
    assert main(["synth", *args, "--out", str(out), "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and not CJK.search(err), err
    assert not out.exists()


def test_json_warnings_and_measure_lines_in_the_reports_language(capsys) -> None:
    """--json printed the dominance warnings in English in the Chinese view, and the Chinese measure lines mixed
    ASCII ':' and '()' with full-width ones (trial)."""
    args = ["admit", "--scheme", str(ROOT / "scenarios" / "schemes" / "hangzhou-2022-illustrative.yaml"),
            "--population", str(ROOT / "data" / "sample_extract_gb18030.csv")]
    assert main([*args, "--json"]) == 0
    warnings = json.loads(capsys.readouterr().out)["dominance"]["warnings"]
    assert warnings and all(CJK.search(w) and not english_words(w) for w in warnings), warnings
    assert main([*args, "--json", "--lang", "en"]) == 0
    warnings = json.loads(capsys.readouterr().out)["dominance"]["warnings"]
    assert warnings and not any(CJK.search(w) for w in warnings), warnings
    assert main(args) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "占比" in ln]
    assert lines and not any(":" in ln or "(" in ln for ln in lines), lines
