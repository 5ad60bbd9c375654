"""The workload schema and workload files: one validated, frozen row per training run or inference
service, declared once on the shared schema toolkit (unit, bounds, labels, allowed range in words),
and the TOML files that hold them with a source per number.

Problems name the row (counted from 1, in file and table order), the column, the value and what is
allowed: ``row 2 (GPT-4 training).duration_days = 0: out of range; allowed: a number, 0 < value ≤
3,650 [days/run] or empty``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from finmodel.demand.formulas import DAYS_PER_YEAR
from finmodel.schema import (
    MISSING,
    FieldSpec,
    Finite,
    Issue,
    Problem,
    ScenarioError,
    catalog,
    dump_toml,
    field_specs,
    fld,
    issues,
    parse_toml_text,
    read_input,
    source_table,
    split_sources,
)

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["training", "inference"]
Precision = Literal["FP16", "INT8"]
TRAINING_ONLY = ("tokens", "compute_flop", "duration_days", "runs_per_year")
INFERENCE_ONLY = ("daily_visits", "questions_per_visit", "tokens_per_question")


class Workload(BaseModel):
    """One row of demand: a training run or an inference service, repeated for ``models`` models."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False, validate_default=True)

    name: str = fld(..., unit="", en="Workload", zh="工作负载", group="workload", chars=(1, 80),
                    help="Short name shown in tables and charts (1-80 characters).",
                    help_zh="表格和图表中显示的简称（1-80个字符）。")
    kind: Kind = fld(..., unit="", en="Kind", zh="类型", group="workload",
                     choice_labels={"training": ("训练", "training"), "inference": ("推理", "inference")},
                     help="training: one run of 6 × parameters × tokens FLOP; inference: a service "
                     "running all day (002:1194, 1239).",
                     help_zh="training（训练）：每次训练 6 × 参数量 × Token数 FLOP；inference（推理）：全天运行的"
                     "服务（002:1194、1239）。")
    models: int = fld(1, unit="models", en="Models", zh="模型数量", group="workload", ge=1, le=1_000_000,
                      help="Identical models with this workload: 100 in training (002:1227), 50 in "
                      "inference (002:1286).",
                      help_zh="具有相同负载的模型个数：训练100个（002:1227），推理50个（002:1286）。")
    parameters: Finite | None = fld(None, unit="parameters", en="Parameters", zh="参数量", group="workload",
                                    gt=0, le=1e15,
                                    help="Model parameters (1750亿 = 1.75e11, 002:1200). Training may give "
                                    "compute_flop instead.",
                                    help_zh="模型参数量（1750亿 = 1.75e11，002:1200）。训练也可改填训练总算力"
                                    "（compute_flop）。")
    tokens: Finite | None = fld(None, unit="tokens/run", en="Training tokens", zh="训练Token数", group="training",
                                gt=0, le=1e16, help="Tokens per training run (3000亿 = 3e11, 002:1200).",
                                help_zh="每次训练的Token数（3000亿 = 3e11，002:1200）。")
    compute_flop: Finite | None = fld(None, unit="FLOP/run", en="Training compute", zh="训练总算力",
                                      group="training", gt=0, le=1e30,
                                      help="Total compute of one run, instead of 6 × parameters × tokens "
                                      "(GPT-4 2.15e25 FLOP, 002:1212).",
                                      help_zh="一次训练的总计算量，可替代 6 × 参数量 × Token数（GPT-4 为 2.15e25 "
                                      "FLOP，002:1212）。")
    duration_days: Finite | None = fld(None, unit="days/run", en="Training days", zh="训练天数", group="training",
                                       gt=0, le=3650, help="Wall-clock days per run (30 days, 002:1201).",
                                       help_zh="每次训练的实际天数（30天，002:1201）。")
    runs_per_year: Finite | None = fld(None, unit="runs/year", en="Runs per year", zh="年训练次数",
                                       group="training", gt=0, le=3650,
                                       help="Runs per model per year; empty = back to back all year "
                                       "(the GPUs are a standing fleet, the seed's reading).",
                                       help_zh="每个模型每年的训练次数；留空 = 全年连续训练（GPU为常驻机群，"
                                       "即种子报告的理解）。")
    daily_visits: Finite | None = fld(None, unit="visits/day", en="Daily visits", zh="日均访问量",
                                      group="inference", gt=0, le=1e12,
                                      help="Visits per day per model (0.7亿 = 7e7 for ChatGPT, 002:1245).",
                                      help_zh="每个模型的日均访问次数（ChatGPT 为0.7亿 = 7e7，002:1245）。")
    questions_per_visit: Finite | None = fld(None, unit="questions/visit", en="Questions per visit",
                                             zh="每次访问提问数", group="inference", gt=0, le=10_000,
                                             help="Questions per visit (10, 002:1247).",
                                             help_zh="每次访问的提问数（10，002:1247）。")
    tokens_per_question: Finite | None = fld(None, unit="tokens/question", en="Tokens per question",
                                             zh="每次提问Token数", group="inference", gt=0, le=1e8,
                                             help="Tokens per question (1000, 002:1247).",
                                             help_zh="每次提问的Token数（1000，002:1247）。")
    precision: Precision = fld(..., unit="", en="Precision", zh="精度", group="workload",
                               choice_labels={"FP16": ("FP16", "FP16"), "INT8": ("INT8", "INT8")},
                               help="FP16 uses the GPU's FP16 TFLOPS (training, 002:1205); INT8 its TOPS "
                               "(inference, 002:1255).",
                               help_zh="FP16 按GPU的FP16 TFLOPS计算（训练，002:1205）；INT8 按其TOPS计算"
                               "（推理，002:1255）。")
    gpu: str = fld(..., unit="", en="GPU", zh="GPU型号", group="workload", catalogue=catalog.GPU_KEYS,
                   catalogue_text=catalog.GPU_KEY_TEXT,
                   help="Catalogue key (finmodel.schema.catalog.GPUS); the seed uses A100 (A100-40G-NVLink).",
                   help_zh="GPU目录中的型号（finmodel.schema.catalog.GPUS）；种子报告使用 A100（A100-40G-NVLink）。")
    compute_efficiency: Finite = fld(..., unit="fraction of peak", en="Compute efficiency (MFU)",
                                     zh="算力效率(MFU)", group="workload", gt=0, le=1,
                                     help="Achieved share of peak while running (the seed's GPU利用率, 0.45 "
                                     "at 002:1206). Not rental occupancy.",
                                     help_zh="运行时实际达到的峰值算力比例（种子报告的GPU利用率，0.45，002:1206）。"
                                     "不是出租率。")
    source: str = fld("", unit="", en="Source", zh="来源", group="workload", chars=(0, 2000),
                      help="Where the row's numbers come from (file:line).",
                      help_zh="本行数字的出处（文件:行号）。")

    @field_validator("name")
    @classmethod
    def _name_length(cls, v: str) -> str:
        lo, hi = WORKLOAD_FIELDS["name"].chars or (1, 80)
        if not lo <= len(v.strip()) <= hi:
            raise PydanticCustomError("out_of_range", "needs {lo}-{hi} characters", {"lo": lo, "hi": f"{hi:,}"})
        return v.strip()

    @field_validator("source")
    @classmethod
    def _source_length(cls, v: str) -> str:
        _, hi = WORKLOAD_FIELDS["source"].chars or (0, 2000)
        if len(v) > hi:
            raise PydanticCustomError("out_of_range", "at most {hi} characters", {"hi": f"{hi:,}"})
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
        runs, days = w.runs_per_year, w.duration_days
        if given["runs_per_year"] and given["duration_days"] and runs and days and runs * days > DAYS_PER_YEAR:
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


#: Every workload column, in table order, with unit, bounds, labels and help text (English and 中文).
WORKLOAD_FIELDS: dict[str, FieldSpec] = field_specs(Workload, big_numbers="scientific")
COLUMNS: tuple[str, ...] = tuple(WORKLOAD_FIELDS)


# --------------------------------------------------------------------------- errors
#: The value of a problem that has none to show (a missing cell, an unreadable file).
NO_VALUE: Any = MISSING


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


class WorkloadError(ScenarioError):
    """Invalid workloads; ``problems`` names the row, the column, the value and what is allowed."""


def _row_label(row: int, name: str) -> str:
    return f"row {row} ({name})" if name else f"row {row}"


def _cell(row: int, name: str, column: str, value: Any, code: str, message: str, rule: str = "") -> RowProblem:
    """A problem in one cell; ``allowed`` is the column's allowed range in words."""
    spec = WORKLOAD_FIELDS.get(column)
    return RowProblem(f"{_row_label(row, name)}.{column}", value, message, row=row, workload=name, column=column,
                      code=code, allowed=spec.range_text() if spec is not None else "", rule=rule)


def _cell_problem(i: Issue, row: int, name: str) -> RowProblem:
    """A validation issue of one row as a row problem (the toolkit's words, the rules' own)."""
    if i.code == "workload_rule":
        value = NO_VALUE if i.ctx.get("value") is None else i.ctx["value"]
        return _cell(row, name, i.ctx.get("column", ""), value, "rule", i.ctx.get("message", ""), i.ctx.get("rule", ""))
    if i.code == "unknown":
        return _cell(row, name, i.path, i.value, "unknown_column",
                     f"unknown column (a typo?); columns: {', '.join(COLUMNS)}")
    return _cell(row, name, i.path, i.value, i.code, i.message)


# --------------------------------------------------------------------------- building workloads
def _clean(value: Any) -> Any:
    """Table cell → schema value: NaN/None/empty text → None, numpy scalars → Python."""
    if isinstance(value, np.generic):
        value = value.item()
    import pandas as pd  # imported once; cells come from the dashboard's table

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
        name = str(data["name"]).strip() if isinstance(data.get("name"), str) else ""
        try:
            out.append(Workload.model_validate(data, strict=strict))
        except ValidationError as err:
            problems.extend(_cell_problem(x, i, name) for x in issues(err, Workload, WORKLOAD_FIELDS))
    if problems:
        raise WorkloadError(problems, origin)
    return tuple(out)


# --------------------------------------------------------------------------- workload files
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


def _file_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Problems with the top level of a workload file: unknown keys, non-text name, no rows."""
    problems: list[Problem] = [RowProblem(str(k), data[k], f"unknown key (a typo?); allowed: {', '.join(_FILE_KEYS)}")
                for k in data if k not in _FILE_KEYS]
    for key, default in (("name", "Workloads"), ("description", "")):
        if not isinstance(data.get(key, default), str):
            problems.append(RowProblem(key, data[key], "must be text"))
    if data.get("workload") is None:
        problems.append(RowProblem("workload", NO_VALUE, "no [[workload]] tables: give at least one"))
    return problems


def from_dict(data: Mapping[str, Any], *, strict: bool = True, origin: str = "") -> WorkloadSet:
    """Build a :class:`WorkloadSet` from parsed TOML; values may be bare or ``{value, source}``."""
    problems = _file_problems(data)
    if problems:
        raise WorkloadError(problems, origin)
    raw_rows = data["workload"]
    if not isinstance(raw_rows, list):
        raise WorkloadError([RowProblem("workload", raw_rows, "write each workload as a [[workload]] table")], origin)
    rows: list[Any] = []
    sources: dict[str, str] = {}
    for i, raw in enumerate(raw_rows, start=1):
        if not isinstance(raw, Mapping):
            rows.append(raw)
            continue
        row, found, bad = split_sources(raw)
        rows.append(row)
        sources.update({f"{i}.{col}": src for col, src in found.items()})
        name = str(raw.get("name", ""))
        for col, val, why in bad:
            spec = WORKLOAD_FIELDS.get(col)
            why = f"{why}; allowed: {spec.range_text()}" if spec is not None else why
            problems.append(_cell(i, name, col, val, "wrong_type", why))
    if problems:
        raise WorkloadError(problems, origin)
    return WorkloadSet(data.get("name", "Workloads"), data.get("description", ""),
                       validate_rows(rows, strict=strict, origin=origin), sources)


def parse_toml(text: str, origin: str = "") -> WorkloadSet:
    """Parse and validate the text of a workload file."""
    return from_dict(parse_toml_text(text, origin, WorkloadError), strict=True, origin=origin)


def load(path: str | os.PathLike[str]) -> WorkloadSet:
    """Load and validate a workload file (TOML, at most 1 MB, UTF-8)."""
    return parse_toml(read_input(path, WorkloadError), str(path))


def to_toml(ws: WorkloadSet) -> str:
    """TOML text of a workload set; values with a source are written as ``{value, source}``."""
    rows = [source_table({c: v for c, v in w.model_dump().items() if c != "source" or v}, ws.sources, f"{i}.")
            for i, w in enumerate(ws.workloads, start=1)]
    doc: dict[str, Any] = {"name": ws.name}
    if ws.description:
        doc["description"] = ws.description
    doc["workload"] = rows
    return dump_toml(doc)


def to_frame(workloads: Iterable[Workload]) -> pd.DataFrame:
    """Workloads as a table with every column (empty cells = unset), rows numbered from 1."""
    import pandas as pd

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
