"""Tables shaped for display, built from one :class:`finmodel.model.Result`.

Pure functions (no Streamlit): the app pages call these instead of doing sums themselves, and the
tests call them directly. Amounts stay in CNY; formatting is :mod:`finmodel.ui.fmt`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from finmodel import model, schema
from finmodel.model import Result
from finmodel.schema import Scenario
from finmodel.ui import i18n

MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class Kpi:
    """One headline number: where it comes from and which direction is good."""

    model: str
    key: str
    lower_is_better: bool = False

    @property
    def fmt(self) -> str:
        return model.item(self.model, self.key).fmt


#: The dashboard's KPI cards, in order (issue 5).
KPIS: tuple[Kpi, ...] = (
    Kpi("heavy", "payback_months", lower_is_better=True),
    Kpi("heavy", "discounted_payback_months", lower_is_better=True),
    Kpi("heavy", "npv_cny"),
    Kpi("heavy", "irr"),
    Kpi("heavy", "gross_margin"),
    Kpi("light", "spread_cny_per_p_year"),
)


def kpi_value(result: Result, kpi: Kpi) -> float:
    return float(getattr(result, kpi.model)[kpi.key])


def kpi_delta(result: Result, base: Result | None, kpi: Kpi) -> float:
    """Current minus loaded value; NaN when either side is NaN (never / none) or no base."""
    if base is None:
        return float("nan")
    return kpi_value(result, kpi) - kpi_value(base, kpi)


# --------------------------------------------------------------------------- annual structure
#: Cost lines of each model's annual "revenue vs cost" view (keys of the monthly tables).
COST_LINES = {
    "heavy": ("energy_cny", "om_cny", "colocation_cny", "staff_cny", "other_cny", "ratio_cash_cost_cny",
              "depreciation_cny", "interest_cny", "tax_cny"),
    "light": ("capacity_cost_cny", "vas_cost_cny", "platform_fixed_cost_cny", "amortisation_cny", "tax_cny"),
}


def year_of_month(month: np.ndarray) -> np.ndarray:
    """Year number of each month after purchase: months 1-12 → 1, 13-24 → 2; month 0 → 0."""
    m = np.asarray(month)
    return np.where(m <= 0, 0, (m - 1) // MONTHS_PER_YEAR + 1)


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
    """The monthly table as CSV in UTF-8 with BOM (opens in Excel with Chinese intact)."""
    return monthly_table(result, which, lang).to_csv().encode("utf-8-sig")


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


# --------------------------------------------------------------------------- sensitivity views
def heatmap_axes(scenario: Scenario, n_price: int = 9) -> tuple[list[float], list[float]]:
    """Price and occupancy values for the payback heatmap; both include the current values so the
    current point is one of the cells. Prices span ±40 % of the current price."""
    p0 = scenario.heavy.price_cny_per_card_hour
    spec = schema.FIELDS["heavy.price_cny_per_card_hour"]
    factors = np.linspace(0.6, 1.4, n_price)
    prices = {round(float(p0 * f), 2) for f in factors} | {float(p0)}
    prices = sorted(p for p in prices if spec.check(p))
    occ0 = scenario.heavy.occupancy
    occs = sorted({round(float(x), 2) for x in np.linspace(0.3, 1.0, 8)} | {float(occ0)})
    return prices, occs
