"""Issue 12 probes against the dashboard, each replayed: #2 a session replacing the default scheme for everyone,
#6 formulas in downloads, #10 uploads evicted by other sessions, #11 uploaded scheme text rendered as Markdown."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest
import yaml
from dashboard_helpers import DEFAULT, chart_specs, markdown_bodies, metrics, ok, people, plain, route, visit
from dashboard_helpers import app as open_app

import scoring
from dashboard import exports, scheme_store, state
from dashboard.i18n import fmt_int
from dashboard.safe_text import error_text, md, safe_figure
from scoring.population.synthetic import synth
from scoring.scheme.load import load_scheme

ROOT = Path(__file__).resolve().parent.parent

SHIPPED_ID = "hangzhou-2023-illustrative"


def _attack_yaml(**changes) -> bytes:
    """The shipped default, claimed official, with the line lowered to 10 points (the probe of issue 12 #2)."""
    data = scoring.load_scheme(DEFAULT).to_dict()
    data.update(status="official", admission={"mode": "threshold", "threshold": 10.0, "ties": "admit_all"})
    data.update(changes)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def _admitted(scheme: scoring.Scheme, n: int = 20_000, seed: int = 3) -> int:
    return scoring.admit(scoring.score(route(synth(n, seed)), scheme)).admitted_count  # the points route's people


# -- #2: nobody replaces the shipped default -----------------------------------------------------------------------
def test_a_later_file_with_a_shipped_id_does_not_shadow_it(tmp_path):
    folder = tmp_path / "schemes"
    folder.mkdir()
    shutil.copy(DEFAULT, folder / DEFAULT.name)
    for name in ("aa-update.yaml", "zz-update.yaml"):  # sorted before and after the shipped file
        (folder / name).write_bytes(_attack_yaml())
    texts = scheme_store.shipped_texts(folder)
    assert list(texts) == [SHIPPED_ID]
    assert texts[SHIPPED_ID] == scoring.load_scheme(DEFAULT).to_yaml()


def test_saved_store_never_shadows_and_is_always_draft(tmp_path):
    store = tmp_path / "saved"
    store.mkdir()
    (store / "sneaky.yaml").write_bytes(_attack_yaml())  # put there by hand with a shipped id: skipped
    (store / "other.yaml").write_bytes(_attack_yaml(id="team-proposal", version="3"))
    texts = scheme_store.saved_texts(store, frozenset({SHIPPED_ID}))
    assert list(texts) == ["saved:team-proposal@3"]
    assert scoring.scheme.load.load_scheme_text(texts["saved:team-proposal@3"]).status == "draft"


def test_save_refuses_shipped_ids_reused_versions_and_bad_names(tmp_path):
    scheme = scoring.load_scheme(DEFAULT)
    shipped = frozenset({SHIPPED_ID})
    with pytest.raises(scheme_store.SaveRefused) as refused:
        scheme_store.save(scheme, SHIPPED_ID, "99", None, shipped, tmp_path)
    assert refused.value.reason == "save_id_shipped"
    for bad_id, bad_version in (("../etc/x", "1"), ("ok", "1/2"), ("", "1"), ("ok", "")):
        with pytest.raises(scheme_store.SaveRefused):
            scheme_store.save(scheme, bad_id, bad_version, None, shipped, tmp_path)
    with pytest.raises(scheme_store.SaveRefused) as refused:  # finding 11: an empty version says it is required
        scheme_store.save(scheme, "ok", "  ", None, shipped, tmp_path)
    assert refused.value.reason == "save_version_required"
    path, saved = scheme_store.save(scheme, "hz-edit", "1", "我的方案", shipped, tmp_path)
    assert path.parent == tmp_path and saved.status == "draft" and saved.title.zh == "我的方案"
    with pytest.raises(scheme_store.SaveRefused) as refused:
        scheme_store.save(scheme, "hz-edit", "1", None, shipped, tmp_path)
    assert refused.value.reason == "save_exists"
    assert scoring.scheme.load.load_scheme_text(path.read_text(encoding="utf-8")).status == "draft"


def test_probe_2_replayed_upload_official_shipped_id_then_save(tmp_path, monkeypatch):
    monkeypatch.setenv("HUKOU_SIM_SAVED_SCHEMES", str(tmp_path / "saved"))
    shipped_before = sorted(p.name for p in DEFAULT.parent.iterdir())
    default_admitted = _admitted(scoring.load_scheme(DEFAULT))
    at = open_app("scheme", "en", open_save=True)  # the save section opened (drawn only when open)
    at.file_uploader(key="scheme_upload").set_value(("zz-update.yaml", _attack_yaml(), "application/x-yaml")).run()
    assert not at.exception, [e.value for e in at.exception]
    working = state.scheme_of(at.session_state["scheme_yaml"])
    assert working.id == SHIPPED_ID and working.status == "draft"  # a self-declared "official" is not kept
    assert "draft" in working.stamp("en") and "official" not in working.stamp("en")
    assert any("does not replace the shipped scheme" in plain(w.value) for w in at.warning)
    lowered = scoring.scheme.load.load_scheme_text(at.session_state["scheme_yaml"])
    assert metrics(at)["admitted"] == fmt_int(people(_admitted(lowered)))  # this session uses its upload

    assert at.text_input(key="save_version").placeholder == "required, e.g. 2026.1"  # a hint, not a grey value
    at.text_input(key="save_id").set_value(SHIPPED_ID)
    at.text_input(key="save_version").set_value("10")
    at.button(key="save_scheme").click().run()
    assert at.error and "shipped scheme's id" in plain(at.error[0].value)
    at.text_input(key="save_id").set_value("hz-update")
    at.button(key="save_scheme").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("saved:hz-update@10" in plain(s.value) for s in at.success)
    saved = list((tmp_path / "saved").glob("*.yaml"))
    assert len(saved) == 1 and scoring.load_scheme_text(saved[0].read_text(encoding="utf-8")).status == "draft"
    assert sorted(p.name for p in DEFAULT.parent.iterdir()) == shipped_before  # nothing written among shipped

    state.shipped_scheme_texts.clear()  # as after a restart
    fresh = open_app("overview", "en")  # another browser
    ok(fresh)
    assert fresh.session_state["scheme_choice"] == SHIPPED_ID
    assert metrics(fresh)["admitted"] == fmt_int(people(default_admitted))
    assert fresh.session_state["scheme_yaml"] == scoring.load_scheme(DEFAULT).to_yaml()
    picker = fresh.sidebar.selectbox(key="scheme_choice")
    assert "saved:hz-update@10" in picker.options or any("hz-update" in o for o in picker.options)
    picker.set_value("saved:hz-update@10").run()
    ok(fresh)
    assert state.scheme_of(fresh.session_state["scheme_yaml"]).stamp("en").endswith("draft · simulation")


# -- #11: a user's text is shown as text ---------------------------------------------------------------------------
PIXEL = "http://127.0.0.1:9/pixel.png"
HOSTILE_VERSION = f"![v]({PIXEL})"


def _hostile_scheme() -> bytes:
    data = scoring.load_scheme(DEFAULT).to_dict()
    data.update(
        version=HOSTILE_VERSION,
        title={"zh": f"[点我]({PIXEL}) <img src={PIXEL}>", "en": f"[click]({PIXEL}) :red[x] $x^2$"},
        sources=[{"title": f"![s]({PIXEL})", "url": "javascript:alert(1)"}],
        assumptions=[f"<img src={PIXEL}>", "**bold** :material/home: `code`"],
    )
    data["items"][0]["label"] = {"zh": f"<a href='{PIXEL}'>居住</a>", "en": f"<a href='{PIXEL}'>residence</a>"}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


LIVE_MARKDOWN = [re.compile(r"(?<!\\)\]\((?!\))"), re.compile(r"(?<!\\)!\["), re.compile(r"(?<!\\)<(img|a)\b"),
                 re.compile(r"(?<!\\):red\["), re.compile(r"(?<!\\)\$x")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_probe_11_replayed_uploaded_scheme_text_is_never_markup(lang):
    at = open_app("scheme", lang)
    at.file_uploader(key="scheme_upload").set_value(("v.yaml", _hostile_scheme(), "application/x-yaml")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert state.scheme_of(at.session_state["scheme_yaml"]).version == HOSTILE_VERSION
    for page in ("scheme", "overview", "method", "distributions", "data", "person", "compare"):
        visit(at, page)
        assert not at.exception, (page, [e.value for e in at.exception])
        for body in markdown_bodies(at):
            for pattern in LIVE_MARKDOWN:
                assert not pattern.search(body), (page, body)
        specs = chart_specs(at)
        assert "<a href" not in specs and "<img" not in specs, page
    visit(at, "method")
    shown = plain(" ".join(m.value for m in at.markdown))
    assert HOSTILE_VERSION in shown and f"<img src={PIXEL}>" in shown  # shown literally, as written


def test_escaping_helpers():
    assert plain(md("![v](http://x) *a* <b> :red[x] $y$")) == "![v](http://x) *a* <b> :red[x] $y$"
    assert "\\!\\[" in md("![v](x)") and "\n" not in md("a\nb")
    exc = ValueError(f"{state.ROOT}/scenarios/x.yaml: bad value '![i](http://x)'")
    assert str(state.ROOT) not in error_text(exc) and "\\!\\[" in error_text(exc)
    fig = go.Figure(go.Bar(x=["<a href='http://x'>a</a>", "b"], y=[1, 2], name="<span style='x'>n</span>"))
    fig.update_layout(title="title<br>two <sup>lines</sup>")
    spec = json.dumps(json.loads(safe_figure(fig).to_json()), ensure_ascii=False)
    assert "<a href" not in spec and "<span" not in spec and "&lt;a href" in spec
    assert "<br>" in spec and "<sup>" in spec  # the dashboard's own tags are kept


# -- #6: downloads open in Excel without live formulas -------------------------------------------------------------
HOSTILE_CELLS = ['=HYPERLINK("http://127.0.0.1:9/x","y")', "+1+1", "@SUM(A1)", "-2+3", "\t=1", "|cmd"]


def _hostile_frame() -> pd.DataFrame:
    return pd.DataFrame({"label": HOSTILE_CELLS, "=cmd|' /C calc'!A0": range(6), "n": [-3.5, 1, 2, 3, 4, 5]},
                        index=pd.Index(["=a", "b", "c", "d", "e", "f"], name="@id"))


def test_probe_6_replayed_xlsx_download_has_no_formula_cells():
    stamp = "=HYPERLINK(\"http://x\") v1 · draft · simulation"
    book = openpyxl.load_workbook(io.BytesIO(exports.excel_bytes({"=bad": _hostile_frame(), "表/1": _hostile_frame()},
                                                                  stamp)))
    assert [s.title for s in book.worksheets] == ["_=bad", "表_1"]
    for sheet in book.worksheets:
        cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
        assert not any(c.data_type == "f" for c in cells)
        texts = [c.value for c in cells if isinstance(c.value, str)]
        assert not any(v.startswith(("=", "+", "@", "\t", "|")) for v in texts), texts
        assert sheet["A1"].value == "'" + stamp
        numbers = [c.value for c in cells if isinstance(c.value, int | float)]
        assert -3.5 in numbers  # numbers stay numbers
    first = book.worksheets[0]
    assert first["B4"].value == "'" + HOSTILE_CELLS[0] and first["A4"].value == "'=a"


def test_probe_6_replayed_csv_download_has_no_formula_cells():
    data = exports.csv_bytes(_hostile_frame(), "=x v1 · simulation")
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    values = [*back.columns, *back.to_numpy().ravel().tolist()]
    assert not any(v.startswith(("=", "+", "@", "\t", "|")) for v in values), values
    assert back["label"].tolist()[0] == "'" + HOSTILE_CELLS[0] and back["n"].tolist()[0] == "-3.5"
    assert back.columns[-1] == "stamp" and set(back["stamp"]) == {"'=x v1 · simulation"}  # the stamp is a safe cell


# -- #10: a user's upload stays until they change it ---------------------------------------------------------------
def _population_csv(n: int, seed: int) -> bytes:
    buf = io.StringIO()
    synth(n, seed).to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def test_probe_10_replayed_four_sessions_keep_their_own_uploads():
    sessions = []
    for k in range(4):
        data = _population_csv(300 + 40 * k, 20 + k)
        at = open_app("data", "en")
        at.file_uploader(key="pop_upload").set_value((f"team{k}.csv", data, "text/csv")).run()
        at.button(key="pop_use").click().run()
        assert not at.exception, [e.value for e in at.exception]
        sessions.append((at, data, f"team{k}.csv"))
    scheme = scoring.load_scheme(DEFAULT)
    for at, data, name in sessions:  # after all four uploaded, each still sees its own people
        visit(at, "overview")
        ok(at)
        assert any(name in plain(c.value) for c in at.sidebar.caption)
        frame = scoring.read_population(pd.read_csv(io.BytesIO(data)), skip_invalid=True).frame
        assert metrics(at)["eligible"] == fmt_int(int(scoring.score(route(frame), scheme).eligible_mask.sum()))


def test_an_upload_no_longer_held_is_said_loudly():
    at = open_app("overview", "en", pop_source="upload", upload_key="upload:" + "0" * 64)
    assert not at.exception
    assert any("no longer held" in plain(e.value) for e in at.sidebar.error)


# -- #8 (dashboard side): hostile scheme files give one line in place, never a traceback or a server path -----------
@pytest.mark.parametrize("payload", [
    b"id: x\nitems: " + b"[" * 3000 + b"]" * 3000 + b"\n",  # nesting deep enough to break a recursive reader
    b"\xff\xfe not utf-8 \x00",
    b"id: x\nversion: 1\nbase: /etc/passwd\n",
    b"id: [unclosed\n",
])
def test_hostile_scheme_upload_shows_one_line_in_place(payload):
    at = open_app("scheme", "en")
    before = at.session_state["scheme_yaml"]
    at.file_uploader(key="scheme_upload").set_value(("bad.yaml", payload, "application/x-yaml")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error
    for box in at.error:
        text = plain(box.value)
        assert "Traceback" not in text and str(state.ROOT) not in text and "/tmp/" not in text
        assert "\n" not in text.strip() and len(text) < 800
    assert at.session_state["scheme_yaml"] == before  # the working scheme is untouched


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_broken_scheme_upload_is_told_in_the_views_language_naming_the_file(lang):
    """The upload's refusal names the user's file (not "<uploaded scheme>") and is worded in the view's language
    (scoring.cli.messages.localized), under a line that says the upload was not loaded."""
    at = open_app("scheme", lang)
    at.file_uploader(key="scheme_upload").set_value(("我的方案.yaml", b"id: x\n  bad: [\n", "application/x-yaml")).run()
    assert not at.exception
    (text,) = [plain(box.value) for box in at.error]
    assert "我的方案.yaml" in text and "uploaded scheme>" not in text
    if lang == "zh":
        assert text.startswith("上传的方案有误，未载入") and "不是有效的 YAML（第 2 行第 6 列）" in text, text
    else:
        assert text.startswith("The uploaded scheme is invalid") and "not valid YAML at line 2, column 6" in text, text


def test_a_save_never_replaces_a_scheme_saved_meanwhile(tmp_path, monkeypatch):
    """Two sessions saving the same id and version at once were both told "saved", and one scheme replaced the
    other (a probe: 93 of 100 trials). The second save is refused even when the other file appears after every
    check the first save makes (the race replayed: the store looks empty, the file is there), and the file that
    was there is kept as it was; the write leaves no temporary file."""
    from scoring.safe_output import create_new

    first = load_scheme(ROOT / "scenarios" / "schemes" / "beijing-2020.yaml")
    second = load_scheme(ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml")
    path, _ = scheme_store.save(first, "shared", "1", None, frozenset(), tmp_path)
    before = path.read_bytes()
    monkeypatch.setattr(scheme_store, "saved_texts", lambda *a, **k: {})  # the other save lands after the checks
    real_exists = Path.exists
    monkeypatch.setattr(Path, "exists", lambda self, **k: False if self == path else real_exists(self, **k))
    with pytest.raises(scheme_store.SaveRefused) as refused:
        scheme_store.save(second, "shared", "1", None, frozenset(), tmp_path)
    assert refused.value.reason == "save_exists" and path.read_bytes() == before
    assert create_new(tmp_path / "new.yaml", "a: 1\n") and not create_new(tmp_path / "new.yaml", "b: 2\n")
    assert (tmp_path / "new.yaml").read_text() == "a: 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.yaml", "shared@1.yaml"]
