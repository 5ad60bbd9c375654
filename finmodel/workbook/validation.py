"""Excel data validation and number formats of the input cells, from the schema's declarations."""

from __future__ import annotations

from typing import Any

from openpyxl.worksheet.datavalidation import DataValidation

from finmodel import schema
from finmodel.model import tables

__all__ = ["validation", "input_format", "help_zh", "allowed_text"]

_PER_UNIT_PRICES = ("CNY/card-hour", "CNY/kWh")  # prices quoted in fen: always with decimals


def input_format(spec: schema.FieldSpec, value: object = None) -> str:
    """The number format of an input cell: integers grouped, fractions as %, money in whole yuan
    (``¥1,450,000``, no ``.00``) unless it is a per-unit price or has fen (``¥22.50``, ``¥0.35``)."""
    if spec.kind == "int":
        return "#,##0"
    if spec.kind != "float":
        return "@"
    if spec.unit.startswith("fraction"):
        return "0.0##%"
    if spec.unit.startswith("CNY"):
        whole = value is None or (isinstance(value, float) and value.is_integer())
        return '"¥"#,##0' if whole and spec.unit not in _PER_UNIT_PRICES else '"¥"#,##0.00##'
    return "#,##0.0##"


def allowed_text(spec: schema.FieldSpec, horizon: int) -> str:
    """The Allowed column: the schema's range in 中文 and English (the horizon: the exported maximum)."""
    if spec.path == "general.horizon_months":
        return (f"整数，1 ≤ 值 ≤ {horizon}（本工作簿导出的月数；更长请重新导出）\n"
                f"an integer, 1 ≤ value ≤ {horizon} (this workbook's exported months; re-export for longer)")
    return f"{spec.range_text('zh')}\n{spec.range_text('en')}"


def catalogue_keys(spec: schema.FieldSpec) -> str:
    """The defined name of the Catalogue sheet's keys that a choice's options are, if any
    (``heavy.gpu`` → ``catalogue_gpu_tflops_rows``, ``light.precision`` → ``catalogue_gpu_tflops_cols``):
    its dropdown and its range check read them there, one list however long the catalogue grows."""
    for t in tables.TABLES:
        for part, keys in (("_rows", t.rows), ("_cols", t.cols)):
            if spec.choices and tuple(spec.choices) == tuple(keys):
                return t.name + part
    return ""


def help_zh(spec: schema.FieldSpec) -> str:
    return getattr(spec, "help_zh", "") or ""


def _prompt(spec: schema.FieldSpec, allowed: str) -> str:
    """Data-validation prompt (Excel shows at most 255 characters): Chinese help, else English."""
    text = (help_zh(spec) or spec.help) + allowed
    return text if len(text) <= 255 else text[:254] + "…"


def _num(x: float) -> str:
    return repr(int(x)) if float(x).is_integer() else repr(float(x))


def validation(spec: schema.FieldSpec, horizon: int, coord: str) -> DataValidation | None:
    """Excel data validation from the schema (lists for choices, bounds for numbers); the horizon
    can only shorten the exported timeline (it has ``horizon + 1`` month columns)."""
    common: dict[str, Any] = dict(allow_blank=spec.optional or spec.kind == "list", showErrorMessage=True,
                                  showInputMessage=True, errorTitle=spec.label_en[:32], promptTitle=spec.label_en[:32])
    if spec.kind == "choice":
        options, keys = spec.choices, catalogue_keys(spec)
        return DataValidation(type="list", formula1=keys or '"' + ",".join(options) + '"',
                              error=("one of: " + ", ".join(options))[:255], prompt=_prompt(spec, ""), **common)
    le = float(horizon) if spec.path == "general.horizon_months" else spec.le
    dtype = "whole" if spec.kind == "int" else "decimal"
    allowed = spec.range_text() if le == spec.le else (f"an integer, 1 ≤ value ≤ {horizon} (this workbook's "
                                                        "exported months; re-export for longer)")
    common.update(error=f"Allowed: {allowed}"[:255], prompt=_prompt(spec, f" Allowed: {allowed}"))
    if spec.gt is not None or spec.lt is not None:  # strict bounds: a custom rule on the cell itself
        parts = [f"ISNUMBER({coord})"]
        for op, bound in ((">=", spec.ge), (">", spec.gt), ("<=", le), ("<", spec.lt)):
            if bound is not None:
                parts.append(f"{coord}{op}{_num(bound)}")
        formula = "AND(" + ",".join(parts) + ")"
        if spec.optional:
            formula = f"OR(ISBLANK({coord}),{formula})"
        return DataValidation(type="custom", formula1=formula, **common)
    lo = spec.ge
    if lo is not None and le is not None:
        return DataValidation(type=dtype, operator="between", formula1=_num(lo), formula2=_num(le), **common)
    if lo is not None:
        return DataValidation(type=dtype, operator="greaterThanOrEqual", formula1=_num(lo), **common)
    if le is not None:
        return DataValidation(type=dtype, operator="lessThanOrEqual", formula1=_num(le), **common)
    return None
