"""Portfolio: a company of purchase cohorts (issue 14). Pick or upload a portfolio file, edit its
cohort table, see the company's KPIs against the file as loaded, its tax against the cohorts
taxed alone, cash flow and capacity by cohort, each cohort alone; save or download.

Every number comes from one cached engine call (``portfolio_state.result()``); this page only
arranges widgets and formatted values (``portfolio_view``, ``fmt``).
"""

import streamlit as st

from finmodel.model import portfolio_result as pr
from finmodel.ui import charts, fmt, i18n, safe, shell, state, widgets
from finmodel.ui import portfolio_files as pf
from finmodel.ui import portfolio_state as ps
from finmodel.ui import portfolio_view as pv

lang = state.lang()
t = state.t
ps.init()
ps.apply_editor()  # the editor's edits, before anything is drawn from the portfolio

st.title(t("page_portfolio"))
st.caption(t("pf_caption"))

# ---------------------------------------------------------------- the file: pick or upload
left, right = st.columns(2, gap="large")
with left:
    options = ps.ids()
    if options:
        st.session_state[ps.PICK] = st.session_state.get(ps.BASE_ID)
        st.selectbox(t("pf_pick"), options, format_func=shell.pick_label, key=ps.PICK, on_change=ps.on_pick,
                     help=t("pf_pick_help"))
with right:
    st.file_uploader(t("pf_upload"), type=["toml"], key=ps.UPLOAD, on_change=ps.on_upload, help=t("pf_upload_help"))
    bad = st.session_state.get(ps.UPLOAD_ERROR)
    if bad:
        st.error(safe.message(t("upload_bad", file=safe.literal(bad[0])), bad[1]))
ps.show_messages()
p = ps.current()
if p is None:
    st.info(t("pf_none", folder=safe.literal(str(pf.folders().presets))))
    st.stop()
r, b = ps.result(), ps.base_result()
origin = state.origin_label(st.session_state.get(ps.BASE_ID, pf.DEFAULT_ID))
st.caption(t("pf_loaded", name=safe.literal(p.name), origin=safe.literal(origin)))
if ps.changed():
    c1, c2 = st.columns([3, 1])
    c1.caption(t("pf_modified"))
    c2.button(t("pf_reset"), on_click=ps.reset, key="pf_reset", icon=":material/undo:")


def cards(keys: tuple[str, ...], per_row: int = 3) -> None:
    """One KPI card per company result: value, change against the loaded file, the raw value."""
    for start in range(0, len(keys), per_row):
        for col, key in zip(st.columns(per_row), keys[start:start + per_row], strict=False):
            it = pr.item(key)
            col.metric(pv.item_label(key, lang), pv.shown(r, key, lang),
                       delta=fmt.delta(pv.kpi_delta(r, b, key), it.fmt, lang),
                       delta_color="inverse" if it.lower_is_better else "normal",
                       help=f"`company.{key}` = {r.company[key]!r} [{it.unit}] · {safe.literal(origin)}: "
                       f"{pv.shown(b, key, lang)}", border=True)


# ---------------------------------------------------------------- company KPIs and tax
st.subheader(t("pf_kpis"))
cards(pv.kpi_keys(r, b))
st.subheader(t("pf_tax"))
cards(pv.TAX, per_row=3)
st.caption(t("pf_tax_caption"))

# ---------------------------------------------------------------- the cohort table: edit, remove, add
st.subheader(t("pf_cohorts"))
st.caption(t("pf_editor_help"))
st.data_editor(pv.editor_frame(p, lang), key=ps.editor_key(), num_rows="delete", hide_index=True,
               column_config=ps.editor_columns(lang), disabled=list(pv.FACTS), width="stretch")
with st.expander(t("pf_add_title"), icon=":material/add:"):
    a1, a2, a3, a4 = st.columns([2, 1.3, 1, 1.2])
    a1.selectbox(t("pf_add_source"), ps.add_sources(p), format_func=lambda s: ps.source_label(s, lang),
                 key=ps.ADD_SOURCE)
    a2.text_input(t("pf_add_name"), key=ps.ADD_NAME, max_chars=40, placeholder="h20_2026", help=t("pf_add_name_help"))
    a3.number_input(i18n.spec_label(ps.MONTH_SPEC, lang), key=ps.ADD_MONTH, value=0,
                    help=widgets.allowed_text(ps.MONTH_SPEC, lang), **widgets.number_options(ps.MONTH_SPEC))
    a4.selectbox(i18n.spec_label(ps.MODEL_SPEC, lang), list(ps.MODEL_SPEC.choices), key=ps.ADD_MODEL,
                 format_func=lambda c: ps.MODEL_SPEC.choice_label(c, lang), help=t("pf_add_model_help"))
    st.button(t("pf_add_button"), on_click=ps.on_add, key="pf_add", type="primary", icon=":material/add:")

# ---------------------------------------------------------------- cash flow and capacity by cohort
st.subheader(t("pf_charts"))
tab_f, tab_c, tab_cum = st.tabs([t("pf_tab_flows"), t("pf_tab_capacity"), t("pf_tab_cumulative")], key="pf_tab",
                                on_change="rerun")
if tab_f.open:
    with tab_f:
        line = st.selectbox(t("pf_flow_line"), pv.FLOW_LINES, index=pv.FLOW_LINES.index(pv.DEFAULT_FLOW),
                            format_func=lambda k: pv.item_label(k, lang), key="pf_flow_line")
        st.vega_lite_chart(ps.flow_chart(p, line, lang), width="stretch")
        st.caption(t("pf_flow_caption"))
if tab_c.open:
    with tab_c:
        key, by = st.selectbox(t("pf_capacity_view"), pv.CAPACITY_VIEWS, key="pf_capacity_view",
                               format_func=lambda v: i18n.t(f"pf_by_{v[1]}", lang, line=pv.item_label(v[0], lang)))
        st.vega_lite_chart(ps.capacity_chart(p, key, by, lang), width="stretch")

if tab_cum.open:
    with tab_cum:
        st.vega_lite_chart(charts.spec(charts.cash_flow(r.monthly, r.company["payback_months"],
                                                        r.company["discounted_payback_months"], lang)), width="stretch")

# ---------------------------------------------------------------- each cohort alone
st.subheader(t("pf_cohort_table"))
st.caption(t("pf_cohort_caption"))
st.dataframe(pv.cohort_table(r, lang), hide_index=True, width="stretch")

# ---------------------------------------------------------------- save and downloads
s1, s2 = st.columns(2, gap="large")
with s1:
    st.markdown(f"**{t('pf_save_title')}**")
    st.text_input(t("pf_save_name"), key=ps.SAVE_NAME, max_chars=64, placeholder="my_fleet", help=t("pf_save_help"))
    st.button(t("pf_save_button"), on_click=ps.on_save, key="pf_save", icon=":material/save:")
    st.caption("→ `assumptions/user/portfolio/`")
with s2:
    st.markdown(f"**{t('pf_downloads')}**")
    st.download_button(t("pf_dl_csv"), data=lambda: pv.csv_bytes(r, lang), file_name="finmodel_portfolio_monthly.csv",
                       mime="text/csv", on_click="ignore", icon=":material/download:", key="pf_dl_csv")
    st.download_button(t("pf_dl_toml"), data=lambda: pf.toml_bytes(r.portfolio), file_name="portfolio.toml",
                       mime="application/toml", on_click="ignore", icon=":material/description:", key="pf_dl_toml")
