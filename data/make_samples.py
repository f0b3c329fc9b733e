"""Generate the sample extracts in data/ from the synthetic generator (none of it is real data).

    python data/make_samples.py

Writes:
- data/sample_extract_gb18030.csv  200 valid rows, Chinese headers and values, GB18030 (as offices export them)
- data/sample_extract.xlsx         the same rows as an Excel sheet with a title row above the header
- data/sample_invalid.csv          a handful of deliberately invalid rows (UTF-8), for examples and tests
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scoring.population.schema import load_schema  # noqa: E402
from scoring.population.synthetic import synth  # noqa: E402

DATA = ROOT / "data"
N = 200
SEED = 2023
TITLE = "杭州市积分落户申请人匿名抽样数据（合成数据，非真实个人信息）"


def chinese_extract(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename to the Chinese labels and write values as an office would: 是/否, 本科, 男/女, 上城区, ..."""
    schema = load_schema()
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        spec = schema.columns.get(col)
        values = frame[col]
        if spec is not None and spec.type in ("bool", "category"):
            labels = {v: schema.value_label(col, v, "zh") for v in pd.unique(values)}
            values = values.map(labels).astype(object)
        elif spec is not None and spec.type == "float":
            values = values.astype("float64").round(2)
        header = spec.label_zh if spec is not None else col
        out[header] = values
    return out


def invalid_rows(good: pd.DataFrame) -> pd.DataFrame:
    """Eight rows, each invalid for one stated reason (the reason is in the 备注 column)."""
    rows = good.head(8).copy().astype(object)
    notes = []
    rows.iloc[0, rows.columns.get_loc("年龄")] = "abc"
    notes.append("年龄不是数字")
    rows.iloc[1, rows.columns.get_loc("性别")] = "未知"
    notes.append("性别取值不在允许范围")
    rows.iloc[2, rows.columns.get_loc("学历")] = ""
    notes.append("学历缺失")
    rows.iloc[3, rows.columns.get_loc("年龄")] = 20
    rows.iloc[3, rows.columns.get_loc("居住年限")] = 30
    notes.append("居住年限超过年龄")
    rows.iloc[4, rows.columns.get_loc("年龄")] = 18
    rows.iloc[4, rows.columns.get_loc("社保缴纳年限")] = 9
    notes.append("社保缴纳年限超过年龄-16")
    rows.iloc[5, rows.columns.get_loc("是否持有居住证")] = "否"
    rows.iloc[5, rows.columns.get_loc("持有居住证年限")] = 3
    notes.append("未持有居住证但居住证年限大于0")
    rows.iloc[6, rows.columns.get_loc("人员编号")] = rows.iloc[7]["人员编号"]
    notes.append("人员编号重复")
    rows.iloc[7, rows.columns.get_loc("年龄")] = 150
    notes.append("年龄超出范围（0-110）")
    rows["备注"] = notes
    valid = good.iloc[8:12].copy().astype(object)
    valid["备注"] = "有效"
    return pd.concat([rows, valid], ignore_index=True)


def main() -> None:
    """Write the three sample files."""
    frame = synth(N, SEED)
    frame["person_id"] = [f"HZ{i:05d}" for i in range(1, N + 1)]
    extract = chinese_extract(frame)
    extract.to_csv(DATA / "sample_extract_gb18030.csv", index=False, encoding="gb18030")
    with pd.ExcelWriter(DATA / "sample_extract.xlsx", engine="openpyxl") as writer:
        pd.DataFrame([[TITLE]]).to_excel(writer, sheet_name="抽样数据", index=False, header=False)
        extract.to_excel(writer, sheet_name="抽样数据", index=False, startrow=2)
    invalid_rows(extract).to_csv(DATA / "sample_invalid.csv", index=False, encoding="utf-8")
    print(f"wrote {N} rows to data/sample_extract_gb18030.csv and data/sample_extract.xlsx; data/sample_invalid.csv")


if __name__ == "__main__":
    main()
