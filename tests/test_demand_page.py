"""The "Market demand / 市场需求" page, headless (AppTest): it starts, speaks both languages, turns
bad table edits into friendly messages (no traceback), and feeds the fleet to the heavy-asset model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from finmodel import demand, model, schema

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "app_pages" / "demand.py")
PRESETS = ROOT / "assumptions" / "demand"
SEED_SCENARIO = ROOT / "assumptions" / "seed_fs2024.toml"
CJK = re.compile(r"[\u4e00-\u9fff]")


def page(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def labels(at: AppTest) -> list[str]:
    """Every visible label the page wrote (headings, metrics, widgets, buttons)."""
    out = [at.title[0].value, *(h.value for h in at.subheader), *(m.label for m in at.metric)]
    out += [w.label for kind in ("slider", "number_input", "selectbox", "button") for w in getattr(at, kind)]
    return out


def test_starts_in_chinese_with_the_seed_market():
    at = page()
    assert not at.exception and not at.error
    assert at.title[0].value == "市场需求"
    d = demand.size(demand.load(PRESETS / "seed_china_market.toml"))
    assert metric(at, "所需GPU合计") == f"{d.gpus.sum():,.1f}"  # 26,380 + 3,297.5 (002:1231, 002:1290)
    assert all(CJK.search(x) for x in labels(at)), labels(at)


def test_language_from_the_dashboard():
    at = page(lang="en")
    assert not at.exception and at.title[0].value == "Market demand"
    assert not [r for r in at.radio if r.key == "demand_lang_choice"]  # the shell owns the switch
    assert not [x for x in labels(at) if CJK.search(x)], labels(at)


def test_language_switch_when_standalone():
    at = page()
    at.radio(key="demand_lang_choice").set_value("en").run()
    assert not at.exception and at.title[0].value == "Market demand"
    assert at.session_state["lang"] == "en"
    assert not [x for x in labels(at) if CJK.search(x)], labels(at)


@pytest.mark.parametrize(("lang", "edit", "expected"), [
    ("zh", {0: {"duration_days": 0.0}},
     "第1行 (China training (100 models)) · 训练天数 (duration_days) = 0.0：超出范围；允许：数值，0 < 值 ≤ 3,650"),
    ("en", {0: {"tokens": -2e11}},
     "Row 1 (China training (100 models)) · Training tokens (tokens) = -200000000000.0: out of range; "
     "allowed: a number, 0 < value ≤ 1e16 [tokens/run]"),
    ("en", {1: {"gpu": "B200"}}, "Row 2 (China inference (50 models)) · GPU (gpu) = 'B200': unknown GPU"),
    ("en", {1: {"tokens": 1e9}}, "Row 2 (China inference (50 models)) · Training tokens (tokens) = 1000000000.0: "
     "not used by inference workloads (leave it empty)"),
    ("zh", {1: {"daily_visits": None}}, "第2行 (China inference (50 models)) · 日均访问量 (daily_visits)："
     "推理工作负载需要参数量"),
])
def test_bad_edit_gives_a_friendly_message(lang, edit, expected):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["demand_editor"] = {"edited_rows": edit, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    (err,) = at.error
    assert expected in err.value, err.value
    assert "Traceback" not in err.value and not at.metric  # the page stops after the message


def test_added_empty_row_is_ignored_and_added_row_counts():
    at = AppTest.from_file(PAGE, default_timeout=60)
    row = dict(name="New inference", kind="inference", models=1, parameters=7e9, daily_visits=1e6,
               questions_per_visit=5.0, tokens_per_question=500.0, precision="INT8", gpu="A100-40G-NVLink",
               compute_efficiency=0.45)
    at.session_state["demand_editor"] = {"edited_rows": {}, "added_rows": [{}, row], "deleted_rows": [0]}
    at.run()
    assert not at.exception and not at.error
    extra = 2 * 7e9 * (1e6 * 5 * 500) / 86_400 / (624e12 * 0.45)
    ws = demand.load(PRESETS / "seed_china_market.toml").workloads
    assert metric(at, "所需GPU合计") == f"{demand.size(ws[1:]).gpus.sum() + extra:,.1f}"


def test_fleet_button_feeds_the_heavy_asset_scenario():
    at = page(lang="en")
    seed = schema.load(SEED_SCENARIO)
    d = demand.size(demand.load(PRESETS / "seed_china_market.toml"))
    n = demand.fleet(d, 0.10, cards_per_server=8, occupancy=1.0).servers  # default share 10 %
    assert metric(at, "Servers needed") == f"{n:,}"
    payback = model.evaluate(seed.replace({"heavy.servers": n})).heavy["payback_months"]
    assert metric(at, "Payback (equity)") == f"{payback:,.1f} months"  # 16.2 (002:1526)
    at.button(key="demand_use").click().run()
    assert at.session_state["demand_servers"] == n and at.session_state["demand_gpu"] == "A100-40G-NVLink"
    assert any(f"{n:,}" in s.value for s in at.success)


def test_share_occupancy_price_and_dashboard_scenario():
    seed = schema.load(SEED_SCENARIO)
    at = page(lang="en", scenario=seed.replace({"heavy.cards_per_server": 4}))
    at.slider(key="demand_share").set_value(25).run()
    at.slider(key="demand_occupancy").set_value(80).run()
    at.number_input(key="demand_price").set_value(30.0).run()
    assert not at.exception
    d = demand.size(demand.load(PRESETS / "seed_china_market.toml"))
    n = int(demand.servers_needed(d.gpu_hours_per_year.sum(), 0.25, 4, 0.8))
    assert metric(at, "Servers needed") == f"{n:,}"
    s = seed.replace({"heavy.cards_per_server": 4, "heavy.servers": n, "heavy.price_cny_per_card_hour": 30.0,
                      "heavy.occupancy": 0.8})
    assert metric(at, "Payback (equity)") == f"{model.evaluate(s).heavy['payback_months']:,.1f} months"
    at.slider(key="demand_share").set_value(0).run()
    assert metric(at, "Servers needed") == "0" and at.info


def test_preset_switch_resets_the_table():
    at = page(lang="en")
    at.session_state["demand_editor"] = {"edited_rows": {0: {"duration_days": 0.0}}, "added_rows": [],
                                         "deleted_rows": []}
    at.run()
    assert at.error
    at.selectbox(key="demand_preset").set_value("seed_gpt").run()
    assert not at.exception and not at.error
    d = demand.size(demand.load(PRESETS / "seed_gpt.toml"))
    assert metric(at, "GPUs needed, total") == f"{d.gpus.sum():,.1f}"  # 865.6 + 22,787.8 + 10,098.5
