"""The Inputs sheet: every scenario input (labels zh/en, value, unit, allowed range, source), each
value a workbook-scoped defined name (``heavy_occupancy``) with data validation from the schema,
then the model constants (``months_per_year`` ...) as named, locked cells.

Beside each value, a live **status**: "无效 … / inactive while heavy.cash_cost_method = 'ratio'"
while the switches make the input do nothing (the rules of :data:`finmodel.schema.inert.RULES`, each
a live condition in the table at the bottom, ``Rule.formula()``), and for an input written over a
catalogue value what the catalogue says ("覆盖目录值 overrides catalogue: 989"). Conditional
formatting greys an inactive value cell, in each scenario's column by that column's own switches.

With several scenarios each has a value column (and a source column); a scenario switch (a
dropdown of the scenario names, the named cell ``scenario_switch``) selects the live one, and each
input's defined name becomes ``INDEX('Inputs'!$C$r:$E$r,1,scenario_index)`` — a reference, so the
model's formulas (``ISBLANK`` of an empty optional input included) read the live column unchanged.
"""

from __future__ import annotations

import re

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from finmodel import schema
from finmodel.model import engine
from finmodel.schema import Scenario, inert
from finmodel.workbook import styles as st
from finmodel.workbook.catalogue import note_name
from finmodel.workbook.layout import COL_INPUT_VALUE, INPUTS, INPUTS_HEADER_ROW, Layout, catalogue_uses
from finmodel.workbook.reader import (
    DESCRIPTION_CELL,
    FIELD_HEADER,
    NAME_CELL,
    OTHER_SOURCES_HEADER,
    SCENARIO_INDEX,
    SCENARIO_NAMES,
    SOURCE_HEADER,
    SWITCH_CELL,
    source_header,
)
from finmodel.workbook.validation import allowed_text, help_zh, input_format, validation

__all__ = ["write_inputs"]

_TITLES = {"general": "通用 General", "heavy": "重资产 Heavy asset (自购设备出租)",
           "light": "轻资产 Light asset (算力转租)", "contract": "客户合同 Customer contract",
           "market": "市场价格 Market price path", "service": "服务水平 Service levels",
           "working_capital": "营运资金 Working capital", "vat": "增值税 VAT (增值税及附加)"}
_W_ALLOWED, _W_SOURCE = 44, 44  # column widths (characters): texts wrap inside them
NAME_ROW, DESCRIPTION_ROW, SWITCH_ROW = 4, 5, 3
_W_STATUS = 40.0
_RULE_LIVE_COL = COL_INPUT_VALUE  # the rules table: the live condition under the values, its text under Status
_LIVE = PatternFill("solid", fgColor="C6EFCE")
FILL_INACTIVE = PatternFill("solid", fgColor="D9D9D9")
FONT_INACTIVE = Font(color="808080", italic=True)
_NAME = re.compile(r"\b(?:" + "|".join(schema.SECTIONS) + r")_\w+")


def _letter(col: int) -> str:
    return get_column_letter(col)


def write_inputs(wb: Workbook, layout: Layout, scenarios: list[Scenario]) -> dict[str, float]:
    """Write the Inputs sheet; return the cells whose floats must be stored exactly (cell → value)."""
    ws: st.Sheet = wb[INPUTS]
    li = layout.inputs
    _scenario_cells(wb, ws, layout, scenarios)
    head = INPUTS_HEADER_ROW
    ws.row_dimensions[head].height = 30
    values = ["数值 Value"] if li.n == 1 else [f"情景{k + 1} Scenario {k + 1}" for k in range(li.n)]
    sources = [SOURCE_HEADER] if li.n == 1 else [source_header(k + 1) for k in range(li.n)]
    status = "状态 Status" if li.n == 1 else "状态（当前情景） Status (live scenario)"
    st.header(ws, head, ["中文名称", "Input", *values, status, "单位 Unit", "允许范围 Allowed", *sources, FIELD_HEADER,
                         "说明", "Help"])
    exact: dict[str, float] = {}
    for section, row in li.sections:
        st.section(ws, row, _TITLES.get(section, section), li.field_col + 2)
        for spec in (s for s in schema.FIELDS.values() if s.section == section):
            exact.update(_input_row(wb, ws, layout, scenarios, spec) if spec.kind != "list" else
                         _list_rows(wb, ws, layout, scenarios, spec))
    _constants(wb, ws, layout)
    _other_sources(ws, layout, scenarios)
    _rules(ws, layout)
    ws.freeze_panes = ws.cell(head + 1, COL_INPUT_VALUE)
    st.widths(ws, {"A": 18, "B": 30, **{_letter(COL_INPUT_VALUE + k): 18 for k in range(li.n)},
                   _letter(li.status_col): _W_STATUS, _letter(li.unit_col): 18, _letter(li.allowed_col): _W_ALLOWED,
                   **{_letter(li.source_col(k)): _W_SOURCE for k in range(li.n)}, _letter(li.field_col): 36,
                   _letter(li.field_col + 1): 60, _letter(li.field_col + 2): 70})
    st.print_setup(ws, title_rows=f"{head}:{head}")
    ws.print_area = f"A1:{_letter(li.field_col)}{li.rule_rows[-1][1]}"  # the long help columns stay on screen
    st.protect(ws)
    return exact


def _scenario_cells(wb: Workbook, ws: st.Sheet, layout: Layout, scenarios: list[Scenario]) -> None:
    """Title, note, the scenarios' names and descriptions (named, editable cells), and the switch."""
    n = layout.inputs.n
    st.label(ws, 1, 1, "输入 Inputs", st.FONT_TITLE)
    note = st.label(ws, 2, 1, "黄色单元格为输入；每个数值单元格都有定义名称（公式 → 名称管理器），供模型表引用。"
                              "比例：0.7 = 70%。"
                              "金额单位为人民币元。 Yellow cells are inputs; every value cell has a defined name "
                              "(Formulas → Name Manager) used by the model sheets. Fractions: 0.7 = 70 %. Money in "
                              "CNY (元).", st.FONT_NOTE)
    note.alignment = st.WRAP
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=layout.inputs.field_col)
    ws.row_dimensions[2].height = st.text_height([(str(note.value), 150 + 40 * n)])
    for row, zh, en in ((NAME_ROW, "情景名称", "Scenario name"), (DESCRIPTION_ROW, "说明", "Description")):
        st.label(ws, row, 1, zh, st.FONT_BOLD)
        st.label(ws, row, 2, en, st.FONT_BOLD)
    for k, s in enumerate(scenarios):
        for row, text in ((NAME_ROW, s.name), (DESCRIPTION_ROW, s.description)):
            c = ws.cell(row, COL_INPUT_VALUE + k)
            st.put_text(c, text)
            st.input_style(c)
            c.alignment = Alignment(wrap_text=n > 1, vertical="top")
    if n == 1:
        for name, row in ((NAME_CELL, NAME_ROW), (DESCRIPTION_CELL, DESCRIPTION_ROW)):
            st.define(wb, name, INPUTS, f"C{row}")
        for col in range(4, 7):  # the merged description cell must be editable as a whole
            ws.cell(DESCRIPTION_ROW, col).protection = st.UNLOCKED
        ws.merge_cells(start_row=DESCRIPTION_ROW, start_column=3, end_row=DESCRIPTION_ROW, end_column=6)
        return
    for row in (NAME_ROW, DESCRIPTION_ROW):
        st.align_top(ws, row, 2)
    ws.row_dimensions[NAME_ROW].height = st.text_height([(x.name, 18) for x in scenarios])
    ws.row_dimensions[DESCRIPTION_ROW].height = min(st.text_height([(x.description, 18) for x in scenarios]), 120)
    _switch(wb, ws, layout, scenarios[0].name)
    for name, row in ((NAME_CELL, NAME_ROW), (DESCRIPTION_CELL, DESCRIPTION_ROW)):
        st.define_formula(wb, name, _switched(layout, row))


def _switched(layout: Layout, row: int) -> str:
    """The defined name of a per-scenario row: the live scenario's cell of that row."""
    a, b = _letter(COL_INPUT_VALUE), _letter(COL_INPUT_VALUE + layout.inputs.n - 1)
    return f"INDEX({quote_sheetname(INPUTS)}!${a}${row}:${b}${row},1,{SCENARIO_INDEX})"


def _switch(wb: Workbook, ws: st.Sheet, layout: Layout, first: str) -> None:
    """The scenario switch: a dropdown of the scenario names; the live column is highlighted."""
    n = layout.inputs.n
    a, b = _letter(COL_INPUT_VALUE), _letter(COL_INPUT_VALUE + n - 1)
    names = f"{quote_sheetname(INPUTS)}!${a}${NAME_ROW}:${b}${NAME_ROW}"
    st.label(ws, SWITCH_ROW, 1, "当前情景（切换）", st.FONT_BOLD)
    st.label(ws, SWITCH_ROW, 2, "Live scenario (switch)", st.FONT_BOLD)
    c = ws.cell(SWITCH_ROW, COL_INPUT_VALUE)
    st.put_text(c, first)
    st.input_style(c)
    dv = DataValidation(type="list", formula1=f"${a}${NAME_ROW}:${b}${NAME_ROW}", allow_blank=False,
                        showErrorMessage=True, showInputMessage=True, promptTitle="Scenario switch",
                        prompt="选择当前情景 Pick the live scenario (its column feeds every formula)",
                        errorTitle="Scenario switch", error="Pick one of the scenario names in row 4")
    ws.add_data_validation(dv)
    dv.add(c)
    st.define(wb, SWITCH_CELL, INPUTS, c.coordinate)
    st.define_range(wb, SCENARIO_NAMES, INPUTS, f"{a}{NAME_ROW}:{b}{NAME_ROW}")
    st.define_formula(wb, SCENARIO_INDEX, f"MATCH({SWITCH_CELL},{names},0)")
    live = f"{a}{NAME_ROW}:{b}{INPUTS_HEADER_ROW}"
    ws.conditional_formatting.add(live, FormulaRule(formula=[f"COLUMN({a}{NAME_ROW})-COLUMN(${a}${NAME_ROW})+1="
                                                             f"{SCENARIO_INDEX}"], fill=_LIVE))


def _input_row(wb: Workbook, ws: st.Sheet, layout: Layout, scenarios: list[Scenario],
               spec: schema.FieldSpec) -> dict[str, float]:
    """One input: labels, the value cell(s) with validation, unit, range, source(s), help, the name."""
    li, r = layout.inputs, layout.inputs.rows[spec.path]
    st.label(ws, r, 1, spec.label_zh)
    st.label(ws, r, 2, spec.label_en)
    exact: dict[str, float] = {}
    dv: DataValidation | None = None
    for k, s in enumerate(scenarios):
        c = ws.cell(r, COL_INPUT_VALUE + k)
        v = s.get(spec.path)
        if spec.kind in ("choice", "str"):
            st.put_text(c, v)
        elif v is not None:
            c.value = v
        st.input_style(c)
        c.number_format = input_format(spec, v)
        if dv is None:
            dv = validation(spec, layout.horizon, c.coordinate)
            if dv is not None:
                ws.add_data_validation(dv)
        if dv is not None:
            dv.add(c)
        if isinstance(v, float):
            exact[c.coordinate] = v
    allowed = _describe(ws, layout, scenarios, spec, r)
    st.label(ws, r, li.field_col, spec.path, st.FONT_KEY)
    texts = [(allowed, _W_ALLOWED)] + [(s.sources.get(spec.path) or "", _W_SOURCE) for s in scenarios]
    texts += _status(ws, layout, spec.path)
    ws.row_dimensions[r].height = st.text_height(texts)
    st.align_top(ws, r, li.field_col + 2)
    if li.n == 1:
        st.define(wb, engine.name_of(spec.path), INPUTS, f"C{r}")
    else:
        st.define_formula(wb, engine.name_of(spec.path), _switched(layout, r))
    return exact


def _describe(ws: st.Sheet, layout: Layout, scenarios: list[Scenario], spec: schema.FieldSpec, r: int) -> str:
    """An input's editable source cells, unit, allowed range and help on row ``r``; returns the range text."""
    li = layout.inputs
    for k, s in enumerate(scenarios):
        src = ws.cell(r, li.source_col(k))
        st.put_text(src, s.sources.get(spec.path))
        st.set_style(src, "protection", st.UNLOCKED)
        st.set_style(src, "alignment", st.WRAP)
    st.label(ws, r, li.unit_col, spec.unit)
    allowed = allowed_text(spec, layout.horizon)
    st.set_style(st.label(ws, r, li.allowed_col, allowed), "alignment", st.WRAP)
    st.label(ws, r, li.field_col + 1, help_zh(spec), st.FONT_NOTE)
    st.label(ws, r, li.field_col + 2, spec.help, st.FONT_NOTE)
    return allowed


def item_name(path: str, k: int) -> str:
    """The defined name of item ``k`` (1, 2, …) of a list input: ``market_price_index_1``."""
    return f"{engine.name_of(path)}_{k}"


def _list_rows(wb: Workbook, ws: st.Sheet, layout: Layout, scenarios: list[Scenario],
               spec: schema.FieldSpec) -> dict[str, float]:
    """A list input (the price index): one row per item, the values written first and the rest empty;
    each item cell named (``market_price_index_3``, what the import reads) and the whole block named
    ``market_price_index`` (what the formulas read: ``INDEX``/``COUNT`` over it)."""
    li, first = layout.inputs, layout.inputs.rows[spec.path]
    k_max = spec.max_items or 1
    exact: dict[str, float] = {}
    dv = validation(spec, layout.horizon, f"C{first}")
    if dv is not None:
        ws.add_data_validation(dv)
    for k in range(1, k_max + 1):
        r = first + k - 1
        st.label(ws, r, 1, f"{spec.label_zh} 第{k}年")
        st.label(ws, r, 2, f"{spec.label_en}, service year {k}")
        for j, s in enumerate(scenarios):
            c = ws.cell(r, COL_INPUT_VALUE + j)
            values = s.get(spec.path)
            if k <= len(values):
                c.value = float(values[k - 1])
                exact[c.coordinate] = float(values[k - 1])
            st.input_style(c)
            c.number_format = "0.0###"
            if dv is not None:
                dv.add(c)
        st.label(ws, r, li.field_col, f"{spec.path}[{k}]", st.FONT_KEY)
        if li.n == 1:
            st.define(wb, item_name(spec.path, k), INPUTS, f"C{r}")
        else:
            st.define_formula(wb, item_name(spec.path, k), _switched(layout, r))
    allowed = _describe(ws, layout, scenarios, spec, first)
    ws.row_dimensions[first].height = st.text_height([(allowed, _W_ALLOWED), (spec.help, 70)])
    last = first + k_max - 1
    a, b = _letter(COL_INPUT_VALUE), _letter(COL_INPUT_VALUE + li.n - 1)
    if li.n == 1:
        st.define_range(wb, engine.name_of(spec.path), INPUTS, f"{a}{first}:{a}{last}")
    else:
        st.define_formula(wb, engine.name_of(spec.path),
                          f"INDEX({quote_sheetname(INPUTS)}!${a}${first}:${b}${last},0,{SCENARIO_INDEX})")
    return exact


def _constants(wb: Workbook, ws: st.Sheet, layout: Layout) -> None:
    li = layout.inputs
    st.section(ws, li.constants_row, "常数 Constants（公式使用的单位换算，不是输入 unit conversions used by formulas; "
                                      "not inputs)", li.field_col + 2)
    for const, r in li.constant_rows:
        st.label(ws, r, 1, const.label_zh)
        st.label(ws, r, 2, const.label_en)
        c = ws.cell(r, COL_INPUT_VALUE, const.value)
        c.number_format = "#,##0"
        st.label(ws, r, li.unit_col, const.unit)
        st.label(ws, r, li.field_col, const.name, st.FONT_KEY)
        st.define(wb, const.name, INPUTS, c.coordinate)


def _other_sources(ws: st.Sheet, layout: Layout, scenarios: list[Scenario]) -> None:
    """Sources for keys that are not inputs (free notes): key in the field column, text in Source."""
    li = layout.inputs
    if li.other_sources_row is None:
        return
    st.section(ws, li.other_sources_row, OTHER_SOURCES_HEADER, li.field_col + 2)
    ws.cell(li.other_sources_row, 1).value = OTHER_SOURCES_HEADER
    for key, r in li.other_sources:
        st.put_text(ws.cell(r, li.field_col), key)
        for k, s in enumerate(scenarios):
            if key in s.sources:
                c = ws.cell(r, li.source_col(k))
                st.put_text(c, s.sources[key])
                c.protection = st.UNLOCKED


# --------------------------------------------------------------------------- inactive inputs
def rule_text(rule: inert.Rule) -> str:
    """What the status of an input disabled by ``rule`` reads, 中文 then English."""
    zh = "无效：" + ("在 " + " 且 ".join(w.text("zh") for w in rule.when) + " 时" if rule.when else "目前不起作用")
    en = "inactive" + (" while " + " and ".join(w.text("en") for w in rule.when) if rule.when else "")
    why_zh, why_en = (f"（{rule.why_zh}）" if rule.why_zh else ""), (f" ({rule.why_en})" if rule.why_en else "")
    return f"{zh}{why_zh}\n{en}{why_en}"


def _overrides() -> set[str]:
    return {p for use in catalogue_uses() for p in use.overrides}


def _status(ws: st.Sheet, layout: Layout, path: str) -> list[tuple[str, float]]:
    """The input's live status cell and the grey of its value cells; returns the texts it may show."""
    li, r = layout.inputs, layout.inputs.rows[path]
    rules = li.rules_of(path)
    out = note_name(path) if path in _overrides() else '""'
    if not rules and out == '""':
        return []
    for row in reversed(rules):
        out = f"IF(${_letter(_RULE_LIVE_COL)}${row},${_letter(li.status_col)}${row},{out})"
    c = ws.cell(r, li.status_col, "=" + out)
    c.font, c.alignment = st.FONT_NOTE, st.WRAP
    texts = [(rule_text(rule), _W_STATUS) for rule, row in li.rule_rows if row in rules]
    if rules:
        cells = f"{_letter(COL_INPUT_VALUE)}{r}:{_letter(COL_INPUT_VALUE + li.n - 1)}{r}"
        ws.conditional_formatting.add(cells, FormulaRule(formula=[_inactive_formula(layout, path)], fill=FILL_INACTIVE,
                                                         font=FONT_INACTIVE))
    return texts


def _inactive_formula(layout: Layout, path: str) -> str:
    """True while a rule disables ``path``, over the inputs of the formatted cell's own column (its
    rules' conditions with each input's name replaced by a column-relative reference)."""
    li = layout.inputs
    col = _letter(COL_INPUT_VALUE)
    paths = {engine.name_of(p): p for p in li.rows}

    def own_column(m: re.Match[str]) -> str:
        p = paths.get(m.group(0))
        return m.group(0) if p is None else f"{col}${li.rows[p]}"

    parts = [_NAME.sub(own_column, rule.formula()) for rule in inert.RULES if path in rule.fields]
    return parts[0] if len(parts) == 1 else "OR(" + ",".join(parts) + ")"


def _rules(ws: st.Sheet, layout: Layout) -> None:
    """The rules table: each rule's status text and its live condition (TRUE = the inputs listed
    are inactive), the inputs it disables and why."""
    li = layout.inputs
    title = ("无效输入规则 Inactive-input rules (finmodel/schema/inert.py; TRUE = the inputs listed have no effect; "
             "the first rule that holds explains an input)")
    st.section(ws, li.rules_row, title, li.field_col + 2)
    st.header(ws, li.rules_row + 1, ["规则 Rule", "无效的输入 Inputs it disables", "当前 Live"], 1)
    st.header(ws, li.rules_row + 1, ["状态文字 Status text"], li.status_col)
    for k, (rule, r) in enumerate(li.rule_rows, start=1):
        st.label(ws, r, 1, f"#{k}", st.FONT_KEY)
        fields = ", ".join(rule.fields)
        st.label(ws, r, 2, fields, st.FONT_KEY).alignment = st.WRAP
        c = ws.cell(r, _RULE_LIVE_COL, "=" + rule.formula())
        c.alignment = st.CENTER
        text = rule_text(rule)
        st.label(ws, r, li.status_col, text).alignment = st.WRAP
        ws.row_dimensions[r].height = st.text_height([(text, _W_STATUS), (fields, 30)])
        st.align_top(ws, r, li.status_col)
