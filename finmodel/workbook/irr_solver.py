"""The IRR solver sheet: every IRR the Summary reports, solved the engine's way in cells.

:func:`finmodel.model.irr.irr` evaluates NPV on a grid of rates, takes the sign change nearest a
zero rate on each side of zero, and polishes the bracket. The sheet does the same with formulas:
the grid rates are data cells (from :func:`finmodel.model.irr.grid_rates`), each IRR block has an
NPV and a sign-change flag per grid rate, the nearest bracket below and above zero,
:data:`IRR_BISECTION_STEPS` bisection steps per side, and the root closer to zero under the defined
name :func:`finmodel.model.expr.irr_root_name` (which the Summary's IRR formulas read). Excel's
native ``IRR()``, started at that root, sits beside it as a visible cross-check.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from finmodel import model
from finmodel.model import expr
from finmodel.model import irr as irr_grid
from finmodel.schema import Scenario
from finmodel.workbook import styles as st
from finmodel.workbook.bulk import Bulk, style_id
from finmodel.workbook.layout import IRR_SOLVER, IrrBlock, Layout

__all__ = ["IrrSolver", "IRR_BISECTION_STEPS", "write_irr_solver"]

IRR_BISECTION_STEPS = 60  # halvings of a grid bracket (≤ 40 wide at 1000 %/month): below one ulp

# rows of the sheet: header, bracket index, sign at the lower rate, side root, root, cross-check
HEAD, R_K, R_SIGN, R_SIDE, R_ROOT, R_CHECK = 4, 6, 7, 8, 9, 10
R_STEP0 = 13  # bisection step 0
R_GRID = R_STEP0 + IRR_BISECTION_STEPS + 3  # first grid rate
BLOCK_WIDTH = 6  # columns per IRR: NPV, flag, (low, high, mid NPV) below zero; the same above zero
_RATE_FMT = "0.0000000000%"
_NPV_FMT = st.FORMATS["cny"]


@dataclass(frozen=True)
class IrrSolver:
    """Excel text of the IRR solver cells of one row (``cf``), mirroring :func:`finmodel.model.irr.irr`.

    Cell arguments are references on the solver sheet. The grid lists index ``i = 1..K`` and rate
    ``g_i`` of :func:`finmodel.model.irr.grid_rates` as data; per grid rate the solver computes the NPV
    (:meth:`grid_npv`) and a flag holding ``i`` where the NPV's sign (``≥ 0`` or not, like the
    engine) differs from that at ``g_(i+1)`` (:meth:`sign_change`). The nearest bracket below zero
    is the largest flagged ``i`` whose interval ends at or below the zero rate (:meth:`bracket_below`),
    the one above the smallest flagged ``i`` from the zero rate on (:meth:`bracket_above`); 0 = none.
    Each bracket is bisected :data:`IRR_BISECTION_STEPS` times (:meth:`start_low` ... :meth:`high`)."""

    cf: expr.RowRange

    def grid_npv(self, rate: str) -> str:
        return expr.npv(expr.Sym(rate), self.cf).text  # type: ignore[union-attr]

    @staticmethod
    def sign_change(npv_here: str, npv_next: str, index: str) -> str:
        return f'IF(IFERROR(({npv_here}>=0)<>({npv_next}>=0),FALSE),{index},"")'

    @staticmethod
    def bracket_below(flags: str) -> str:
        return f"MAX({flags})"

    @staticmethod
    def bracket_above(flags: str) -> str:
        return f"MIN({flags})"

    @staticmethod
    def start_low(rates: str, k: str) -> str:
        return f"INDEX({rates},MAX({k},1))"

    @staticmethod
    def start_high(rates: str, k: str) -> str:
        return f"INDEX({rates},MAX({k},1)+1)"

    @staticmethod
    def start_sign(npvs: str, k: str) -> str:
        """Whether NPV ≥ 0 at the bracket's lower rate (the side a bisection step keeps)."""
        return f"INDEX({npvs},MAX({k},1))>=0"

    def npv_mid(self, low: str, high: str) -> str:
        return self.grid_npv(f"AVERAGE({low},{high})")

    @staticmethod
    def low(low: str, high: str, npv_mid: str, sign: str) -> str:
        return f"IF(({npv_mid}>=0)={sign},AVERAGE({low},{high}),{low})"

    @staticmethod
    def high(low: str, high: str, npv_mid: str, sign: str) -> str:
        return f"IF(({npv_mid}>=0)={sign},{high},AVERAGE({low},{high}))"

    @staticmethod
    def side_root(k: str, low: str, high: str) -> str:
        return f'IF({k}=0,"{expr.NONE.text}",AVERAGE({low},{high}))'

    @staticmethod
    def root(k_below: str, root_below: str, k_above: str, root_above: str) -> str:
        """The root closest to zero (the engine keeps the one above zero on a tie)."""
        return (f"IF({k_below}=0,{root_above},IF({k_above}=0,{root_below},"
                f"IF(ABS({root_below})<ABS({root_above}),{root_below},{root_above})))")

    def cross_check(self, root: str) -> str:
        """Excel's own IRR() started at the solver's root (a visible check; not used by the model)."""
        return f'IFERROR(IRR({self.cf.all},{root}),"{expr.NONE.text}")'


@dataclass(frozen=True)
class _Grid:
    """The grid of rates on this sheet: its rows and where the zero rate sits."""

    count: int  # K rates
    zero: int  # 1-based index of the zero rate

    @property
    def last_row(self) -> int:
        return R_GRID + self.count - 1

    @property
    def rates(self) -> str:
        return f"$B${R_GRID}:$B${self.last_row}"


class _Writer:
    """Formula cells of the solver sheet, styled by number format (all calculation aids), written in
    bulk (columns C onwards; the sheet's labels and indices in A and B are openpyxl's)."""

    def __init__(self, ws: st.Sheet, bulk: Bulk) -> None:
        self.ws, self.bulk = ws, bulk
        self._sids: dict[tuple[str, bool], int] = {}

    def sid(self, fmt: str, bold: bool = False) -> int:
        key = (fmt, bold)
        if key not in self._sids:
            self._sids[key] = style_id(self.ws, number_format=fmt, font=st.FONT_BOLD if bold else st.FONT_HELPER)
        return self._sids[key]

    def put(self, row: int, col: int, formula: str, fmt: str, *, bold: bool = False) -> None:
        self.bulk.formula(row, col, formula, self.sid(fmt, bold))


def write_irr_solver(wb: Workbook, layout: Layout, scenario: Scenario, bulks: dict[str, Bulk]) -> None:
    """Write the IRR solver sheet (its grid and blocks through ``bulks``; grid rates exact)."""
    ws: st.Sheet = wb[IRR_SOLVER]
    rates = irr_grid.grid_rates(layout.horizon + 1)
    grid = _Grid(len(rates), int(list(rates).index(0.0)) + 1)
    _headings(ws, layout)
    out = _Writer(ws, bulks.setdefault(IRR_SOLVER, Bulk(IRR_SOLVER)))
    for n in range(IRR_BISECTION_STEPS + 1):
        st.set_style(ws.cell(R_STEP0 + n, 1, n), "font", st.FONT_KEY)
    rate_sid = style_id(ws, number_format=_RATE_FMT)
    for i, g in enumerate(rates, start=1):
        st.set_style(ws.cell(R_GRID + i - 1, 1, i), "font", st.FONT_KEY)
        out.bulk.number(R_GRID + i - 1, 2, float(g), rate_sid)
    for block in layout.irr:
        _block(wb, out, block, grid)
    ws.freeze_panes = ws.cell(HEAD + 2, 3)
    st.widths(ws, {"A": 16, "B": 44})
    for col in range(3, 3 + BLOCK_WIDTH * len(layout.irr)):
        ws.column_dimensions[get_column_letter(col)].width = 17
    st.print_setup(ws, title_cols="A:B")
    st.protect(ws)


def _headings(ws: st.Sheet, layout: Layout) -> None:
    st.label(ws, 1, 1, "IRR 求解器 IRR solver", st.FONT_TITLE)
    st.label(ws, 2, 1, "按引擎方法求内部收益率：在利率网格上计算NPV，取最接近0的变号区间，二分法求根；"
                       "无变号为 none。 IRR the engine's way (finmodel.model.irr): NPV on a grid of monthly rates, "
                       "the sign change nearest a zero rate on each side, bisection to machine precision, the "
                       "root closer to zero; \"none\" = no sign change on the grid.", st.FONT_NOTE)
    labels = {R_K: ("变号区间序号", "Bracket: grid index i of [g_i, g_i+1] (0 = none)"),
              R_SIGN: ("下限处NPV≥0", "NPV ≥ 0 at the bracket's lower rate"),
              R_SIDE: ("该侧的根", "Root on this side (monthly)"),
              R_ROOT: ("月度IRR", "IRR per month: the root closer to zero"),
              R_CHECK: ("Excel IRR() 交叉核对", "Cross-check: Excel's IRR(row, root) — not used, should agree")}
    st.header(ws, HEAD, ["项目", "Item"])
    for r, (zh, en) in labels.items():
        st.label(ws, r, 1, zh, st.FONT_BOLD if r == R_ROOT else None)
        st.label(ws, r, 2, en, st.FONT_BOLD if r == R_ROOT else None)
    width = 2 + BLOCK_WIDTH * len(layout.irr)
    st.section(ws, R_STEP0 - 2, f"二分法 Bisection ({IRR_BISECTION_STEPS} halvings of each bracket)", width)
    st.header(ws, R_STEP0 - 1, ["步", "Step"])
    st.section(ws, R_GRID - 2, f"利率网格 Grid of monthly rates (finmodel.model.irr.grid_rates({layout.horizon + 1}): "
                               "data) with NPV and sign-change flags", width)
    st.header(ws, R_GRID - 1, ["序号 i", "利率 Rate g_i"])


def _block(wb: Workbook, out: _Writer, block: IrrBlock, grid: _Grid) -> None:
    """One IRR: NPV and flags on the grid, both brackets bisected, the root and the cross-check."""
    base, solver, ws = block.column, IrrSolver(block.row), out.ws
    it = model.item(block.model, block.key)
    st.label(ws, HEAD, base, f"{it.zh} {it.en}", st.FONT_BOLD)
    st.label(ws, HEAD + 1, base, f"{block.row.sheet}!{block.key}", st.FONT_KEY)
    npv_col, flag_col = get_column_letter(base), get_column_letter(base + 1)
    for i in range(grid.count):
        row = R_GRID + i
        out.put(row, base, solver.grid_npv(f"$B{row}"), _NPV_FMT)
        if i < grid.count - 1:
            out.put(row, base + 1, solver.sign_change(f"{npv_col}{row}", f"{npv_col}{row + 1}", f"$A{row}"), "0")
    npvs = f"${npv_col}${R_GRID}:${npv_col}${grid.last_row}"
    flags_below = f"${flag_col}${R_GRID}:${flag_col}${R_GRID + grid.zero - 2}"  # intervals ending ≤ 0
    flags_above = f"${flag_col}${R_GRID + grid.zero - 1}:${flag_col}${grid.last_row - 1}"  # from 0 on
    kb, rb = _side(out, solver, base, solver.bracket_below(flags_below), "低于0 below", npvs, grid)
    ka, ra = _side(out, solver, base + 3, solver.bracket_above(flags_above), "高于0 above", npvs, grid)
    root = f"{npv_col}{R_ROOT}"
    out.put(R_ROOT, base, solver.root(kb, rb, ka, ra), _RATE_FMT, bold=True)
    st.define(wb, block.name, IRR_SOLVER, root)
    out.put(R_CHECK, base, solver.cross_check(root), _RATE_FMT)


def _side(out: _Writer, solver: IrrSolver, col: int, bracket: str, title: str, npvs: str,
          grid: _Grid) -> tuple[str, str]:
    """One side of zero: the bracket, the bisection columns (low, high, NPV at the midpoint) and the
    side's root. Returns the references of the bracket index and of the root."""
    lo_c, hi_c, f_c = (get_column_letter(col + d) for d in range(3))
    for d, text in enumerate((f"{title} 0: 下限 low", "上限 high", "中点NPV NPV at mid")):
        st.label(out.ws, R_STEP0 - 1, col + d, text, st.FONT_BOLD)
    k, sign = f"${lo_c}${R_K}", f"${lo_c}${R_SIGN}"
    out.put(R_K, col, bracket, "0")
    out.put(R_SIGN, col, solver.start_sign(npvs, k), "General")
    out.put(R_STEP0, col, solver.start_low(grid.rates, k), _RATE_FMT)
    out.put(R_STEP0, col + 1, solver.start_high(grid.rates, k), _RATE_FMT)
    for n in range(IRR_BISECTION_STEPS):
        row = R_STEP0 + n
        lo, hi, f = f"{lo_c}{row}", f"{hi_c}{row}", f"{f_c}{row}"
        out.put(row, col + 2, solver.npv_mid(lo, hi), _NPV_FMT)
        out.put(row + 1, col, solver.low(lo, hi, f, sign), _RATE_FMT)
        out.put(row + 1, col + 1, solver.high(lo, hi, f, sign), _RATE_FMT)
    last = R_STEP0 + IRR_BISECTION_STEPS
    out.put(R_SIDE, col, solver.side_root(k, f"{lo_c}{last}", f"{hi_c}{last}"), _RATE_FMT)
    return k, f"{lo_c}{R_SIDE}"
