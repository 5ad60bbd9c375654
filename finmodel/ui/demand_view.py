"""Tables and messages of the market-demand page (``app_pages/demand.py``), built from
:mod:`finmodel.demand`. Pure functions (no Streamlit); the page arranges what they return.

The workload editor shows some columns in a larger unit (:data:`SCALE`); :func:`editor_frame` and
:func:`rows_from_editor` convert to and from the schema's base units, so the page never does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from finmodel import demand, schema
from finmodel.ui import fmt, i18n

#: Editor columns shown in a larger unit: the table widget cannot show floats above 2^53 (9e15).
#: Column → (base units per shown unit, name of the shown unit).
SCALE: dict[str, tuple[float, str]] = {"compute_flop": (1e21, "10²¹ FLOP")}
#: FLOP/s (or OP/s) per P: 1 P = 1 PFLOPS = 1,000 TFLOPS.
OPS_PER_P = demand.TERA * demand.TERA_PER_P
#: The workload column ``kind`` (training | inference) and its declared labels.
KIND = demand.WORKLOAD_FIELDS["kind"]


def kind_label(kind: str, lang: str) -> str:
    """A workload's kind in words (the declared choice label): ``训练`` / ``training``."""
    return KIND.choice_label(kind, lang)


def column_label(column: str, lang: str) -> str:
    """The declared label of a workload column, without unit."""
    return i18n.spec_label(demand.WORKLOAD_FIELDS[column], lang)


def editor_frame(workloads: demand.WorkloadSet) -> pd.DataFrame:
    """A workload set's rows as the editor shows them (columns in :data:`SCALE` in their shown unit)."""
    df = workloads.frame()
    for col, (per_unit, _) in SCALE.items():
        df[col] = df[col] / per_unit
    return df


def rows_from_editor(edited: pd.DataFrame) -> list[dict[str, Any]]:
    """The edited table → schema rows in base units; fully empty rows (just added) are skipped."""
    df = edited.dropna(how="all").copy()
    for col, (per_unit, _) in SCALE.items():
        if bool(df[col].notna().any()):  # an all-empty column stays as it is (the rows say what is missing)
            df[col] = np.asarray(pd.to_numeric(df[col], errors="coerce"), dtype=float) * per_unit
    return demand.rows_from_frame(df)


def problem_text(p: schema.Problem, rows: list[dict[str, Any]], lang: str) -> str:
    """One bad cell in words: row, column label, value, what is wrong, what is allowed."""
    if not isinstance(p, demand.RowProblem) or not p.column:
        return str(p)
    where = i18n.t("dm_row", lang, row=p.row) + (f" ({p.workload})" if p.workload else "")
    known = p.column in demand.WORKLOAD_FIELDS
    col = column_label(p.column, lang) if known else p.column
    value = "" if p.value is demand.NO_VALUE else f" = {p.value!r}"
    colon, semi = ("：", "；") if lang == "zh" else (": ", "; ")
    if p.code == "rule":
        kind = str(rows[p.row - 1].get("kind")) if 0 < p.row <= len(rows) else ""
        kind_word = kind_label(kind, lang) if kind in KIND.choices else ""
        why = i18n.t(f"dm_{p.rule}", lang, kind=kind_word) if i18n.has(f"dm_{p.rule}") else p.message
        return f"{where} · {col} ({p.column}){value}{colon}{why}"
    why = i18n.t(f"dm_{p.code}", lang) if i18n.has(f"dm_{p.code}") else p.message
    spec = demand.WORKLOAD_FIELDS.get(p.column)
    allowed = f"{semi}{i18n.t('dm_allowed', lang)}{colon}{spec.range_text(lang)}" if spec else ""
    return f"{where} · {col} ({p.column}){value}{colon}{why}{allowed}"


def market_value_help(value_cny_per_year: float, price_cny_per_card_hour: float, lang: str) -> str:
    """``123,456 万元/年 = 卡时/年 × ¥22.50``: the market value and how it is priced."""
    price = f"{fmt.price(price_cny_per_card_hour, lang)} {i18n.unit_of('heavy.price_cny_per_card_hour', lang)}"
    return (f"{fmt.wan(value_cny_per_year, lang, 0)}{i18n.t('dm_per_year', lang)} = "
            f"{i18n.t('dm_value_rule', lang, price=price)}")


def detail_table(d: demand.Demand, market: pd.DataFrame, servers: np.ndarray, lang: str) -> pd.DataFrame:
    """One row per workload: GPUs, compute, card-hours, market value and servers for the share, in
    display units (P, 万 card-hours, 万元), rounded to 0.1. ``market`` is ``d.frame(price)``."""
    t = i18n.t
    return pd.DataFrame({
        column_label("name", lang): list(d.names),
        column_label("kind", lang): [kind_label(str(k), lang) for k in d.kind],
        column_label("gpu", lang): d.gpu,
        column_label("precision", lang): d.precision,
        column_label("models", lang): d.models.astype(int),
        t("dm_col_rate", lang): d.compute_rate_per_s / OPS_PER_P,
        t("dm_col_gpus_per_model", lang): d.gpus_per_model,
        t("dm_col_gpus", lang): d.gpus,
        t("dm_col_p", lang): d.p_needed,
        t("dm_col_hours", lang): d.gpu_hours_per_year / fmt.WAN,
        t("dm_col_value", lang): market["market_value_cny_per_year"].to_numpy() / fmt.WAN,
        t("dm_col_servers", lang): np.asarray(servers),
    }).round(1)


#: The numeric columns of :func:`detail_table` (i18n keys).
DETAIL_NUMBERS = ("dm_col_rate", "dm_col_gpus_per_model", "dm_col_gpus", "dm_col_p", "dm_col_hours",
                  "dm_col_value", "dm_col_servers")


def gpu_chart_data(d: demand.Demand, lang: str) -> pd.DataFrame:
    """GPUs needed per workload for :func:`finmodel.ui.charts.demand_gpus`."""
    return pd.DataFrame({"workload": list(d.names), "gpus": d.gpus,
                         "kind": [kind_label(str(k), lang) for k in d.kind],
                         "label": [fmt.decimal(g, lang) for g in d.gpus]})
