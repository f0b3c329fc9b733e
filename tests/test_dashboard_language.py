"""No English in the Chinese view and no Chinese in the English view (issue 16, item 11).

Every page is rendered with AppTest in each language; every visible text is collected (titles, headings, Markdown,
captions, alerts, metric labels, values and help, widget labels and option labels, table headers and index labels,
chart titles, axis titles, legend names, annotations and tick labels) and scanned: in the Chinese view for English
words (ASCII words of two or more letters, outside an allow-list of ids, units and format names), in the English
view for CJK characters. Scheme ids and versions, the language switch (which names both languages) and the
population's own data values are allowed.
"""

from __future__ import annotations

import json
import re

import pytest
from dashboard_helpers import app

from dashboard.i18n import t
from dashboard.state import SCHEME_DIR

PAGES = ["overview", "scheme", "distributions", "quota", "compare", "person", "data", "method", "pathways", "tuning"]
ALLOWED_ASCII = {
    # formats, units and names that are the same in Chinese text
    "csv", "excel", "xlsx", "png", "html", "yaml", "word", "docx", "pdf", "parquet", "zip", "js", "id", "ids",
    "kendall", "jaccard", "cov", "var", "utc", "kb", "plotly", "min", "noto", "sans", "cjk", "yrd", "sobol",
}
WORD = re.compile(r"[A-Za-z][A-Za-z']+")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
SCHEME_TOKENS = re.compile(r"\b[a-z0-9]+(?:[-_.][a-z0-9]+)+\b|\bv\d[\w.-]*", re.IGNORECASE)


def _source_texts() -> list[str]:
    """Texts that come from the scheme and rule files themselves (their notes, source titles, quotations of the
    notice, and labels that gloss a term of the notice): shown as written, like a user's data."""
    import yaml

    out: list[str] = []

    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, str(k))
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("notes", "title", "quote", "clause", "note", "assumptions"):
            out.append(node)  # citations and notes, quoted as written
        elif isinstance(node, str) and key in ("en", "zh") and CJK.search(node) and WORD.search(node):
            out.append(node)  # a label that glosses a term of the notice in the other language

    for path in [*SCHEME_DIR.glob("*.yaml"), *(SCHEME_DIR.parent.parent / "rulesets").glob("*.yaml")]:
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return sorted({x.strip() for x in out if len(x.strip()) > 3}, key=len, reverse=True)


SOURCE_TEXTS = _source_texts()


def _without_sources(text: str) -> str:
    text = re.sub(r"\\(.)", r"\1", text)  # Markdown escapes removed
    for src in SOURCE_TEXTS:
        if src in text:
            text = text.replace(src, " ")
    return text


def _scheme_words() -> set[str]:
    """Words of the shipped scheme ids and versions (shown in every stamp)."""
    words: set[str] = set()
    for path in SCHEME_DIR.glob("*.yaml"):
        words |= {w.lower() for w in re.split(r"[-_.\s]+", path.stem) if w}
    return words


def _chart_texts(spec: dict) -> list[str]:
    layout = spec.get("layout", {})
    out = []
    title = layout.get("title", {})
    out += [title.get("text", "")] if isinstance(title, dict) else [str(title)]
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            out.append((axis.get("title") or {}).get("text", ""))
            out += [str(v) for v in axis.get("ticktext") or []]
    out += [a.get("text", "") for a in layout.get("annotations", [])]
    for trace in spec.get("data", []):
        out.append(str(trace.get("name") or ""))
        out.append(str((trace.get("title") or {}).get("text", "")))
        if trace.get("type") == "bar":  # category labels of bars (group names)
            cats = trace.get("y") if trace.get("orientation") == "h" else trace.get("x")
            if isinstance(cats, list):
                out += [str(c) for c in cats if isinstance(c, str)]
        out.append(str(trace.get("hovertemplate") or "").split("<extra>")[-1].replace("</extra>", ""))
    return out


def visible_texts(at) -> list[str]:
    """Every text a person sees on the page (main area and sidebar)."""
    out: list[str] = []
    for root in (at, at.sidebar):
        for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success",
                     "exception"):
            out += [str(e.value) for e in root.get(kind)]
        for m in root.get("metric"):
            out += [str(m.label), str(m.value), str(getattr(m.proto, "help", "") or "")]
        for kind in ("selectbox", "multiselect", "radio", "text_input", "number_input", "checkbox", "button",
                     "toggle", "select_slider", "slider", "expander", "tab", "download_button", "segmented_control"):
            for e in root.get(kind):
                out.append(str(getattr(e, "label", "") or ""))
                out.append(str(getattr(e.proto, "help", "") or ""))
                out.append(str(getattr(e.proto, "placeholder", "") or ""))  # an empty multiselect's own words
                for opt in getattr(e, "options", None) or []:
                    out.append(str(opt))
        for df in root.get("dataframe"):
            frame = df.value
            config = json.loads(df.proto.columns or "{}")  # column_config labels are what a person sees
            labels = {k.removeprefix("name:").removeprefix("col:"): v.get("label") for k, v in config.items()
                      if isinstance(v, dict)}
            out += [str(labels.get(str(c)) or c) for c in frame.columns]
            out.append(str(labels.get("_index") or frame.index.name or ""))
        for tb in root.get("table"):
            frame = tb.value
            out += [str(c) for c in frame.columns]
    for chart in at.get("plotly_chart"):
        out += _chart_texts(json.loads(chart.proto.spec))
    return [x for x in out if x]


def english_words(text: str, allowed: set[str]) -> list[str]:
    """ASCII words in a Chinese text that are not ids, units, format names or scheme ids."""
    text = re.sub(r"<[^>]+>|%\{[^}]*\}", " ", _without_sources(text))  # chart markup and hover placeholders
    text = re.sub(r"\b[\w-]+(?:/[\w.-]+)+", " ", text)  # file paths (docs/pathways.md)
    text = SCHEME_TOKENS.sub(" ", text)
    return [w for w in WORD.findall(text) if w.lower() not in allowed]


def chinese_chars(text: str, allowed: tuple[str, ...]) -> list[str]:
    text = _without_sources(text)
    for a in allowed:
        text = text.replace(a, " ")
    return CJK.findall(text)


@pytest.fixture(scope="module")
def allowed_ascii() -> set[str]:
    return ALLOWED_ASCII | _scheme_words()


@pytest.mark.parametrize("page", PAGES)
def test_no_english_in_the_chinese_view(page, allowed_ascii):
    at = app(page, "zh")
    assert not at.exception, [e.value for e in at.exception]
    found = {}
    for text in visible_texts(at):
        if text in (t("language", "zh"), "English"):  # the language switch names both languages
            continue
        words = english_words(text, allowed_ascii)
        if words:
            found[text[:160]] = words
    assert not found, found


@pytest.mark.parametrize("page", PAGES)
def test_no_chinese_in_the_english_view(page):
    at = app(page, "en")
    assert not at.exception, [e.value for e in at.exception]
    allowed = (t("language", "en"), "中文")  # the language switch names both languages
    found = {}
    for text in visible_texts(at):
        chars = chinese_chars(text, allowed)
        if chars:
            found[text[:160]] = "".join(chars[:20])
    assert not found, found


def test_the_scan_finds_what_it_should():
    """The scanners themselves: English in Chinese text and Chinese in English text are found; ids are not."""
    allowed = ALLOWED_ASCII | {"hangzhou", "illustrative"}
    assert english_words("落户规则：quota of 8,000 places", allowed) == ["quota", "of", "places"]
    assert english_words("hangzhou-2023-illustrative v2023.0-illustrative · 示意 · CSV", allowed) == []
    assert chinese_chars("Before: 杭州", ()) == ["杭", "州"]
    assert chinese_chars("语言 / Language", ("语言 / Language",)) == []


def test_the_uploader_speaks_chinese_in_the_chinese_view():
    """Streamlit's uploader texts are replaced in the Chinese view by a constant style sheet of our own words: the
    button and the limit, not the chips of an uploaded file; nothing in it comes from a user; the English view keeps
    Streamlit's own texts."""
    from dashboard import view

    css = view.uploader_css("zh", 500)
    contents = re.findall(r'content: "([^"]*)"', css)
    assert contents == [t("upload_button", "zh"), t("upload_limit", "zh", mb=500), t("upload_limit_kb", "zh", kb=256)]
    assert all(not re.search(r"[A-Za-z]{2,}", c.replace("MB", "").replace("KB", "")) for c in contents)  # no English
    assert "stFileChip" not in css and "not([data-testid])" not in css  # an uploaded file's name stays visible
    en = view.uploader_css("en", 500)  # Streamlit's own texts, but the scheme uploader's true limit (trial 2 #14)
    assert re.findall(r'content: "([^"]*)"', en) == ["Drag and drop a file here · 256 KB per file"]
    assert ".st-key-scheme_upload" in en and not re.search(r"[\u4e00-\u9fff]", en)
    # English widget and metric labels begin with a capital (a browser trial: "print view", "places a year ...")
    assert "p::first-letter" in en and "text-transform: uppercase" in en and "first-letter" not in css


@pytest.mark.parametrize("page", ["compare", "scheme"])
def test_empty_multiselects_say_what_to_choose_in_the_views_language(page):
    """Trial finding 9 / issue 16 item 11: an emptied multiselect shows its placeholder, Streamlit's English "Choose
    options" unless the page gives one: every multiselect gives one, in the view's language. Nor does any offer
    Streamlit's English "Select all" (trial 2 #5c). The Scheme page's is in a lazy section: opened here."""
    for lang in ("zh", "en"):
        at = app(page, lang, open_struct=True)
        boxes = [*at.multiselect, *at.sidebar.multiselect]
        assert boxes
        for box in boxes:
            words = str(box.proto.placeholder)
            assert words, box.label
            assert bool(CJK.search(words)) == (lang == "zh"), words
            assert not box.proto.select_all, box.label
