"""Excel data validation and number formats of the input cells, from the schema's declarations."""

from __future__ import annotations

from typing import Any

from openpyxl.worksheet.datavalidation import DataValidation

from finmodel import schema
from finmodel.schema import catalog

__all__ = ["validation", "input_format", "help_zh"]


def input_format(spec: schema.FieldSpec) -> str:
    """The number format of an input cell (integers, fractions as %, money with two decimals)."""
    if spec.kind == "int":
        return "#,##0"
    if spec.kind != "float":
        return "@"
    if spec.unit.startswith("fraction"):
        return "0.0##%"
    if spec.unit.startswith("CNY"):
        return '"¥"#,##0.00'
    return "#,##0.0##"


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
    common: dict[str, Any] = dict(allow_blank=spec.optional, showErrorMessage=True, showInputMessage=True,
                                  errorTitle=spec.label_en[:32], promptTitle=spec.label_en[:32])
    if spec.kind in ("choice", "str"):
        options = spec.choices if spec.kind == "choice" else tuple(catalog.GPUS)
        return DataValidation(type="list", formula1='"' + ",".join(options) + '"',
                              error=("one of: " + ", ".join(options))[:255], prompt=_prompt(spec, ""), **common)
    le = float(horizon) if spec.path == "general.horizon_months" else spec.le
    dtype = "whole" if spec.kind == "int" else "decimal"
    allowed = spec.range_text() if le == spec.le else f"an integer, 1 ≤ value ≤ {horizon} (re-export for longer)"
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
