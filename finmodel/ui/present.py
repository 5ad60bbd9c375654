"""Tables shaped for display, built from one :class:`finmodel.model.Result`.

Pure functions (no Streamlit): the app pages call these instead of doing sums themselves, and the
tests call them directly. Amounts stay in CNY; formatting is :mod:`finmodel.ui.fmt`'s job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from finmodel import model, schema
from finmodel.analysis import business_models, grid_axes
from finmodel.model import Result, expr, heavy, light
from finmodel.model.engine import Item
from finmodel.schema import Scenario
from finmodel.ui import fmt, i18n, safe

#: The rental price and the occupancy: the two inputs the dashboard puts front and centre (the
#: overview's controls, the goal seek) — the axes of the price × occupancy grid
#: (:mod:`finmodel.analysis.grid_axes`), which the heatmap draws.
PRICE, OCCUPANCY = grid_axes.GRID_X, grid_axes.GRID_Y

#: The module of each model (``model.MODELS``) that declares its named result sets (``HEADLINE``,
#: ``COST_LINES``, ``DEFAULT_METRICS``) beside its items.
DECLARED = {"heavy": heavy, "light": light}


@dataclass(frozen=True)
class Kpi:
    """One headline number: where it comes from and which direction is good."""

    model: str
    key: str

    @property
    def path(self) -> str:
        """``heavy.payback_months``-style result path."""
        return f"{self.model}.{self.key}"

    @property
    def item(self) -> Item:
        """The result's declaration (labels, unit, format, what NaN means)."""
        return model.item(self.model, self.key)

    @property
    def fmt(self) -> str:
        return self.item.fmt

    @property
    def lower_is_better(self) -> bool:
        return self.item.lower_is_better


#: The dashboard's KPI cards, in order: each model's declared ``HEADLINE`` results.
KPIS: tuple[Kpi, ...] = tuple(Kpi(which, key) for which in model.MODELS for key in DECLARED[which].HEADLINE)
#: The second row of cards: what the shareholders put in and get back (issue 11) — the project
#: (unlevered) payback and IRR beside the equity ones above, peak funding and its month, MOIC and
#: the net cash multiple − 1 (``roi``). Payback and peak funding leave out the horizon-end
#: settlement items; the returns include them (the page's footnote says so).
FUNDING_KPIS: tuple[Kpi, ...] = tuple(Kpi("heavy", key) for key in (
    "project_payback_months", "project_irr", "peak_funding_cny", "peak_funding_month", "moic", "roi"))
#: Shown next to the equity payback when the scenario has debt service (issue 12's coverage
#: result; NaN = no month with debt service, then no card).
DEBT_KPI = Kpi("heavy", "min_dscr")


def kpis(result: Result, base: Result | None = None) -> tuple[Kpi, ...]:
    """The first row of cards: :data:`KPIS`, with :data:`DEBT_KPI` right after the payback when the
    model declares it and it has a value in this result or the loaded one (there is debt)."""
    if not any(i.key == DEBT_KPI.key for i in model.MODELS["heavy"]):
        return KPIS
    if not any(r is not None and fmt.finite(r.heavy.get(DEBT_KPI.key, float("nan"))) for r in (result, base)):
        return KPIS
    at = KPIS.index(Kpi("heavy", "payback_months")) + 1
    return (*KPIS[:at], DEBT_KPI, *KPIS[at:])


#: Cards whose change has no good direction (a month number): their delta is drawn grey.
NEUTRAL: frozenset[str] = frozenset({"heavy.peak_funding_month"})


def card_label(kpi: Kpi, lang: str) -> str:
    """A KPI card's label: the item's label, or the card's shorter wording (``card:<path>`` in the
    UI strings) where the item's would be cut on a card — the full label is then in the tooltip
    (:func:`card_help`); with the unit in brackets when the value carries none (``number`` format:
    ``最大资金占用月份 [月]``, ``MOIC [×]``)."""
    key = f"card:{kpi.path}"
    label = i18n.t(key, lang) if i18n.has(key) else i18n.item_label(kpi.model, kpi.key, lang)
    if kpi.fmt == "number" and kpi.item.unit:
        label += f" [{i18n.unit(kpi.item.unit, lang)}]"
    return label


def card_help(kpi: Kpi, lang: str) -> str:
    """The start of a KPI card's tooltip: the item's full label when the card shows a shorter one."""
    return i18n.item_label(kpi.model, kpi.key, lang) + " · " if i18n.has(f"card:{kpi.path}") else ""


def kpi_value(result: Result, kpi: Kpi) -> float:
    """The KPI's value in the result, in the result's base unit (NaN = never / none / n.a.)."""
    return float(getattr(result, kpi.model)[kpi.key])


def kpi_delta(result: Result, base: Result | None, kpi: Kpi) -> float:
    """Current minus loaded value; NaN when either side is NaN (never / none), its model is broken
    (:func:`broken_models`) or there is no base."""
    if base is None or kpi.model in broken_models(result) + broken_models(base):
        return float("nan")
    return kpi_value(result, kpi) - kpi_value(base, kpi)


# --------------------------------------------------------------------------- results that are not numbers
def nonfinite_lines(result: Result, which: str) -> tuple[str, ...]:
    """Result keys of one model whose value is ±infinite (e.g. the light revenue per P-year when
    ``light.tflops_per_card`` is a subnormal 1e-310, so a server holds 8e-313 P). NaN is not here:
    it has a declared meaning (never / none / n/a); an infinity has none."""
    return tuple(k for k, v in getattr(result, which).items() if isinstance(v, float) and math.isinf(v))


def broken_models(result: Result) -> tuple[str, ...]:
    """The models with an infinite line: none of their results is shown as a number, since any of
    them may be built on it (a 0.0-month payback from an infinite revenue)."""
    return tuple(which for which in model.MODELS if nonfinite_lines(result, which))


def nonfinite_message(result: Result, lang: str) -> str | None:
    """Markdown naming each broken model and its infinite lines (declared labels), or None."""
    sep = "、" if lang == "zh" else ", "
    parts = [i18n.t("nonfinite", lang, model=i18n.t(which, lang), lines=sep.join(
        i18n.item_label(which, k, lang) for k in nonfinite_lines(result, which))) for which in broken_models(result)]
    return "\n\n".join(parts) or None


def shown_kpi(result: Result, kpi: Kpi, lang: str) -> str:
    """A KPI card's value, by its declaration read with its model's results (a platform payback
    without a platform investment reads n/a, a break-even above 100 % unattainable); "—" when its
    model is broken."""
    if kpi.model in broken_models(result):
        return "—"
    return fmt.value(kpi_value(result, kpi), kpi.item, lang, values=getattr(result, kpi.model))


# --------------------------------------------------------------------------- annual structure
#: Cost lines of each model's annual "revenue vs cost" view (keys of the monthly tables).
COST_LINES: dict[str, tuple[str, ...]] = {which: DECLARED[which].COST_LINES for which in model.MODELS}


def year_of_month(month: np.ndarray) -> np.ndarray:
    """Year number of each month after purchase: months 1-12 → 1, 13-24 → 2; month 0 → 0."""
    m = np.asarray(month)
    return np.where(m <= 0, 0, (m - 1) // int(expr.MONTHS_PER_YEAR) + 1)


def annual_structure(monthly: pd.DataFrame, which: str, lang: str) -> pd.DataFrame:
    """Tidy table of revenue and cost lines per year.

    Columns: year, side ('revenue'|'cost'), line (key), label, amount_cny. Lines that are zero in
    every year are left out so the legend lists only what matters."""
    years = year_of_month(monthly.index.to_numpy())
    keep = years > 0
    rows = []
    for side, keys in (("revenue", ("revenue_cny",)), ("cost", COST_LINES[which])):
        for key in keys:
            if key not in monthly:
                continue
            per_year = monthly.loc[keep, key].groupby(years[keep]).sum()
            if not np.any(np.abs(per_year.to_numpy()) > 0):
                continue
            label = i18n.item_label(which, key, lang)
            for year, amount in per_year.items():
                rows.append({"year": int(year), "side": side, "line": key, "label": label,
                             "amount_cny": float(amount)})
    return pd.DataFrame(rows, columns=["year", "side", "line", "label", "amount_cny"])


# --------------------------------------------------------------------------- cash-flow table
def monthly_table(result: Result, which: str, lang: str) -> pd.DataFrame:
    """The monthly cash-flow table with labelled columns (``label [unit]``), helpers dropped."""
    df = getattr(result, f"{which}_monthly")
    keys = [k for k in model.row_keys(which, include_helpers=False) if k in df]
    out = df[keys].copy()
    out.columns = [i18n.item_label(which, k, lang, with_unit=True) for k in keys]
    out.index.name = i18n.t("month", lang)
    return out


def csv_bytes(result: Result, which: str, lang: str) -> bytes:
    """The monthly table as CSV in UTF-8 with BOM (opens in Excel with Chinese intact), text escaped
    against formula injection (:func:`finmodel.ui.safe.csv_bytes`)."""
    return safe.csv_bytes(monthly_table(result, which, lang))


# --------------------------------------------------------------------------- scenario comparison
def compare_kpis(results: dict[str, Result], lang: str) -> pd.DataFrame:
    """KPIs of two scenarios side by side plus the difference (second minus first)."""
    names = list(results)
    rows = []
    for k in KPIS:
        vals = [kpi_value(results[n], k) for n in names]
        rows.append({"kpi": k, "label": i18n.item_label(k.model, k.key, lang),
                     **{n: v for n, v in zip(names, vals, strict=True)},
                     "difference": vals[-1] - vals[0] if len(vals) > 1 else float("nan")})
    return pd.DataFrame(rows)


def input_differences(a: Scenario, b: Scenario, lang: str) -> pd.DataFrame:
    """Inputs whose values differ between two scenarios (path, label, a, b)."""
    rows = []
    for path in schema.FIELDS:
        va, vb = a.get(path), b.get(path)
        if va != vb:
            rows.append({"path": path, "label": i18n.field_label(path, lang), "a": va, "b": vb})
    return pd.DataFrame(rows, columns=["path", "label", "a", "b"])


# --------------------------------------------------------------------------- business models
def _business_model_cell(value: float, row: str, row_fmt: str, option: str, result: Result | None,
                         lang: str) -> str:
    if row_fmt == "number":
        return fmt.number(value, lang, 0)
    if row == "payback_months" and option in ("heavy", "light"):  # the model's own payback, as it declares
        values = getattr(result, option) if result is not None else None
        return fmt.value(value, model.item(option, "payback_months"), lang, values=values)
    return fmt.by_fmt(value, "months" if row_fmt == "months_plain" else row_fmt, lang)


#: The model each business-model option is computed from (``business_models.business_models``:
#: the user-side options reuse the heavy fleet and its card-hours).
OPTION_MODEL: dict[str, str] = {"heavy": "heavy", "light": "light", "self": "heavy", "cloud": "heavy"}


def blank_options(table: pd.DataFrame, result: Result) -> pd.DataFrame:
    """The comparison with the options of broken models (:func:`broken_models`) set to NaN, so
    neither the table nor the charts show numbers built on an infinite line."""
    blank = [opt for opt in table.columns if OPTION_MODEL.get(opt) in broken_models(result)]
    out = table.copy()
    out[blank] = np.nan
    out.attrs["blank"] = tuple(blank)
    return out


def business_models_view(table: pd.DataFrame, lang: str, result: Result | None = None) -> dict[str, list[str]]:
    """The business-model comparison (``business_models.business_models`` output) as display
    columns: the row labels, then one column of formatted values per option ("—" throughout for
    an option blanked by :func:`blank_options`). With the ``result`` the table came from, the
    paybacks read as their items declare among its values (the light platform payback without a
    platform investment: n/a, not never)."""
    rows = business_models.ROWS
    blank = table.attrs.get("blank", ())
    out = {i18n.t("metric", lang): [i18n.t(f"cmp_{row}", lang) for row in rows]}
    for opt in business_models.OPTIONS:
        out[i18n.t(f"opt_{opt}", lang)] = [
            "—" if opt in blank else _business_model_cell(table.loc[row, opt], row, f, opt, result, lang)
            for row, f in rows.items()]
    return out


# --------------------------------------------------------------------------- light break-even by year
#: Rows of the light asset's year-by-year break-even table (monthly rows, constant within a year).
BREAKEVEN_LINES: tuple[str, ...] = ("sell_price_cny_per_p_year", "buy_price_cny_per_p_year",
                                    "yearly_breakeven_occupancy", "yearly_breakeven_capacity_p")


def breakeven_by_year(result: Result) -> pd.DataFrame:
    """The light asset's break-even per year (index: year 1, 2 …; columns :data:`BREAKEVEN_LINES`,
    each year's value as the engine gives it to that year's months; NaN where it is not defined:
    outside contracted capacity, or a break-even capacity where the per-P margin is not positive)."""
    monthly = result.light_monthly
    years = year_of_month(monthly.index.to_numpy())
    keep = years > 0
    out = monthly.loc[keep, list(BREAKEVEN_LINES)].groupby(years[keep]).first()
    out.index.name = "year"
    return out


def breakeven_view(result: Result, lang: str) -> dict[str, list[str]]:
    """:func:`breakeven_by_year` as display columns (year, then each line by its item: a
    break-even occupancy above 100 % reads ``无法达到`` / ``unattainable``)."""
    table = breakeven_by_year(result)
    out = {i18n.t("year", lang): [str(y) for y in table.index]}
    for key in BREAKEVEN_LINES:
        it = model.item("light", key)
        out[i18n.item_label("light", key, lang)] = [
            fmt.value(v, it, lang, values=result.light) for v in table[key]]
    return out
