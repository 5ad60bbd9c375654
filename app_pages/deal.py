"""The deal: customer contract, financing and debt, taxes and subsidies (issue 12), and the coverage.

The inputs are every field the schema declares in the deal groups (``widgets.DEAL_GROUPS``), drawn
from their declarations; the coverage cards, the DSCR chart with the covenant line and the debt
schedule read the one cached result (``state.result()``) through ``finmodel.ui.statements_view``.
"""

import streamlit as st

from finmodel.ui import shell, state, statements_panel, statements_view, widgets

lang = state.lang()
t = state.t
s = state.scenario()
r = state.result()

st.title(t("page_deal"))
st.caption(t("deal_caption"))
state.show_messages()

st.subheader(t("deal_inputs"))
widgets.deal_sections(s, lang)

st.subheader(t("coverage_title"))
by = statements_panel.years_by("deal_by", lang)
if not statements_view.has_debt(r):
    st.info(t("no_debt"))
else:
    with shell.section(t("coverage_title")):
        statements_panel.coverage_cards(r, lang)
    with shell.section(t("dscr_title")):
        statements_panel.dscr_chart(r, lang, by=by)
    st.subheader(t("tbl_debt"))
    with shell.section(t("tbl_debt")):
        statements_panel.debt(r, lang, by=by, key="deal", cards=False)
