"""Market demand / 市场需求: workloads → GPUs → leasing market → the servers a lessor needs.

A page of the dashboard that also runs on its own (``streamlit run app_pages/demand.py``; then it
draws the app's language switch itself). Every number comes from :mod:`finmodel.demand` and the
one cached engine call; words from :mod:`finmodel.ui.i18n`; the workload table, the price input and
the tables from :mod:`finmodel.ui.widgets` and :mod:`finmodel.ui.demand_view`. This file is layout.

Session state it reads: ``lang``, ``scenario`` (the dashboard's current heavy-asset scenario; the
default preset when alone). Session state it writes: ``demand_servers`` and ``demand_gpu`` (the
fleet for the chosen market share, applied by ``state.consume_demand``), ``demand_*`` widgets.
"""

from __future__ import annotations

import streamlit as st

from finmodel import demand, model
from finmodel.schema import FIELDS, Scenario, ScenarioError
from finmodel.ui import charts, demand_view, files, fmt, i18n, present, safe, share, shell, state, widgets

PRESETS = {p.stem: p for p in sorted(demand.presets_dir().glob("*.toml"))}
DEFAULT_PRESET = "seed_china_market"
EDITOR = "demand_editor"  # st.data_editor key (its edit state)
TABLE = "demand_table"  # the table the editor starts from (a preset's rows)
PAYBACK = model.item("heavy", "payback_months")
DEFAULT_SHARE = 0.10  # of the market's card-hours the lessor serves, until the user moves the slider [fraction]

ALONE = shell.standalone("page_demand", lang_key="demand_lang_choice")
lang = state.lang()
t = state.t


def _load_preset() -> None:
    st.session_state[TABLE] = demand_view.editor_frame(demand.load(PRESETS[st.session_state["demand_preset"]]))


def _on_preset() -> None:
    _load_preset()
    st.session_state.pop(EDITOR, None)  # the edits were to the previous preset's rows


def _base_scenario() -> Scenario:
    s = st.session_state.get(state.SCENARIO)
    return s if isinstance(s, Scenario) else share.reference_for(files.DEFAULT_ID)


# --------------------------------------------------------------------------- workloads
st.title(t("page_demand"))
st.markdown(t("dm_intro"))
if not ALONE and state.SCENARIO in st.session_state:  # in the dashboard: what the link refused, a rejected
    state.show_messages()  # input, infinite lines

if TABLE not in st.session_state:
    st.session_state.setdefault("demand_preset", DEFAULT_PRESET if DEFAULT_PRESET in PRESETS else next(iter(PRESETS)))
    _load_preset()
names = {stem: demand.load(p).name for stem, p in PRESETS.items()}
st.selectbox(t("dm_preset"), list(PRESETS), format_func=lambda stem: names[stem], key="demand_preset",
             on_change=_on_preset)

st.subheader(t("dm_workloads"))
st.caption(t("dm_editor_help"))
edited = st.data_editor(st.session_state[TABLE], key=EDITOR, num_rows="dynamic", hide_index=True,
                        column_config=widgets.workload_columns(lang), column_order=list(demand.COLUMNS))
rows = demand_view.rows_from_editor(edited)
try:
    workloads = demand.validate_rows(rows, strict=False)
except demand.WorkloadError as err:
    st.error(safe.message(t("dm_errors"), [demand_view.problem_text(p, rows, lang) for p in err.problems]))
    st.stop()

base = _base_scenario()
hours = base.general.hours_per_year
d = demand.size(workloads, hours_per_year=hours)

# ---------------------------------------------------------------- GPUs needed
st.subheader(t("dm_results"))
m1, m2 = st.columns(2)
m1.metric(t("dm_total_gpus"), fmt.decimal(d.gpus.sum(), lang))
m2.metric(t("dm_total_p"), f"{fmt.decimal(d.p_needed.sum(), lang)} P")
st.markdown(f"**{t('dm_chart_title')}**")  # a Vega title inside the chart collapses the bars
st.vega_lite_chart(charts.spec(charts.demand_gpus(
    demand_view.gpu_chart_data(d, lang), lang, workload_title=demand_view.column_label("name", lang),
    kind_title=demand_view.column_label("kind", lang))), width="stretch")

# ---------------------------------------------------------------- market value and the fleet → heavy asset
st.subheader(t("dm_market"))
c1, c2, c3, c4 = st.columns(4)
price_spec = FIELDS[present.PRICE]
price = c1.number_input(i18n.field_label(present.PRICE, lang), value=float(base.get(present.PRICE)),
                        help=widgets.help_text(price_spec, base, lang), key="demand_price",
                        **widgets.number_options(price_spec))
share_of_market = widgets.percent_slider(c2, t("dm_share"), demand.FLEET_FIELDS["share"], DEFAULT_SHARE,
                                         key="demand_share")
occupancy = widgets.percent_slider(c3, i18n.field_label(present.OCCUPANCY, lang), demand.FLEET_FIELDS["occupancy"],
                                   base.heavy.occupancy, key="demand_occupancy",
                                   help=widgets.help_text(FIELDS[present.OCCUPANCY], base, lang,
                                                          bounds=demand.FLEET_FIELDS["occupancy"]))
gpu = c4.selectbox(i18n.field_label("heavy.gpu", lang), demand.gpus_in(d), key="demand_gpu_choice")

market = d.frame(price)
servers = demand.servers_needed(d.gpu_hours_per_year, share_of_market, base.heavy.cards_per_server, occupancy, hours)
fl = demand.fleet(d, share_of_market, gpu=gpu, cards_per_server=base.heavy.cards_per_server, occupancy=occupancy)

f0, f1, f2, f3 = st.columns([1.3, 1, 1, 1])
value_cny = float(market["market_value_cny_per_year"].to_numpy().sum())
f0.metric(t("dm_market_value"), fmt.big_cny(value_cny, lang) + t("dm_per_year"),
          help=demand_view.market_value_help(value_cny, price, lang))
f1.metric(t("dm_servers"), f"{fl.servers:,}")
f2.metric(t("dm_cards"), f"{fl.cards:,}")
payback_label = PAYBACK.zh if lang == "zh" else PAYBACK.en
if fl.servers == 0:
    f3.metric(payback_label, "—")
    st.info(t("dm_no_fleet"))
else:
    try:
        fleet_s = demand.fleet_scenario(base, fl.servers, gpu, price_cny_per_card_hour=price, occupancy=occupancy)
    except ScenarioError as err:
        f3.metric(payback_label, "—")
        st.warning(safe.message(t("dm_fleet_error"), err.lines()))
    else:
        f3.metric(payback_label, fmt.months(state.evaluate(fleet_s).heavy[PAYBACK.key], lang))
        if st.button(t("dm_use"), type="primary", key="demand_use"):
            st.session_state["demand_servers"] = fl.servers
            st.session_state["demand_gpu"] = gpu
        if st.session_state.get("demand_servers") == fl.servers and st.session_state.get("demand_gpu") == gpu:
            st.success(t("dm_used", n=fl.servers, gpu=safe.literal(gpu)))
st.caption(t("dm_fleet_rule", cards=base.heavy.cards_per_server, hours=hours, name=safe.literal(base.name)))

# ---------------------------------------------------------------- detail by workload
st.subheader(t("dm_detail"))
st.dataframe(demand_view.detail_table(d, market, servers, lang), hide_index=True, column_config={
    t(c): st.column_config.NumberColumn(format="localized") for c in demand_view.DETAIL_NUMBERS})

st.download_button(t("dm_download"), demand.to_toml(demand.WorkloadSet("Edited workloads", "", workloads)),
                   file_name="workloads.toml", mime="application/toml", key="demand_download")
