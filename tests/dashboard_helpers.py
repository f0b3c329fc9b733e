"""Shared AppTest helpers for the dashboard tests."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
N, SEED = 20_000, 3
SCHEMES = ROOT / "scenarios" / "schemes"
DEFAULT = SCHEMES / "hangzhou-2023-illustrative.yaml"
MARKDOWN_KINDS = ("markdown", "caption", "error", "warning", "info", "success", "title", "subheader", "header")


def app(page: str = "overview", lang: str = "zh", n: int = N, **state) -> AppTest:
    """A fresh session of the app on ``page`` (a new AppTest is a new browser session)."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["pop_n"] = n
    at.session_state["pop_seed"] = SEED
    at.session_state["lang"] = lang
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    if page != "overview":
        at.switch_page(f"dashboard/pages/{page}.py").run()
    return at


def visit(at: AppTest, page: str) -> AppTest:
    """Navigate the same session to another page."""
    return at.switch_page(f"dashboard/pages/{page}.py").run()


def plain(text: str) -> str:
    """Markdown as read: backslash escapes removed (user text reaches the page escaped)."""
    return re.sub(r"\\(.)", r"\1", text)


def ok(at: AppTest) -> None:
    """No exception and no error box."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def markdown_bodies(at: AppTest) -> list[str]:
    """Every text the page renders as Markdown (main area and sidebar), plus widget labels and metric values."""
    out: list[str] = []
    for kind in MARKDOWN_KINDS:
        out += [str(e.value) for e in at.get(kind)] + [str(e.value) for e in at.sidebar.get(kind)]
    for kind in ("expander", "selectbox", "text_input", "number_input", "radio", "checkbox", "button", "metric"):
        for e in list(at.get(kind)) + list(at.sidebar.get(kind)):
            label = getattr(e, "label", None) or getattr(getattr(e, "proto", None), "label", None)
            if label:
                out.append(str(label))
    out += [str(m.value) for m in at.metric]
    return out


def chart_specs(at: AppTest) -> str:
    """Every plotly chart's JSON on the page."""
    return " ".join(json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("plotly_chart"))


def items_key(at: AppTest) -> str:
    """The items editor's widget key (dashboard.state.editor_key: the editor base and its generation)."""
    ss = at.session_state
    return "items_" + hashlib.sha256(f"{ss['editor_gen']}:{ss['editor_base']}".encode()).hexdigest()[:10]


def edit_items(at: AppTest, edited_rows: dict) -> AppTest:
    """Type into the items table (what st.data_editor sends for edited cells) and rerun."""
    at.session_state[items_key(at)] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}
    return at.run()


def people(count: int, n: int = N) -> int:
    """A count of the synthetic sample of ``n`` in real people (dashboard.scale: the one scale)."""
    from dashboard.scale import SYNTH_REPRESENTS

    return int(round(count * SYNTH_REPRESENTS / n))


def route(pop):
    """The points route's people, the reference way: residents of 杭州市城区 by the library's one definition
    (scoring.population.area, reading all_districts as the scenarios use), counted on every page."""
    from scoring.population.area import in_city_districts

    return pop[in_city_districts(pop["district"], "all_districts")].reset_index(drop=True)


def admit_real(res, n: int = N):
    """The library's admission with the scheme's quota taken as real places (quota / ratio on the sample)."""
    import scoring
    from dashboard.scale import SYNTH_REPRESENTS

    rule = res.scheme.admission
    if rule is not None and rule.mode in ("quota", "both"):
        places = max(1, int(round(rule.quota * n / SYNTH_REPRESENTS)))
        return scoring.admit(res, quota=places, threshold=rule.threshold if rule.mode == "both" else None,
                             ties=rule.ties)
    return scoring.admit(res)
