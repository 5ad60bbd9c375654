"""Business models side by side: own and rent out (heavy), buy capacity and resell (light), build for
own use, rent from a cloud — the seed's self-build vs lease table (002:1179-1188) made live.

The comparison is computed by ``finmodel.analysis.business_models.business_models`` from the one cached result.
Options built on a model with an infinite line are blanked (``present.blank_options``) and the page
says why; if the comparison cannot be computed at all, the page says that and still draws its sections.
"""

import streamlit as st

from finmodel.analysis import business_models
from finmodel.schema import FIELDS
from finmodel.ui import charts, fmt, i18n, present, safe, shell, state

lang = state.lang()
t = state.t
s = state.scenario()
r = state.result()

st.title(t("page_models"))
st.caption(t("models_caption"))
state.show_messages()

table = None
with shell.section(t("page_models")):
    table = present.blank_options(business_models.business_models(r), r)
if table is not None:
    st.table(present.business_models_view(table, lang, r), border="horizontal")
    saving = table.attrs["self_minus_cloud_cny"]
    if not fmt.finite(table.attrs["market_price"]):
        st.info(t("cmp_no_market", gpu=safe.literal(s.heavy.gpu)))
    elif not fmt.finite(saving) or {"self", "cloud"} & set(table.attrs["blank"]):
        pass  # no verdict on numbers that are not shown
    elif saving > 0:
        st.warning(t("cmp_verdict_cloud", d=fmt.wan(saving, lang)))
    else:
        st.success(t("cmp_verdict_self", d=fmt.wan(-saving, lang)))
    billing = FIELDS["heavy.billing_mode"]
    mode = billing.choice_label(s.heavy.billing_mode, lang)
    st.caption(f"{t('cmp_notes')} · {i18n.spec_label(billing, lang)}: {mode}; "
               f"{i18n.unit_of(state.PRICE, lang)}: {fmt.price(table.attrs['market_price'], lang)}")

left, right = st.columns(2, gap="large")
with left:
    st.subheader(t("cmp_chart"))
    if table is not None:
        with shell.section(t("cmp_chart")):
            st.vega_lite_chart(charts.spec(charts.business_models(table, lang)), width="stretch")
with right:
    st.subheader(t("cmp_cost_chart"))
    if table is not None:
        with shell.section(t("cmp_cost_chart")):
            st.vega_lite_chart(charts.spec(charts.cost_per_card_hour(table, s.heavy.price_cny_per_card_hour, lang)),
                               width="stretch")

st.subheader(t("be_title"))
with shell.section(t("be_title")):
    st.caption(t("be_caption"))
    for col, key in zip(st.columns(3), ("breakeven_occupancy", "worst_breakeven_occupancy", "worst_breakeven_year"),
                        strict=True):
        kpi = present.Kpi("light", key)
        col.metric(present.card_label(kpi, lang), present.shown_kpi(r, kpi, lang), border=True)
    st.table(present.breakeven_view(r, lang), border="horizontal")
