"""Investor overview: price and occupancy front and centre, KPI cards with deltas, charts, downloads.

Every number shown here comes from one cached engine call (``state.result()``); this page only
arranges widgets and formatted values.
"""

import streamlit as st

from finmodel import model, schema, workbook
from finmodel.schema import catalog
from finmodel.ui import charts, fmt, i18n, present, safe, state, statements_panel, widgets

lang = state.lang()
t = state.t
s = state.scenario()
r = state.result()
b = state.base_result()
PRICE = present.PRICE

st.title(t("page_overview"))
st.caption(t("loaded_from", name=safe.literal(s.name), origin=safe.literal(state.origin_label())) + " — "
           + t("overview_caption"))
state.show_messages()

# ---------------------------------------------------------------- price, occupancy, GPU: front and centre
with st.container(border=True):
    c1, c2, c3 = st.columns([1.2, 1.0, 1.3], gap="large")
    with c1:
        widgets.field(PRICE, s, lang)
        m1, m2 = st.columns(2)
        m1.metric(t("lbl_server_hour"), fmt.price(r.heavy["price_cny_per_server_hour"], lang),
                  help=i18n.item_label("heavy", "price_cny_per_server_hour", lang, with_unit=True))
        p_per_server = model.item("light", "p_per_server")
        m2.metric(t("lbl_p_year"), fmt.wan(r.light["revenue_cny_per_p_year"], lang, unit=False),
                  help=i18n.item_label("light", "revenue_cny_per_p_year", lang) + " · "
                  + fmt.number(r.light["p_per_server"], lang) + " " + i18n.unit(p_per_server.unit, lang))
    with c2:
        widgets.field(present.OCCUPANCY, s, lang)
    with c3:
        st.markdown(f"**{t('market_title')}**")
        prices = catalog.cloud_prices()
        prices = prices.loc[prices["gpu"] == s.heavy.gpu]
        if prices.empty:
            st.info(t("market_none", gpu=safe.literal(s.heavy.gpu)))
        else:  # a static table: its columns wrap instead of scrolling out of sight
            st.table(
                {t("vendor"): list(prices["vendor"] if lang == "zh" else prices["vendor_en"]),
                 t("billing"): [i18n.billing_label(x, lang) for x in prices["billing"]],
                 i18n.unit_of(PRICE, lang): [fmt.price(x, lang) for x in prices["price_cny_per_card_hour"]],
                 t("annual_discount"): [fmt.pct(x, lang, 0) for x in prices["annual_discount"]]},
                border="horizontal")
        st.markdown(f"{t('your_price')}: **{fmt.price(s.heavy.price_cny_per_card_hour, lang)}** "
                    f"({i18n.unit_of(PRICE, lang)})")
    # the GPU on a row of its own: its name is not cut, its figures and sources read beside it
    g1, g2 = st.columns([1.2, 2.3], gap="large")
    with g1:
        widgets.field("heavy.gpu", s, lang)
    with g2:
        gpu = catalog.GPUS[s.heavy.gpu]
        light_gpu = s.light.gpu or s.heavy.gpu
        p_text = fmt.value(r.light["p_per_server"], p_per_server, lang)
        if s.light.p_per_server_override is None:
            st.markdown(t("gpu_p", gpu=light_gpu, precision=s.light.precision,
                          cards=s.heavy.cards_per_server, tflops=fmt.number(r.light["tflops_per_card"], lang),
                          p=p_text))
        else:
            st.markdown(t("gpu_p_override", gpu=light_gpu, p=p_text))
        st.caption(t("gpu_specs", name=gpu.name, mem=gpu.memory_gb, w=f"{gpu.power_w:g}",
                     kw=f"{gpu.server_power_kw:g}", src=gpu.source))

# ---------------------------------------------------------------- KPI cards
def cards(kpis: tuple[present.Kpi, ...]) -> None:
    """KPI cards, three to a row (values stay readable on narrow screens), with the change against
    the loaded scenario."""
    cols = [c for _ in range(0, len(kpis), 3) for c in st.columns(3)]
    for col, k in zip(cols, kpis, strict=False):
        col.metric(
            present.card_label(k, lang),
            present.shown_kpi(r, k, lang),
            delta=fmt.delta(present.kpi_delta(r, b, k), k.fmt, lang),
            delta_color="off" if k.path in present.NEUTRAL else "inverse" if k.lower_is_better else "normal",
            help=f"{present.card_help(k, lang)}`{k.path}` = {present.kpi_value(r, k)!r} [{k.item.unit}] · "
            f"{safe.literal(state.origin_label())}: "
            f"{present.shown_kpi(b, k, lang)}",
            border=True,
        )


st.subheader(t("kpis"))
cards(present.kpis(r, b))
st.markdown(f"**{t('kpis_funding')}**")
cards(present.FUNDING_KPIS)
st.caption(t("settlement_note"))

# ---------------------------------------------------------------- charts and the table
which = st.segmented_control(t("which_model"), options=["heavy", "light"], key="chart_model",
                             format_func=lambda c: i18n.t(c, lang),  # this run's language, bound
                             default="heavy") or "heavy"
res, monthly = getattr(r, which), getattr(r, f"{which}_monthly")
tab_cf, tab_st, tab_an, tab_mk, tab_tb = st.tabs(
    [t("tab_cashflow"), t("tab_structure"), t("tab_statements"), t("tab_market"), t("tab_table")],
    key="overview_tab", on_change="rerun")
# Only the open tab is drawn (each chart costs ~20-40 ms to build and serialise).
if tab_cf.open:
    with tab_cf:
        st.vega_lite_chart(charts.cash_flow_spec(monthly, res["payback_months"], res["discounted_payback_months"],
                                                 lang), width="stretch")
if tab_st.open:
    with tab_st:
        st.vega_lite_chart(charts.spec(charts.annual_structure(present.annual_structure(monthly, which, lang), lang)),
                           width="stretch")
if tab_an.open:
    with tab_an:
        statements_panel.statements_tab(r, which, lang)
if tab_mk.open:
    with tab_mk:
        if prices.empty:
            st.info(t("market_none", gpu=safe.literal(s.heavy.gpu)))
        else:
            st.caption(t("market_title"))
            st.vega_lite_chart(charts.spec(charts.market_prices(prices, s.heavy.price_cny_per_card_hour, lang)),
                               width="stretch")
if tab_tb.open:
    with tab_tb:
        st.dataframe(present.monthly_table(r, which, lang), width="stretch", height=360)

# ---------------------------------------------------------------- downloads (no rerun: state is kept)
st.subheader(t("downloads"))
d1, d2, d3 = st.columns(3)
d1.download_button(t("dl_workbook"), data=lambda: workbook.workbook_bytes(s), file_name=workbook.safe_filename(s.name),
                   mime=workbook.XLSX_MIME, on_click="ignore", icon=":material/table_view:", key="dl_workbook")
d2.download_button(t("dl_csv"), data=lambda: present.csv_bytes(r, which, lang),
                   file_name=f"finmodel_{which}_monthly.csv", mime="text/csv", on_click="ignore",
                   icon=":material/download:", key="dl_csv")
d3.download_button(t("dl_toml"), data=lambda: schema.to_toml(s), file_name="scenario.toml",
                   mime="application/toml", on_click="ignore", icon=":material/description:", key="dl_toml")

# ---------------------------------------------------------------- every other input, grouped
with st.sidebar:
    st.subheader(t("all_inputs"))
    st.caption(t("inputs_caption"))
    widgets.grouped_sections(s, lang)
