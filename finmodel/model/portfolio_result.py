"""One portfolio's results: company KPIs and monthly statements, the per-cohort table, the fleet.

>>> from finmodel.schema import portfolio
>>> r = evaluate(portfolio.load("assumptions/portfolio/h800_lots.toml"))
>>> int(r.cohorts.loc["lot_jan_2024", "purchase_month"]), round(r.company["tax_sheltered_cny"] / 1e4)
(4, 998)

Every number is read from the evaluated items (:mod:`finmodel.model.portfolio_items`); the
tables here only arrange them. Money in CNY, months from the company's month 0, fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from finmodel.model import portfolio_items as pi
from finmodel.model.engine import Item
from finmodel.model.portfolio import PortfolioBatch, evaluate_batch
from finmodel.schema.portfolio import Portfolio

_ITEMS: dict[str, Item] = {i.key: i for i in pi.ROLLUP + pi.SHARES}
#: Row formats that neither add up over a year nor mean anything at its end (ratios, prices).
_RATIO_FMTS = ("frac", "price", "cny_per_p_year", "rate")


def item(key: str) -> Item:
    """The declaration (labels, unit, format, NaN meaning) of a company or cohort result key."""
    return _ITEMS[key]


@dataclass
class PortfolioResult:
    """Results of one portfolio.

    * ``company``: company results (KPIs, totals) as floats; NaN = never / none / n/a (``item(key).nan_means``).
    * ``monthly``: the company model's monthly lines, one row per company month (0..H), including
      its input rows (the cohorts' lines summed, ``heavy_*`` / ``light_*``).
    * ``cohorts``: one row per cohort (index: name): its timing and its stand-alone results
      (:data:`~finmodel.model.portfolio_items.COHORT_KPIS`; a company of that cohort alone on its
      own calendar: payback from its purchase, NPV at its purchase date, its own income tax) and its
      shares of company revenue, EBITDA before company-level costs and capex.
    * ``cohort_monthly``: for each of :data:`~finmodel.model.portfolio_items.COHORT_LINES` and
      :data:`~finmodel.model.portfolio_items.COHORT_COUNTS`, a table
      month × cohort of each cohort's stand-alone line on the company calendar (stacked charts).
    * ``fleet``: servers, cards, P, occupancy and prices by month and GPU (tidy: one row per month and GPU).
    """

    portfolio: Portfolio
    company: dict[str, float]
    monthly: pd.DataFrame
    cohorts: pd.DataFrame
    cohort_monthly: dict[str, pd.DataFrame]
    fleet: pd.DataFrame
    batch: PortfolioBatch

    @property
    def notes(self) -> tuple[str, ...]:
        return self.portfolio.notes

    def kpis(self) -> dict[str, float | None]:
        """Company results, NaN as None (JSON-ready)."""
        return {k: (float(v) if np.isfinite(v) else None) for k, v in self.company.items()}

    def statement(self) -> pd.DataFrame:
        """The monthly statement in reading order (:data:`~finmodel.model.portfolio_items.STATEMENT`)."""
        return pd.DataFrame({k: self.monthly[k] for k in pi.STATEMENT})

    def fleet_total(self) -> pd.DataFrame:
        """Fleet by month for the whole company (all GPUs), from the company model's own lines."""
        return pd.DataFrame({k: self.monthly[k] for k in pi.FLEET})

    def cohort_statement(self, name: str) -> pd.DataFrame:
        """One cohort's stand-alone monthly lines on its own calendar (month 0 = its purchase)."""
        i = list(self.batch.names).index(name)
        c = self.portfolio.cohorts[i]
        rows = {k: v[0, i] for k, v in self.batch.cohorts.items() if v.ndim == 3}
        df = pd.DataFrame(rows).iloc[: c.end_month - c.purchase_month + 1]
        df.index = pd.RangeIndex(len(df), name="month")
        return df

    def annual(self, keys: tuple[str, ...] = pi.STATEMENT + pi.FLEET) -> pd.DataFrame:
        """The monthly lines by service year of the company (year 0 = month 0, year y = months
        12y − 11 … 12y): flows summed, balances and fleet at the year's last month; ratios and
        prices left out. Calendar years arrive with issue 13's dates."""
        m = self.monthly
        year = np.ceil(m.index.to_numpy() / 12).astype(int)
        cols = {}
        for key in keys:
            it = _ITEMS[key]
            if it.fmt in _RATIO_FMTS or key == "dscr":
                continue
            grouped = pd.Series(m[key].to_numpy(), index=year).groupby(level=0)
            cols[key] = grouped.sum() if it.flow else grouped.last()
        out = pd.DataFrame(cols)
        out.index.name = "year"
        return out


def evaluate(p: Portfolio) -> PortfolioResult:
    """Evaluate one portfolio: every company line and result, the cohort table, the fleet."""
    b = evaluate_batch(p, rows=True)
    company = {k: float(v[0]) for k, v in b.company.items() if v.ndim == 1}
    months = pd.RangeIndex(b.horizon_months + 1, name="month")
    monthly = pd.DataFrame({k: v[0] for k, v in b.company.items() if v.ndim == 2}, index=months)
    return PortfolioResult(p, company, monthly, _cohort_table(p, b), _cohort_lines(b, months), _fleet(b, months), b)


def _cohort_table(p: Portfolio, b: PortfolioBatch) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for i, c in enumerate(p.cohorts):
        row: dict[str, Any] = {
            "cohort": c.name, "label": c.label, "model": c.model, "gpu": c.gpu, "origin": c.origin,
            "purchase_month": c.purchase_month, "end_month": c.end_month, "retired": c.retire_month is not None,
            "successor": c.successor or "", "slip_months": c.slip_months, "late_share": c.late_share,
            "servers": c.scenario.heavy.servers if c.model == "heavy" else 0,
            "capacity_p": c.scenario.light.capacity_p if c.model == "light" else np.nan}
        row.update({k: float(b.cohorts[k][0, i]) for k in pi.COHORT_KPIS})
        rows.append(row)
    return pd.DataFrame(rows).set_index("cohort")


def _cohort_lines(b: PortfolioBatch, months: pd.RangeIndex) -> dict[str, pd.DataFrame]:
    return {k: pd.DataFrame(v[0].T, index=months, columns=list(b.names)) for k, v in b.cohort_lines.items()}


def _fleet(b: PortfolioBatch, months: pd.RangeIndex) -> pd.DataFrame:
    parts = []
    for g, gpu in enumerate(b.gpus):
        df = pd.DataFrame({k: b.fleet[k][0, g] for k in pi.FLEET}, index=months).reset_index()
        df.insert(1, "gpu", gpu)
        parts.append(df)
    return pd.concat(parts, ignore_index=True)
