"""The portfolio workbook: one timeline sheet per cohort, and a Company sheet that sums them.

``finmodel portfolio FILE --xlsx OUT`` writes (see ``docs/portfolio.md``, "Workbook"):

* **Portfolio inputs** — the company's ``[general]`` and ``[company]`` inputs (named cells), each
  cohort's purchase and end month (``cohort_<name>_purchase_month`` / ``_end_month``), then one
  column per cohort timeline with every scenario input *as the engine reads that row* (the
  company's general inputs, the shocks applied, a slipped cohort's share of servers and fixed
  costs, the late share's delay), and the model constants.
* **C<i> <name>** (and **C<i>L <name>** for the late share of a slipped cohort) — the heavy or light
  timeline of that cohort on its own calendar (month 0 = its purchase), written by
  :func:`finmodel.workbook.timelines.write_timelines` from the same line items as the scenario
  workbook, plus the cohort lines the company sums (:data:`~finmodel.model.portfolio_items.COHORT_ITEMS`).
  Each such sheet carries *sheet-scoped* defined names (``heavy_servers`` → its column on
  Portfolio inputs, ``calc_heavy_capex_cny`` → its own cell), so its formulas are literally the
  scenario workbook's.
* **A<i> <name>** — that cohort on the company calendar: each ``heavy_*`` / ``light_*`` input row of
  the company model summed over its timelines, each shifted to its purchase month with ``INDEX``
  (month ``t`` reads cohort month ``t − purchase``), and the cohort as a company of its own (no
  company-level lines): the rows its stand-alone income tax, EBITDA and cash flow need.
* **Company** — the company model (:data:`~finmodel.model.portfolio_items.ROLLUP`): each input row
  is the sum of that row over the A-sheets (the same column: one calendar), the ``standalone_*``
  rows the sums of their stand-alone lines; every other row and the KPIs are the same generated
  formulas as any timeline. Its IRRs are solved on the **IRR solver** sheet.
* **Catalogue** — the lookup tables the formulas read.

Purchase months, delivery and retirement shape the sheets (each timeline spans its own months):
they are data here, not inputs; change them in the portfolio file and export again.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName

from finmodel import __version__, schema
from finmodel.model import engine, expr
from finmodel.model import portfolio_items as pi
from finmodel.model.engine import Cell, FormulaContext, Item
from finmodel.model.portfolio_inputs import HORIZON, Inputs, Tranche, inputs
from finmodel.schema.portfolio import Portfolio
from finmodel.workbook import bulk
from finmodel.workbook import styles as st
from finmodel.workbook.bulk import Bulk
from finmodel.workbook.catalogue import write_catalogue
from finmodel.workbook.irr_solver import write_irr_solver
from finmodel.workbook.layout import (
    CATALOGUE,
    COL_MONTH0,
    IRR_SOLVER,
    MODEL_CONSTANTS,
    MONTH_ROW,
    IrrBlock,
    Layout,
    ModelLayout,
    calc_name,
    plan,
)
from finmodel.workbook.reader import TIMELINE_MONTHS
from finmodel.workbook.timelines import write_timelines
from finmodel.workbook.xlsx import cell_text, exact_value_patch

__all__ = ["COMPANY", "PORTFOLIO_INPUTS", "portfolio_workbook_bytes", "write_portfolio_workbook", "sheet_names"]

COMPANY, PORTFOLIO_INPUTS = "Company", "Portfolio inputs"
_FIRST_ROW = MONTH_ROW + 2  # timeline sheets: per-scenario values from row 7 (layout.plan's geometry)
MAX_FORMULA = 8192  # characters: Excel's limit on a formula
_IN_COL = 3  # Portfolio inputs: the company's values, then one column per cohort timeline
_BASES = tuple(pi.STANDALONE.values())
#: The company inputs a cohort alone does without (its loan's terms stay, with nothing borrowed).
ALONE_ZERO = frozenset("company_" + k for k, *_ in pi.COMPANY_INPUTS
                       if k.endswith("_cny_per_month") or k == "loan_cny")


@dataclass(frozen=True)
class _Sheets(Layout):
    """A :class:`Layout` whose timeline sheets are named freely: the month row of each model's own sheet."""

    def context(self, model_name: str) -> FormulaContext:
        ml = self.models[model_name]
        return FormulaContext(ml.cells, {ml.sheet: MONTH_ROW}, self.first, self.second, self.last,
                              catalogue_sheet=True)


@dataclass(frozen=True)
class _Timeline:
    """One cohort timeline sheet: its tranche, rows and horizon."""

    tranche: Tranche
    sheet: str
    rows: dict[str, int]
    horizon: int


def sheet_names(p: Portfolio) -> list[str]:
    """The cohort timeline sheets of ``p``, one per engine row (a slipped cohort has two)."""
    from finmodel.model.portfolio_inputs import tranches

    out = []
    for t in tranches(p):
        c = p.cohorts[t.cohort]
        out.append(f"C{t.cohort + 1}{'L' if t.late else ''} {c.name}"[:31])
    return out


def _alone_sheet(p: Portfolio, i: int) -> str:
    return f"A{i + 1} {p.cohorts[i].name}"[:31]


def _layout(base: Layout, horizon: int, models: dict[str, ModelLayout], irr: tuple[IrrBlock, ...] = ()) -> _Sheets:
    values = {f.name: getattr(base, f.name) for f in fields(base)}
    values.update(horizon=horizon, last=get_column_letter(COL_MONTH0 + horizon), models=models, irr=irr)
    return _Sheets(**values)


def _model_layout(name: str, sheet: str, items: Sequence[Item]) -> ModelLayout:
    """Rows of ``items`` on ``sheet``: single values from row 7 (named ``calc_<name>_<key>``), then the timeline."""
    cells, rows, r = {}, {}, _FIRST_ROW
    for it in items:
        if it.kind == "scalar":
            cells[it.key], rows[it.key] = Cell(sheet, name=calc_name(name, it.key)), r
            r += 1
    first = r + 2  # blank row + timeline section header
    for j, it in enumerate(i for i in items if i.kind == "row"):
        cells[it.key], rows[it.key] = Cell(sheet, row=first + j), first + j
    return ModelLayout(name, sheet, tuple(items), (), cells, rows, first, 0, (), 0, 0, ())


# --------------------------------------------------------------------------- Portfolio inputs
def _value(path: str, v: float) -> float | str | None:
    """A tranche input as a cell value: a choice's option text, None for an unset optional."""
    spec = schema.FIELDS[path]
    if v != v:  # NaN: unset optional
        return None
    return spec.choices[int(v)] if spec.kind == "choice" else float(v)


def _write_inputs(wb: Workbook, p: Portfolio, inp: Inputs, names: list[str]) -> dict[str, float]:
    """Portfolio inputs; returns the cells whose floats must be stored exactly."""
    ws: st.Sheet = wb[PORTFOLIO_INPUTS]
    st.label(ws, 1, 1, "组合输入 Portfolio inputs", st.FONT_TITLE)
    st.label(ws, 2, 1, "公司的通用输入与公司层面输入（命名单元格），各机群的购置月与结束月，以及每条机群时间线的"
                       "情景输入（已含公司通用输入、全局冲击、延迟交付的份额与延迟）。 The company's inputs "
                       "(named cells), each cohort's purchase and end month, and every cohort timeline's scenario "
                       "inputs as the engine reads that row (company general inputs, shocks, a slipped cohort's "
                       "share and delay applied). Purchase months are data: change them in the portfolio file and "
                       "export again.", st.FONT_NOTE)
    exact: dict[str, float] = {}
    r = 4
    st.section(ws, r, "公司 Company", _IN_COL + len(names))
    company = {f"general.{k}": v for k, v in p.general.model_dump().items() if k != "currency"}
    company |= {f"portfolio.company_{k}": v for k, v in p.company.model_dump().items()}
    company |= {f"shocks.{k}": v for k, v in p.shocks.model_dump().items()}  # shown: applied in the cohort columns
    for path, v in company.items():
        r += 1
        st.label(ws, r, 1, path, st.FONT_KEY)
        _input_cell(ws, r, _IN_COL, v, exact)
        st.define(wb, engine.name_of(path), PORTFOLIO_INPUTS, f"{get_column_letter(_IN_COL)}{r}")
    for i, c in enumerate(p.cohorts):
        for key, v in (("purchase_month", int(inp.purchase[0, i])), ("end_month", int(inp.end[0, i]))):
            r += 1
            st.label(ws, r, 1, f"cohorts.{c.name}.{key}", st.FONT_KEY)
            _input_cell(ws, r, _IN_COL, v, exact)
            st.define(wb, f"cohort_{c.name}_{key}", PORTFOLIO_INPUTS, f"{get_column_letter(_IN_COL)}{r}")
    r += 2
    st.section(ws, r, "机群时间线的输入 Inputs of each cohort timeline", _IN_COL + len(names))
    st.header(ws, r + 1, ["Input", "Unit", *names], 1)
    r += 1
    for path, spec in schema.FIELDS.items():
        if spec.kind == "str":
            continue
        r += 1
        st.label(ws, r, 1, path, st.FONT_KEY)
        st.label(ws, r, 2, spec.unit)
        for j, params in enumerate(inp.params):
            v = inp.horizons[j] if path == HORIZON else params.get(path)  # a row's horizon: its own
            value = None if v is None else _value(path, float(v.reshape(-1)[0]))
            _input_cell(ws, r, _IN_COL + j, value, exact)
            _local(wb, names[j], engine.name_of(path), f"{get_column_letter(_IN_COL + j)}{r}")
    _constants(wb, ws, r + 3)
    ws.freeze_panes = ws.cell(4, _IN_COL)
    st.widths(ws, {"A": 40, "B": 16, **{get_column_letter(_IN_COL + j): 18 for j in range(len(names))}})
    return exact


def _input_cell(ws: st.Sheet, r: int, col: int, v: object, exact: dict[str, float]) -> None:
    """An input value (yellow, editable: the formulas read it live)."""
    c = ws.cell(r, col)
    st.input_style(c)
    if isinstance(v, str):
        st.put_text(c, v)
    elif v is not None:
        c.value = float(v) if isinstance(v, float) else v  # type: ignore[assignment]
        if isinstance(v, float):
            exact[c.coordinate] = v


def _constants(wb: Workbook, ws: st.Sheet, r: int) -> None:
    st.section(ws, r, "常数 Constants (unit conversions used by formulas; not inputs)", _IN_COL)
    for j, const in enumerate(MODEL_CONSTANTS, start=1):
        st.label(ws, r + j, 1, const.name, st.FONT_KEY)
        ws.cell(r + j, _IN_COL, const.value)
        st.define(wb, const.name, PORTFOLIO_INPUTS, f"{get_column_letter(_IN_COL)}{r + j}")


def _local(wb: Workbook, sheet: str, name: str, coord: str) -> None:
    """A defined name scoped to ``sheet`` (it shadows a workbook-wide name of the same text there)."""
    col, row = coord.rstrip("0123456789"), coord[len(coord.rstrip("0123456789")):]
    wb[sheet].defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(PORTFOLIO_INPUTS)}!${col}${row}")


def _localise(wb: Workbook, sheet: str, names: Sequence[str]) -> None:
    """Move workbook-wide names that a timeline writer defined into ``sheet``'s own scope."""
    for name in names:
        dn = wb.defined_names.pop(name, None)
        if dn is not None:
            wb[sheet].defined_names[name] = DefinedName(name, attr_text=dn.attr_text)


# --------------------------------------------------------------------------- cohort timelines
def _cohort_timelines(wb: Workbook, base: Layout, inp: Inputs, names: list[str], bulks: dict[str, Bulk],
                      p: Portfolio) -> list[_Timeline]:
    """One heavy or light timeline per engine row, with the cohort lines the company sums."""
    out = []
    for j, (t, sheet) in enumerate(zip(inp.tranches, names, strict=True)):
        items = [*base.models[t.model].items, *(pi.HEAVY_EXTRAS if t.model == "heavy" else pi.LIGHT_EXTRAS)]
        ml = _model_layout(t.model, sheet, items)
        horizon = int(inp.horizons[j][0])
        write_timelines(wb, _layout(base, horizon, {t.model: ml}), p.cohorts[t.cohort].scenario, bulks)
        _localise(wb, sheet, [calc_name(t.model, it.key) for it in items if it.kind == "scalar"] + [TIMELINE_MONTHS])
        c = p.cohorts[t.cohort]
        part = " — late share" if t.late else (" — on-time share" if c.slip_months else "")
        _title(wb[sheet], f"{sheet}: {c.label or c.name}{part} ({t.model}; company months {c.purchase_month}–"
                          f"{int(inp.end[0, t.cohort])})", t.model)
        out.append(_Timeline(t, sheet, dict(ml.rows), horizon))
    return out


def _title(ws: st.Sheet, title: str, source: str) -> None:
    st.label(ws, 1, 1, title, st.FONT_TITLE)
    st.label(ws, 2, 1, f"每个数值都是由 finmodel 的科目（finmodel/model/{source}.py）生成的公式。 Every number is a "
                       f"formula generated from finmodel's line items (finmodel/model/{source}.py). Month 0 = "
                       "this sheet's first month; flows at month end; column F is the opening value (0).",
             st.FONT_NOTE)


# --------------------------------------------------------------------------- the company model
def _shifted(parts: list[tuple[_Timeline, int, str]]) -> Callable[[object], expr.Sym]:
    """A company input row: Σ of one cohort line over ``parts`` (timeline, its row, cohort name), each
    read at cohort month t − purchase while the cohort runs (``INDEX`` into its row), else 0."""

    def fn(m: object) -> expr.Sym:
        t = m.t.text  # type: ignore[attr-defined]
        terms = []
        for tl, row, name in parts:
            last = get_column_letter(COL_MONTH0 + tl.horizon)
            cells = f"{quote_sheetname(tl.sheet)}!${get_column_letter(COL_MONTH0)}${row}:${last}${row}"
            p, e = f"cohort_{name}_purchase_month", f"cohort_{name}_end_month"
            terms.append(f"IF(AND({t}>={p},{t}<={e}),INDEX({cells},1,{t}-{p}+1),0)")
        return expr.Sym("+".join(terms) or "0")
    return fn


def _sum_parts(p: Portfolio, timelines: list[_Timeline], key: str, cohort: int) -> list[tuple[_Timeline, int, str]]:
    """The timelines of one cohort that an input row of the company model sums, with their row."""
    _, model, line, which = pi.SUMS_BY_KEY[key][:4]
    out = []
    for tl in timelines:
        c = p.cohorts[tl.tranche.cohort]
        retired = c.retire_month is not None
        if tl.tranche.model == model and (which == "all" or retired == (which == "retired")) and (
                tl.tranche.cohort == cohort):
            out.append((tl, tl.rows[line], c.name))
    return out


def _alone(wb: Workbook, base: Layout, p: Portfolio, timelines: list[_Timeline], bulks: dict[str, Bulk]
           ) -> list[tuple[str, dict[str, int]]]:
    """Each cohort on the company calendar: its lines summed over its timelines, shifted to its
    purchase month (every input row of the company model), and the cohort as a company of its own
    (no company-level lines): the rows of :data:`_BASES`."""
    needed = engine.needed(pi.ROLLUP, _BASES) | set(pi.SUMS_BY_KEY)
    out = []
    for i, c in enumerate(p.cohorts):
        sheet = _alone_sheet(p, i)
        items = []
        for it in pi.ROLLUP:
            if it.key not in needed:
                continue
            if it.key in pi.SUMS_BY_KEY:
                it = replace(it, fn=_shifted(_sum_parts(p, timelines, it.key, i)))
            elif it.key in ALONE_ZERO:  # alone: no company lines, no company loan
                it = replace(it, fn=lambda m: expr.Sym("0"))
            items.append(it)
        ml = _model_layout("heavy", sheet, items)
        write_timelines(wb, _layout(base, p.horizon_months, {"heavy": ml}), c.scenario, bulks)
        _localise(wb, sheet, [calc_name("heavy", it.key) for it in items if it.kind == "scalar"] + [TIMELINE_MONTHS])
        _title(wb[sheet], f"{sheet}: {c.label or c.name} on the company calendar — its lines shifted to its "
                          "purchase month, and the cohort alone (no company-level lines)", "portfolio_items")
        out.append((sheet, dict(ml.rows)))
    return out


def _summed(alone: list[tuple[str, dict[str, int]]], key: str) -> Callable[[object], expr.Sym]:
    """A company row: Σ over the cohorts of their row ``key`` on the A-sheets (the same month column)."""
    text = "+".join(f"{quote_sheetname(sheet)}!{{c}}{rows[key]}" for sheet, rows in alone)
    if len(text) > MAX_FORMULA:
        raise ValueError(f"{len(alone)} cohorts: a Company formula would exceed Excel's {MAX_FORMULA:,} characters; "
                         "export at most about 250 cohorts")

    def fn(m: object) -> expr.Sym:
        return expr.Sym(text)
    return fn


def _company(wb: Workbook, base: Layout, p: Portfolio, timelines: list[_Timeline],
             alone: list[tuple[str, dict[str, int]]], bulks: dict[str, Bulk]) -> _Sheets:
    items = []
    for it in pi.ROLLUP:
        if it.key in pi.SUMS_BY_KEY:
            it = replace(it, fn=_summed(alone, it.key))
        elif it.key in pi.STANDALONE:
            it = replace(it, fn=_summed(alone, pi.STANDALONE[it.key]))
        items.append(it)
    ml = _model_layout("heavy", COMPANY, items)
    lay = _layout(base, p.horizon_months, {"heavy": ml})
    lay = _layout(base, p.horizon_months, {"heavy": ml}, _irr_blocks(lay, ml))
    write_timelines(wb, lay, p.cohorts[0].scenario, bulks)
    _localise(wb, COMPANY, [calc_name("heavy", it.key) for it in items if it.kind == "scalar"] + [TIMELINE_MONTHS])
    _title(wb[COMPANY], f"公司 Company: {p.name} — the cohorts summed on the company calendar, the company lines, "
                        "company tax with shared losses, and the KPIs", "portfolio_items")
    return lay


def _irr_blocks(lay: _Sheets, ml: ModelLayout) -> tuple[IrrBlock, ...]:
    """The Company rows whose IRR a result reads (solved on the IRR solver sheet)."""
    ctx = lay.context("heavy")
    used = {name for it in pi.RESULTS for name in re.findall(r"\birr_\w+?_row\d+\b", ctx.formula(it).text)}
    out = []
    for key, row in ml.rows.items():
        rr = expr.RowRange(COMPANY, row, lay.first, lay.second, lay.last)
        name = expr.irr_root_name(rr)
        if name in used:
            out.append(IrrBlock(name, "heavy", key, rr, 3 + 6 * len(out)))  # labelled as the heavy model's line
    return tuple(out)


# --------------------------------------------------------------------------- the book
def portfolio_workbook_bytes(p: Portfolio) -> bytes:
    """The live workbook of a portfolio as xlsx bytes."""
    _summed([(_alone_sheet(p, i), {"": 9999}) for i in range(len(p.cohorts))], "")  # too many cohorts: say so now
    inp = inputs(p)
    names = sheet_names(p)
    base = plan([p.cohorts[0].scenario], sensitivity=False)
    wb = Workbook()
    wb.active.title = PORTFOLIO_INPUTS  # type: ignore[union-attr]
    for sheet in (COMPANY, *names, *(_alone_sheet(p, i) for i in range(len(p.cohorts))), IRR_SOLVER, CATALOGUE):
        wb.create_sheet(sheet)
    exact = _write_inputs(wb, p, inp, names)
    catalogue_exact = write_catalogue(wb, base, in_use=False)
    bulks: dict[str, Bulk] = {}
    timelines = _cohort_timelines(wb, base, inp, names, bulks, p)
    alone = _alone(wb, base, p, timelines, bulks)
    lay = _company(wb, base, p, timelines, alone, bulks)
    write_irr_solver(wb, lay, p.cohorts[0].scenario, bulks)
    wb.calculation.fullCalcOnLoad = True
    wb.properties.title = f"finmodel portfolio: {cell_text(p.name)}"[:255]
    wb.properties.creator = f"finmodel {__version__}"
    patches: dict[str, Callable[[str], str]] = {name: grid.patch for name, grid in bulks.items()}
    patches[PORTFOLIO_INPUTS] = exact_value_patch(exact)
    patches[CATALOGUE] = exact_value_patch(catalogue_exact)
    return bulk.save(wb, patches)


def write_portfolio_workbook(p: Portfolio, path: str | os.PathLike[str]) -> Path:
    """Write the portfolio workbook atomically."""
    target = Path(path)
    schema.atomic_write_bytes(target, portfolio_workbook_bytes(p))
    return target
