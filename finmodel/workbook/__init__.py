"""The live Excel workbook: written from the engine's line items, read back safely.

``workbook_bytes(scenario)`` / ``write_workbook(scenario, path)`` export; ``read_workbook(source)``
imports the Inputs sheet of an untrusted file. See docs/workbook.md.
"""

from finmodel.workbook.reader import INPUTS, WorkbookError, read_workbook
from finmodel.workbook.writer import (
    CNY,
    COL_KEY,
    COL_MONTH0,
    COL_OPENING,
    COL_VALUE,
    COVER,
    FORMATS,
    GRID_METRICS,
    GRID_X,
    GRID_Y,
    HEAVY,
    IRR_SOLVER,
    LIGHT,
    MODELS,
    MONTH_ROW,
    SENSITIVITY,
    SHEETS,
    SUMMARY,
    TORNADO_MOVES,
    WAN,
    XLSX_MIME,
    calc_name,
    cell_text,
    grid_axes,
    safe_filename,
    workbook_bytes,
    write_workbook,
)

__all__ = [
    "INPUTS", "WorkbookError", "read_workbook", "CNY", "COL_KEY", "COL_MONTH0", "COL_OPENING", "COL_VALUE", "COVER",
    "FORMATS", "GRID_METRICS", "GRID_X", "GRID_Y", "HEAVY", "IRR_SOLVER", "LIGHT", "MODELS", "MONTH_ROW",
    "SENSITIVITY", "SHEETS", "SUMMARY", "TORNADO_MOVES", "WAN", "XLSX_MIME", "calc_name", "cell_text", "grid_axes",
    "safe_filename", "workbook_bytes", "write_workbook",
]
