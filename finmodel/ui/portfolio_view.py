"""The portfolio page's tables, shaped for display from one portfolio and its result.

Pure functions (no Streamlit), like :mod:`finmodel.ui.present`: every number is read from
:class:`finmodel.model.portfolio_result.PortfolioResult` (the portfolio engine's items); labels,
units and formats come from the items' declarations (:func:`finmodel.model.portfolio_result.item`)
and the inputs' (:func:`finmodel.schema.portfolio.field_spec`); values are formatted only by
:mod:`finmodel.ui.fmt`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from finmodel.model import portfolio_items as pi
from finmodel.model import portfolio_result as pr
from finmodel.model.engine import Item
from finmodel.model.portfolio_result import PortfolioResult
from finmodel.schema import FieldSpec, portfolio
from finmodel.schema.portfolio import Portfolio
from finmodel.ui import fmt, i18n, safe

#: The company's KPI cards: the declared headline (payback, discounted payback, NPV, IRR, project
#: IRR, peak funding, MOIC, minimum DSCR), then company tax against the cohorts taxed alone.
KPIS: tuple[str, ...] = pi.HEADLINE
TAX: tuple[str, ...] = ("total_tax_cny", "total_standalone_tax_cny", "tax_sheltered_cny")
#: Shown only when there is debt (NaN = no month with scheduled debt service).
DEBT_ONLY = ("min_dscr",)
#: Per-cohort monthly lines the flow chart can stack (each cohort alone, on the company calendar).
FLOW_LINES: tuple[str, ...] = tuple(k for k in pi.COHORT_LINES if k != "capacity_p")
DEFAULT_FLOW = "equity_cash_flow_cny"
#: Capacity views: (fleet line, grouping) — by cohort from ``cohort_monthly``, by GPU from ``fleet``.
CAPACITY_VIEWS: tuple[tuple[str, str], ...] = (("capacity_p", "cohort"), ("capacity_p", "gpu"),
                                               ("servers_in_service", "gpu"))
#: Columns of the cohort editor: read-only facts, then the inputs it edits (dotted paths under
#: ``cohorts.<name>.``), each shown for the business models it belongs to.
FACTS: tuple[str, ...] = ("cohort", "label", "model", "gpu", "end_month")
EDITABLE: dict[str, tuple[str, ...]] = {"purchase_month": ("heavy", "light"), "heavy.servers": ("heavy",),
                                        "heavy.price_cny_per_card_hour": ("heavy",),
                                        "light.capacity_p": ("light",)}


def item_label(key: str, lang: str, *, with_unit: bool = False) -> str:
    """A company or cohort result's declared label (``with_unit``: ``[万元]``-style unit of its
    display, for axis titles and table headers)."""
    it = pr.item(key)
    label = it.zh if lang == "zh" else it.en
    if not with_unit:
        return label
    unit = shown_unit(it, lang)
    return f"{label} [{unit}]" if unit else label


def shown_unit(it: Item, lang: str) -> str:
    """The unit a value of ``it`` is displayed in: 万元 for money, % for fractions, else its unit."""
    if it.fmt == "cny":
        return i18n.t("wan_axis", lang)
    if it.fmt == "frac":
        return "%"
    return i18n.unit(it.unit, lang)


# --------------------------------------------------------------------------- KPIs
def kpi_keys(result: PortfolioResult, base: PortfolioResult | None) -> tuple[str, ...]:
    """The KPI cards to show: :data:`KPIS` without the debt-only ones when neither the current nor
    the loaded portfolio has debt."""
    def has(key: str) -> bool:
        return any(fmt.finite(r.company[key]) for r in (result, base) if r is not None)

    return tuple(k for k in KPIS if k not in DEBT_ONLY or has(k))


def kpi_delta(result: PortfolioResult, base: PortfolioResult | None, key: str) -> float:
    """Current minus loaded value; NaN when either is NaN (never / none / n/a) or there is no base."""
    if base is None:
        return float("nan")
    return result.company[key] - base.company[key]


def shown(result: PortfolioResult, key: str, lang: str) -> str:
    """A company result formatted by its declaration."""
    return fmt.value(result.company[key], pr.item(key), lang)


# --------------------------------------------------------------------------- cohorts
def cohort_names(p: Portfolio) -> dict[str, str]:
    """Each cohort's name in charts and tables: its label, with the name added where two cohorts
    share a label (a legend must tell them apart)."""
    labels = [c.label for c in p.cohorts]
    return {c.name: c.label if labels.count(c.label) == 1 else f"{c.label} ({c.name})" for c in p.cohorts}


def column_spec(column: str) -> FieldSpec:
    """The declaration of an editor column's input (``cohorts.<name>.<column>``)."""
    return portfolio.field_spec(f"cohorts.x.{column}")


def editor_frame(p: Portfolio, lang: str) -> pd.DataFrame:
    """The cohort table the editor shows: one row per cohort, :data:`FACTS` then :data:`EDITABLE`
    (empty where the input is not its business model's)."""
    spec = portfolio.COHORT_FIELDS["model"]
    rows = []
    for c in p.cohorts:
        row: dict[str, Any] = {"cohort": c.name, "label": c.label, "model": spec.choice_label(c.model, lang),
                               "gpu": c.gpu, "end_month": c.end_month}
        for col, models in EDITABLE.items():
            row[col] = (c.purchase_month if col == "purchase_month" else c.scenario.get(col)) if c.model in models \
                else None
        rows.append(row)
    df = pd.DataFrame(rows, columns=[*FACTS, *EDITABLE])
    return df.astype({col: float for col in EDITABLE if col != "purchase_month"})  # empty cells: NaN


def _coerce(spec: FieldSpec, value: Any) -> Any:
    """An edited cell's value as its input's type (the editor may send 40.0 for 40)."""
    if spec.kind == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def edits(p: Portfolio, state: Mapping[str, Any] | None) -> tuple[dict[str, Any], list[str], list[str]]:
    """The editor's edit state (``edited_rows``, ``deleted_rows`` by row position) as portfolio
    changes: dotted paths → new values (for :meth:`Portfolio.replace`), the cohorts to remove (for
    :meth:`Portfolio.without_cohort`), and the paths of cells left empty (refused: a value is needed)."""
    if not state:
        return {}, [], []
    names = [c.name for c in p.cohorts]
    changes: dict[str, Any] = {}
    empty: list[str] = []
    for row, cells in (state.get("edited_rows") or {}).items():
        name = names[int(row)]
        for col, value in cells.items():
            if col not in EDITABLE:
                continue
            path = f"cohorts.{name}.{col}"
            if _empty(value):
                empty.append(path)
            elif (v := _coerce(column_spec(col), value)) != p.get(path):  # typing a value over itself: no change
                changes[path] = v
    removed = [names[int(i)] for i in state.get("deleted_rows") or ()]
    return changes, removed, empty


def cohort_table(result: PortfolioResult, lang: str) -> pd.DataFrame:
    """Each cohort alone (:data:`~finmodel.model.portfolio_items.COHORT_KPIS`: stand-alone KPIs and
    shares of company revenue, EBITDA and capex), formatted, one row per cohort."""
    names = cohort_names(result.portfolio)
    df = result.cohorts
    out = {i18n.t("pf_cohort", lang): [names[n] for n in df.index],
           i18n.t("pf_purchase", lang): [fmt.number(m, lang) for m in df["purchase_month"]],
           i18n.t("pf_end", lang): [fmt.number(m, lang) for m in df["end_month"]]}
    for key in pi.COHORT_KPIS:
        it = pr.item(key)
        out[item_label(key, lang)] = [fmt.value(x, it, lang) for x in df[key]]
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- chart data
def cohort_lines(result: PortfolioResult, key: str) -> pd.DataFrame:
    """A per-cohort monthly line (each cohort alone, on the company calendar) as a tidy table:
    month, group (the cohort's shown name), value (the line's base unit); cohort by cohort."""
    wide = result.cohort_monthly[key]
    names = cohort_names(result.portfolio)
    months = wide.index.to_numpy()
    return pd.DataFrame({"month": np.tile(months, wide.shape[1]),
                         "group": np.repeat([names[c] for c in wide.columns], len(months)),
                         "value": wide.to_numpy().T.reshape(-1)})


def fleet_lines(result: PortfolioResult, key: str) -> pd.DataFrame:
    """A fleet line per GPU as a tidy table: month, group (the GPU), value."""
    f = result.fleet
    return pd.DataFrame({"month": f["month"].to_numpy(), "group": f["gpu"].to_numpy(), "value": f[key].to_numpy()})


def company_line(result: PortfolioResult, key: str) -> pd.DataFrame:
    """One of the company's monthly lines: month, value."""
    m = result.monthly
    return pd.DataFrame({"month": m.index.to_numpy(), "value": m[key].to_numpy()})


def capacity(result: PortfolioResult, key: str, by: str) -> pd.DataFrame:
    """Capacity or servers over time, by cohort or by GPU (:data:`CAPACITY_VIEWS`)."""
    return cohort_lines(result, key) if by == "cohort" else fleet_lines(result, key)


def order(result: PortfolioResult, by: str) -> list[str]:
    """Legend order: cohorts in file order, GPUs in order of first appearance."""
    if by == "cohort":
        return list(cohort_names(result.portfolio).values())
    return list(dict.fromkeys(result.fleet["gpu"]))


# --------------------------------------------------------------------------- the company monthly table
MONTHLY: tuple[str, ...] = pi.STATEMENT + pi.FLEET


def monthly_table(result: PortfolioResult, lang: str, keys: Sequence[str] = MONTHLY) -> pd.DataFrame:
    """The company's monthly statement and fleet, columns labelled ``label [unit]`` (base units: CNY,
    fractions, P), index the company month."""
    m = result.monthly
    return pd.DataFrame({f"{item_label(k, lang)} [{i18n.unit(pr.item(k).unit, lang)}]": m[k].to_numpy() for k in keys},
                        index=pd.Index(m.index.to_numpy(), name=i18n.t("month", lang)))


def csv_bytes(result: PortfolioResult, lang: str) -> bytes:
    """The company monthly table as CSV, UTF-8 with BOM (Excel shows Chinese labels), text escaped
    against formula injection (:func:`finmodel.ui.safe.csv_bytes`)."""
    return safe.csv_bytes(monthly_table(result, lang))


__all__ = ["CAPACITY_VIEWS", "DEBT_ONLY", "DEFAULT_FLOW", "EDITABLE", "FACTS", "FLOW_LINES", "KPIS", "MONTHLY", "TAX",
           "capacity", "cohort_lines", "cohort_names", "cohort_table", "column_spec", "company_line", "csv_bytes",
           "editor_frame", "edits", "fleet_lines", "item_label", "kpi_delta", "kpi_keys", "monthly_table", "order",
           "shown", "shown_unit"]
