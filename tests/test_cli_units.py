"""The CLI's person counts (finding 12-13 of the new-user trial): ``pathways --synth N`` reports real people with the
sampling ratio stated once, a user's file one row = one person, and one table per ``--group-by`` group."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from scoring.cli import main
from scoring.pathways.core import evaluate
from scoring.pathways.rules import load_ruleset
from scoring.population.synth_pathways import add_pathway_attributes
from scoring.population.synthetic import REPRESENTS, synth

ROOT = Path(__file__).resolve().parent.parent
OLD = ROOT / "rulesets/before-2023.yaml"
NEW = ROOT / "rulesets/notice-2023.yaml"


def test_one_scale_for_library_scenarios_and_dashboard() -> None:
    from dashboard.scale import SYNTH_REPRESENTS

    assert REPRESENTS == SYNTH_REPRESENTS
    for path in sorted((ROOT / "scenarios").glob("hangzhou-*.yaml")):
        pop = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("population") or {}
        if "synth" in pop and "represents" in pop:
            assert pop["represents"] == REPRESENTS, path.name


def test_pathways_synth_counts_are_real_people(capsys) -> None:
    n, seed = 2000, 3
    assert main(["pathways", "--rules", str(NEW), "--compare", str(OLD), "--synth", str(n), "--seed", str(seed),
                 "--group-by", "education,age_band,district", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ratio = REPRESENTS / n
    assert out["units"]["ratio"] == pytest.approx(ratio) and out["units"]["sample_rows"] == n
    # the old rule's quota is 0.2% of the population: 8,000 of the 4 M real people, whatever the sample size
    assert out["old"]["points"]["points"]["quota"] == pytest.approx(0.002 * REPRESENTS, abs=ratio)
    assert out["old"]["people"] == REPRESENTS
    res = evaluate(add_pathway_attributes(synth(n, seed), seed), load_ruleset(NEW))
    assert out["new"]["any"] == round(int(res.any.sum()) * ratio)
    rows = {r["pathway"]: r for r in out["tables"]["by_pathway"]}
    assert rows["points"]["qualify"] == round(int(res.masks["points"].sum()) * ratio)
    assert rows["points"]["share"] == pytest.approx(res.masks["points"].mean(), abs=1e-3)  # shares stay shares
    for g in ("education", "age_band", "district"):  # every group, each table summing to the whole
        table = out["tables"][f"groups_{g}"]
        assert sum(r["people"] for r in table) == pytest.approx(REPRESENTS, abs=len(table) * ratio)
        assert f"permit_{g}" in out["tables"]


def test_pathways_text_states_the_unit_once_and_prints_every_group(capsys) -> None:
    assert main(["pathways", "--rules", str(NEW), "--synth", "1000", "--seed", "1",
                 "--group-by", "education,age_band,district"]) == 0
    text = capsys.readouterr().out
    assert text.count("每行代表4,000人") == 1 and "合成样本1,000行" in text
    for g in ("学历", "年龄段", "居住区县"):  # the groups' names in Chinese
        assert f"## 各组符合条件人数（{g}）" in text and f"## 居住证申领资格（{g}）" in text
    assert text.count("## 各组符合条件人数") == 3 and text.count("## 居住证申领资格") == 3
    groups = text.split("## 各组符合条件人数（学历）")[1].split("\n## ")[0]
    assert "任一途径占比" in groups and "any" not in groups  # the any-route columns named too (trial)


def test_pathways_user_file_is_one_row_one_person(tmp_path, capsys) -> None:
    pop = add_pathway_attributes(synth(300, 4), 4)
    path = tmp_path / "people.parquet"
    pop.to_parquet(path)
    assert main(["pathways", "--rules", str(NEW), "--population", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["units"]["ratio"] == 1.0 and out["units"]["represents"] == 300
    assert "每行代表1人" in out["units"]["line"]["zh"]
    assert out["pathways"] == {k: int(v.sum()) for k, v in evaluate(pop, load_ruleset(NEW)).masks.items()}
    assert main(["pathways", "--rules", str(NEW), "--population", str(path), "--lang", "en"]) == 0
    assert "1 row = 1 person" in capsys.readouterr().out


def test_permit_only_rule_set_says_it_has_no_route(capsys) -> None:
    assert main(["pathways", "--rules", str(ROOT / "rulesets/permit-2023.yaml"), "--synth", "500"]) == 0
    assert "此规则集没有落户途径" in capsys.readouterr().out


def test_tune_states_the_unit_formats_checks_and_announces_the_written_file_last(tmp_path, capsys) -> None:
    import re

    from scoring.labels import measure_label
    from scoring.scheme.load import load_scheme

    out = tmp_path / "new.yaml"
    scheme = ROOT / "scenarios/schemes/hangzhou-2023-illustrative.yaml"
    code = main(["tune", str(scheme), "--synth", "4000", "--seed", "1", "--target-admitted", "300000:900000",
                 "--round", "1", "--out", str(out)])  # a wide target in real people: met on any machine
    text = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    assert sum("每行代表1,000人" in line for line in text) == 1 and any("实际人数" in line for line in text)
    written = load_scheme(out)
    assert written.version.endswith("-tuned-r1")
    assert text[-1] == f"新方案（版本 {written.version}）已写入 {out}"  # last: after the rounding section
    rounding = next(i for i, line in enumerate(text) if line.startswith("取整到1分后"))
    assert not any("已写入" in line for line in text[:rounding])
    checks = [line.strip() for line in text if line.strip().startswith(("✓", "✗"))]
    assert checks and all(re.fullmatch(r"[✓✗] [^:：]+ [≥≤] [\d,.]+%?：[\d,.]+%?", c) for c in checks), checks
    admitted = [c for c in checks if c[2:].startswith("录取人数")]
    assert admitted and all(c.startswith(("✓ 录取人数 ≥ 300,000：", "✓ 录取人数 ≤ 900,000：")) for c in admitted)
    for c in admitted:  # real people: a whole number of rows times 1,000
        assert int(c.rsplit("：", 1)[1].replace(",", "")) % 1000 == 0
    assert any(c[2:].startswith(measure_label("realised", "name")) for c in checks)
    assert not any(re.search(r"[A-Za-z]", c) for c in checks)  # no English in the Chinese checks
    assert main(["tune", str(scheme), "--synth", "4000", "--seed", "1", "--target-admitted", "500000:800000",
                 "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    units = payload["units"]
    assert units["unit"] == "real people" and units["ratio"] == pytest.approx(REPRESENTS / 4000)
    assert payload["constraints"]["admitted"] == [500000, 800000]
    if payload["ok"]:
        assert 500000 <= payload["after"]["admitted"] <= 800000


def test_tune_synth_runs_the_quota_as_the_samples_places_and_writes_real_places(tmp_path, capsys) -> None:
    """Issue item 5: ``tune --synth N`` ran the scheme's quota (8,000 real places) as 8,000 people of the sample.
    The sample gets quota / ratio places (scoring.sampling, the dashboard's one definition): today's cut-off is the
    library's on the sample with 8,000 / 200 = 40 places, the admitted are 8,000 real people, and the written scheme
    keeps its 8,000 real places."""
    import scoring
    from scoring.sampling import for_sample, sample_quota
    from scoring.scheme.load import load_scheme

    path = ROOT / "scenarios/schemes/hangzhou-2022-illustrative.yaml"
    scheme, n, seed = load_scheme(path), 20_000, 3
    ratio = REPRESENTS / n
    assert scheme.admission.quota == 8000 and sample_quota(8000, ratio) == 40
    pop = synth(n, seed)
    reference = scoring.admit(scoring.score(pop, scheme), quota=40)  # the library on the sample, 40 places
    assert for_sample(scheme, ratio).admission.quota == 40
    out = tmp_path / "tuned.yaml"
    code = main(["tune", str(path), "--synth", str(n), "--seed", str(seed), "--target-cutoff", "0:1000",
                 "--out", str(out), "--json"])  # a target any weights meet: today's rule is what is checked
    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    assert payload["before"]["cutoff"] == pytest.approx(reference.cutoff)
    assert payload["before"]["admitted"] == reference.admitted_count * ratio == 8000
    assert load_scheme(out).admission.quota == 8000  # real places in the file, never the sample's 40
    assert main(["tune", str(path), "--synth", str(n), "--target-admitted", "7000:7500"]) == 2  # quota: 8,000
    assert "名额为 8000 时录取人数就是名额" in capsys.readouterr().err


def test_chinese_text_has_chinese_headers_and_values_json_keeps_keys(capsys) -> None:
    from scoring.population.schema import value_label

    argv = ["pathways", "--rules", str(NEW), "--compare", str(OLD), "--synth", "1000", "--seed", "2",
            "--group-by", "education,origin_group"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    marginal = text.split("## 单项改动的效果")[1].split("\n## ")[0]
    header = marginal.splitlines()[1].split()
    assert header[:2] == ["改动", "名称"] and {"新增", "失去", "撤去后失去"} <= set(header)
    education = text.split("## 各组符合条件人数（学历）")[1].split("\n## ")[0].splitlines()[1:]
    assert education[0].split()[:2] == ["学历", "人数"]
    assert {line.split()[0] for line in education[1:]} == {value_label("education", v) for v in (
        "none", "primary", "junior_secondary", "senior_secondary", "vocational", "associate", "bachelor", "master",
        "doctor")}
    origin = text.split("## 各组符合条件人数（来源地）")[1].split("\n## ")[0]
    assert "浙江省内" in origin and "zhejiang" not in origin and "without_lost" not in marginal
    rows = [line for line in origin.splitlines()[1:] if line.strip()]  # columns line up on the screen (CJK width)
    from unicodedata import east_asian_width

    def width(line: str) -> int:
        return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in line)

    assert len({width(line) for line in rows}) == 1, rows
    assert main([*argv, "--json"]) == 0
    tables = json.loads(capsys.readouterr().out)["tables"]
    assert {"newly", "without_lost"} <= set(tables["marginal"][0]) and "education" in tables["groups_education"][0]
    assert tables["groups_education"][0]["education"] == "none"


def test_check_scheme_json_in_the_report_language(capsys) -> None:
    """The text lines and --json word the population and the warnings in --lang (as admit's --json does); a new
    user's trial found English left in the Chinese JSON."""
    scheme = "scenarios/schemes/hangzhou-2023-illustrative.yaml"
    assert main(["check-scheme", scheme]) == 0
    lines = capsys.readouterr().out.splitlines()
    warning = next(line for line in lines if line.startswith("警告："))
    assert warning == f"警告：{scheme}：状态为“示意”：数值非官方，所有输出标为模拟结果"
    assert "主导性（人群：内置杭州合成人口（100,000人，种子0））" in lines
    assert main(["check-scheme", scheme, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["population"] == "内置杭州合成人口（100,000人，种子0）"
    assert payload["warnings"] == [f"{scheme}：状态为“示意”：数值非官方，所有输出标为模拟结果"]
    assert main(["check-scheme", scheme, "--json", "--lang", "en"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["population"] == "built-in synthetic Hangzhou population (n=100,000, seed=0)"
    assert payload["warnings"] == [f"{scheme}: status illustrative: values are not official; outputs are marked as "
                                   "simulation"]


def test_check_scheme_json_warnings_unmeasured_and_failed(capsys, tmp_path) -> None:
    """A scheme reading a column the population lacks, and a requirement not met: the --json warnings in --lang."""
    import re

    from scoring.population.synthetic import synth

    data = yaml.safe_load(Path("scenarios/schemes/beijing-2020.yaml").read_text(encoding="utf-8"))
    strict = tmp_path / "strict.yaml"
    data["dominance"] = {**data.get("dominance", {}), "min_share": 0.99}
    strict.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for lang, prefix in (("zh", "主导性："), ("en", "dominance: ")):
        assert main(["check-scheme", str(strict), "--json", "--lang", lang]) == 0
        warnings = json.loads(capsys.readouterr().out)["warnings"]
        failed = [w for w in warnings if w.startswith(prefix)]
        assert failed and ("99%" in failed[-1])
        assert bool(re.search(r"[\u4e00-\u9fff]", failed[-1])) == (lang == "zh")
    lacking = tmp_path / "lacking.parquet"  # a population without a column the scheme reads: not measured
    synth(300, 1).drop(columns=["innovation_points"]).to_parquet(lacking, index=False)
    for lang, text in (("zh", "未计算主导性：人群缺少方案所需的列 innovation_points"),
                       ("en", "dominance not measured: the population lacks the scheme's column(s) innovation_points")):
        assert main(["check-scheme", str(strict), "--population", str(lacking), "--json", "--lang", lang]) == 0
        payload = json.loads(capsys.readouterr().out)
        assert text in payload["warnings"] and payload["dominance"] is None
