"""Issue 11 on the dashboard, headless (AppTest): the GPU drives its catalogue figures, written
values are marked as overrides, inputs that do nothing are greyed with the reason, n/a and
unattainable read from the items, and the funding KPIs with the settlement caption.

Expected figures come from the catalogue's datasheet numbers (``catalog.GPUS``) or the engine on
the same scenario, worked out here where the arithmetic is short (8 × 989 / 1000 = 7.912 P).
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("streamlit")

from finmodel import model, schema  # noqa: E402
from finmodel.schema import catalog, inert  # noqa: E402
from finmodel.ui import fmt, i18n, present  # noqa: E402

from . import test_app  # noqa: E402
from .test_app import metric, start  # noqa: E402

adir = test_app.adir  # the private copy of assumptions/ every test here runs on
pytestmark = pytest.mark.usefixtures("adir")

CJK = re.compile(r"[\u4e00-\u9fff]")


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def test_choosing_the_h800_fills_its_catalogue_figures() -> None:
    """H800: 989 dense FP16 TFLOPS and 10.2 kW per server (H100 SXM datasheet, catalog.py); the
    blank inputs follow the GPU, so a server holds 8 × 989 / 1000 = 7.912 P."""
    at = start()
    at.session_state["grp:light"] = True
    at.session_state["grp:energy"] = True
    at.run()
    at.selectbox(key="in:heavy.gpu").set_value("H800-SXM").run()
    s = at.session_state["scenario"]
    assert s.heavy.gpu == "H800-SXM" and s.light.tflops_per_card is None and s.heavy.power_kw_per_server is None
    h800 = catalog.GPUS["H800-SXM"]
    assert at.number_input(key="in:light.tflops_per_card").value == h800.fp16_tflops == 989.0
    assert at.number_input(key="in:heavy.power_kw_per_server").value == h800.server_power_kw == 10.2
    r = model.evaluate(s)
    assert r.light["p_per_server"] == pytest.approx(8 * 989 / 1000)
    assert "7.912" in "\n".join(m.value for m in at.markdown)
    assert not [c for c in at.caption if c.value.startswith("✎")]  # nothing written over the catalogue


def test_a_written_value_is_marked_against_the_catalogue_and_can_be_reset() -> None:
    """Writing 312 TFLOPS over the H800's 989 is an override: marked ``≠ 目录值 989 TFLOPS/卡``; the
    reset button blanks it again; typing the catalogue value itself blanks it as well."""
    at = start({"heavy.gpu": "H800-SXM"})
    at.session_state["grp:light"] = True
    at.run()
    at.number_input(key="in:light.tflops_per_card").set_value(312.0).run()
    assert at.session_state["scenario"].light.tflops_per_card == 312.0
    assert "≠ 目录值 989 TFLOPS/卡" in captions(at)
    at.button(key="reset:light.tflops_per_card").click().run()
    assert at.session_state["scenario"].light.tflops_per_card is None
    assert "≠ 目录值" not in captions(at)
    at.number_input(key="in:light.tflops_per_card").set_value(500.0).run()
    at.number_input(key="in:light.tflops_per_card").set_value(989.0).run()
    assert at.session_state["scenario"].light.tflops_per_card is None


def test_inputs_without_effect_are_greyed_with_the_reason() -> None:
    """Seed: ``cash_cost_method = 'ratio'``, so staff costs do nothing — disabled, the tooltip names
    the rule; with ``bottom_up`` staff is live and the non-cash share is the one greyed."""
    at = start()
    at.session_state["grp:operations"] = True
    at.run()
    s = at.session_state["scenario"]
    found = inert.inactive(s)
    staff = at.number_input(key="in:heavy.staff_cny_per_month")
    assert "heavy.staff_cny_per_month" in found and staff.disabled
    assert found["heavy.staff_cny_per_month"].text("zh") in staff.help
    ratio = schema.FIELDS["heavy.cash_cost_method"].choice_label("ratio", "zh")
    assert f"无效：现金成本口径 = “{ratio}”" in captions(at)
    assert not at.slider(key="in:heavy.noncash_share_of_cost").disabled
    at.selectbox(key="in:heavy.cash_cost_method").set_value("bottom_up").run()
    assert not at.number_input(key="in:heavy.staff_cny_per_month").disabled
    assert at.slider(key="in:heavy.noncash_share_of_cost").disabled
    # every disabled widget is one the rule table disables (or a choice with a single option)
    found = inert.inactive(at.session_state["scenario"])
    for w in [*at.number_input, *at.slider, *at.selectbox]:
        if w.disabled and w.key.startswith("in:"):
            path = w.key[3:]
            assert path in found or len(schema.FIELDS[path].choices) <= 1, path


def test_platform_payback_without_a_platform_reads_na_not_never() -> None:
    """The seed's light asset has no platform investment: its payback is NaN with the item's
    ``na_when`` flag set, so the business-model table reads n/a (a dash; the heavy asset's NaN would be never)."""
    at = start()
    r = model.evaluate(at.session_state["scenario"])
    assert at.session_state["scenario"].light.platform_investment_cny == 0.0
    assert r.light["no_platform_investment"] == 1.0 and r.light["payback_months"] != r.light["payback_months"]
    at.switch_page("app_pages/models.py").run()
    table = at.table[0].value
    row = list(table.iloc[:, 0]).index(i18n.t("cmp_payback_months", "zh"))
    light = table[i18n.t("opt_light", "zh")].iloc[row]
    assert light == "—" and light != fmt.never("zh")  # the dashboard's n/a, not its 未回本


@pytest.mark.parametrize("lang, word", [("zh", "无法达到"), ("en", "unattainable")])
def test_breakeven_above_full_occupancy_reads_unattainable(lang: str, word: str) -> None:
    """Buying at 1,000,000 CNY/P/yr what resells for the seed's 631,731 at full occupancy (22.5 CNY ×
    8,760 h × 8 cards / 2.496 P): break-even occupancy is above 1,000,000 / 631,731 = 158.3 %, so the
    card says so; the engine keeps the number."""
    at = start({"light.buy_price_cny_per_p_year": "1000000", "lang": lang})
    r = model.evaluate(at.session_state["scenario"])
    assert r.light["revenue_cny_per_p_year"] == pytest.approx(22.5 * 8760 * 8 / 2.496)
    assert r.light["breakeven_occupancy"] >= 1_000_000 / (22.5 * 8760 * 8 / 2.496)
    at.switch_page("app_pages/models.py").run()
    assert metric(at, present.card_label(present.Kpi("light", "breakeven_occupancy"), lang)) == word
    years = at.table[-1].value
    assert len(years) == len(r.light_monthly.index) // 12  # one row per year of the 60-month horizon


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_funding_cards_and_the_settlement_caption(lang: str) -> None:
    """A 60 % loan over 36 months: the equity pays back sooner than the project; peak funding is the
    40 % equity share of the 180万 capex at month 0 (72万); the caption says settlements are out of
    payback and in NPV/IRR."""
    at = start({"heavy.loan_share_of_capex": "0.6", "heavy.loan_term_months": "36", "lang": lang})
    r = model.evaluate(at.session_state["scenario"])
    assert r.heavy["peak_funding_cny"] == pytest.approx(0.4 * 1_800_000)
    for k in present.FUNDING_KPIS:
        label = present.card_label(k, lang)
        assert bool(CJK.search(label)) == (lang == "zh") or k.key == "moic", label
        assert metric(at, label) == present.shown_kpi(r, k, lang)
    assert metric(at, present.card_label(present.Kpi("heavy", "peak_funding_cny"), lang)) == (
        "72.0 万元")
    assert i18n.t("settlement_note", lang) in captions(at)
