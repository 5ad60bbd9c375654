"""The deal page's chart: the debt service coverage ratio against the covenant line (Altair).

Input: :func:`finmodel.ui.statements_view.dscr_series` (one DSCR per year, or per month once the
model has a monthly DSCR row). Bars (by year) or a line with points (by month), green where the
covenant holds and red below it, the covenant as a dashed rule with its value; the y axis stops at
:func:`top` so one year of tiny debt service does not flatten the rest (bars above are drawn to the
top, the tooltip has the value). The conventions of :mod:`finmodel.ui.charts`.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from finmodel.ui import fmt, i18n
from finmodel.ui.charts import NEG, POS, Chart, finish

#: The y axis reaches at least this many times the covenant (and 3×), at most :data:`MAX_TIMES_COVENANT`.
MIN_TIMES_COVENANT = 2.5
MAX_TIMES_COVENANT = 10.0
HEADROOM = 1.15  # above the largest DSCR drawn


def top(covenant: float, series: pd.DataFrame | None = None) -> float:
    """The top of the DSCR axis: 15 % above the largest DSCR, but at least ``max(3, 2.5 ×
    covenant)`` and at most ``10 × covenant`` (one year of tiny debt service must not flatten the
    rest). [×]"""
    floor = max(3.0, MIN_TIMES_COVENANT * covenant)
    values = np.asarray([] if series is None else series["dscr"], dtype=float)
    highest = float(values.max()) * HEADROOM if values.size else 0.0
    return float(min(max(floor, highest), max(floor, MAX_TIMES_COVENANT * covenant)))


def dscr(series: pd.DataFrame, grain: str, covenant: float, lang: str) -> Chart:
    """DSCR by year (``grain='year'``) or month with the covenant line; ``series`` has ``period``,
    ``order`` and ``dscr`` (periods without debt service already left out)."""
    hi = top(covenant, series)
    values = series["dscr"].to_numpy(dtype=float)
    lo = min(0.0, max(float(values.min()) if values.size else 0.0, -hi))
    df = series.assign(text=[fmt.number(v, lang, 2) + "×" for v in values])
    below, above = i18n.t("dscr_below", lang), i18n.t("dscr_above", lang)
    df["status"] = np.where(values < covenant, below, above)
    y = alt.Y("dscr:Q", title=i18n.t("dscr_axis", lang), scale=alt.Scale(domain=[lo, hi], clamp=True, nice=False))
    color = alt.Color("status:N", title=None, scale=alt.Scale(domain=[above, below], range=[POS, NEG]),
                      legend=alt.Legend(orient="top"))
    period = i18n.t("year" if grain == "year" else "month", lang)
    tooltip = [alt.Tooltip("period:N", title=period), alt.Tooltip("text:N", title="DSCR")]
    base = alt.Chart(df)
    if grain == "year":
        x = alt.X("period:O", title=period, sort=list(df["period"]), axis=alt.Axis(labelAngle=0))
        marks = [base.mark_bar(clip=True).encode(x=x, y=y, color=color, tooltip=tooltip)]
    else:
        x = alt.X("order:Q", title=i18n.t("month", lang), scale=alt.Scale(nice=False))
        marks = [base.mark_line(color="#888", clip=True).encode(x=x, y=y),
                 base.mark_point(filled=True, size=30, clip=True).encode(x=x, y=y, color=color, tooltip=tooltip)]
    line = pd.DataFrame({"y": [covenant], "text": [i18n.t("dscr_covenant", lang, x=fmt.number(covenant, lang, 2))]})
    rule = alt.Chart(line).mark_rule(color=NEG, strokeDash=[6, 3], strokeWidth=2).encode(y=alt.Y("y:Q"))
    # the covenant's value right of the plot (over the bars it would hide one of them)
    label = alt.Chart(line).mark_text(align="left", baseline="middle", x="width", dx=6, color=NEG, fontWeight="bold",
                                      fontSize=13).encode(y=alt.Y("y:Q"), text=alt.Text("text:N"))
    return finish(alt.LayerChart(layer=[*marks, rule, label]), height=300)


def cut(series: pd.DataFrame, covenant: float) -> bool:
    """Whether some DSCR lies above the axis's :func:`top` (the page says so under the chart)."""
    return bool(np.any(series["dscr"].to_numpy(dtype=float) > top(covenant, series)))
