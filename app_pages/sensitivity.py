"""Sensitivity and risk: tornado, price × occupancy payback heatmap, solve for the price, Monte Carlo.

All computation is ``finmodel.analysis.sensitivity`` and ``finmodel.analysis.montecarlo`` (through cached wrappers in
``finmodel.ui.state``); this page draws controls and charts.
"""

import streamlit as st

from finmodel.ui import charts, fmt, present, state

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
    metric_opts = list(state.TORNADO_METRICS)
    c1, c2, c3 = st.columns([1.4, 1, 1])
    metric = c1.selectbox(t("tornado_metric"), metric_opts, format_func=lambda m: charts.metric_title(m, lang),
                          key="tornado_metric")
    shock = c2.select_slider(t("tornado_shock"), options=[5, 10, 20, 30, 50], value=20, key="tornado_shock",
                             format_func=lambda x: f"±{x}%")
    top = c3.number_input(t("tornado_top"), min_value=3, max_value=40, value=12, step=1, key="tornado_top")
    st.subheader(t("tornado", pct=shock))
    try:
        table = state.tornado(s, shock / 100)
    except ValueError as err:  # the module's own message (field, value, allowed range)
        st.warning(str(err))
    else:
        st.vega_lite_chart(charts.spec(charts.tornado(table, metric, lang, shock_pct=shock, never_at=horizon,
                                                      top=int(top))), width="stretch")

# ---------------------------------------------------------------- heatmap
with right:
    st.subheader(t("heatmap"))
    prices, occs = present.heatmap_axes(s)
    try:
        grid = state.grid(s, PRICE, tuple(prices), OCC, tuple(occs), PAYBACK)
    except ValueError as err:
        st.warning(str(err))
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
    months = c2.number_input(t("solve_months"), min_value=1.0, max_value=float(horizon), value=min(12.0, horizon),
                             step=1.0, key="solve_months")
    irr = c3.slider(t("solve_irr_value"), min_value=0.0, max_value=2.0, value=0.3, step=0.01, format="percent",
                    key="solve_irr")
    submitted = st.form_submit_button(t("solve_run"), type="primary")
if submitted:
    goal = months if target == PAYBACK else irr
    st.session_state["solve_result"] = state.solve_price(s, target, goal)
res = st.session_state.get("solve_result")
if res is not None:
    if res["ok"]:
        achieved = fmt.by_fmt(res["achieved"], charts.metric_fmt(res["target"]), lang)
        st.success(t("solve_result", price=fmt.price(res["value"], lang),
                     current=fmt.price(s.heavy.price_cny_per_card_hour, lang), achieved=achieved))
        st.button(t("solve_apply"), on_click=state.apply, args=({PRICE: res["value"]},), key="solve_apply",
                  icon=":material/check:")
    else:
        st.warning(t("solve_none", msg=res["message"]))

# ---------------------------------------------------------------- Monte Carlo
st.subheader(t("mc"))
st.caption(t("mc_caption"))
dists = state.mc_editor(s, lang)
c1, c2, c3, c4 = st.columns(4)
n = c1.number_input(t("mc_n"), min_value=100, max_value=50_000, value=2000, step=500, key="mc_n")
seed = c2.number_input(t("mc_seed"), min_value=0, max_value=2**31 - 1, value=1, step=1, key="mc_seed")
within = c3.number_input(t("mc_within"), min_value=1, max_value=int(horizon), value=min(24, int(horizon)),
                         step=1, key="mc_within")
shown = c4.selectbox(t("mc_metric"), list(state.MC_METRICS), key="mc_metric",
                     format_func=lambda m: charts.metric_title(m, lang))
try:
    run = state.monte_carlo(s, dists, int(n), int(seed))
except ValueError as err:  # a distribution the engine refuses: say which and why
    st.error(str(err))
else:
    summary = run.summary.set_index("metric")
    q = {k: float(summary.loc[shown, k]) for k in ("p10", "p50", "p90")}
    m1, m2, m3 = st.columns(3)
    m1.metric(t("mc_prob", n=int(within)), fmt.pct(run.prob_payback_within(float(within)), lang))
    m2.metric(t("mc_npv_neg"), fmt.pct(run.prob_npv_negative, lang))
    m3.metric(t("mc_never"), fmt.pct(float(summary.loc[PAYBACK, "share_nan"]), lang))
    st.vega_lite_chart(charts.spec(charts.histogram(run.values[shown], q, shown, lang)), width="stretch")
    fmt_of = {m: charts.metric_fmt(m) for m in state.MC_METRICS}
    st.dataframe({
        t("metric"): [charts.metric_title(m, lang) for m in state.MC_METRICS],
        **{k.upper(): [fmt.by_fmt(summary.loc[m, k], fmt_of[m], lang) for m in state.MC_METRICS]
           for k in ("p10", "p50", "p90")},
        t("base_value"): [fmt.by_fmt(summary.loc[m, "base"], fmt_of[m], lang) for m in state.MC_METRICS],
    }, hide_index=True, width="stretch")
    for note in run.notes:
        st.caption(note)

