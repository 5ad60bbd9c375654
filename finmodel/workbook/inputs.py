"""The Inputs sheet: every scenario input (labels zh/en, value, unit, allowed range, source), each
value a workbook-scoped defined name (``heavy_occupancy``) with data validation from the schema,
then the model constants (``months_per_year`` ...) as named, locked cells."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment

from finmodel import schema
from finmodel.model import engine
from finmodel.schema import Scenario
from finmodel.workbook import styles as st
from finmodel.workbook.layout import INPUTS, INPUTS_HEADER_ROW, Layout
from finmodel.workbook.reader import DESCRIPTION_CELL, FIELD_HEADER, NAME_CELL, OTHER_SOURCES_HEADER, SOURCE_HEADER
from finmodel.workbook.validation import help_zh, input_format, validation

__all__ = ["write_inputs"]

_TITLES = {"general": "通用 General", "heavy": "重资产 Heavy asset (自购设备出租)",
           "light": "轻资产 Light asset (算力转租)"}
_HEADERS = ["中文名称", "Input", "数值 Value", "单位 Unit", "允许范围 Allowed", SOURCE_HEADER, FIELD_HEADER, "说明",
            "Help"]


def write_inputs(wb: Workbook, layout: Layout, scenario: Scenario) -> dict[str, float]:
    """Write the Inputs sheet; return the cells whose floats must be stored exactly (cell → value)."""
    ws: st.Sheet = wb[INPUTS]
    _scenario_cells(wb, ws, scenario)
    head = INPUTS_HEADER_ROW
    ws.row_dimensions[head].height = 30
    st.header(ws, head, _HEADERS)
    exact: dict[str, float] = {}
    specs = list(schema.FIELDS.values())
    for section, row in layout.inputs.sections:
        st.section(ws, row, _TITLES.get(section, section), 9)
        for spec in (s for s in specs if s.section == section):
            exact.update(_input_row(wb, ws, layout, scenario, spec))
    _constants(wb, ws, layout)
    _other_sources(ws, layout, scenario)
    ws.freeze_panes = ws.cell(head + 1, 3)
    st.widths(ws, {"A": 18, "B": 30, "C": 18, "D": 20, "E": 36, "F": 48, "G": 38, "H": 60, "I": 70})
    st.print_setup(ws, title_rows=f"{head}:{head}")
    ws.print_area = f"A1:G{layout.inputs.end_row}"  # the long help column stays on screen
    st.protect(ws)
    return exact


def _scenario_cells(wb: Workbook, ws: st.Sheet, s: Scenario) -> None:
    """Title, note, and the scenario's name and description (named, editable cells)."""
    st.label(ws, 1, 1, "输入 Inputs", st.FONT_TITLE)
    st.label(ws, 2, 1, "Yellow cells are inputs (黄色单元格为输入); every value cell has a defined name "
                       "(Formulas → Name Manager) used by the model sheets. Fractions: 0.7 = 70 %. "
                       "Money in CNY (元).", st.FONT_NOTE)
    for row, zh, en in ((4, "情景名称", "Scenario name"), (5, "说明", "Description")):
        st.label(ws, row, 1, zh, st.FONT_BOLD)
        st.label(ws, row, 2, en, st.FONT_BOLD)
    for row, name, text in ((4, NAME_CELL, s.name), (5, DESCRIPTION_CELL, s.description)):
        c = ws.cell(row, 3)
        st.put_text(c, text)
        st.input_style(c)
        c.alignment = Alignment(wrap_text=False, vertical="top")
        st.define(wb, name, INPUTS, c.coordinate)
    for col in range(4, 7):  # the merged description cell must be editable as a whole
        ws.cell(5, col).protection = st.UNLOCKED
    ws.merge_cells(start_row=5, start_column=3, end_row=5, end_column=6)


def _input_row(wb: Workbook, ws: st.Sheet, layout: Layout, s: Scenario, spec: schema.FieldSpec) -> dict[str, float]:
    """One input: labels, the named value cell with its validation, unit, range, source, help."""
    r = layout.inputs.rows[spec.path]
    st.label(ws, r, 1, spec.label_zh)
    st.label(ws, r, 2, spec.label_en)
    c = ws.cell(r, 3)
    v = s.get(spec.path)
    if spec.kind in ("choice", "str"):
        st.put_text(c, v)
    elif v is not None:
        c.value = v
    st.input_style(c)
    c.number_format = input_format(spec)
    st.label(ws, r, 4, spec.unit)
    st.label(ws, r, 5, spec.range_text() if spec.kind != "str" else "GPU catalogue key (list)")
    src = ws.cell(r, 6)
    st.put_text(src, s.sources.get(spec.path))
    src.protection = st.UNLOCKED
    st.label(ws, r, 7, spec.path, st.FONT_KEY)
    st.label(ws, r, 8, help_zh(spec), st.FONT_NOTE)
    st.label(ws, r, 9, spec.help, st.FONT_NOTE)
    st.define(wb, engine.name_of(spec.path), INPUTS, c.coordinate)
    dv = validation(spec, layout.horizon, c.coordinate)
    if dv is not None:
        ws.add_data_validation(dv)
        dv.add(c)
    return {c.coordinate: v} if isinstance(v, float) else {}


def _constants(wb: Workbook, ws: st.Sheet, layout: Layout) -> None:
    st.section(ws, layout.inputs.constants_row, "常数 Constants (unit conversions used by formulas; not inputs)", 9)
    for const, r in layout.inputs.constant_rows:
        st.label(ws, r, 1, const.label_zh)
        st.label(ws, r, 2, const.label_en)
        c = ws.cell(r, 3, const.value)
        c.number_format = "#,##0"
        st.label(ws, r, 4, const.unit)
        st.label(ws, r, 7, const.name, st.FONT_KEY)
        st.define(wb, const.name, INPUTS, c.coordinate)


def _other_sources(ws: st.Sheet, layout: Layout, s: Scenario) -> None:
    """Sources for keys that are not inputs (free notes): key in the field column, text in Source."""
    if layout.inputs.other_sources_row is None:
        return
    st.section(ws, layout.inputs.other_sources_row, OTHER_SOURCES_HEADER, 9)
    ws.cell(layout.inputs.other_sources_row, 1).value = OTHER_SOURCES_HEADER
    for key, r in layout.inputs.other_sources:
        st.put_text(ws.cell(r, 7), key)
        c = ws.cell(r, 6)
        st.put_text(c, s.sources[key])
        c.protection = st.UNLOCKED
