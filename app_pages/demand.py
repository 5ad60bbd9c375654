"""Market demand / 市场需求: workloads → GPUs → leasing market → the servers a lessor needs.

A self-contained Streamlit page (``streamlit run app_pages/demand.py``) that the dashboard shell
also routes to. Every number comes from :mod:`finmodel.demand` and :func:`finmodel.model.evaluate`;
this file holds widgets, labels (Chinese and English, from ``st.session_state["lang"]``) and layout.

Session state it reads: ``lang`` ("zh" | "en"), ``scenario`` (the dashboard's current heavy-asset
:class:`~finmodel.schema.Scenario`; the seed's case when absent). Session state it writes:
``demand_servers`` and ``demand_gpu`` (the fleet for the chosen market share), ``demand_*`` widgets.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from finmodel import demand, model, schema
from finmodel.schema import Scenario, ScenarioError, catalog

ROOT = Path(__file__).resolve().parent.parent
SEED_SCENARIO = ROOT / "assumptions" / "seed_fs2024.toml"
PRESETS = {p.stem: p for p in sorted(demand.presets_dir().glob("*.toml"))}
DEFAULT_PRESET = "seed_china_market"
EDITOR = "demand_editor"  # st.data_editor key (its edit state)
TABLE = "demand_table"  # the table the editor starts from (a preset's rows)
#: Editor columns shown in a larger unit: the table widget cannot show floats above 2^53 (9e15).
SCALE = {"compute_flop": (1e21, "10²¹ FLOP")}

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "市场需求",
        "intro": "从模型参数量与Token数推算所需GPU、算力租赁市场规模，以及出租方为占有一定市场份额所需的服务器数"
                 "（沙利文白皮书 002:1190-1290）。**算力效率(MFU)** 是GPU运行时实际达到的峰值算力占比（白皮书称"
                 "“GPU利用率”）；**出租率** 是出租方卡时被租用的比例。二者不同。",
        "language": "语言 / Language",
        "preset": "预设工作负载",
        "workloads": "工作负载（可编辑，可增删行）",
        "editor_help": "每行一个工作负载，空单元格表示不适用。训练：参数量 × Token数（或训练总算力）与训练天数；"
                       "推理：日均访问量 × 每次访问提问数 × 每次提问Token数，全天24小时服务。",
        "errors": "工作负载表有误，请修改以下单元格：",
        "row": "第{row}行",
        "results": "所需GPU",
        "detail": "分工作负载明细",
        "chart_title": "各工作负载所需GPU（张）",
        "gpus_axis": "所需GPU（张）",
        "workload": "工作负载",
        "kind": "类型",
        "training": "训练",
        "inference": "推理",
        "total_gpus": "所需GPU合计",
        "total_p": "峰值算力合计",
        "market_value": "市场规模",
        "per_year": "/年",
        "market": "市场规模与服务器",
        "price": "租金单价（元/卡时）",
        "price_help": "按卡时计价；白皮书 180元/台/小时 ÷ 8卡 = 22.5（002:1518）。",
        "share": "目标市场份额（%）",
        "occupancy": "出租率（%）",
        "occupancy_help": "出租方卡时中被租用的比例（不是算力效率MFU）。",
        "gpu": "服务器GPU型号",
        "servers": "所需服务器",
        "cards": "GPU卡数",
        "payback": "投资回收期",
        "months": "个月",
        "never": "无法回本",
        "no_fleet": "份额为0，无需服务器。",
        "fleet_rule": "服务器数 = ⌈卡时 × 份额 ÷ (每台卡数 {cards} × 年小时数 {hours:,.0f} × 出租率)⌉。"
                      "服务器价格、电费与运维等成本取自基准场景「{name}」。",
        "use": "用于重资产测算",
        "used": "已将 {n:,} 台 {gpu} 服务器写入重资产场景（session_state[\"demand_servers\"]）。",
        "fleet_error": "该机队超出重资产模型的范围：",
        "download": "下载工作负载（TOML）",
        "unit_wan_yuan": "万元",
        "value_big": "{v:,.1f} 亿元/年",
        "value_rule": "卡时/年 × {price:g} 元/卡时",
        "col_gpus_per_model": "单模型GPU（张）",
        "col_gpus": "所需GPU（张）",
        "col_rate": "单模型有效算力（P）",
        "col_p": "所需峰值算力（P）",
        "col_hours": "卡时/年（万）",
        "col_value": "市场规模（万元/年）",
        "col_servers": "份额所需服务器（台）",
        "col_gpu": "GPU",
        "col_precision": "精度",
        "col_models": "模型数量",
        # error wording
        "missing": "缺少必填值",
        "unknown_column": "未知列",
        "wrong_type": "类型错误",
        "out_of_range": "超出范围",
        "not_allowed": "不是可选值",
        "unknown_gpu": "未知GPU型号",
        "allowed": "允许",
        "not_for_kind": "{kind}工作负载不使用此项（请留空）",
        "needs_duration": "训练工作负载需要训练天数",
        "flop_or_params": "请填写“参数量和训练Token数”或“训练总算力”，二者取其一",
        "needs_params_tokens": "训练工作负载需要参数量和训练Token数（或训练总算力）",
        "runs_overlap": "年训练次数 × 训练天数超过365天，训练会重叠（请改为增加模型数量）",
        "needs_inference_inputs": "推理工作负载需要参数量、日均访问量、每次访问提问数和每次提问Token数",
        "no_peak": "该GPU在目录中没有此精度的峰值算力；请改用FP16或其他GPU",
    },
    "en": {
        "title": "Market demand",
        "intro": "From model parameters and tokens to the GPUs needed, the size of the leasing market, and the "
                 "servers a lessor needs for a share of it (Frost & Sullivan white paper, 002:1190-1290). "
                 "**Compute efficiency (MFU)** is the share of a GPU's peak a workload achieves while running "
                 "(the paper's \"GPU utilisation\"); **occupancy** is the share of a lessor's card-hours that are "
                 "rented. They are different things.",
        "language": "语言 / Language",
        "preset": "Preset workloads",
        "workloads": "Workloads (editable; add or delete rows)",
        "editor_help": "One workload per row; empty cells mean not applicable. Training: parameters × tokens (or "
                       "training compute) and training days. Inference: daily visits × questions per visit × "
                       "tokens per question, served 24 hours a day.",
        "errors": "The workload table has errors; fix these cells:",
        "row": "Row {row}",
        "results": "GPUs needed",
        "detail": "Detail by workload",
        "chart_title": "GPUs needed by workload",
        "gpus_axis": "GPUs needed",
        "workload": "Workload",
        "kind": "Kind",
        "training": "training",
        "inference": "inference",
        "total_gpus": "GPUs needed, total",
        "total_p": "Peak compute, total",
        "market_value": "Market value",
        "per_year": "/year",
        "market": "Market value and servers",
        "price": "Rental price (CNY/card-hour)",
        "price_help": "Per card-hour; the paper's 180 CNY/server-hour ÷ 8 cards = 22.5 (002:1518).",
        "share": "Target market share (%)",
        "occupancy": "Occupancy (%)",
        "occupancy_help": "Share of the lessor's card-hours that are rented (not compute efficiency, MFU).",
        "gpu": "Server GPU",
        "servers": "Servers needed",
        "cards": "GPUs",
        "payback": "Payback",
        "months": "months",
        "never": "never",
        "no_fleet": "Zero share needs no servers.",
        "fleet_rule": "Servers = ⌈card-hours × share ÷ (cards per server {cards} × hours per year {hours:,.0f} × "
                      "occupancy)⌉. Server price, electricity and other costs come from the base scenario "
                      "“{name}”.",
        "use": "Use in the heavy-asset scenario",
        "used": "Put {n:,} {gpu} servers into the heavy-asset scenario (session_state[\"demand_servers\"]).",
        "fleet_error": "This fleet is outside the heavy-asset model's range:",
        "download": "Download workloads (TOML)",
        "unit_wan_yuan": "10k CNY",
        "value_big": "¥{v:,.2f} bn/yr",
        "value_rule": "card-hours/year × {price:g} CNY/card-hour",
        "col_gpus_per_model": "GPUs per model",
        "col_gpus": "GPUs needed",
        "col_rate": "Effective compute per model (P)",
        "col_p": "Peak compute needed (P)",
        "col_hours": "Card-hours/year (10k)",
        "col_value": "Market value (10k CNY/year)",
        "col_servers": "Servers for the share",
        "col_gpu": "GPU",
        "col_precision": "Precision",
        "col_models": "Models",
        "missing": "missing required value",
        "unknown_column": "unknown column",
        "wrong_type": "wrong type",
        "out_of_range": "out of range",
        "not_allowed": "not an allowed choice",
        "unknown_gpu": "unknown GPU",
        "allowed": "allowed",
        "not_for_kind": "not used by {kind} workloads (leave it empty)",
        "needs_duration": "a training workload needs its duration in days",
        "flop_or_params": "give either parameters and training tokens, or training compute, not both",
        "needs_params_tokens": "a training workload needs parameters and training tokens (or training compute)",
        "runs_overlap": "runs per year × training days exceeds 365 days: the runs would overlap (add models instead)",
        "needs_inference_inputs": "an inference workload needs parameters, daily visits, questions per visit "
                                  "and tokens per question",
        "no_peak": "this GPU has no peak at this precision in the catalogue; use FP16 or another GPU",
    },
}


# --------------------------------------------------------------------------- language
def _language() -> str:
    """The dashboard's language; standalone, the page draws its own switch."""
    ss = st.session_state
    if "lang" not in ss:
        ss["demand_standalone"] = True
    if ss.get("demand_standalone"):
        st.set_page_config(page_title="市场需求 · Market demand · finmodel", layout="wide")
        ss.setdefault("demand_lang_choice", ss.get("lang", "zh"))
        st.sidebar.radio(TEXT["zh"]["language"], ["zh", "en"], key="demand_lang_choice", horizontal=True,
                         format_func={"zh": "中文", "en": "English"}.get)
        ss["lang"] = ss["demand_lang_choice"]
    lang = ss.get("lang", "zh")
    return lang if lang in TEXT else "zh"


LANG = _language()


def t(key: str, **kw: Any) -> str:
    return TEXT[LANG][key].format(**kw) if kw else TEXT[LANG][key]


def label(column: str) -> str:
    spec = demand.WORKLOAD_FIELDS[column]
    return spec.label_zh if LANG == "zh" else spec.label_en


# --------------------------------------------------------------------------- inputs
def _load_preset(stem: str) -> pd.DataFrame:
    """A preset's rows as the editor shows them (columns in :data:`SCALE` divided by their unit)."""
    df = demand.load(PRESETS[stem]).frame()
    for col, (unit, _) in SCALE.items():
        df[col] = df[col] / unit
    return df


def _rows(edited: pd.DataFrame) -> list[dict[str, Any]]:
    """Edited table → schema rows in base units; fully empty rows (just added) are skipped."""
    df = edited.dropna(how="all").copy()
    for col, (unit, _) in SCALE.items():
        df[col] = pd.to_numeric(df[col], errors="coerce") * unit if df[col].notna().any() else df[col]
    return demand.rows_from_frame(df)


def _on_preset() -> None:
    st.session_state[TABLE] = _load_preset(st.session_state["demand_preset"])
    st.session_state.pop(EDITOR, None)


def _base_scenario() -> Scenario:
    s = st.session_state.get("scenario")
    if isinstance(s, Scenario):
        return s
    try:
        return schema.load(SEED_SCENARIO)
    except ScenarioError:
        return schema.default()


def _column_config() -> dict[str, Any]:
    cc = st.column_config
    kinds = {"training": t("training"), "inference": t("inference")}
    out: dict[str, Any] = {}
    for col, spec in demand.WORKLOAD_FIELDS.items():
        unit = f" [{spec.unit}]" if spec.unit else ""
        help_ = f"{spec.help}{unit} — {demand.allowed_text(col, LANG)}"
        if col in SCALE:
            help_ = f"× {SCALE[col][1]}. " + help_
        if col == "kind":
            out[col] = cc.SelectboxColumn(label(col), help=help_, options=list(kinds), format_func=kinds.get,
                                          required=True)
        elif col == "precision":
            out[col] = cc.SelectboxColumn(label(col), help=help_, options=list(spec.choices), required=True)
        elif col == "gpu":
            out[col] = cc.SelectboxColumn(label(col), help=help_, options=list(catalog.GPUS), required=True,
                                          width="medium")
        elif col in SCALE:
            out[col] = cc.NumberColumn(f"{label(col)} ({SCALE[col][1]})", help=help_, format="localized")
        elif spec.kind in ("float", "int"):
            fmt = "compact" if col in ("parameters", "tokens", "daily_visits") else (
                "%.2f" if col == "compute_efficiency" else "localized")
            out[col] = cc.NumberColumn(label(col), help=help_, format=fmt)
        else:
            out[col] = cc.TextColumn(label(col), help=help_, width="medium" if col == "name" else "small")
    return out


def _problem_text(p: schema.Problem, rows: list[dict[str, Any]]) -> str:
    """One bad cell in the page's language: row, column label, value, what is wrong, what is allowed."""
    if not isinstance(p, demand.RowProblem) or not p.column:
        return str(p)
    where = t("row", row=p.row) + (f" ({p.workload})" if p.workload else "")
    col = label(p.column) if p.column in demand.WORKLOAD_FIELDS else p.column
    value = "" if p.value is demand.NO_VALUE else f" = {p.value!r}"
    colon, semi = ("：", "；") if LANG == "zh" else (": ", "; ")
    if p.code == "rule":
        kind = rows[p.row - 1].get("kind") if 0 < p.row <= len(rows) else ""
        kind_word = t(kind) if kind in ("training", "inference") else ""
        why = t(p.rule, kind=kind_word) if p.rule in TEXT[LANG] else p.message
        return f"{where} · {col} ({p.column}){value}{colon}{why}"
    why = t(p.code) if p.code in TEXT[LANG] else p.message
    known = p.column in demand.WORKLOAD_FIELDS
    allowed = f"{semi}{t('allowed')}{colon}{demand.allowed_text(p.column, LANG)}" if known else ""
    return f"{where} · {col} ({p.column}){value}{colon}{why}{allowed}"


@st.cache_data(max_entries=256, show_spinner=False)
def _payback_months(s: Scenario) -> float:
    return model.evaluate(s).heavy["payback_months"]


# --------------------------------------------------------------------------- page
st.title(t("title"))
st.markdown(t("intro"))

if TABLE not in st.session_state:
    st.session_state.setdefault("demand_preset", DEFAULT_PRESET if DEFAULT_PRESET in PRESETS else next(iter(PRESETS)))
    st.session_state[TABLE] = _load_preset(st.session_state["demand_preset"])
names = {stem: demand.load(p).name for stem, p in PRESETS.items()}
st.selectbox(t("preset"), list(PRESETS), format_func=names.get, key="demand_preset", on_change=_on_preset)

st.subheader(t("workloads"))
st.caption(t("editor_help"))
edited = st.data_editor(st.session_state[TABLE], key=EDITOR, num_rows="dynamic", hide_index=True,
                        column_config=_column_config(), column_order=list(demand.COLUMNS))
rows = _rows(edited)
try:
    workloads = demand.validate_rows(rows, strict=False)
except demand.WorkloadError as err:
    st.error(t("errors") + "\n\n" + "\n".join(f"- {_problem_text(p, rows)}" for p in err.problems))
    st.stop()

base = _base_scenario()
hours = base.general.hours_per_year
d = demand.size(workloads, hours_per_year=hours)

# ---------------------------------------------------------------- GPUs needed
st.subheader(t("results"))
m1, m2 = st.columns(2)
m1.metric(t("total_gpus"), f"{d.gpus.sum():,.1f}")
m2.metric(t("total_p"), f"{d.p_needed.sum():,.1f} P")

chart_data = pd.DataFrame({"workload": list(d.names), "gpus": d.gpus,
                           "kind": [t(str(k)) for k in d.kind], "label": [f"{g:,.1f}" for g in d.gpus]})
bars = alt.Chart(chart_data).encode(
    y=alt.Y("workload:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
    x=alt.X("gpus:Q", title=t("gpus_axis"), axis=alt.Axis(format=",.0f")),
)
chart = (bars.mark_bar().encode(color=alt.Color("kind:N", title=t("kind")),
                                tooltip=[alt.Tooltip("workload:N", title=t("workload")),
                                         alt.Tooltip("gpus:Q", title=t("gpus_axis"), format=",.1f")])
         + bars.mark_text(align="left", dx=4).encode(text="label:N"))
st.markdown(f"**{t('chart_title')}**")  # a Vega title inside st.altair_chart collapses the bars
st.altair_chart(chart.properties(height=max(120, 44 * d.n)), width="stretch")

# ---------------------------------------------------------------- market value and the fleet → heavy asset
st.subheader(t("market"))
c1, c2, c3, c4 = st.columns(4)
price = c1.number_input(t("price"), min_value=0.0, max_value=10_000.0, step=0.1,
                        value=float(base.heavy.price_cny_per_card_hour), help=t("price_help"), key="demand_price")
share = c2.slider(t("share"), 0, 100, 10, key="demand_share") / 100
occupancy = c3.slider(t("occupancy"), 1, 100, max(1, round(base.heavy.occupancy * 100)), key="demand_occupancy",
                      help=t("occupancy_help")) / 100
gpu = c4.selectbox(t("gpu"), demand.gpus_in(d), key="demand_gpu_choice")

df = d.frame(price)
df["servers"] = demand.servers_needed(d.gpu_hours_per_year, share, base.heavy.cards_per_server, occupancy, hours)
fl = demand.fleet(d, share, gpu=gpu, cards_per_server=base.heavy.cards_per_server, occupancy=occupancy)

f0, f1, f2, f3 = st.columns([1.3, 1, 1, 1])
value_cny = float(df["market_value_cny_per_year"].sum())
f0.metric(t("market_value"), t("value_big", v=value_cny / (1e8 if LANG == "zh" else 1e9)),
          help=f"{value_cny / 1e4:,.0f} {t('unit_wan_yuan')}{t('per_year')} = {t('value_rule', price=price)}")
f1.metric(t("servers"), f"{fl.servers:,}")
f2.metric(t("cards"), f"{fl.cards:,}")
if fl.servers == 0:
    f3.metric(t("payback"), "—")
    st.info(t("no_fleet"))
else:
    try:
        fleet_s = demand.fleet_scenario(base, fl.servers, gpu, price_cny_per_card_hour=price, occupancy=occupancy)
    except ScenarioError as err:
        f3.metric(t("payback"), "—")
        st.warning(t("fleet_error") + "\n\n" + "\n".join(f"- {line}" for line in err.lines()))
    else:
        payback = _payback_months(fleet_s)
        f3.metric(t("payback"), t("never") if not math.isfinite(payback) else f"{payback:,.1f} {t('months')}")
        if st.button(t("use"), type="primary", key="demand_use"):
            st.session_state["demand_servers"] = fl.servers
            st.session_state["demand_gpu"] = gpu
        if st.session_state.get("demand_servers") == fl.servers and st.session_state.get("demand_gpu") == gpu:
            st.success(t("used", n=fl.servers, gpu=gpu))
st.caption(t("fleet_rule", cards=base.heavy.cards_per_server, hours=hours, name=base.name))

# ---------------------------------------------------------------- detail by workload
st.subheader(t("detail"))
table = pd.DataFrame({
    t("workload"): list(d.names), t("kind"): [t(str(k)) for k in d.kind], t("col_gpu"): d.gpu,
    t("col_precision"): d.precision, t("col_models"): d.models.astype(int), t("col_rate"): d.compute_rate_per_s / 1e15,
    t("col_gpus_per_model"): d.gpus_per_model, t("col_gpus"): d.gpus, t("col_p"): d.p_needed,
    t("col_hours"): d.gpu_hours_per_year / 1e4, t("col_value"): df["market_value_cny_per_year"].to_numpy() / 1e4,
    t("col_servers"): df["servers"].to_numpy(),
}).round(1)
st.dataframe(table, hide_index=True, column_config={
    t(c): st.column_config.NumberColumn(format="localized")
    for c in ("col_rate", "col_gpus_per_model", "col_gpus", "col_p", "col_hours", "col_value", "col_servers")})

st.download_button(t("download"), demand.to_toml(demand.WorkloadSet("Edited workloads", "", workloads)),
                   file_name="workloads.toml", mime="application/toml", key="demand_download")
