"""The overview's statements tab as tables: the annual statements, the debt schedule, the checks.

Pure functions (no Streamlit) over one :class:`finmodel.model.Result`. The roll-up is the engine's
(:mod:`finmodel.model.reports`: flows summed over a year, balances at its close, opening balances at
its start, ratios on the year's sums — the same table ``finmodel evaluate --annual`` prints and the
workbook's Annual sheet holds); this module only picks the lines and labels them.

The debt schedule is written from a list of keys (:data:`DEBT_LINES`) and shows the lines the
engine has: today's loan rows (drawdown / principal, interest, the balance settled at the horizon,
the balance sheet's debt, CFADS and debt service with the annual DSCR), and issue 12's corkscrew
(opening, drawdown, capitalised interest, interest paid, principal; monthly and trailing-12-month
DSCR: the keys of ``finmodel/model/debt.py`` on the debt branch) as soon as those items exist. The
closing balance is the balance sheet's debt (after the horizon's settlement), so each year reads
opening + drawdown + capitalised − principal − settled = closing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from finmodel import model, schema
from finmodel.model import Result, display, reports
from finmodel.model.registry import MODELS
from finmodel.schema import Scenario
from finmodel.ui import fmt, i18n, safe
from finmodel.workbook.checks import REL_TOLERANCE

By = reports.By
#: The tables of the tab: the three statements, the ratios by year, and the debt schedule.
Table = Literal["income", "cash_flow", "balance", "ratios", "debt"]
TABLES: tuple[Table, ...] = ("income", "cash_flow", "balance", "ratios", "debt")

#: The debt schedule's lines in corkscrew order. Each entry lists interchangeable keys: the first one
#: the model has is shown (``debt_drawdown_cny`` replaces today's signed ``debt_flow_cny``; the
#: corkscrew's ``debt_closing_cny`` replaces the balance sheet's ``debt_balance_cny``). Lines that
#: are not money (monthly DSCR) are shown in the monthly view only; by year the DSCR is the ratio of
#: the year's sums (:data:`finmodel.model.reports.RATIOS`).
DEBT_LINES: tuple[tuple[str, ...], ...] = (
    ("debt_opening_cny",),
    ("debt_drawdown_cny", "debt_flow_cny"),
    ("capitalised_interest_cny",),
    ("interest_cny",),
    ("interest_paid_cny",),
    ("debt_principal_cny", "principal_cny"),
    ("settlement_cny",),
    ("debt_closing_cny", "debt_balance_cny"),
    ("cfads_cny",),
    ("debt_service_cny",),
    ("dscr",),
    ("dscr_12m",),
)
#: Debt lines taken at the year's first month (opening balances).
DEBT_OPENING = frozenset({"debt_opening_cny"})
#: The rows whose non-zero months say the scenario has debt.
DRAWN = ("debt_drawdown_cny", "debt_flow_cny", "debt_opening_cny", "debt_closing_cny", "debt_balance_cny")
#: The monthly DSCR row, when the model has one (issue 12); else the chart draws the annual ratio.
DSCR_ROW = "dscr"
#: The covenant input and the floor used while the schema has none (``deals.md`` C2: typical floors
#: 1.20-1.25×; the issue's default 1.20×).
COVENANT_FIELD = "financing.covenant_dscr"
DEFAULT_COVENANT_DSCR = 1.20
#: Coverage results shown beside the debt schedule (and on the deal page) when the model has them
#: (issue 12's keys, ``finmodel/model/debt.py`` on the debt branch), each unless its ``used_when``
#: switch is off (the DSCR-sized debt under loan-to-cost sizing).
DEBT_RESULTS: tuple[str, ...] = ("loan_cny", "dscr_sized_debt_cny", "min_dscr", "average_dscr", "llcr",
                                 "months_below_covenant", "covenant_breach")


def has_key(which: str, key: str) -> bool:
    """Whether ``key`` is a line item or result of model ``which``."""
    return any(i.key == key for i in MODELS[which])


# --------------------------------------------------------------------------- the annual statements
def annual(result: Result, which: str, by: By = "fiscal") -> pd.DataFrame:
    """The engine's annual roll-up of model ``which`` (:func:`finmodel.model.reports.annual`)."""
    return reports.annual(getattr(result, f"{which}_monthly"), which, by)


def statement_lines(which: str, table: str, columns: Sequence[str]) -> list[str]:
    """The keys of a statement (``income``, ``cash_flow``, ``balance``) or of the ``ratios`` of
    model ``which`` that the roll-up has, in order."""
    if table == "ratios":
        keys = [r.key for r in reports.RATIOS[which]]
    else:
        keys = next(list(v) for k, v in reports.LINES[which].items() if k == table)
    return [k for k in keys if k in columns]


# --------------------------------------------------------------------------- the debt schedule
def debt_keys(columns: Sequence[str], *, money_only: bool = False) -> list[str]:
    """The debt schedule's keys present in ``columns``: the first of each :data:`DEBT_LINES` entry;
    ``money_only`` leaves out lines that are not amounts (they do not sum over a year)."""
    out = []
    for choices in DEBT_LINES:
        key = next((k for k in choices if k in columns), None)
        if key is not None and (not money_only or model.item("heavy", key).unit.startswith("CNY")):
            out.append(key)
    return out


def has_debt(result: Result) -> bool:
    """Whether the scenario borrows: a debt row of the heavy model is non-zero in some month."""
    m = result.heavy_monthly
    return any(bool(np.any(m[k].to_numpy() != 0)) for k in DRAWN if k in m)


def annual_debt(result: Result, by: By = "fiscal") -> pd.DataFrame:
    """The debt schedule by year: flows summed, the opening balance at the year's first month,
    balances at its close, the DSCR on the year's sums; ``months``, ``first``, ``last`` as
    :func:`finmodel.model.reports.annual` has them."""
    monthly = result.heavy_monthly
    keys = debt_keys(list(monthly.columns), money_only=True)
    flows = [k for k in keys if model.item("heavy", k).flow]
    dscr = [r for r in reports.RATIOS["heavy"] if r.key == "dscr"]
    need = [k for r in dscr for k in (r.numerator, r.denominator) if k in monthly and k not in keys]
    out = reports.rollup(monthly.loc[:, keys + need], reports.year_of(monthly, by), flows=flows + need,
                         opening=[k for k in keys if k in DEBT_OPENING],
                         balances=[k for k in keys if k not in flows and k not in DEBT_OPENING], ratios=dscr)
    out = out.drop(columns=need)
    years = annual(result, "heavy", by)
    out.insert(0, "first", years["first"])
    out.insert(1, "last", years["last"])
    return out


def monthly_debt(result: Result) -> pd.DataFrame:
    """The debt schedule month by month (every present line, the monthly DSCR among them), with the
    period (``YYYY-MM``) as the first column."""
    monthly = result.heavy_monthly
    keys = debt_keys(list(monthly.columns))
    periods = reports.period_columns(monthly)["period"]
    return pd.concat([periods, monthly[keys]], axis=1)


def debt_results(result: Result) -> list[str]:
    """The :data:`DEBT_RESULTS` the heavy model has, without those whose switch is off here."""
    out = []
    for key in DEBT_RESULTS:
        if key in result.heavy:
            flag = model.item("heavy", key).used_when
            if not flag or result.heavy.get(flag, 1.0) != 0:
                out.append(key)
    return out


def covenant_declared() -> bool:
    """Whether the schema declares the covenant input (:data:`COVENANT_FIELD`)."""
    return COVENANT_FIELD in schema.FIELDS


def covenant(scenario: Scenario) -> float:
    """The DSCR covenant of the scenario (:data:`COVENANT_FIELD`), or the default floor
    (:data:`DEFAULT_COVENANT_DSCR`) while the schema does not declare it or it is left blank."""
    value = scenario.get(COVENANT_FIELD) if covenant_declared() else None
    return DEFAULT_COVENANT_DSCR if value is None else float(value)


def dscr_series(result: Result, by: By = "fiscal") -> tuple[pd.DataFrame, str]:
    """The DSCR to draw: the monthly row when the model has one (``'month'``), else the annual ratio
    (``'year'``). Columns ``period`` (label), ``order`` (its position), ``dscr``; periods without
    debt service (NaN) left out."""
    m = result.heavy_monthly
    if DSCR_ROW in m:
        df = pd.DataFrame({"period": reports.period_labels(m["month_number"]), "order": m.index.to_numpy(),
                           "dscr": m[DSCR_ROW].to_numpy(dtype=float)})
        grain = "month"
    else:
        a = annual_debt(result, by)
        df = pd.DataFrame({"period": [str(y) for y in a.index], "order": np.arange(len(a)),
                           "dscr": a["dscr"].to_numpy(dtype=float) if "dscr" in a else np.nan})
        grain = "year"
    return df.loc[np.isfinite(df["dscr"].to_numpy(dtype=float))].reset_index(drop=True), grain


# --------------------------------------------------------------------------- the checks' status
@dataclass(frozen=True)
class Check:
    """One identity of the statements, measured on the engine's rows: ``value`` the largest
    difference [CNY], passed when within ``limit`` (the workbook's Checks sheet tolerance,
    ``REL_TOLERANCE`` × the investment, at least 1 CNY × ``REL_TOLERANCE``)."""

    key: str
    model: str
    value: float
    limit: float

    @property
    def passed(self) -> bool:
        return bool(np.isfinite(self.value) and self.value <= self.limit)


def _limit(monthly: pd.DataFrame) -> float:
    return REL_TOLERANCE * max(float(monthly["investment_cny"].to_numpy(dtype=float).sum()), 1.0)


def checks(result: Result, which: str) -> list[Check]:
    """The statements' checks of model ``which``: the balance sheet balances every month (the largest
    monthly |assets − liabilities − equity|) and, with debt, debt drawn = principal repaid + the
    balance settled at the horizon (|Σ drawdown/principal + Σ settlement|)."""
    m = getattr(result, f"{which}_monthly")
    out = [Check("chk_balance", which, float(np.max(np.abs(m["balance_check_cny"].to_numpy()))), _limit(m))]
    if which == "heavy" and {"debt_flow_cny", "settlement_cny"} <= set(m.columns):
        out.append(Check("chk_debt_settled", which, abs(float(m["debt_flow_cny"].sum() + m["settlement_cny"].sum())),
                         _limit(m)))
    return out


# --------------------------------------------------------------------------- shown and downloaded
def _unit(which: str, key: str, lang: str) -> str:
    """The unit a roll-up line's values are shown in (``万元``; ``×`` for the DSCR; none for %)."""
    decl = reports.declared(which, key)
    shown = display.unit_suffix(decl, fmt.style(lang)).strip()
    return shown or (i18n.unit(decl.unit, lang) if decl.fmt == "number" else "")


def line_label(which: str, key: str, lang: str) -> str:
    """A roll-up line's label with its display unit: ``租赁收入 [万元]``, ``DSCR (…) [倍]``."""
    u = _unit(which, key, lang)
    return reports.label(which, key, lang) + (f" [{u}]" if u else "")


def year_heading(year: object, months: float, lang: str) -> str:
    """A year column's heading: ``2026``, or ``2025（9个月）`` / ``2025 (9 m)`` for a partial year."""
    return str(year) if int(months) == 12 else i18n.t("year_partial", lang, y=year, m=int(months))


def view(table: pd.DataFrame, which: str, keys: Sequence[str], lang: str) -> pd.DataFrame:
    """A roll-up (years as rows, :func:`annual` / :func:`annual_debt`) as shown: one row per line
    (label with unit), one column per year (:func:`year_heading`), each value formatted by its
    declaration (NaN as its meaning: ``—`` for a year without debt service). ``attrs["periods"]``
    holds each column's months (``2025-04…2026-03``), for the column's tooltip."""
    heads = [year_heading(y, table.loc[y, "months"], lang) for y in table.index]
    rows: dict[str, list[str]] = {}
    for key in keys:
        decl = reports.declared(which, key)
        rows[line_label(which, key, lang)] = [fmt.value(v, decl, lang, unit=False) for v in table[key]]
    out = pd.DataFrame.from_dict(rows, orient="index", columns=heads)
    out.index.name = i18n.t("line", lang)
    out.attrs["periods"] = {h: f"{table.loc[y, 'first']}…{table.loc[y, 'last']}" for h, y in zip(heads, table.index,
                                                                                                  strict=True)}
    return out


def monthly_view(table: pd.DataFrame, which: str, lang: str) -> pd.DataFrame:
    """:func:`monthly_debt` as shown: the period, then each line by its declaration."""
    out = {i18n.t("period", lang): list(table["period"])}
    for key in table.columns[1:]:
        decl = reports.declared(which, str(key))
        out[line_label(which, str(key), lang)] = [fmt.value(v, decl, lang, unit=False) for v in table[key]]
    return pd.DataFrame(out, index=table.index.rename(i18n.t("month", lang)))


def base_unit(which: str, key: str) -> str:
    """The unit of a roll-up line's values: ``CNY`` for money (a year's flow is its sum: CNY, not
    CNY/month), else the declared unit (``×``, ``fraction``)."""
    u = reports.declared(which, key).unit
    return "CNY" if u.startswith("CNY") else u


def csv_bytes(table: pd.DataFrame, which: str, keys: Sequence[str], lang: str) -> bytes:
    """A roll-up as CSV for a spreadsheet: ``line`` (key), ``label``, ``unit`` (the base unit: CNY,
    fraction, ×), then one column per year in full precision; first the ``period`` and ``months``
    rows. UTF-8 with BOM; text cells starting with ``= + - @`` escaped (:func:`safe.csv_bytes`)."""
    head = {"line": ["period", "months"], "label": [i18n.t("period", lang), i18n.t("months_in_year", lang)],
            "unit": ["YYYY-MM", "months"]}
    body = {"line": list(keys), "label": [reports.label(which, k, lang) for k in keys],
            "unit": [base_unit(which, k) for k in keys]}
    frame = pd.DataFrame({c: head[c] + body[c] for c in head})
    for y in table.index:
        frame[str(y)] = [f"{table.loc[y, 'first']}…{table.loc[y, 'last']}", float(table.loc[y, "months"]),
                         *(float(table.loc[y, k]) for k in keys)]
    return safe.csv_bytes(frame, index=False)


def monthly_csv_bytes(table: pd.DataFrame, which: str, lang: str) -> bytes:
    """:func:`monthly_debt` as CSV: month, period, each line (``label [base unit]``) in full precision."""
    out = table.rename(columns={k: i18n.item_label(which, str(k), lang, with_unit=True) for k in table.columns[1:]})
    return safe.csv_bytes(out.rename_axis("month"), index=True)
