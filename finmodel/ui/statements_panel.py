"""The statements tab of the overview and the debt blocks of the deal page, drawn with Streamlit.

Tables come from :mod:`finmodel.ui.statements_view` (the engine's annual roll-up, labelled); this
module only lays them out: a picker of the table, fiscal or calendar years, the table, its CSV
download (no rerun), and the checks' status under it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from finmodel.model import Result
from finmodel.ui import fmt, i18n, present
from finmodel.ui import statements_view as sv

#: The file name of each table's CSV download.
CSV_NAME = "finmodel_{which}_{table}_{by}.csv"


def years_by(key: str, lang: str) -> sv.By:
    """Fiscal or calendar years (a segmented control keyed ``key``)."""
    by = st.segmented_control(i18n.t("years_by", lang), options=["fiscal", "calendar"], default="fiscal", key=key,
                              format_func=lambda b: i18n.t(f"by_{b}", lang))
    return "calendar" if by == "calendar" else "fiscal"


def _table(frame: pd.DataFrame, *, height: int | None = None) -> None:
    """A formatted table: the line labels pinned on the left (wide enough to read), the values (text
    formatted by their declarations) right-aligned like numbers."""
    periods = frame.attrs.get("periods", {})
    config = {"_index": st.column_config.TextColumn(width="large", pinned=True),
              **{str(c): st.column_config.TextColumn(alignment="right", help=periods.get(c)) for c in frame.columns}}
    st.dataframe(frame, width="stretch", height=height or "auto", column_config=config)


def _download(data, file_name: str, key: str, lang: str) -> None:
    st.download_button(i18n.t("dl_table_csv", lang), data=data, file_name=file_name, mime="text/csv",
                       on_click="ignore", icon=":material/download:", key=key)


def checks(result: Result, which: str, lang: str) -> None:
    """The statements' checks: ✓/✗, what is checked, the largest difference and its tolerance."""
    st.markdown(f"**{i18n.t('checks_title', lang)}**")
    for c in sv.checks(result, which):
        colour, icon, word = ("green", "check_circle", "chk_pass") if c.passed else ("red", "cancel", "chk_fail")
        st.markdown(i18n.t("chk_line", lang, mark=f":{colour}[:material/{icon}:]", what=i18n.t(c.key, lang),
                           value=f"{c.value:.2g}", limit=f"{c.limit:.2g}",  # 0.0018, 1e-09: never rounded to 0
                           status=f":{colour}[**{i18n.t(word, lang)}**]"))


def statements_tab(result: Result, which: str, lang: str) -> None:
    """The annual statements (and, heavy, the debt schedule) of model ``which``, one at a time."""
    options = [t for t in sv.TABLES if t != "debt" or which == "heavy"]
    c1, c2 = st.columns([3, 2])
    with c1:
        table = st.segmented_control(i18n.t("statement_pick", lang), options=options, default="income",
                                     key=f"stmt_pick:{which}", format_func=lambda t: i18n.t(f"tbl_{t}", lang))
    with c2:
        by = years_by(f"stmt_by:{which}", lang)
    table = table or "income"
    st.caption(i18n.t("annual_note", lang, k=result.scenario.general.fiscal_year_start_month))
    if broken(result, which, lang):
        return
    if table == "debt":
        debt(result, lang, by=by, key="ov")
    else:
        annual = sv.annual(result, which, by)
        keys = sv.statement_lines(which, table, list(annual.columns))
        _table(sv.view(annual, which, keys, lang))
        _download(lambda: sv.csv_bytes(annual, which, keys, lang), CSV_NAME.format(which=which, table=table, by=by),
                  f"dl_stmt:{which}:{table}", lang)
    checks(result, which, lang)


def broken(result: Result, which: str, lang: str) -> bool:
    """Whether model ``which`` has an infinite line (``present.broken_models``): then say which, as
    the KPI cards do, instead of statements built on it."""
    if which not in present.broken_models(result):
        return False
    st.warning(present.nonfinite_message(result, lang) or "")
    return True


def coverage_cards(result: Result, lang: str) -> None:
    """The coverage results the model has (:data:`statements_view.DEBT_RESULTS`) as cards."""
    keys = sv.debt_results(result)
    cols = [c for _ in range(0, len(keys), 3) for c in st.columns(3)]  # three to a row, as the overview's
    for col, key in zip(cols, keys, strict=False):
        k = present.Kpi("heavy", key)
        col.metric(present.card_label(k, lang), present.shown_kpi(result, k, lang), border=True,
                   help=f"`{k.path}`")


def debt(result: Result, lang: str, *, by: sv.By, key: str, cards: bool = True) -> None:
    """The debt schedule: by year (the corkscrew's flows summed, balances at the close, the annual
    DSCR) or by month, with its CSV, after the coverage cards (``cards``); a note instead when the
    scenario borrows nothing."""
    if not sv.has_debt(result):
        st.info(i18n.t("no_debt", lang))
        return
    if broken(result, "heavy", lang):
        return
    if cards:
        coverage_cards(result, lang)
    grain = st.segmented_control(i18n.t("debt_grain", lang), options=["year", "month"], default="year",
                                 key=f"debt_grain:{key}", format_func=lambda g: i18n.t(f"grain_{g}", lang)) or "year"
    if grain == "month":
        monthly = sv.monthly_debt(result)
        _table(sv.monthly_view(monthly, "heavy", lang), height=420)
        _download(lambda: sv.monthly_csv_bytes(monthly, "heavy", lang), "finmodel_heavy_debt_monthly.csv",
                  f"dl_debt_m:{key}", lang)
        return
    annual = sv.annual_debt(result, by)
    keys = [k for k in annual.columns if k not in ("months", "first", "last")]
    _table(sv.view(annual, "heavy", keys, lang))
    _download(lambda: sv.csv_bytes(annual, "heavy", keys, lang), CSV_NAME.format(which="heavy", table="debt", by=by),
              f"dl_debt_y:{key}", lang)


def dscr_chart(result: Result, lang: str, *, by: sv.By) -> None:
    """The DSCR chart with the covenant line (:mod:`finmodel.ui.deal_charts`), and what it shows."""
    from finmodel.ui import charts, deal_charts

    series, grain = sv.dscr_series(result, by)
    covenant = sv.covenant(result.scenario)
    st.markdown(f"**{i18n.t('dscr_title', lang)}**")
    if series.empty:
        st.info(i18n.t("dscr_none", lang))
        return
    st.vega_lite_chart(charts.spec(deal_charts.dscr(series, grain, covenant, lang)), width="stretch")
    notes = [i18n.t(f"dscr_grain_{grain}", lang)]
    if not sv.covenant_declared():
        notes.append(i18n.t("covenant_default", lang, x=fmt.number(covenant, lang, 2)))
    if deal_charts.cut(series, covenant):
        notes.append(i18n.t("dscr_cut", lang, x=fmt.number(deal_charts.top(covenant, series), lang, 2)))
    st.caption(" ".join(notes))
