"""Where everything lives in the workbook: one frozen :class:`Layout`, planned once per export.

:func:`plan` decides every position before a cell is written: the row of each line item on the
Heavy and Light timelines, the defined name of each per-scenario value and result, the row of each
input on the Inputs sheet, the Summary's rows and chart tables, and which timeline rows get a block
on the IRR solver sheet. The sheet writers (``cover``, ``inputs``, ``timelines``, ``summary``,
``irr_solver``, ``sensitivity``) only read it, so a formula on one sheet can name a cell on
another without the writers sharing state.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from openpyxl.utils import get_column_letter

from finmodel import model, schema
from finmodel.model import engine, expr, heavy, light, tables
from finmodel.schema import Scenario, inert
from finmodel.workbook.reader import CATALOGUE, CHECKS, INPUTS, WORKBOOK_CONSTANTS
from finmodel.workbook.report_plan import ANNUAL, BALANCE, CASH_FLOW, DEBT, INCOME, ReportsLayout, plan_reports

__all__ = ["Layout", "ModelLayout", "InputsLayout", "SummaryRow", "IrrBlock", "CatalogueUse", "plan", "calc_name",
           "MODELS", "SHEETS", "COVER", "HEAVY", "LIGHT", "SUMMARY", "IRR_SOLVER", "SENSITIVITY", "INPUTS", "CHECKS",
           "CATALOGUE", "DEFINITIONS", "ANNUAL", "INCOME", "CASH_FLOW", "BALANCE", "DEBT", "HEADER_ROW",
           "MODEL_CONSTANTS",
           "MONTH_ROW", "COL_ZH", "COL_EN", "COL_UNIT", "COL_KEY", "COL_VALUE", "COL_OPENING", "COL_MONTH0"]

COVER, HEAVY, LIGHT, SUMMARY, SENSITIVITY = "Cover", "Heavy", "Light", "Summary", "Sensitivity"
IRR_SOLVER, DEFINITIONS = "IRR solver", "Definitions"
SHEETS = (COVER, INPUTS, CATALOGUE, HEAVY, LIGHT, SUMMARY, ANNUAL, INCOME, CASH_FLOW, BALANCE, DEBT, CHECKS, IRR_SOLVER,
          DEFINITIONS, SENSITIVITY)
MODELS: dict[str, tuple[str, list[engine.Item], list[engine.Item]]] = {
    "heavy": (HEAVY, heavy.ITEMS, heavy.RESULTS),
    "light": (LIGHT, light.ITEMS, light.RESULTS),
}
_SUMMARY_ORDER = {"heavy": heavy.SUMMARY_ORDER, "light": light.SUMMARY_ORDER}
_COST_LINES = {"heavy": heavy.COST_LINES, "light": light.COST_LINES}

# ---- timeline sheet geometry (Heavy and Light share it, so cross-sheet columns align) ----------
HEADER_ROW = 4
MONTH_ROW = 5
COL_ZH, COL_EN, COL_UNIT, COL_KEY, COL_VALUE, COL_OPENING, COL_MONTH0 = 1, 2, 3, 4, 5, 6, 7
INPUTS_HEADER_ROW = 7
COL_INPUT_VALUE = 3  # column C: the (first) scenario's values on Inputs
SUMMARY_HEADER_ROW = 5
#: Display conversions the workbook alone uses (万元 columns): named, locked constants on Inputs.
WORKBOOK_CONSTS = (expr.Const("cny_per_wan", WORKBOOK_CONSTANTS["cny_per_wan"], "CNY/万元", "CNY per 万元 (display)",
                              "每万元的元数（显示用）"),)
#: The named constants listed on Inputs: the model's unit conversions, then the workbook's own. The
#: catalogue's values live on the Catalogue sheet (one range per :data:`tables.TABLES` entry).
MODEL_CONSTANTS = (*expr.UNIT_CONSTANTS, *WORKBOOK_CONSTS)
_IRR_NAME = re.compile(r"\birr_\w+?_row\d+\b")  # expr.irr_root_name in a formula


def calc_name(model_name: str, key: str) -> str:
    """Defined name of a calculated single value: ``calc_heavy_npv_cny``."""
    return f"calc_{model_name}_{key}"


class SummaryRow(NamedTuple):
    """One Summary line: a result formula, or a reference to a per-scenario value."""

    kind: Literal["result", "ref"]
    item: engine.Item
    row: int


@dataclass(frozen=True)
class ModelLayout:
    """Rows and names of one model (heavy or light) on its timeline sheet and on the Summary."""

    name: str
    sheet: str
    items: tuple[engine.Item, ...]
    results: tuple[engine.Item, ...]
    cells: Mapping[str, engine.Cell]  # every item and result → its row or defined name
    rows: Mapping[str, int]  # item key → row on the timeline sheet (per-scenario values: column E)
    first_timeline_row: int
    summary_section_row: int
    summary: tuple[SummaryRow, ...]
    payback_point_row: int  # chart data: the payback point
    cost_header_row: int  # chart data: the cost-structure table
    cost_rows: tuple[tuple[str, int], ...]  # (cost line key, row)


@dataclass(frozen=True)
class InputsLayout:
    """Rows and columns of the Inputs sheet: each input's value sits in its row, one column per
    scenario from column C; then unit, allowed range, one source column per scenario, field, help."""

    n: int  # scenarios (value columns)
    sections: tuple[tuple[str, int], ...]  # (section key, header row)
    rows: Mapping[str, int]  # field path → row
    constants_row: int
    constant_rows: tuple[tuple[expr.Const, int], ...]
    other_sources_row: int | None  # header of sources for keys that are not inputs
    other_sources: tuple[tuple[str, int], ...]  # (key, row)
    rules_row: int  # header of the inactive-input rules (finmodel.schema.inert.RULES)
    rule_rows: tuple[tuple[inert.Rule, int], ...]
    end_row: int  # the last row of the printed inputs (the rules table follows)

    @property
    def status_col(self) -> int:
        """The live status of each input: inactive under the switches, or what the catalogue says."""
        return COL_INPUT_VALUE + self.n

    @property
    def unit_col(self) -> int:
        return self.status_col + 1

    def rules_of(self, path: str) -> tuple[int, ...]:
        """The rows of the rules that can make ``path`` inactive, in the order they are tried."""
        return tuple(r for rule, r in self.rule_rows if path in rule.fields)

    @property
    def allowed_col(self) -> int:
        return self.unit_col + 1

    def source_col(self, k: int) -> int:
        """The source column of scenario ``k`` (0-based)."""
        return self.allowed_col + 1 + k

    @property
    def field_col(self) -> int:
        return self.allowed_col + 1 + self.n


@dataclass(frozen=True)
class IrrBlock:
    """One IRR on the IRR solver sheet: the timeline row it solves and its first column there."""

    name: str  # defined name of the root, expr.irr_root_name(row)
    model: str
    key: str  # the timeline row's item key
    row: expr.RowRange
    column: int


@dataclass(frozen=True)
class CatalogueUse:
    """A line item that looks a value up in a catalogue table (``m.lookup``), typically "the input if
    written, else the catalogue's figure". ``overrides`` are the optional inputs it reads besides the
    table's choices: the figures an analyst writes over the catalogue (``light.tflops_per_card``)."""

    model: str
    key: str
    table: tables.Table
    rows: tuple[str, ...]  # choice inputs: the first non-blank one picks the table's row
    col: str | None  # the choice input that picks the column (None: a one-column table)
    overrides: tuple[str, ...]

    @property
    def name(self) -> str:
        """Defined name of the catalogue's value in use (``catalogue_light_tflops_per_card``)."""
        return f"catalogue_{self.model}_{self.key}"


class _LookupTracer(engine.FormulaContext):
    """A formula context that records each ``lookup`` and the inputs read outside lookups."""

    def __init__(self, cells: Mapping[str, engine.Cell]) -> None:
        super().__init__(cells, {"S": 1}, "A", "B", "C")
        self.lookups: list[tuple[tables.Table, tuple[str, ...], str | None]] = []
        self.read: list[str] = []
        self.rows_read: list[str] = []
        self._inside = False

    def row(self, key: str) -> Any:
        self.rows_read.append(key)
        return super().row(key)

    def x(self, path: str) -> expr.Sym:
        if not self._inside:
            self.read.append(path)
        return super().x(path)

    def lookup(self, table: tables.Table, rows: Sequence[str], col: str | None = None) -> expr.Sym:
        self._inside = True
        try:
            out = super().lookup(table, rows, col)
        finally:
            self._inside = False
        self.lookups.append((table, tuple(rows), col))
        return out


@cache
def catalogue_uses() -> tuple[CatalogueUse, ...]:
    """Every catalogue lookup of the models' line items, traced by rendering them once."""
    out = []
    for name, (_, items, _) in MODELS.items():
        cells = {it.key: engine.Cell("S", row=n + 2) if it.kind == "row" else engine.Cell("S", name=f"n{n}")
                 for n, it in enumerate(items)}
        traced = {}
        for it in items:
            traced[it.key] = tracer = _LookupTracer(cells)
            tracer.formula(it)
        for key, tracer in traced.items():
            for table, rows, col in tracer.lookups:
                used = set(rows) | {col}
                owner, reads = key, tracer.read
                if not any(schema.FIELDS[p].optional for p in reads if p not in used):
                    # a lookup on a helper row of its own (formulas ≤ 200 characters): the use is the
                    # row that reads it and the optional input that overrides it
                    owner, reads = next(((k, t.read) for k, t in traced.items() if key in t.rows_read), (key, reads))
                overrides = tuple(p for p in dict.fromkeys(reads) if p not in used and schema.FIELDS[p].optional)
                out.append(CatalogueUse(name, owner, table, rows, col, overrides))
    return tuple(out)


@dataclass(frozen=True)
class Layout:
    """Every position of one export (see :func:`plan`)."""

    horizon: int
    sensitivity: bool
    first: str  # column letters of month 0, month 1 and month H
    second: str
    last: str
    models: Mapping[str, ModelLayout]
    inputs: InputsLayout
    chart_data_row: int  # Summary: header of the chart data
    irr: tuple[IrrBlock, ...]
    reports: ReportsLayout  # the statement sheets, Debt and Annual (report_plan.py)

    @property
    def sheets(self) -> tuple[str, ...]:
        return SHEETS if self.sensitivity else SHEETS[:-1]

    def context(self, model_name: str) -> engine.FormulaContext:
        """The formula context of a model's items over this layout."""
        months = {HEAVY: MONTH_ROW, LIGHT: MONTH_ROW}
        return engine.FormulaContext(self.models[model_name].cells, months, self.first, self.second, self.last,
                                     catalogue_sheet=True)


def _frozen(d: dict) -> Mapping:
    return MappingProxyType(d)


# --------------------------------------------------------------------------- planning
def plan(scenarios: Sequence[Scenario], *, sensitivity: bool = True) -> Layout:
    """The layout of a workbook of one or more scenarios (its timeline spans the longest horizon)."""
    h = max(s.general.horizon_months for s in scenarios)
    first, second, last = (get_column_letter(COL_MONTH0 + j) for j in (0, 1, h))
    timelines = {name: _timeline(name, first, second, last) for name in MODELS}
    _check_names(timelines)
    models, r = {}, SUMMARY_HEADER_ROW + 1
    for name, (cells, rows, first_row) in timelines.items():
        models[name], r = _summary_rows(name, cells, rows, first_row, r)
    chart_data_row = r + 1
    r = chart_data_row + 1 + len(models)  # header, then one payback point per model
    for i, name in enumerate(models):
        cost_header = r + 2
        cost_rows = tuple((key, cost_header + 1 + j) for j, key in enumerate(_COST_LINES[name]))
        models[name] = replace(models[name], payback_point_row=chart_data_row + 2 + i, cost_header_row=cost_header,
                                cost_rows=cost_rows)
        r = cost_rows[-1][1]
    reports = plan_reports(h, {name: (items, results) for name, (_, items, results) in MODELS.items()})
    layout = Layout(h, sensitivity, first, second, last, _frozen(models), _inputs(scenarios), chart_data_row, (),
                    reports)
    return replace(layout, irr=_irr_blocks(layout))


def _timeline(name: str, first: str, second: str, last: str) -> tuple[dict, dict, int]:
    """Cells and rows of a model's items: per-scenario values from row 7, then the timeline."""
    sheet, items, results = MODELS[name]
    cells: dict[str, engine.Cell] = {}
    rows: dict[str, int] = {}
    r = MONTH_ROW + 2  # row 6 is the "per-scenario values" section header
    for it in items:
        if it.kind == "scalar":
            cells[it.key], rows[it.key] = engine.Cell(sheet, name=calc_name(name, it.key)), r
            r += 1
    r += 2  # blank row + timeline section header
    first_row = r
    for it in items:
        if it.kind == "row":
            cells[it.key], rows[it.key] = engine.Cell(sheet, row=r), r
            r += 1
    for it in results:
        cells[it.key] = engine.Cell(SUMMARY, name=calc_name(name, it.key))
    return cells, rows, first_row


def _check_names(timelines: dict[str, tuple[dict, dict, int]]) -> None:
    names = [c.name for cells, _, _ in timelines.values() for c in cells.values() if c.name]
    inputs = {engine.name_of(p) for p in schema.FIELDS} | {c.name for c in MODEL_CONSTANTS}
    inputs |= {f"{t.name}{part}" for t in tables.TABLES for part in ("", "_rows", "_cols")}
    inputs |= {u.name for u in catalogue_uses()}
    clash = set(names) & inputs
    if clash or len(names) != len(set(names)):  # pragma: no cover - a naming bug
        raise RuntimeError(f"defined-name clash: {sorted(clash)}")


def _summary_rows(name: str, cells: dict, rows: dict, first_row: int, r: int) -> tuple[ModelLayout, int]:
    """The model's Summary block from row ``r``: a section header, then every entry in display order."""
    sheet, items, results = MODELS[name]
    result_keys = {i.key for i in results}
    order = list(_SUMMARY_ORDER[name]) + [i.key for i in results if i.key not in _SUMMARY_ORDER[name]]
    summary = tuple(SummaryRow("result" if key in result_keys else "ref", model.item(name, key), r + 1 + j)
                    for j, key in enumerate(order))
    ml = ModelLayout(name, sheet, tuple(items), tuple(results), _frozen(cells), _frozen(rows), first_row, r,
                     summary, 0, 0, ())
    return ml, r + len(summary) + 2


def _inputs(scenarios: Sequence[Scenario]) -> InputsLayout:
    """Inputs rows: one section per schema section (in declaration order), constants, other sources."""
    by_section: dict[str, list[str]] = {}
    for path, spec in schema.FIELDS.items():
        by_section.setdefault(spec.section, []).append(path)
    sections, rows, r = [], {}, INPUTS_HEADER_ROW + 1
    for section, paths in by_section.items():
        sections.append((section, r))
        r += 1
        for p in paths:  # a list input (the price index) takes one row per item, from rows[p] down
            rows[p] = r
            r += schema.FIELDS[p].max_items or 1
        r += 1
    constants_row = r
    constant_rows = tuple((c, constants_row + 1 + j) for j, c in enumerate(MODEL_CONSTANTS))
    r = constants_row + 1 + len(constant_rows)
    extra = list(dict.fromkeys(k for s in scenarios for k in s.sources if k not in schema.FIELDS))
    other_row = r + 1 if extra else None
    other = tuple((k, r + 2 + j) for j, k in enumerate(extra))
    end = r + 2 + len(extra) if extra else r
    rules_row = end + 2  # after a blank row: the import reads other sources up to the first empty key
    rule_rows = tuple((rule, rules_row + 2 + j) for j, rule in enumerate(inert.RULES))  # after its header
    return InputsLayout(len(scenarios), tuple(sections), _frozen(rows), constants_row, constant_rows, other_row, other,
                        rules_row, rule_rows, end)


def _irr_blocks(layout: Layout) -> tuple[IrrBlock, ...]:
    """The timeline rows whose IRR the Summary reports, in the order its formulas name them."""
    by_name: dict[str, tuple[str, str, expr.RowRange]] = {}
    for name, ml in layout.models.items():
        for it in ml.items:
            if it.kind == "row":
                rr = expr.RowRange(ml.sheet, ml.rows[it.key], layout.first, layout.second, layout.last)
                by_name[expr.irr_root_name(rr)] = (name, it.key, rr)
    used: dict[str, tuple[str, str, expr.RowRange]] = {}
    for name, ml in layout.models.items():
        ctx = layout.context(name)
        for entry in ml.summary:
            if entry.kind == "result":
                for root in _IRR_NAME.findall(ctx.formula(entry.item).text):
                    used.setdefault(root, by_name[root])
    return tuple(IrrBlock(root, m, key, rr, 3 + 6 * j) for j, (root, (m, key, rr)) in enumerate(used.items()))
