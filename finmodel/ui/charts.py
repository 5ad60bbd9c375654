"""Altair chart builders: tidy DataFrame in, chart out. No Streamlit, no model arithmetic.

Conventions (shared/reference/ecosystem.md §2):

- money axes show 万元 through ``labelExpr`` without changing the data (CNY stays the unit);
- tooltips use d3's ``$`` with a ¥ currency locale (d3 has no ¥ format spec);
- "never" (NaN payback) is drawn explicitly — a grey cell with "—", a bar to the horizon labelled
  "never" — and colour scales are clamped so outliers do not turn cells black;
- one CJK-capable font stack so Chinese renders in the browser and in PNG exports.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from finmodel import model
from finmodel.ui import fmt, i18n, present

FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'
LOCALE = {"number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["¥", ""]}}
WAN_LABEL = f"format(datum.value / {fmt.WAN:g}, ',.0f')"  # CNY axis labelled in 万元
POS, NEG, NEUTRAL, ACCENT = "#2e7d32", "#c62828", "#4c78a8", "#f58518"
NEVER_FILL = "#d9d9d9"
#: What the builders return: a chart or a layer of charts (top level, so it has a height and a config).
Chart = alt.Chart | alt.LayerChart


def finish(chart: Chart, *, height: int | None = None) -> Chart:
    """Top-level config shared by every chart: ¥ locale, CJK font, readable sizes.

    Set in place (``chart.configure`` would deep-copy the chart and its data: ~30 ms a chart)."""
    if height is not None:
        chart.height = height
    chart.config = alt.Config(locale=LOCALE, font=FONT, axis=alt.AxisConfig(labelFontSize=12, titleFontSize=13),
                              legend=alt.LegendConfig(labelFontSize=12, titleFontSize=13, labelLimit=260))
    return chart


def _months_text(x: float, lang: str) -> str:
    return fmt.months(x, lang)


# --------------------------------------------------------------------------- cumulative cash flow
def cash_flow_data(monthly: pd.DataFrame, payback_months: float, discounted_payback_months: float,
                   lang: str) -> dict[str, pd.DataFrame]:
    """The tables the cash-flow chart draws, by name: ``wide`` (month, cumulative, discounted
    cumulative), ``long`` (the same melted to series), ``zero``, and ``mark`` (the payback and its
    label) or ``note`` (no payback), ``dmark`` (the discounted payback) when there is one."""
    cum, dcum = i18n.t("cum_cf", lang), i18n.t("cum_dcf", lang)
    wide = pd.DataFrame({"month": monthly.index.to_numpy(), cum: monthly["cumulative_cash_flow_cny"].to_numpy(),
                         dcum: monthly["cumulative_discounted_cash_flow_cny"].to_numpy()})
    out = {"wide": wide, "long": wide.melt("month", var_name="series", value_name="cny"),
           "zero": pd.DataFrame({"y": [0]})}
    if fmt.finite(payback_months):
        out["mark"] = pd.DataFrame({"month": [payback_months],
                                    "text": [i18n.t("payback_at", lang, m=_months_text(payback_months, lang))]})
    else:
        out["note"] = pd.DataFrame({"text": [i18n.t("no_payback", lang)]})
    if fmt.finite(discounted_payback_months):
        out["dmark"] = pd.DataFrame({"month": [discounted_payback_months]})
    return out


def cash_flow(monthly: pd.DataFrame, payback_months: float, discounted_payback_months: float,
              lang: str) -> Chart:
    """Cumulative (and discounted cumulative) cash flow by month; payback marked by a rule at the
    engine's fractional payback month, or a note when there is none in the horizon."""
    data = cash_flow_data(monthly, payback_months, discounted_payback_months, lang)
    return _cash_flow_chart(data.__getitem__, frozenset(data), int(monthly.index.to_numpy().max()), lang)


def cash_flow_spec(monthly: pd.DataFrame, payback_months: float, discounted_payback_months: float,
                   lang: str) -> dict:
    """:func:`cash_flow` as the Vega-Lite dict for ``st.vega_lite_chart``, fast: the chart's
    structure (which depends only on the language, the horizon and which paybacks exist) is built
    and serialised once and kept; each rerun adds only this scenario's tables as named datasets
    (Altair's ``to_dict`` of the layered chart costs ~25 ms a rerun otherwise)."""
    data = cash_flow_data(monthly, payback_months, discounted_payback_months, lang)
    frame = _cash_flow_frame(frozenset(data), int(monthly.index.to_numpy().max()), lang)
    return {**frame, "datasets": {_CF_NAME + k: v.to_dict("records") for k, v in data.items()}}


_CF_NAME = "cash_flow_"


@functools.lru_cache(maxsize=64)
def _cash_flow_frame(tables: frozenset[str], last: int, lang: str) -> dict:
    return spec(_cash_flow_chart(lambda k: alt.NamedData(name=_CF_NAME + k), tables, last, lang))


def _cash_flow_chart(source: Callable[[str], Any], tables: frozenset[str], last: int, lang: str) -> Chart:
    """The cash-flow chart over the tables of :func:`cash_flow_data` (``source(name)``: a table or a
    named dataset; ``tables``: the names there are)."""
    cum, dcum = i18n.t("cum_cf", lang), i18n.t("cum_dcf", lang)
    x = alt.X("month:Q", title=i18n.t("month", lang), scale=alt.Scale(domain=[0, last], nice=False))
    y = alt.Y("cny:Q", title=i18n.t("wan_axis", lang), axis=alt.Axis(labelExpr=WAN_LABEL))
    area = alt.Chart(source("wide")).mark_area(opacity=0.25, color=NEUTRAL, line={"color": NEUTRAL}).encode(
        x=x, y=alt.Y(f"{cum}:Q", title=i18n.t("wan_axis", lang), axis=alt.Axis(labelExpr=WAN_LABEL)),
    )
    lines = alt.Chart(source("long")).mark_line(strokeWidth=2).encode(
        x=x, y=y,
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=[cum, dcum], range=[NEUTRAL, ACCENT]),
                        legend=alt.Legend(orient="top")),
        strokeDash=alt.StrokeDash("series:N", scale=alt.Scale(domain=[cum, dcum], range=[[1, 0], [6, 3]]),
                                  legend=None),
        tooltip=[alt.Tooltip("month:Q", title=i18n.t("month", lang)), alt.Tooltip("series:N", title=" "),
                 alt.Tooltip("cny:Q", title="¥", format="$,.0f")],
    )
    zero = alt.Chart(source("zero")).mark_rule(color="#555", strokeDash=[4, 4]).encode(y=alt.Y("y:Q"))
    layers = [area, lines, zero]
    if "mark" in tables:
        layers.append(alt.Chart(source("mark")).mark_rule(color=POS, strokeWidth=2).encode(x=alt.X("month:Q")))
        layers.append(alt.Chart(source("mark")).mark_text(align="left", dx=6, dy=-8, fontSize=14, fontWeight="bold",
                                                          color=POS).encode(x=alt.X("month:Q"), y=alt.YValue(12),
                                                                            text=alt.Text("text:N")))
    if "note" in tables:
        layers.append(alt.Chart(source("note")).mark_text(fontSize=15, fontWeight="bold", color=NEG).encode(
            x=alt.XValue(200), y=alt.YValue(20), text=alt.Text("text:N")))
    if "dmark" in tables:
        layers.append(alt.Chart(source("dmark")).mark_rule(color=ACCENT, strokeDash=[6, 3]).encode(x=alt.X("month:Q")))
    return finish(alt.LayerChart(layer=layers), height=340)


# --------------------------------------------------------------------------- annual structure
def annual_structure(table: pd.DataFrame, lang: str) -> Chart:
    """Per year: revenue bar next to a stacked bar of cost lines (from present.annual_structure)."""
    df = table.copy()
    df["year_label"] = [i18n.t("year_n", lang, n=y) for y in df["year"]]
    df["side_label"] = [i18n.t("revenue" if s == "revenue" else "costs", lang) for s in df["side"]]
    order = list(dict.fromkeys(df["label"]))
    df["rank"] = [order.index(x) for x in df["label"]]  # stack in legend order
    costs = ["#4c78a8", "#72b7b2", "#f58518", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac", "#e45756",
             "#79706e"]
    palette = [POS] + costs  # revenue green; no cost line shares its colour
    return finish(alt.Chart(df).mark_bar().encode(
        x=alt.X("year_label:N", title=None, sort=list(dict.fromkeys(df["year_label"])), axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("side_label:N", sort=[i18n.t("revenue", lang), i18n.t("costs", lang)]),
        y=alt.Y("sum(amount_cny):Q", title=i18n.t("amount_wan", lang), axis=alt.Axis(labelExpr=WAN_LABEL)),
        color=alt.Color("label:N", title=i18n.t("line", lang), sort=order,
                        scale=alt.Scale(domain=order, range=palette[: len(order)])),
        order=alt.Order("rank:Q", sort="descending"),
        tooltip=[alt.Tooltip("year_label:N", title=i18n.t("year", lang)), alt.Tooltip("label:N", title=" "),
                 alt.Tooltip("amount_cny:Q", title="¥", format="$,.0f")],
    ), height=320)


# --------------------------------------------------------------------------- market prices
def market_prices(prices: pd.DataFrame, user_price: float, lang: str) -> Chart:
    """Cloud vendors' prices per card-hour (seed table) with the user's price as a rule."""
    df = prices.copy()
    df["vendor_label"] = df["vendor"] if lang == "zh" else df["vendor_en"]
    df["billing_label"] = [i18n.billing_label(b, lang) for b in df["billing"]]
    bars = alt.Chart(df).mark_bar().encode(
        y=alt.Y("vendor_label:N", title=None),
        yOffset=alt.YOffset("billing_label:N"),
        x=alt.X("price_cny_per_card_hour:Q", title=i18n.unit_of(present.PRICE, lang)),
        color=alt.Color("billing_label:N", title=i18n.t("billing", lang), legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("vendor_label:N", title=i18n.t("vendor", lang)),
                 alt.Tooltip("billing_label:N", title=i18n.t("billing", lang)),
                 alt.Tooltip("price_cny_per_card_hour:Q", title=i18n.unit_of(present.PRICE, lang), format="$,.2f"),
                 alt.Tooltip("source:N")],
    )
    mark = pd.DataFrame({"x": [user_price], "text": [f"{i18n.t('your_price', lang)} {fmt.price(user_price, lang)}"]})
    rule = alt.Chart(mark).mark_rule(color=NEG, strokeWidth=2).encode(x=alt.X("x:Q"))
    text = alt.Chart(mark).mark_text(align="left", dx=4, dy=-6, color=NEG, fontWeight="bold").encode(
        x=alt.X("x:Q"), y=alt.YValue(0), text=alt.Text("text:N"))
    return finish(alt.LayerChart(layer=[bars, rule, text]), height=max(140, 46 * len(set(df["vendor"]))))


# --------------------------------------------------------------------------- tornado
def tornado(table: pd.DataFrame, metric: str, lang: str, *, shock_pct: float, never_at: float | None = None,
            top: int = 12) -> Chart:
    """Bars from the base result to the result at input −x % and +x %, largest swing on top.

    ``table`` is ``sensitivity.tornado`` output; rows of other metrics are ignored. A NaN result
    (never pays back) is drawn at ``never_at`` (the horizon) and labelled. When no input moves the
    metric (:func:`tornado_rows` is empty) the chart has no bars; the page says so instead."""
    df = tornado_rows(table, metric, top)
    label_col = "label_zh" if lang == "zh" else "label_en"
    low = i18n.t("input_low", lang, pct=f"{shock_pct:g}")
    high = i18n.t("input_high", lang, pct=f"{shock_pct:g}")
    rows = []
    for _, r in df.iterrows():
        for case, col, inp in ((low, "low_result", "low_input"), (high, "high_result", "high_input")):
            v = r[col]
            never = not fmt.finite(v)
            rows.append({"field": r[label_col], "case": case, "base": r["base_result"],
                         "value": (never_at if never and never_at is not None else v),
                         "never": never, "input": r[inp], "shown": fmt.never(lang) if never else ""})
    long = pd.DataFrame(rows, columns=["field", "case", "base", "value", "never", "input", "shown"])
    long = long[long["value"].map(fmt.finite)]
    order = list(df[label_col])
    base_value = float(df["base_result"].iloc[0]) if len(df) else float("nan")
    bars = alt.Chart(long).mark_bar(opacity=0.85).encode(
        y=alt.Y("field:N", sort=order, title=None, axis=alt.Axis(labelLimit=260, labelOverlap=False)),
        x=alt.X("value:Q", title=metric_title(metric, lang), scale=alt.Scale(zero=False)),
        x2=alt.X2("base:Q"),
        color=alt.Color("case:N", title=None, scale=alt.Scale(domain=[low, high], range=["#4c78a8", "#e45756"]),
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("field:N", title=" "), alt.Tooltip("case:N", title=" "),
                 alt.Tooltip("input:Q", format=",.4g"), alt.Tooltip("value:Q", format=",.4g"),
                 alt.Tooltip("shown:N", title=" ")],
    )
    never_text = alt.Chart(long[long["never"]]).mark_text(align="left", dx=3, fontWeight="bold", color=NEG).encode(
        y=alt.Y("field:N", sort=order), x=alt.X("value:Q"), text=alt.Text("shown:N"))
    layers = [bars, never_text]
    if fmt.finite(base_value):
        layers.append(alt.Chart(pd.DataFrame({"x": [base_value]})).mark_rule(color="black").encode(x=alt.X("x:Q")))
    chart = finish(alt.LayerChart(layer=layers))
    chart.height = alt.Step(26)  # one band per input, whatever the number shown
    return chart


def tornado_rows(table: pd.DataFrame, metric: str, top: int = 12) -> pd.DataFrame:
    """The ``top`` inputs that move ``metric`` in a ``sensitivity.tornado`` table, largest swing
    first (an unknown swing, NaN, first); inputs that leave it unchanged are left out (e.g. the
    light inputs for the heavy payback, or every input when it never pays back at any shock)."""
    df = table.loc[table["metric"] == metric]
    df = df.loc[~(df["swing"] == 0)]
    return df.sort_values("swing", ascending=False, na_position="first").head(top)


def metric_title(metric: str, lang: str) -> str:
    """Axis title of a dotted result key: ``投资回收期 [月]`` / ``NPV (equity) [万元]``."""
    it = model.result_item(metric)
    label = it.zh if lang == "zh" else it.en
    unit = {"cny": i18n.t("wan_axis", lang), "frac": "%", "months": i18n.unit("months", lang)}.get(it.fmt, "")
    return f"{label} [{unit}]" if unit else label


# --------------------------------------------------------------------------- heatmap
def payback_heatmap(grid: pd.DataFrame, x: str, y: str, metric: str, current: tuple[float, float],
                    lang: str, *, horizon_months: float) -> Chart:
    """Payback over a price × occupancy grid (tidy [x, y, metric]); the current point framed;
    cells that never pay back grey with "—"; colours clamped to [0, horizon]."""
    df = pd.DataFrame({"x": grid[x].to_numpy(dtype=float), "y": grid[y].to_numpy(dtype=float),
                       "v": grid[metric].to_numpy(dtype=float)})
    df["v"] = df["v"].where(np.isfinite(df["v"]), None)
    df["text"] = [fmt.number(v, lang, 0) for v in df["v"]]  # "—" where it never pays back
    df["current"] = np.isclose(df["x"], current[0]) & np.isclose(df["y"], current[1])
    df["v_label"] = [fmt.months(v, lang) for v in df["v"]]
    xs = sorted(df["x"].unique())
    ys = sorted(df["y"].unique(), reverse=True)
    xenc = alt.X("x:O", title=i18n.field_label(x, lang), sort=xs, axis=alt.Axis(format="$.2f", formatType="number",
                                                                                labelAngle=0))
    yenc = alt.Y("y:O", title=i18n.field_label(y, lang), sort=ys, axis=alt.Axis(format=".0%", formatType="number"))
    tooltip = [alt.Tooltip("x:Q", title=i18n.field_label(x, lang), format="$.2f"),
               alt.Tooltip("y:Q", title=i18n.field_label(y, lang), format=".0%"),
               alt.Tooltip("v_label:N", title=metric_title(metric, lang))]
    base = alt.Chart(df)
    valid = base.transform_filter("isValid(datum.v)").mark_rect().encode(
        x=xenc, y=yenc, tooltip=tooltip,
        color=alt.Color("v:Q", title=metric_title(metric, lang),
                        scale=alt.Scale(scheme="redyellowgreen", reverse=True, domain=[0, horizon_months],
                                        clamp=True)))
    never = base.transform_filter("!isValid(datum.v)").mark_rect(color=NEVER_FILL).encode(
        x=xenc, y=yenc, tooltip=tooltip)
    text = base.mark_text(fontSize=12).encode(x=xenc, y=yenc, text=alt.Text("text:N"), tooltip=tooltip,
                                              color=alt.ColorValue("#111"))
    frame = base.transform_filter("datum.current").mark_rect(fill=None, stroke="black", strokeWidth=3).encode(
        x=xenc, y=yenc)
    return finish(alt.LayerChart(layer=[valid, never, text, frame]), height=340)


# --------------------------------------------------------------------------- Monte Carlo
def histogram(values: np.ndarray, quantiles: dict[str, float], metric: str, lang: str) -> Chart:
    """Distribution of one metric over Monte Carlo draws with P10/P50/P90 rules (NaN draws dropped;
    report their share separately)."""
    vals = np.asarray(values, dtype=float)
    vals = vals[np.isfinite(vals)]
    it = model.result_item(metric)
    look = fmt.style(lang).look(it.fmt)
    scale = look.times / look.per  # to the unit of the axis title: 万元, %, months
    df = pd.DataFrame({"v": vals * scale})
    hist = alt.Chart(df).mark_bar(color=NEUTRAL, opacity=0.8).encode(
        x=alt.X("v:Q", bin=alt.Bin(maxbins=40), title=metric_title(metric, lang)),
        y=alt.Y("count():Q", title=i18n.t("count", lang)),
    )
    q = pd.DataFrame([{"name": k.upper(), "v": v * scale, "text": f"{k.upper()} {fmt.value(v, it, lang, unit=False)}"}
                      for k, v in quantiles.items() if fmt.finite(v)])
    layers = [hist]
    if not q.empty:
        layers.append(alt.Chart(q).mark_rule(color=NEG, strokeWidth=2, strokeDash=[5, 3]).encode(x=alt.X("v:Q")))
        layers.append(alt.Chart(q).mark_text(angle=0, align="left", dx=4, dy=-4, color=NEG, fontWeight="bold").encode(
            x=alt.X("v:Q"), y=alt.YValue(12), text=alt.Text("text:N")))
    return finish(alt.LayerChart(layer=layers), height=300)


# --------------------------------------------------------------------------- business models
def business_models(table: pd.DataFrame, lang: str) -> Chart:
    """Horizon cash out vs revenue for the four options (business_models.business_models output)."""
    rows = []
    for opt in table.columns:
        for key, side in (("horizon_cost_cny", "costs"), ("horizon_revenue_cny", "revenue")):
            v = table.loc[key, opt]
            if fmt.finite(v):
                rows.append({"option": i18n.t(f"opt_{opt}", lang), "side": i18n.t(side, lang), "cny": float(v)})
    df = pd.DataFrame(rows, columns=["option", "side", "cny"])
    order = [i18n.t(f"opt_{o}", lang) for o in table.columns]
    return finish(alt.Chart(df).mark_bar().encode(
        y=alt.Y("option:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
        yOffset=alt.YOffset("side:N"),
        x=alt.X("cny:Q", title=i18n.t("amount_wan", lang), axis=alt.Axis(labelExpr=WAN_LABEL)),
        color=alt.Color("side:N", title=None, scale=alt.Scale(domain=[i18n.t("costs", lang), i18n.t("revenue", lang)],
                                                              range=[NEG, POS]), legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("option:N", title=" "), alt.Tooltip("side:N", title=" "),
                 alt.Tooltip("cny:Q", title="¥", format="$,.0f")],
    ), height=320)


def cost_per_card_hour(table: pd.DataFrame, price: float, lang: str) -> Chart:
    """Cost per used card-hour of each option, with the user's rental price as a rule."""
    rows = [{"option": i18n.t(f"opt_{o}", lang), "cny": float(table.loc["cost_per_card_hour", o]),
             "text": fmt.price(table.loc["cost_per_card_hour", o], lang)}
            for o in table.columns if fmt.finite(table.loc["cost_per_card_hour", o])]
    df = pd.DataFrame(rows, columns=["option", "cny", "text"])
    order = [i18n.t(f"opt_{o}", lang) for o in table.columns]
    y = alt.Y("option:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    bars = alt.Chart(df).mark_bar(color=NEUTRAL).encode(
        y=y, x=alt.X("cny:Q", title=i18n.unit_of(present.PRICE, lang)),
        tooltip=[alt.Tooltip("option:N", title=" "), alt.Tooltip("cny:Q", title="¥", format="$,.2f")])
    labels = alt.Chart(df).mark_text(align="left", dx=4, fontWeight="bold").encode(
        y=y, x=alt.X("cny:Q"), text=alt.Text("text:N"))
    mark = pd.DataFrame({"x": [price], "text": [f"{i18n.t('your_price', lang)} {fmt.price(price, lang)}"]})
    rule = alt.Chart(mark).mark_rule(color=NEG, strokeWidth=2).encode(x=alt.X("x:Q"))
    rule_text = alt.Chart(mark).mark_text(align="right", dx=-4, dy=-6, color=NEG, fontWeight="bold").encode(
        x=alt.X("x:Q"), y=alt.YValue(0), text=alt.Text("text:N"))
    return finish(alt.LayerChart(layer=[bars, labels, rule, rule_text]), height=320)


# --------------------------------------------------------------------------- market demand
def demand_gpus(df: pd.DataFrame, lang: str, *, workload_title: str, kind_title: str) -> Chart:
    """GPUs needed per workload (``demand_view.gpu_chart_data``), bars coloured by kind, the count
    printed at the end of each bar."""
    bars = alt.Chart(df).encode(
        y=alt.Y("workload:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("gpus:Q", title=i18n.t("dm_gpus_axis", lang), axis=alt.Axis(format=",.0f")),
    )
    bar = bars.mark_bar().encode(color=alt.Color("kind:N", title=kind_title),
                                 tooltip=[alt.Tooltip("workload:N", title=workload_title),
                                          alt.Tooltip("gpus:Q", title=i18n.t("dm_gpus_axis", lang), format=",.1f")])
    count = bars.mark_text(align="left", dx=4).encode(text="label:N")
    return finish(alt.LayerChart(layer=[bar, count]), height=max(120, 44 * len(df)))


# --------------------------------------------------------------------------- scenario comparison
def compare_cash_flows(monthlies: dict[str, pd.DataFrame], lang: str) -> Chart:
    """Cumulative cash flow of several scenarios on one axis."""
    frames = [pd.DataFrame({"month": m.index.to_numpy(), "cny": m["cumulative_cash_flow_cny"].to_numpy(),
                            "scenario": name}) for name, m in monthlies.items()]
    df = pd.concat(frames, ignore_index=True)
    lines = alt.Chart(df).mark_line(strokeWidth=2).encode(
        x=alt.X("month:Q", title=i18n.t("month", lang)),
        y=alt.Y("cny:Q", title=f"{i18n.t('cum_cf', lang)} ({i18n.t('wan_axis', lang)})",
                axis=alt.Axis(labelExpr=WAN_LABEL)),
        color=alt.Color("scenario:N", title=None, legend=alt.Legend(orient="top", labelLimit=400)),
        tooltip=[alt.Tooltip("scenario:N"), alt.Tooltip("month:Q"), alt.Tooltip("cny:Q", title="¥", format="$,.0f")],
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#555", strokeDash=[4, 4]).encode(y=alt.Y("y:Q"))
    return finish(alt.LayerChart(layer=[lines, zero]), height=320)


def spec(chart: Chart) -> dict:
    """The Vega-Lite dict of a chart for ``st.vega_lite_chart``, without Altair's JSON-schema
    validation on every rerun (the chart tests validate every builder's output instead)."""
    return chart.to_dict(validate=False)
