"""Charts of the portfolio page: tidy tables in (:mod:`finmodel.ui.portfolio_view`), Altair out.

The conventions of :mod:`finmodel.ui.charts` (万元 axes through ``labelExpr``, ¥ tooltips, the CJK
font, :func:`~finmodel.ui.charts.finish`); every axis title carries its unit and the legend the
cohorts' (or GPUs') names in file order.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from finmodel.model import portfolio_result as pr
from finmodel.ui import i18n
from finmodel.ui import portfolio_view as pv
from finmodel.ui.charts import WAN_LABEL, Chart, finish

COMPANY_COLOUR = "#222222"
_YEAR = 12  # months between the month axis's labels


def _axis_y(key: str, lang: str) -> alt.Y:
    it = pr.item(key)
    axis = alt.Axis(labelExpr=WAN_LABEL) if it.fmt == "cny" else alt.Axis(format=",.0f")
    return alt.Y("value:Q", title=pv.item_label(key, lang, with_unit=True), axis=axis, stack="zero")


def _tooltip(key: str, lang: str, group_title: str) -> list[alt.Tooltip]:
    money = pr.item(key).fmt == "cny"
    return [alt.Tooltip("month:O", title=i18n.t("pf_month_axis", lang)), alt.Tooltip("group:N", title=group_title),
            alt.Tooltip("value:Q", title="¥" if money else pv.shown_unit(pr.item(key), lang),
                        format="$,.0f" if money else ",.1f")]


def _month_ticks(lines: pd.DataFrame) -> list[int]:
    return [int(m) for m in sorted(set(lines["month"])) if m % _YEAR == 0]


def _ranked(lines: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """The tidy lines with each group's place in the legend (the stacking order)."""
    rank = {g: i for i, g in enumerate(order)}
    return lines.assign(rank=[rank[g] for g in lines["group"]])


def flows_by_cohort(lines: pd.DataFrame, company: pd.DataFrame, key: str, order: list[str], lang: str) -> Chart:
    """A monthly line stacked by cohort (bars: each cohort alone, positive above and negative below
    zero) with the company's own line on top (it also carries company-level costs, the company loan
    and company tax)."""
    x = alt.X("month:O", title=i18n.t("pf_month_axis", lang), axis=alt.Axis(values=_month_ticks(lines), labelAngle=0))
    group_title = i18n.t("pf_cohort", lang)
    bars = alt.Chart(_ranked(lines, order)).mark_bar().encode(
        x=x, y=_axis_y(key, lang),
        color=alt.Color("group:N", title=group_title, sort=order, scale=alt.Scale(domain=order),
                        legend=alt.Legend(orient="top", columns=4)),
        order=alt.Order("rank:Q"), tooltip=_tooltip(key, lang, group_title))
    company_name = i18n.t("pf_company_line", lang)
    line_data = company.assign(group=company_name)
    mark = alt.Chart(line_data).mark_line(color=COMPANY_COLOUR, strokeWidth=2, point=alt.OverlayMarkDef(size=12))
    line = mark.encode(
        x=x, y=alt.Y("value:Q"),
        strokeDash=alt.StrokeDash("group:N", title=None, scale=alt.Scale(domain=[company_name], range=[[1, 0]]),
                                  legend=alt.Legend(orient="top")),
        tooltip=_tooltip(key, lang, " "))
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#555", strokeDash=[4, 4]).encode(y=alt.Y("y:Q"))
    return finish(alt.LayerChart(layer=[bars, line, zero]), height=360)


def capacity(lines: pd.DataFrame, key: str, by: str, order: list[str], lang: str) -> Chart:
    """Capacity (P) or servers in service over time, stacked by cohort or by GPU."""
    group_title = i18n.t("pf_cohort" if by == "cohort" else "pf_gpu", lang)
    chart = alt.Chart(_ranked(lines, order)).mark_area(opacity=0.85, interpolate="step-after").encode(
        x=alt.X("month:Q", title=i18n.t("pf_month_axis", lang), scale=alt.Scale(nice=False),
                axis=alt.Axis(values=_month_ticks(lines))),
        y=_axis_y(key, lang),
        color=alt.Color("group:N", title=group_title, sort=order, scale=alt.Scale(domain=order),
                        legend=alt.Legend(orient="top", columns=4)),
        order=alt.Order("rank:Q"), tooltip=_tooltip(key, lang, group_title))
    return finish(chart, height=320)


__all__ = ["capacity", "flows_by_cohort"]
