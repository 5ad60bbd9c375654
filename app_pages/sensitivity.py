"""Sensitivity and risk: tornado, price × occupancy payback heatmap, solve for the price, Monte Carlo.

All computation is ``finmodel.analysis.sensitivity`` and ``finmodel.analysis.montecarlo`` (through cached wrappers in
``finmodel.ui.analyses``); this page draws controls and charts. A section that cannot be computed says
so (``shell.section``) and the others still render.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from finmodel import model
from finmodel.analysis import grid_axes
from finmodel.ui import analyses, charts, fmt, present, safe, shell, state

if TYPE_CHECKING:
    from finmodel.analysis.montecarlo import MonteCarloResult

lang = state.lang()
t = state.t
s = state.scenario()
r = state.result()
horizon = s.general.horizon_months
PRICE, OCC, PAYBACK = present.PRICE, present.OCCUPANCY, "heavy.payback_months"
#: Goal-seek targets (result path → i18n key of its wording).
SOLVE_TARGETS = {PAYBACK: "solve_payback", "heavy.irr": "solve_irr"}

st.title(t("page_sensitivity"))
st.caption(t("sens_caption"))
state.show_messages()

# ---------------------------------------------------------------- tornado
left, right = st.columns(2, gap="large")
with left:
    metric_opts = list(analyses.TORNADO_METRICS)
    c1, c2, c3 = st.columns([1.4, 1, 1])
    metric = c1.selectbox(t("tornado_metric"), metric_opts, format_func=lambda m: charts.metric_title(m, lang),
                          key="tornado_metric")
    shock = c2.select_slider(t("tornado_shock"), options=[5, 10, 20, 30, 50], value=20, key="tornado_shock",
                             format_func=lambda x: f"±{x}%")
    top = c3.number_input(t("tornado_top"), min_value=3, max_value=40, value=12, step=1, key="tornado_top")
    st.subheader(t("tornado", pct=shock))
    with shell.section(t("tornado", pct=shock)):
        try:
            table = analyses.tornado(s, shock / 100)
        except ValueError as err:  # the module's own message (field, value, allowed range)
            st.warning(safe.literal(err))
        else:
            if charts.tornado_rows(table, metric).empty:  # e.g. it never pays back, whatever the shock
                base_value = table.loc[table["metric"] == metric, "base_result"]
                shown = fmt.value(base_value.iloc[0] if len(base_value) else float("nan"),
                                  model.result_item(metric), lang)
                st.info(t("tornado_flat", metric=charts.metric_title(metric, lang), pct=shock, value=shown))
            else:
                st.vega_lite_chart(charts.spec(charts.tornado(table, metric, lang, shock_pct=shock,
                                                              never_at=horizon, top=int(top))), width="stretch")

# ---------------------------------------------------------------- heatmap
with right:
    st.subheader(t("heatmap"))
    with shell.section(t("heatmap")):
        prices, occs = grid_axes.grid_axes(s)  # the workbook's Sensitivity grid, cell for cell
        try:
            grid = analyses.grid(s, PRICE, tuple(prices), OCC, tuple(occs), PAYBACK)
        except ValueError as err:
            st.warning(safe.literal(err))
        else:
            st.vega_lite_chart(charts.spec(charts.payback_heatmap(
                grid, PRICE, OCC, PAYBACK, (s.heavy.price_cny_per_card_hour, s.heavy.occupancy),
                lang, horizon_months=horizon)), width="stretch")
            st.caption(t("heatmap_caption"))

# ---------------------------------------------------------------- solve for the price
st.subheader(t("solve"))
with st.form("solve_form", border=True):
    c1, c2, c3 = st.columns([1.4, 1, 1])
    target = c1.radio(t("solve_target"), list(SOLVE_TARGETS), key="solve_target",
                      format_func=lambda x: t(SOLVE_TARGETS[x]))
    months = c2.number_input(t("solve_months"), min_value=1.0, max_value=float(horizon),
                             value=float(min(12, horizon)), step=1.0, key="solve_months")
    irr = c3.slider(t("solve_irr_value"), min_value=0.0, max_value=2.0, value=0.3, step=0.01, format="percent",
                    key="solve_irr")
    submitted = st.form_submit_button(t("solve_run"), type="primary")
if submitted:
    goal = months if target == PAYBACK else irr
    with shell.section(t("solve")):
        st.session_state["solve_result"] = analyses.solve_price(s, target, goal)
res = st.session_state.get("solve_result")
if res is not None:
    if res["ok"]:
        achieved = fmt.value(res["achieved"], model.result_item(res["target"]), lang)
        st.success(t("solve_result", price=fmt.price(res["value"], lang),
                     current=fmt.price(s.heavy.price_cny_per_card_hour, lang), achieved=achieved))
        st.button(t("solve_apply"), on_click=state.on_apply, args=({PRICE: res["value"]},), key="solve_apply",
                  icon=":material/check:")
    else:
        st.warning(t("solve_none", msg=safe.literal(res["message"])))

# ---------------------------------------------------------------- Monte Carlo
st.subheader(t("mc"))
st.caption(t("mc_caption"))
dists = analyses.mc_editor(s, lang)
c1, c2, c3, c4 = st.columns(4)
n = c1.number_input(t("mc_n"), min_value=100, max_value=50_000, value=2000, step=500, key="mc_n")
seed = c2.number_input(t("mc_seed"), min_value=0, max_value=2**31 - 1, value=1, step=1, key="mc_seed")
within = c3.number_input(t("mc_within"), min_value=1, max_value=int(horizon), value=min(24, int(horizon)),
                         step=1, key="mc_within")
shown = c4.selectbox(t("mc_metric"), list(analyses.MC_METRICS), key="mc_metric",
                     format_func=lambda m: charts.metric_title(m, lang))


def show_monte_carlo(run: MonteCarloResult) -> None:
    """The Monte Carlo results: probabilities, the histogram of the chosen metric, the quantiles."""
    summary = run.summary.set_index("metric")
    q = {k: float(summary.loc[shown, k]) for k in ("p10", "p50", "p90")}
    m1, m2, m3 = st.columns(3)
    m1.metric(t("mc_prob", n=int(within)), fmt.pct(run.prob_payback_within(float(within)), lang))
    m2.metric(t("mc_npv_neg"), fmt.pct(run.prob_npv_negative, lang))
    m3.metric(t("mc_never"), fmt.pct(float(summary.loc[PAYBACK, "share_nan"]), lang))
    st.vega_lite_chart(charts.spec(charts.histogram(run.values[shown], q, shown, lang)), width="stretch")
    item = {m: model.result_item(m) for m in analyses.MC_METRICS}
    st.dataframe({
        t("metric"): [charts.metric_title(m, lang) for m in analyses.MC_METRICS],
        **{k.upper(): [fmt.value(summary.loc[m, k], item[m], lang) for m in analyses.MC_METRICS]
           for k in ("p10", "p50", "p90")},
        t("base_value"): [fmt.value(summary.loc[m, "base"], item[m], lang) for m in analyses.MC_METRICS],
    }, hide_index=True, width="stretch")
    for note in run.notes:
        st.caption(safe.literal(note))


with shell.section(t("mc")):
    try:
        mc_run = analyses.monte_carlo(s, dists, int(n), int(seed))
    except ValueError as err:  # a distribution the engine refuses: say which and why
        st.error(safe.literal(err))
    except ArithmeticError as err:  # e.g. OverflowError for bounds like ±1e308: name the distributions at fault
        st.error(safe.message(t("mc_failed", err=safe.literal(f"{type(err).__name__}: {err}")),
                              analyses.failing_distributions(s, dists, int(seed))))
    else:
        show_monte_carlo(mc_run)
