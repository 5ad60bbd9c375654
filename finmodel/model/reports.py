"""The three statements as tables, and the annual roll-up every renderer uses.

The numbers are line items (:mod:`finmodel.model.statements`); this module only says which lines
make up each statement, in reading order, and how a line rolls up into a year:

* **flows** (income-statement lines, cash flows) are summed over the year's months;
* **balances** (balance sheet, closing cash) are taken at the year's last month (the fiscal year's
  close, or the horizon in the last, maybe partial, year); opening cash at its first month;
* **ratios** (DSCR, margins) are recomputed on the year's sums — Σ CFADS ÷ Σ debt service, Σ EBITDA
  ÷ Σ revenue — never averaged over months. A year without debt service has no DSCR (NaN, "n/a").

Years are fiscal years (``general.fiscal_year_start_month``; 1 = calendar years), named by the
calendar year they end in (:mod:`finmodel.model.periods`), or calendar years with ``by="calendar"``.
:func:`rollup` works on any monthly table (the portfolio's company lines too); :func:`annual` applies
it to one scenario's statements. ``Result.income_statement`` / ``.cash_flow_statement`` /
``.balance_sheet`` are :func:`statement` of the heavy asset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from finmodel.model import periods
from finmodel.model.engine import Item
from finmodel.model.registry import MODELS, item
from finmodel.schema.months import Month

if TYPE_CHECKING:  # pandas loads when a table is built, not with the engine (``finmodel evaluate`` needs none)
    import pandas as pd

    from finmodel.model.run import Result

Statement = Literal["income", "cash_flow", "balance"]
By = Literal["fiscal", "calendar"]
STATEMENTS: tuple[Statement, ...] = ("income", "cash_flow", "balance")
TITLES: dict[Statement, tuple[str, str]] = {"income": ("Income statement", "利润表"),
                                            "cash_flow": ("Cash-flow statement", "现金流量表"),
                                            "balance": ("Balance sheet", "资产负债表")}
#: The label columns of every monthly statement table, before the lines.
PERIOD_COLUMNS = ("period", "calendar_year", "fiscal_year")

#: Each model's statements: its lines (item keys) in reading order. Issue 12's new lines go here as
#: they become items (see the extension points in :mod:`finmodel.model.statements`).
LINES: dict[str, dict[Statement, tuple[str, ...]]] = {
    "heavy": {
        "income": ("contracted_revenue_cny", "on_demand_revenue_cny", "revenue_cny", "energy_cny", "om_cny",
                   "colocation_cny", "staff_cny", "other_cny", "ratio_cash_cost_cny", "surtax_cny", "cash_cost_cny",
                   "ebitda_cny", "depreciation_cny", "ebit_cny",
                   "interest_cny", "ebt_cny", "tax_cny", "net_income_cny", "disposal_gain_cny", "disposal_tax_cny",
                   "net_income_after_disposal_cny"),
        "cash_flow": ("opening_cash_cny", "net_income_after_disposal_cny", "depreciation_cny", "disposal_gain_cny",
                      "working_capital_cash_cny", "vat_cash_cny", "working_capital_settlement_cny",
                      "operating_cash_flow_cny", "investment_cny", "terminal_value_cny", "investing_cash_flow_cny",
                      "debt_cash_flow_cny", "equity_contribution_cny", "equity_distribution_cny",
                      "financing_cash_flow_cny", "net_cash_flow_cny", "closing_cash_cny"),
        "balance": ("closing_cash_cny", "net_fixed_assets_cny", "accounts_receivable_cny", "vat_credit_asset_cny",
                    "total_assets_cny", "debt_balance_cny", "accounts_payable_cny", "contract_liabilities_cny",
                    "deposits_received_cny", "total_liabilities_cny", "paid_in_equity_cny", "retained_earnings_cny",
                    "total_equity_cny",
                    "balance_check_cny"),
    },
    "light": {
        "income": ("resale_revenue_cny", "vas_revenue_cny", "revenue_cny", "capacity_cost_cny", "vas_cost_cny",
                   "gross_profit_cny", "platform_fixed_cost_cny", "ebitda_cny", "amortisation_cny", "ebt_cny",
                   "tax_cny", "net_income_cny"),
        "cash_flow": ("opening_cash_cny", "net_income_cny", "amortisation_cny", "operating_cash_flow_cny",
                      "investment_cny", "investing_cash_flow_cny", "equity_contribution_cny",
                      "equity_distribution_cny", "financing_cash_flow_cny", "net_cash_flow_cny", "closing_cash_cny"),
        "balance": ("closing_cash_cny", "net_fixed_assets_cny", "total_assets_cny", "paid_in_equity_cny",
                    "retained_earnings_cny", "total_equity_cny", "balance_check_cny"),
    },
}
#: How a line that is not a flow rolls up: at the year's first month (opening balances); every other
#: non-flow line (a balance) at its last.
OPENING = frozenset({"opening_cash_cny"})
#: A line that is a cash-flow statement's item with the opposite sign (these rows are declared as
#: positive amounts paid or gained): the printed statement shows them as − where cash goes out.
CASH_SIGN: dict[str, dict[str, int]] = {
    "heavy": {"disposal_gain_cny": -1, "investment_cny": -1, "equity_distribution_cny": -1},
    "light": {"investment_cny": -1, "equity_distribution_cny": -1},
}


@dataclass(frozen=True)
class Ratio:
    """A ratio of two annual sums, declared like a result (what a renderer reads)."""

    key: str
    en: str
    zh: str
    numerator: str
    denominator: str
    fmt: str = "frac"
    unit: str = "fraction"
    nan_means: str = "n/a"
    positive_denominator: bool = False  # NaN unless the denominator is > 0 (DSCR: only years with service)


#: The ratios of each model's annual roll-up.
RATIOS: dict[str, tuple[Ratio, ...]] = {
    "heavy": (
        Ratio("dscr", "DSCR (Σ CFADS ÷ Σ debt service)", "偿债覆盖率", "cfads_cny", "debt_service_cny", fmt="number",
              unit="×", positive_denominator=True),
        Ratio("gross_margin", "Gross margin", "毛利率", "gross_profit_cny", "revenue_cny"),
        Ratio("ebitda_margin", "EBITDA margin", "EBITDA利润率", "ebitda_cny", "revenue_cny"),
        Ratio("net_margin", "Net margin", "净利率", "net_income_cny", "revenue_cny"),
    ),
    "light": (
        Ratio("gross_margin", "Gross margin", "毛利率", "gross_profit_cny", "revenue_cny"),
        Ratio("operating_margin", "Operating margin", "经营利润率", "ebitda_cny", "revenue_cny"),
        Ratio("net_margin", "Net margin", "净利率", "net_income_cny", "revenue_cny"),
    ),
}


def _flows(model: str) -> frozenset[str]:
    return frozenset(i.key for i in MODELS[model] if i.flow)


def _column(monthly: pd.DataFrame, key: str) -> np.ndarray:
    return monthly.loc[:, key].to_numpy(dtype=float)


def period_labels(month_numbers: npt.ArrayLike) -> list[str]:
    """``'YYYY-MM'`` of each month number."""
    return [str(Month(int(n))) for n in np.asarray(month_numbers, dtype=float)]


def period_columns(monthly: pd.DataFrame) -> pd.DataFrame:
    """The :data:`PERIOD_COLUMNS` of a model's monthly table: ``'YYYY-MM'``, calendar and fiscal year."""
    import pandas as pd

    return pd.DataFrame({"period": period_labels(_column(monthly, "month_number")),
                         "calendar_year": _column(monthly, "calendar_year").astype(int),
                         "fiscal_year": _column(monthly, "fiscal_year").astype(int)}, index=monthly.index)


def statement(monthly: pd.DataFrame, model: str, name: Statement) -> pd.DataFrame:
    """One statement, monthly: the period columns (:data:`PERIOD_COLUMNS`), then its lines (item
    keys, values as the items declare them), one row per month of ``monthly`` (a ``Result``'s
    ``heavy_monthly`` / ``light_monthly``)."""
    import pandas as pd

    keys = [k for k in LINES[model][name] if k in monthly.columns]
    return pd.concat([period_columns(monthly), monthly[keys]], axis=1)


def year_of(monthly: pd.DataFrame, by: By = "fiscal") -> np.ndarray:
    """The year (fiscal or calendar) of each month of a model's monthly table."""
    return _column(monthly, "fiscal_year" if by == "fiscal" else "calendar_year").astype(int)


def years(start: int | Month, n_months: int, fiscal_year_start_month: int = 1, by: By = "fiscal") -> np.ndarray:
    """The year of each of ``n_months`` timeline months from the purchase month ``start``, by the
    engine's own calendar functions (:mod:`finmodel.model.periods`): for tables that carry no
    calendar rows, such as the portfolio's company lines."""
    n = periods.month_number(float(start), np.arange(n_months, dtype=float))
    year = periods.calendar_year(n)
    if by == "calendar":
        return np.asarray(year, dtype=int)
    fiscal = periods.fiscal_year(year, periods.calendar_month(n, year), float(fiscal_year_start_month))
    return np.asarray(fiscal, dtype=int)


def rollup(monthly: pd.DataFrame, year: npt.ArrayLike, *, flows: Sequence[str], balances: Sequence[str] = (),
           opening: Sequence[str] = (), ratios: Sequence[Ratio] = ()) -> pd.DataFrame:
    """Months into years: ``flows`` summed, ``balances`` at each year's last month, ``opening`` at
    its first, ``ratios`` on the year's sums; columns in the order of ``monthly`` (then the ratios),
    plus ``months`` (how many months the year has here). One row per year (index ``year``), in
    order; ``year`` (one per month) must not decrease."""
    import pandas as pd

    y = np.asarray(year, dtype=np.int64)
    if y.shape != (len(monthly),) or (np.diff(y) < 0).any():
        raise ValueError("one year per month, in order")
    names, first = np.unique(y, return_index=True)
    last = np.r_[first[1:], y.size] - 1
    data = monthly.to_numpy(dtype=float)
    sums = {str(c): np.add.reduceat(data[:, j], first) if y.size else data[:0, j]
            for j, c in enumerate(monthly.columns)}
    cols: dict[str, np.ndarray] = {"months": (last - first + 1).astype(float)}
    for j, key in enumerate(map(str, monthly.columns)):
        if key in flows:
            cols[key] = sums[key]
        elif key in opening:
            cols[key] = data[first, j]
        elif key in balances:
            cols[key] = data[last, j]
    for r in ratios:
        if r.numerator in sums and r.denominator in sums:
            num, den = sums[r.numerator], sums[r.denominator]
            ok = den > 0 if r.positive_denominator else den != 0
            cols[r.key] = np.where(ok, num / np.where(ok, den, 1.0), np.nan)
    out = pd.DataFrame(cols, index=pd.Index(names, name="year")) + 0.0  # + 0.0: a sum of zeros reads 0, not −0
    return out


def annual(monthly: pd.DataFrame, model: str, by: By = "fiscal") -> pd.DataFrame:
    """One scenario's statements by year: every statement line (flows summed, balances at the year's
    close, opening cash at its start), the ratios recomputed on the year's sums (:data:`RATIOS`), and
    ``first``/``last`` (the year's first and last month, ``'YYYY-MM'``)."""
    flows = _flows(model)
    keys = list(dict.fromkeys(k for name in STATEMENTS for k in LINES[model][name] if k in monthly.columns))
    extra = [k for r in RATIOS[model] for k in (r.numerator, r.denominator) if k in monthly.columns and k not in keys]
    table = monthly.loc[:, keys + extra]
    year = year_of(monthly, by)
    out = rollup(table, year, flows=[k for k in keys + extra if k in flows],
                 balances=[k for k in keys if k not in flows and k not in OPENING],
                 opening=[k for k in keys if k in OPENING], ratios=RATIOS[model])
    out = out.drop(columns=[k for k in extra if k in out.columns])
    labels = np.array(period_labels(_column(monthly, "month_number")))
    first = np.unique(year, return_index=True)[1]
    last = np.r_[first[1:], year.size] - 1
    out.insert(0, "first", labels[first])
    out.insert(1, "last", labels[last])
    return out


def monthly_table(result: Result) -> pd.DataFrame:
    """The tidy monthly table of a scenario: one row per month — ``month``, the period columns, then
    every reported (non-helper) row of each model as ``heavy.<key>`` / ``light.<key>``, in the
    models' item order (the statements' lines among them)."""
    import pandas as pd

    out = period_columns(result.heavy_monthly).rename_axis("month").reset_index()
    for name in ("heavy", "light"):
        m = getattr(result, f"{name}_monthly")
        keys = [i.key for i in MODELS[name] if i.kind == "row" and not i.helper and i.key in m.columns]
        out = pd.concat([out, m[keys].rename(columns=lambda k, n=name: f"{n}.{k}").reset_index(drop=True)], axis=1)
    return out


def label(model: str, key: str, lang: str = "en") -> str:
    """The label of a statement line or ratio of ``model``."""
    for r in RATIOS[model]:
        if r.key == key:
            return r.zh if lang == "zh" else r.en
    it = item(model, key)
    return it.zh if lang == "zh" else it.en


def declared(model: str, key: str) -> Item | Ratio:
    """The declaration (an ``Item`` or a :class:`Ratio`) that says how a roll-up column displays."""
    return next((r for r in RATIOS[model] if r.key == key), None) or item(model, key)
