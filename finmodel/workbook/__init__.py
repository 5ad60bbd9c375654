"""The live Excel workbook: written from the engine's line items, read back safely.

``workbook_bytes(scenario)`` / ``write_workbook(scenario, path)`` export; ``read_workbook(source)``
imports the Inputs sheet of an untrusted file. See docs/workbook.md.

Modules: :mod:`.layout` plans every position once (a frozen ``Layout``); one writer per sheet
(:mod:`.cover`, :mod:`.inputs`, :mod:`.catalogue`, :mod:`.timelines`, :mod:`.summary`, :mod:`.checks`,
:mod:`.irr_solver`, :mod:`.definitions`, :mod:`.sensitivity`, :mod:`.annual`, :mod:`.statement_sheets` — the
latter two planned by :mod:`.report_plan`) reads it; :mod:`.styles`, :mod:`.validation`
and :mod:`.xlsx` (exact floats, cell text, file names) serve them; :mod:`.bulk` writes the month grid straight into the
sheet XML; :mod:`.writer` puts the book together; :mod:`.reader` reads one back over :mod:`.xlsxread`.
"""

from finmodel.analysis.grid_axes import GRID_X, GRID_Y, grid_axes
from finmodel.workbook.layout import (
    ANNUAL,
    BALANCE,
    CASH_FLOW,
    CATALOGUE,
    CHECKS,
    COL_KEY,
    COL_MONTH0,
    COL_OPENING,
    COL_VALUE,
    COVER,
    DEBT,
    DEFINITIONS,
    HEAVY,
    INCOME,
    IRR_SOLVER,
    LIGHT,
    MODELS,
    MONTH_ROW,
    SENSITIVITY,
    SHEETS,
    SUMMARY,
    calc_name,
)
from finmodel.workbook.reader import CHECKS_OK, INPUTS, WorkbookError, read_workbook
from finmodel.workbook.sensitivity import GRID_METRICS, TORNADO_MOVES
from finmodel.workbook.styles import CNY, FORMATS, WAN
from finmodel.workbook.writer import workbook_bytes, write_workbook
from finmodel.workbook.xlsx import XLSX_MIME, cell_text, safe_filename

__all__ = [
    "INPUTS", "WorkbookError", "read_workbook", "CATALOGUE", "CHECKS", "CHECKS_OK", "DEFINITIONS",
    "CNY", "COL_KEY", "COL_MONTH0", "COL_OPENING", "COL_VALUE", "COVER",
    "FORMATS", "GRID_METRICS", "GRID_X", "GRID_Y", "HEAVY", "IRR_SOLVER", "LIGHT", "MODELS", "MONTH_ROW",
    "SENSITIVITY", "SHEETS", "SUMMARY", "TORNADO_MOVES", "WAN", "XLSX_MIME", "calc_name", "cell_text", "grid_axes",
    "safe_filename", "workbook_bytes", "write_workbook", "ANNUAL", "INCOME", "CASH_FLOW", "BALANCE", "DEBT",
]
