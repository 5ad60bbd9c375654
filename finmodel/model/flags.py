"""Switch flags: each option a scenario can switch on, computed once as a 1/0 value.

A line that depends on a switch multiplies by (or tests) its flag item — ``m.row("flag_bottom_up")`` —
instead of comparing the choice's text again in every row: the workbook has one
``IF(heavy_cash_cost_method="bottom_up",1,0)`` cell and every cost row reads it (FAST: one flag
row per switch).
"""

from __future__ import annotations

from finmodel import schema
from finmodel.model.engine import Item
from finmodel.model.expr import where

__all__ = ["flag", "flags"]


def flag(key: str, path: str, option: str) -> Item:
    """The item ``key``: 1 where the choice ``path`` is ``option``, else 0. [flag]"""
    spec = schema.field_spec(path)
    label_en, label_zh = spec.choice_label(option, "en"), spec.choice_label(option, "zh")
    return Item(key, f"Switch: {spec.label_en} = {label_en}", f"开关：{spec.label_zh} = {label_zh}", "flag",
                lambda m: where(m.is_(path, option), 1, 0), kind="scalar", fmt="flag", helper=True)


def flags(path: str, options: dict[str, str]) -> list[Item]:
    """One flag item per option of the choice ``path``: ``{option: item key}``."""
    return [flag(key, path, option) for option, key in options.items()]
