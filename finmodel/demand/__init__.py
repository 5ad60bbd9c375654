"""Demand sizing: from models and tokens to GPUs, card-hours, a leasing market and a server fleet.

The seed sizes the Chinese leasing market from the demand side (002:1190-1290):

* training compute rate = 6 × parameters × tokens ÷ training seconds  [FLOP/s]   (002:1194)
* inference tokens/day  = daily visits × questions per visit × tokens per question (002:1237)
* inference compute rate = 2 × parameters × tokens/day ÷ 86,400 s    [OP/s]     (002:1239)
* GPUs = compute rate ÷ (peak per GPU × compute efficiency)                    (002:1196, 1241)

**Compute efficiency (MFU)** is the share of a GPU's peak that a workload achieves while it runs
(the seed's "GPU利用率", 45 % at 002:1206). It is *not* rental **occupancy** (出租率), the share of a
lessor's card-hours that are rented (``heavy.occupancy`` in a scenario). Both appear below, always
under these two names.

Layers, in file order: pure vectorised functions (numpy arrays, workloads axis first); the workload
schema (one validated, frozen row per workload, declared once with unit, bounds, labels); loading
workload files; the orchestrator :func:`size`; market value and fleet sizing, and
:func:`fleet_scenario`, the bridge to the heavy-asset model.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from finmodel.schema import (
    Finite,
    Problem,
    Scenario,
    ScenarioError,
    UnreadableFile,
    catalog,
    describe_fields,
    fld,
    read_text_file,
)

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]

# --------------------------------------------------------------------------- constants
SECONDS_PER_DAY = 86_400.0  # 24 × 60 × 60 (002:1203, 1253)
HOURS_PER_DAY = 24.0
DAYS_PER_YEAR = 365.0
HOURS_PER_YEAR = 8_760.0  # 24 × 365, as the seed's annual revenue (002:1522)
TRAINING_OPS_PER_PARAM_TOKEN = 6.0  # forward + backward pass (002:1194)
INFERENCE_OPS_PER_PARAM_TOKEN = 2.0  # forward pass only (002:1239)
TERA = 1e12  # TFLOPS → FLOP/s
TERA_PER_P = 1_000.0  # 1 P = 1 PFLOPS = 1,000 TFLOPS (002:26)


# --------------------------------------------------------------------------- pure functions
def _a(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=float)


def training_compute_flop(parameters: ArrayLike, tokens: ArrayLike) -> FloatArray:
    """Total training compute of one run: 6 × parameters × tokens (002:1194). [FLOP]"""
    return TRAINING_OPS_PER_PARAM_TOKEN * _a(parameters) * _a(tokens)


def training_rate_flop_per_s(compute_flop: ArrayLike, duration_days: ArrayLike) -> FloatArray:
    """Sustained compute rate a run needs to finish in ``duration_days``. [FLOP/s]

    The seed labels this "FLOPs" (002:1194, 1203); it is a rate, FLOP per second."""
    return _a(compute_flop) / (_a(duration_days) * SECONDS_PER_DAY)


def daily_tokens(daily_visits: ArrayLike, questions_per_visit: ArrayLike, tokens_per_question: ArrayLike) -> FloatArray:
    """Tokens processed per day: visits × questions per visit × tokens per question (002:1237). [tokens/day]"""
    return _a(daily_visits) * _a(questions_per_visit) * _a(tokens_per_question)


def inference_rate_ops_per_s(parameters: ArrayLike, tokens_per_day: ArrayLike) -> FloatArray:
    """Average inference compute rate: 2 × parameters × tokens/day ÷ 86,400 s (002:1239). [OP/s]

    The seed's denominator is labelled "单次训练秒数" but used as one day (002:1253)."""
    return INFERENCE_OPS_PER_PARAM_TOKEN * _a(parameters) * _a(tokens_per_day) / SECONDS_PER_DAY


def gpus_needed(rate_per_s: ArrayLike, peak_tflops: ArrayLike, compute_efficiency: ArrayLike) -> FloatArray:
    """GPUs = rate ÷ (peak per GPU × compute efficiency) (002:1196). [GPUs, fractional]

    ``peak_tflops`` is 10^12 operations/s at the workload's precision (TFLOPS for FP16, TOPS for
    INT8); ``compute_efficiency`` is MFU, the achieved share of that peak."""
    return _a(rate_per_s) / (_a(peak_tflops) * TERA * _a(compute_efficiency))


def implied_compute_efficiency(compute_flop: ArrayLike, gpus: ArrayLike, duration_days: ArrayLike,
                               peak_tflops: ArrayLike) -> FloatArray:
    """MFU implied by a reported run: compute ÷ (GPUs × seconds × peak). [fraction]

    The inverse of :func:`gpus_needed`, used to cross-check the seed's 45 % (see docs/demand.md)."""
    seconds = _a(duration_days) * SECONDS_PER_DAY
    return _a(compute_flop) / (_a(gpus) * seconds * _a(peak_tflops) * TERA)


def p_needed(gpus: ArrayLike, peak_tflops: ArrayLike) -> FloatArray:
    """Installed peak compute of the GPUs, in P (1 P = 1,000 TFLOPS, or 1,000 TOPS for INT8). [P]"""
    return _a(gpus) * _a(peak_tflops) / TERA_PER_P


def busy_fraction(runs_per_year: ArrayLike, run_hours: ArrayLike,
                  hours_per_year: ArrayLike = HOURS_PER_YEAR) -> FloatArray:
    """Share of the year a training workload's GPUs are busy: runs × run hours ÷ hours per year,
    capped at 1; NaN runs (unset) mean back-to-back runs, i.e. 1. [fraction]"""
    runs = _a(runs_per_year)
    with np.errstate(invalid="ignore"):
        share = np.minimum(runs * _a(run_hours) / _a(hours_per_year), 1.0)
    return np.where(np.isnan(runs), 1.0, share)


def market_value_cny_per_year(gpu_hours_per_year: ArrayLike, price_cny_per_card_hour: ArrayLike) -> FloatArray:
    """Value of the demand at a rental price: card-hours per year × price per card-hour. [CNY/year]"""
    return _a(gpu_hours_per_year) * _a(price_cny_per_card_hour)


def servers_needed(gpu_hours_per_year: ArrayLike, share: ArrayLike, cards_per_server: ArrayLike,
                   occupancy: ArrayLike = 1.0, hours_per_year: ArrayLike = HOURS_PER_YEAR) -> npt.NDArray[np.int64]:
    """Servers a lessor needs to serve ``share`` of a demand at a rental ``occupancy``. [servers]

    servers = ceil(card-hours/year × share ÷ (cards per server × hours per year × occupancy)).
    Occupancy is the share of the lessor's own card-hours that are rented: at 0.7 the fleet must
    be 1/0.7 times the cards it rents out on average. For demand that runs all year (inference,
    back-to-back training) card-hours ÷ hours = GPUs, so this is ceil(GPUs × share ÷ (cards ×
    occupancy)). Zero share needs zero servers."""
    cards = (_a(gpu_hours_per_year) * _a(share)
             / (_a(hours_per_year) * _a(occupancy)))
    # shave relative float noise (64.00000000000001 cards is 8 servers, not 9) before the ceiling
    return np.ceil(cards / _a(cards_per_server) * (1 - 1e-12)).astype(np.int64)


# --------------------------------------------------------------------------- workload schema
Kind = Literal["training", "inference"]
Precision = Literal["FP16", "INT8"]
TRAINING_ONLY = ("tokens", "compute_flop", "duration_days", "runs_per_year")
INFERENCE_ONLY = ("daily_visits", "questions_per_visit", "tokens_per_question")
MAX_FILE_BYTES = 1_000_000  # as for scenario files


class Workload(BaseModel):
    """One row of demand: a training run or an inference service, repeated for ``models`` models."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False, validate_default=True)

    name: str = fld(..., unit="", en="Workload", zh="工作负载", group="workload",
                    help="Short name shown in tables and charts (1-80 characters).")
    kind: Kind = fld(..., unit="", en="Kind", zh="类型", group="workload",
                     help="training: one run of 6 × parameters × tokens FLOP; inference: a service "
                     "running all day (002:1194, 1239).")
    models: int = fld(1, unit="models", en="Models", zh="模型数量", group="workload", ge=1, le=1_000_000,
                      help="Identical models with this workload: 100 in training (002:1227), 50 in "
                      "inference (002:1286).")
    parameters: Finite | None = fld(None, unit="parameters", en="Parameters", zh="参数量", group="workload",
                                    gt=0, le=1e15,
                                    help="Model parameters (1750亿 = 1.75e11, 002:1200). Training may give "
                                    "compute_flop instead.")
    tokens: Finite | None = fld(None, unit="tokens/run", en="Training tokens", zh="训练Token数", group="training",
                                gt=0, le=1e16, help="Tokens per training run (3000亿 = 3e11, 002:1200).")
    compute_flop: Finite | None = fld(None, unit="FLOP/run", en="Training compute", zh="训练总算力",
                                      group="training", gt=0, le=1e30,
                                      help="Total compute of one run, instead of 6 × parameters × tokens "
                                      "(GPT-4 2.15e25 FLOP, 002:1212).")
    duration_days: Finite | None = fld(None, unit="days/run", en="Training days", zh="训练天数", group="training",
                                       gt=0, le=3650, help="Wall-clock days per run (30 days, 002:1201).")
    runs_per_year: Finite | None = fld(None, unit="runs/year", en="Runs per year", zh="年训练次数",
                                       group="training", gt=0, le=3650,
                                       help="Runs per model per year; empty = back to back all year "
                                       "(the GPUs are a standing fleet, the seed's reading).")
    daily_visits: Finite | None = fld(None, unit="visits/day", en="Daily visits", zh="日均访问量",
                                      group="inference", gt=0, le=1e12,
                                      help="Visits per day per model (0.7亿 = 7e7 for ChatGPT, 002:1245).")
    questions_per_visit: Finite | None = fld(None, unit="questions/visit", en="Questions per visit",
                                             zh="每次访问提问数", group="inference", gt=0, le=10_000,
                                             help="Questions per visit (10, 002:1247).")
    tokens_per_question: Finite | None = fld(None, unit="tokens/question", en="Tokens per question",
                                             zh="每次提问Token数", group="inference", gt=0, le=1e8,
                                             help="Tokens per question (1000, 002:1247).")
    precision: Precision = fld(..., unit="", en="Precision", zh="精度", group="workload",
                               help="FP16 uses the GPU's FP16 TFLOPS (training, 002:1205); INT8 its TOPS "
                               "(inference, 002:1255).")
    gpu: str = fld(..., unit="", en="GPU", zh="GPU型号", group="workload",
                   help="Catalogue key (finmodel.schema.catalog.GPUS); the seed uses A100 (A100-40G-NVLink).")
    compute_efficiency: Finite = fld(..., unit="fraction of peak", en="Compute efficiency (MFU)",
                                     zh="算力效率(MFU)", group="workload", gt=0, le=1,
                                     help="Achieved share of peak while running (the seed's GPU利用率, 0.45 "
                                     "at 002:1206). Not rental occupancy.")
    source: str = fld("", unit="", en="Source", zh="来源", group="workload",
                      help="Where the row's numbers come from (file:line).")

    @field_validator("name")
    @classmethod
    def _name_length(cls, v: str) -> str:
        if not 1 <= len(v.strip()) <= 80:
            raise PydanticCustomError("name_length", "needs 1-80 characters")
        return v.strip()

    @field_validator("source")
    @classmethod
    def _source_length(cls, v: str) -> str:
        if len(v) > 2000:
            raise PydanticCustomError("source_length", "at most 2,000 characters")
        return v

    @field_validator("gpu")
    @classmethod
    def _known_gpu(cls, v: str) -> str:
        if v not in catalog.GPUS:
            raise PydanticCustomError("unknown_gpu", "unknown GPU")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Workload:
        problems = row_rules(self)
        if problems:
            col, rule, msg = problems[0]
            raise PydanticCustomError("workload_rule", "{message}",
                                      {"column": col, "rule": rule, "message": msg, "value": getattr(self, col)})
        return self

    @property
    def peak_tflops(self) -> float:
        """Peak per GPU at this precision [TFLOPS for FP16, TOPS for INT8]."""
        g = catalog.GPUS[self.gpu]
        return g.int8_tops if self.precision == "INT8" else g.fp16_tflops


def row_rules(w: Workload) -> list[tuple[str, str, str]]:
    """Cross-field rules of one workload: (column, rule id, message) for each rule broken."""
    out: list[tuple[str, str, str]] = []
    given = {c: getattr(w, c) is not None for c in (*TRAINING_ONLY, *INFERENCE_ONLY, "parameters")}
    if w.kind == "training":
        for c in INFERENCE_ONLY:
            if given[c]:
                out.append((c, "not_for_kind", "not used by a training workload (leave it empty)"))
        if not given["duration_days"]:
            out.append(("duration_days", "needs_duration", "a training workload needs its duration in days"))
        if given["compute_flop"] and (given["parameters"] or given["tokens"]):
            out.append(("compute_flop", "flop_or_params",
                        "give either parameters and tokens, or compute_flop, not both"))
        elif not given["compute_flop"]:
            for c in ("parameters", "tokens"):
                if not given[c]:
                    out.append((c, "needs_params_tokens",
                                "a training workload needs parameters and tokens (or compute_flop)"))
        if given["runs_per_year"] and given["duration_days"] and w.runs_per_year * w.duration_days > DAYS_PER_YEAR:
            out.append(("runs_per_year", "runs_overlap", f"runs × duration_days exceeds {DAYS_PER_YEAR:g} days: "
                        "the runs would overlap (count them as more models)"))
    else:
        for c in TRAINING_ONLY:
            if given[c]:
                out.append((c, "not_for_kind", "not used by an inference workload (leave it empty)"))
        for c in ("parameters", *INFERENCE_ONLY):
            if not given[c]:
                out.append((c, "needs_inference_inputs", "an inference workload needs parameters, daily_visits, "
                            "questions_per_visit and tokens_per_question"))
    if w.gpu in catalog.GPUS and w.peak_tflops <= 0:
        out.append(("precision", "no_peak",
                    f"{w.gpu} has no {w.precision} peak in the catalogue; use FP16 or another GPU"))
    return out


@dataclass(frozen=True)
class ColumnSpec:
    """Everything declared about one workload column (read from :class:`Workload`)."""

    name: str
    kind: Literal["float", "int", "choice", "str"]
    optional: bool
    default: Any
    unit: str
    label_en: str
    label_zh: str
    help: str
    group: str
    ge: float | None
    le: float | None
    gt: float | None
    lt: float | None
    choices: tuple[str, ...]


def _build_specs() -> dict[str, ColumnSpec]:
    keep = {f.name for f in fields(ColumnSpec)} - {"name"}
    return {name: ColumnSpec(name=name, **{k: v for k, v in d.items() if k in keep})
            for name, d in describe_fields(Workload, "workload").items()}


#: Every workload column, in table order, with unit, bounds, labels and help text.
WORKLOAD_FIELDS: dict[str, ColumnSpec] = _build_specs()
COLUMNS: tuple[str, ...] = tuple(WORKLOAD_FIELDS)


def _num(x: float) -> str:
    """A bound in words: 3,650 or 1e16 (scientific from a million up, as the seed writes 10^16)."""
    if abs(x) >= 1e6:
        mantissa, exp = f"{x:.3e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exp)}"
    return f"{x:,.10g}"


_WORDS = {
    "en": {"name": "text of 1-80 characters", "source": "text of at most 2,000 characters", "gpu": "a catalogue key: ",
           "choice": "one of ", "int": "an integer", "float": "a number", "value": "value", "empty": " or empty",
           "sep": ", "},
    "zh": {"name": "1-80个字符的文本", "source": "不超过2,000个字符的文本", "gpu": "GPU目录中的型号：",
           "choice": "可选：", "int": "整数", "float": "数值", "value": "值", "empty": "，可留空", "sep": "，"},
}


def allowed_text(column: str, lang: str = "en") -> str:
    """Allowed values of a column in words, e.g. ``a number, 0 < value ≤ 3,650 [days/run] or empty``."""
    spec, w = WORKLOAD_FIELDS[column], _WORDS["zh" if lang == "zh" else "en"]
    if column in ("name", "source"):
        return w[column]
    if column == "gpu":
        return w["gpu"] + ", ".join(catalog.GPUS)
    if spec.kind == "choice":
        return w["choice"] + ", ".join(repr(c) for c in spec.choices)
    lo = f"{_num(spec.ge)} ≤ " if spec.ge is not None else f"{_num(spec.gt)} < " if spec.gt is not None else ""
    hi = f" ≤ {_num(spec.le)}" if spec.le is not None else f" < {_num(spec.lt)}" if spec.lt is not None else ""
    unit = f" [{spec.unit}]" if spec.unit else ""
    return f"{w[spec.kind]}{w['sep']}{lo}{w['value']}{hi}{unit}{w['empty'] if spec.optional else ''}"


# --------------------------------------------------------------------------- errors
class _NoValue:
    def __repr__(self) -> str:
        return "(none)"


#: The value of a problem that has none to show (a missing cell, an unreadable file).
NO_VALUE: Any = _NoValue()


def _show(v: Any) -> str:
    if isinstance(v, str):
        return repr(v if len(v) < 60 else v[:57] + "...")
    if isinstance(v, Mapping):
        return "a table"
    return repr(v)


@dataclass(frozen=True)
class RowProblem(Problem):
    """A problem in one workload row. ``row`` counts from 1 (file order, table order).

    ``code`` is one of missing, unknown_column, wrong_type, out_of_range, not_allowed, unknown_gpu,
    rule (then ``rule`` names it, see :func:`row_rules`); the page words the message from these in
    either language."""

    row: int = 0
    workload: str = ""
    column: str = ""
    code: str = ""
    allowed: str = ""
    rule: str = ""

    def __str__(self) -> str:
        shown = "" if self.value is NO_VALUE else f" = {_show(self.value)}"
        return f"{self.field}{shown}: {self.message}"


class WorkloadError(ScenarioError):
    """Invalid workloads; ``problems`` names the row, the column, the value and what is allowed."""


def _row_label(row: int, name: str) -> str:
    return f"row {row} ({name})" if name else f"row {row}"


def _row_problem(row: int, name: str, column: str, value: Any, code: str, message: str,
                 rule: str = "") -> RowProblem:
    allowed = allowed_text(column) if column in WORKLOAD_FIELDS else ""
    if allowed and code != "rule":
        message = f"{message}; allowed: {allowed}"
    return RowProblem(f"{_row_label(row, name)}.{column}", value, message, row=row, workload=name,
                      column=column, code=code, allowed=allowed, rule=rule)


def _problems(err: ValidationError, row: int, name: str) -> list[RowProblem]:
    out: list[RowProblem] = []
    for e in err.errors():
        loc = [str(x) for x in e["loc"]]
        column = loc[0] if loc else ""
        value = e.get("input", NO_VALUE)
        typ = e["type"]
        if typ == "extra_forbidden":
            out.append(_row_problem(row, name, column, value, "unknown_column",
                                    f"unknown column (a typo?); columns: {', '.join(COLUMNS)}"))
        elif typ == "missing":
            out.append(_row_problem(row, name, column, NO_VALUE, "missing", "missing required value"))
        elif typ == "unknown_gpu":
            out.append(_row_problem(row, name, column, value, "unknown_gpu", "unknown GPU"))
        elif typ == "workload_rule":
            ctx = e.get("ctx", {})
            col = ctx.get("column", "")
            value = NO_VALUE if ctx.get("value") is None else ctx["value"]
            out.append(_row_problem(row, name, col, value, "rule", ctx.get("message", ""), ctx.get("rule", "")))
        elif typ == "literal_error":
            out.append(_row_problem(row, name, column, value, "not_allowed", "not an allowed choice"))
        elif typ == "finite_number":
            out.append(_row_problem(row, name, column, value, "out_of_range", "must be a finite number"))
        elif typ.endswith("_type") or typ.endswith("_parsing") or typ.endswith("_from_float"):
            out.append(_row_problem(row, name, column, value, "wrong_type", f"wrong type ({type(value).__name__})"))
        elif typ in ("name_length", "source_length"):
            out.append(_row_problem(row, name, column, value, "out_of_range", e["msg"]))
        else:
            out.append(_row_problem(row, name, column, value, "out_of_range", "out of range"))
    return out


# --------------------------------------------------------------------------- building workloads
def _clean(value: Any) -> Any:
    """Table cell → schema value: NaN/None/empty text → None, numpy scalars → Python."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def validate_rows(rows: Sequence[Mapping[str, Any]], *, strict: bool = True, origin: str = "") -> tuple[Workload, ...]:
    """Validate workload rows (dicts of column → value); raise :class:`WorkloadError` naming each
    bad row (counted from 1), column, value and the allowed range.

    ``strict=True`` (files) refuses text for numbers; ``strict=False`` (the dashboard table)
    converts it. NaN and infinity are refused either way; in tables, empty cells mean unset."""
    if isinstance(rows, Mapping) or not isinstance(rows, Sequence):
        raise WorkloadError([RowProblem("workload", rows, "expected a list of workload rows")], origin)
    if not rows:
        raise WorkloadError([RowProblem("workload", NO_VALUE, "no workloads: give at least one row")], origin)
    out: list[Workload] = []
    problems: list[Problem] = []
    for i, raw in enumerate(rows, start=1):
        if not isinstance(raw, Mapping):
            problems.append(RowProblem(f"row {i}", raw, "expected a table of columns", row=i, code="wrong_type"))
            continue
        data = {str(k): v for k, v in raw.items()} if strict else {str(k): _clean(v) for k, v in raw.items()}
        if not strict:  # an empty cell means "unset", as an absent key does in a file
            data = {k: v for k, v in data.items() if v is not None}
        name = data.get("name") if isinstance(data.get("name"), str) else ""
        try:
            out.append(Workload.model_validate(data, strict=strict))
        except ValidationError as err:
            problems.extend(_problems(err, i, str(name).strip()))
    if problems:
        raise WorkloadError(problems, origin)
    return tuple(out)


@dataclass(frozen=True)
class WorkloadSet:
    """The contents of a workload file: a name, a description, the rows and their sources."""

    name: str
    description: str
    workloads: tuple[Workload, ...]
    sources: dict[str, str] = field(default_factory=dict)  # "row.column" (row from 1) → source

    def frame(self) -> pd.DataFrame:
        return to_frame(self.workloads)


_FILE_KEYS = ("name", "description", "workload")


def from_dict(data: Mapping[str, Any], *, strict: bool = True, origin: str = "") -> WorkloadSet:
    """Build a :class:`WorkloadSet` from parsed TOML; values may be bare or ``{value, source}``."""
    problems: list[Problem] = []
    for key in data:
        if key not in _FILE_KEYS:
            problems.append(RowProblem(str(key), data[key], f"unknown key (a typo?); allowed: {', '.join(_FILE_KEYS)}"))
    name, description = data.get("name", "Workloads"), data.get("description", "")
    for key, val in (("name", name), ("description", description)):
        if not isinstance(val, str):
            problems.append(RowProblem(key, val, "must be text"))
    raw_rows = data.get("workload")
    if raw_rows is None:
        problems.append(RowProblem("workload", NO_VALUE, "no [[workload]] tables: give at least one"))
    if problems:
        raise WorkloadError(problems, origin)
    if not isinstance(raw_rows, list):
        raise WorkloadError([RowProblem("workload", raw_rows, "write each workload as a [[workload]] table")], origin)
    rows, sources = [], {}
    for i, raw in enumerate(raw_rows, start=1):
        if not isinstance(raw, Mapping):
            rows.append(raw)
            continue
        row: dict[str, Any] = {}
        for col, val in raw.items():
            if isinstance(val, Mapping):
                if set(val) - {"value", "source"} or "value" not in val or not isinstance(val.get("source", ""), str):
                    problems.append(_row_problem(i, str(raw.get("name", "")), col, val, "wrong_type",
                                                 "a value table needs `value` and optionally `source` (text)"))
                    continue
                if "source" in val:
                    sources[f"{i}.{col}"] = val["source"]
                val = val["value"]
            row[col] = val
        rows.append(row)
    if problems:
        raise WorkloadError(problems, origin)
    return WorkloadSet(name, description, validate_rows(rows, strict=strict, origin=origin), sources)


def parse_toml(text: str, origin: str = "") -> WorkloadSet:
    """Parse and validate the text of a workload file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise WorkloadError([RowProblem("file", NO_VALUE, f"broken TOML: {err}")], origin) from None
    return from_dict(data, strict=True, origin=origin)


def load(path: str | os.PathLike[str]) -> WorkloadSet:
    """Load and validate a workload file (TOML, at most 1 MB, UTF-8)."""
    origin = str(path)
    try:
        text = read_text_file(path, MAX_FILE_BYTES)
    except UnreadableFile as err:
        value = NO_VALUE if err.value is None else err.value
        raise WorkloadError([RowProblem("file", value, err.message)], origin) from None
    return parse_toml(text, origin)


def to_toml(ws: WorkloadSet) -> str:
    """TOML text of a workload set; values with a source are written as ``{value, source}``."""
    import tomli_w

    rows = []
    for i, w in enumerate(ws.workloads, start=1):
        row: dict[str, Any] = {}
        for col, val in w.model_dump().items():
            if val is None or (col == "source" and not val):
                continue
            src = ws.sources.get(f"{i}.{col}")
            row[col] = {"value": val, "source": src} if src else val
        rows.append(row)
    doc: dict[str, Any] = {"name": ws.name}
    if ws.description:
        doc["description"] = ws.description
    doc["workload"] = rows
    return tomli_w.dumps(doc)


def to_frame(workloads: Iterable[Workload]) -> pd.DataFrame:
    """Workloads as a table with every column (empty cells = unset), rows numbered from 1."""
    df = pd.DataFrame([w.model_dump() for w in workloads], columns=list(COLUMNS))
    df.index = pd.RangeIndex(1, len(df) + 1, name="row")
    for col, spec in WORKLOAD_FIELDS.items():
        if spec.kind == "float":
            df[col] = df[col].astype(float)
    return df


def rows_from_frame(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Table rows as dicts for :func:`validate_rows` (``strict=False``), in display order."""
    return [{str(k): v for k, v in rec.items()} for rec in df.to_dict(orient="records")]


def presets_dir() -> Path:
    """The repository's ``assumptions/demand`` folder of workload presets."""
    return Path(__file__).resolve().parents[2] / "assumptions" / "demand"


# --------------------------------------------------------------------------- orchestrator
def to_arrays(workloads: Sequence[Workload]) -> dict[str, np.ndarray]:
    """Numeric view of workloads, one array per column (workload axis first), NaN = unset."""
    out: dict[str, np.ndarray] = {}
    for col, spec in WORKLOAD_FIELDS.items():
        vals = [getattr(w, col) for w in workloads]
        if spec.kind in ("float", "int"):
            out[col] = np.array([np.nan if v is None else float(v) for v in vals], dtype=float)
        else:
            out[col] = np.array(vals, dtype=object)
    out["is_training"] = out["kind"] == "training"
    out["peak_tflops"] = np.array([w.peak_tflops for w in workloads], dtype=float)
    return out


@dataclass(frozen=True)
class Demand:
    """Sized demand, one entry per workload (arrays of shape (n,)); NaN where not applicable.

    Rates are per model; ``gpus``, GPU-hours, ``p_needed`` are for all ``models`` of the row."""

    names: tuple[str, ...]
    kind: np.ndarray
    gpu: np.ndarray
    precision: np.ndarray
    models: FloatArray
    tokens_per_day: FloatArray  # inference only [tokens/day per model]
    compute_flop_per_run: FloatArray  # training only [FLOP per run per model]
    compute_rate_per_s: FloatArray  # per model [FLOP/s for FP16, OP/s for INT8]
    peak_tflops: FloatArray  # per GPU at the precision [TFLOPS or TOPS]
    compute_efficiency: FloatArray  # MFU [fraction]
    gpus_per_model: FloatArray  # [GPUs]
    gpus: FloatArray  # all models [GPUs]
    p_needed: FloatArray  # installed peak of those GPUs [P at the precision]
    run_hours: FloatArray  # training only [hours per run]
    gpu_hours_per_run: FloatArray  # training only, all models [card-hours per run]
    busy_fraction: FloatArray  # share of the year the GPUs are busy [fraction]
    gpu_hours_per_year: FloatArray  # all models [card-hours/year]
    hours_per_year: float

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def average_gpus(self) -> FloatArray:
        """Cards busy on average over the year: card-hours ÷ hours per year. [GPUs]"""
        return self.gpu_hours_per_year / self.hours_per_year

    def frame(self, price_cny_per_card_hour: ArrayLike | None = None) -> pd.DataFrame:
        """One row per workload; with a price, adds ``market_value_cny_per_year``."""
        cols = ["kind", "gpu", "precision", "models", "tokens_per_day", "compute_flop_per_run",
                "compute_rate_per_s", "peak_tflops", "compute_efficiency", "gpus_per_model", "gpus", "p_needed",
                "run_hours", "gpu_hours_per_run", "busy_fraction", "gpu_hours_per_year"]
        df = pd.DataFrame({c: getattr(self, c) for c in cols}, index=pd.Index(self.names, name="workload"))
        if price_cny_per_card_hour is not None:
            df["market_value_cny_per_year"] = market_value_cny_per_year(self.gpu_hours_per_year,
                                                                        price_cny_per_card_hour)
        return df


def size(workloads: Sequence[Workload] | WorkloadSet, *, hours_per_year: float = HOURS_PER_YEAR) -> Demand:
    """Size every workload in one vectorised pass: compute rate, GPUs, P, GPU-hours.

    Training: rate = compute per run ÷ run seconds, GPU-hours per run = GPUs × run hours, per year
    = GPUs × hours per year × busy fraction. Inference: rate = 2 × parameters × tokens/day ÷ 86,400 s,
    served all year (GPU-hours per year = GPUs × hours per year)."""
    ws = workloads.workloads if isinstance(workloads, WorkloadSet) else tuple(workloads)
    a = to_arrays(ws)
    train = a["is_training"]
    with np.errstate(invalid="ignore", divide="ignore"):
        compute = np.where(np.isnan(a["compute_flop"]), training_compute_flop(a["parameters"], a["tokens"]),
                           a["compute_flop"])
        compute = np.where(train, compute, np.nan)
        tokens_day = daily_tokens(a["daily_visits"], a["questions_per_visit"], a["tokens_per_question"])
        rate = np.where(train, training_rate_flop_per_s(compute, a["duration_days"]),
                        inference_rate_ops_per_s(a["parameters"], tokens_day))
        per_model = gpus_needed(rate, a["peak_tflops"], a["compute_efficiency"])
        gpus = per_model * a["models"]
        run_hours = np.where(train, a["duration_days"] * HOURS_PER_DAY, np.nan)
        busy = np.where(train, busy_fraction(a["runs_per_year"], run_hours, hours_per_year), 1.0)
    return Demand(
        names=tuple(w.name for w in ws), kind=a["kind"], gpu=a["gpu"], precision=a["precision"],
        models=a["models"], tokens_per_day=np.where(train, np.nan, tokens_day), compute_flop_per_run=compute,
        compute_rate_per_s=rate, peak_tflops=a["peak_tflops"], compute_efficiency=a["compute_efficiency"],
        gpus_per_model=per_model, gpus=gpus, p_needed=p_needed(gpus, a["peak_tflops"]), run_hours=run_hours,
        gpu_hours_per_run=gpus * run_hours, busy_fraction=busy,
        gpu_hours_per_year=gpus * hours_per_year * busy, hours_per_year=float(hours_per_year),
    )


# --------------------------------------------------------------------------- market and fleet
@dataclass(frozen=True)
class Fleet:
    """The fleet a heavy-asset lessor buys to serve ``share`` of the demand on one GPU type."""

    gpu: str
    share: float  # of the demand's card-hours [fraction]
    occupancy: float  # of the lessor's card-hours that are rented [fraction]
    cards_per_server: int
    demand_gpu_hours_per_year: float  # all workloads on this GPU [card-hours/year]
    served_gpu_hours_per_year: float  # share × demand [card-hours/year]
    servers: int
    workloads: tuple[str, ...]

    @property
    def cards(self) -> int:
        return self.servers * self.cards_per_server


def gpus_in(demand: Demand) -> tuple[str, ...]:
    """GPU types present in the demand, in order of first appearance."""
    return tuple(dict.fromkeys(str(g) for g in demand.gpu))


def fleet(demand: Demand, share: float, *, gpu: str | None = None, cards_per_server: int = 8,
          occupancy: float = 1.0) -> Fleet:
    """Servers needed to serve ``share`` of all workloads that run on ``gpu`` (default: the first GPU
    in the demand), at rental ``occupancy``. See :func:`servers_needed` for the definition."""
    gpu = gpu or gpus_in(demand)[0]
    problems = []
    if gpu not in gpus_in(demand):
        problems.append(Problem("gpu", gpu, f"no workload runs on it; present: {', '.join(gpus_in(demand))}"))
    if not (isinstance(share, int | float) and 0 <= share <= 1):
        problems.append(Problem("share", share, "out of range; allowed: a number, 0 ≤ value ≤ 1 [fraction]"))
    if not (isinstance(occupancy, int | float) and 0 < occupancy <= 1):
        problems.append(Problem("occupancy", occupancy, "out of range; allowed: a number, 0 < value ≤ 1 [fraction]"))
    if not (isinstance(cards_per_server, int) and 1 <= cards_per_server <= 16):
        problems.append(Problem("cards_per_server", cards_per_server, "allowed: an integer, 1 ≤ value ≤ 16"))
    if problems:
        raise ScenarioError(problems)
    mask = demand.gpu == gpu
    hours = float(demand.gpu_hours_per_year[mask].sum())
    n = int(servers_needed(hours, share, cards_per_server, occupancy, demand.hours_per_year))
    return Fleet(gpu, float(share), float(occupancy), cards_per_server, hours, hours * share, n,
                 tuple(np.asarray(demand.names, dtype=object)[mask]))


def fleet_scenario(base: Scenario, servers: int, gpu: str, *, price_cny_per_card_hour: float | None = None,
                   occupancy: float | None = None) -> Scenario:
    """The heavy-asset scenario for a fleet: ``base`` with ``heavy.servers`` and ``heavy.gpu`` set
    (and the rental price and occupancy when given); re-validated, so a fleet beyond the schema's
    bounds raises :class:`~finmodel.schema.ScenarioError`.

    Everything else (server price, power, cards per server, costs) stays as in ``base``: choose a
    base scenario priced for the GPU."""
    changes: dict[str, Any] = {"heavy.servers": int(servers), "heavy.gpu": gpu}
    if price_cny_per_card_hour is not None:
        changes["heavy.price_cny_per_card_hour"] = float(price_cny_per_card_hour)
    if occupancy is not None:
        changes["heavy.occupancy"] = float(occupancy)
    return base.replace(changes)
