"""The Checks sheet: the model's control layer, every check a live formula with its tolerance.

Each check (:func:`checks`) measures one identity or limit in a value cell, compares it with its
limit (a tolerance × a scale, or a bound) and shows 1/0 in a pass cell named ``check_<key>``; the
master check ``checks_ok`` is 1 when every check passes, and the Cover and the Summary show it in
green or red. What is checked:

* ``horizon_within_export`` — the horizon is at most the exported months (a horizon beyond the
  timeline silently drops the horizon-end month: no terminal value, no loan settlement);
* ``horizon_end_once`` — exactly one horizon-end month on the Heavy timeline;
* ``debt_settled`` — debt drawn = scheduled principal repaid + balance settled at the horizon: the
  totals of ``debt_flow_cny`` and ``settlement_cny`` sum to 0;
* ``heavy_book_value`` / ``light_book_value`` — book value at the horizon + cumulative
  depreciation (amortisation) = capex (platform investment), whichever depreciation method is chosen
  (straight line, double declining, sum of years' digits, monthly declining balance);
* ``irr_<row>`` — Excel's own ``IRR()``, started at the solver's root, agrees with the IRR solver
  sheet wherever a root exists;
* ``inputs_in_range`` — every input inside its schema bounds, re-tested in formulas (data
  validation stops typing, not pasting or a script), one row per input in the table below;
* ``scenario_switch`` (workbooks of several scenarios) — the switch names a scenario;
* ``heavy_balance_sheet`` / ``light_balance_sheet`` — the Balance sheet balances every month: the
  largest |total assets − total liabilities − total equity| of any month, read from the Balance
  sheet sheet, is within 1e-6 CNY;
* ``heavy_closing_cash`` / ``light_closing_cash`` — the cash-flow statement's closing cash (its
  opening cash + net change in cash, on the Cash flow sheet) equals the Balance sheet's cash every
  month (largest difference within 1e-6 CNY).

Not in the master: ``sensitivity_current`` says whether the Sensitivity sheet's base inputs equal
the current inputs (else that sheet reads STALE). It is information, not an error: every what-if
edit makes the engine values stale, and a stale sheet must not make the model fail its checks or
the import refuse an edited workbook.

A new check is one more :class:`Check` entry of :func:`checks`; nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from finmodel import schema
from finmodel.model import engine, expr
from finmodel.schema import Scenario
from finmodel.schema.deal_debt import BELOW
from finmodel.workbook import irr_solver
from finmodel.workbook import styles as st
from finmodel.workbook.layout import CHECKS, COL_VALUE, IRR_SOLVER, Layout, calc_name
from finmodel.workbook.reader import CHECK_PREFIX, CHECKS_OK, SCENARIO_INDEX, TIMELINE_MONTHS
from finmodel.workbook.report_plan import BALANCE, CASH_FLOW, MonthlySheet
from finmodel.workbook.validation import allowed_text, catalogue_keys, input_format

__all__ = ["Check", "checks", "write_checks", "SENSITIVITY_CURRENT", "REL_TOLERANCE", "IRR_TOLERANCE",
           "status_formula", "colour_status"]

SENSITIVITY_CURRENT = "sensitivity_current"
REL_TOLERANCE = 1e-9  # × the capex: identities of money flows
IRR_TOLERANCE = 1e-9  # per month: IRR() started at the solver's root
BALANCE_TOLERANCE = 1e-6  # CNY, any month: the statements' identities (issue 13's acceptance)
EXPORTED = f"COLUMNS({TIMELINE_MONTHS})-1"
_CAPEX_SCALE = f"{{t}}*MAX({calc_name('heavy', 'capex_cny')},1)"
FILL_OK = PatternFill("solid", fgColor="C6EFCE")
FILL_FAIL = PatternFill("solid", fgColor="FFC7CE")
FONT_OK = Font(bold=True, color="006100")
FONT_FAIL = Font(bold=True, color="9C0006")

# rows and columns of the sheet
MASTER_ROW, HEAD = 4, 6
C_VALUE, C_TOL, C_LIMIT, C_PASS, C_STATUS, C_KEY, C_WHAT = 3, 4, 5, 6, 7, 8, 9


@dataclass(frozen=True)
class Check:
    """One check: ``value`` and ``limit`` are formulas (``limit`` may read ``{t}``, the tolerance
    cell), ``test`` a formula in ``{v}`` and ``{l}`` that is true when the check passes."""

    key: str
    zh: str
    en: str
    value: str
    test: str
    limit: str | float | None = None
    tolerance: float | None = None
    what: str = ""
    master: bool = True
    fmt: str = "General"


def _rows(layout: Layout, model_name: str, key: str) -> expr.RowRange:
    ml = layout.models[model_name]
    return expr.RowRange(ml.sheet, ml.rows[key], layout.first, layout.second, layout.last)


def _total(layout: Layout, model_name: str, key: str) -> str:
    ml = layout.models[model_name]
    return f"{expr.quote_sheet(ml.sheet)}!${_col(COL_VALUE)}${ml.rows[key]}"


def _book_check(layout: Layout, model_name: str, book: str, dep: str, capex: str, zh: str, en: str) -> Check:
    at_horizon = f"INDEX({_rows(layout, model_name, book).all},1,general_horizon_months+1)"
    return Check(f"{model_name}_book_value", zh, en, f"{at_horizon}+{_total(layout, model_name, dep)}-{capex}",
                 "ABS({v})<={l}", f"{{t}}*MAX({capex},1)", REL_TOLERANCE,
                 f"期末账面净值 + 累计折旧(摊销) − 投资 book value at the horizon + cumulative "
                 f"{dep.removesuffix('_cny')} − {capex} [CNY]", fmt=st.CNY)


def checks(layout: Layout, n_scenarios: int = 1, inputs_range: str = "", same_range: str = "") -> list[Check]:
    """Every check of this layout, in the order the sheet shows them."""
    out = [
        Check("horizon_within_export", "测算期不超过导出月数", "Horizon ≤ exported months", "general_horizon_months",
              "AND(ISNUMBER({v}),{v}<={l})", EXPORTED, None,
              "测算期 ≤ 时间轴最后一月（更长测算期请重新导出） general_horizon_months ≤ the timeline's last month "
              "(re-export for a longer horizon)"),
        Check("horizon_end_once", "测算期末恰为一个月", "Exactly one horizon-end month",
              f"SUM({_rows(layout, 'heavy', 'horizon_end').all})", "{v}={l}", 1.0, None,
              "Heavy 表中标记为测算期末的月数 months flagged horizon_end on the Heavy sheet"),
        Check("debt_settled", "贷款提取 = 还本 + 期末结清", "Debt drawn = repaid + balance settled",
              f"{_total(layout, 'heavy', 'debt_flow_cny')}+{_total(layout, 'heavy', 'settlement_cny')}",
              "ABS({v})<={l}", _CAPEX_SCALE, REL_TOLERANCE,
              "提款 − 按期还本 + 期末结清之和 sum of debt_flow_cny (drawdown − scheduled principal) + "
              "settlement_cny (− the balance repaid at the horizon) [CNY]", fmt=st.CNY),
        _book_check(layout, "heavy", "book_value_cny", "depreciation_cny", calc_name("heavy", "capex_cny"),
                    "账面净值 + 累计折旧 = 设备投资", "Book value + cumulative depreciation = capex"),
        _book_check(layout, "light", "platform_book_value_cny", "amortisation_cny", "light_platform_investment_cny",
                    "平台净值 + 累计摊销 = 平台投入", "Platform book value + cumulative amortisation = investment"),
    ]
    out += _statement_checks(layout)
    for block in layout.irr:
        check = f"{expr.quote_sheet(IRR_SOLVER)}!${_col(block.column)}${irr_solver.R_CHECK}"
        row = block.key.removesuffix("_cny")
        out.append(Check(f"irr_{block.model}_{row}", f"Excel IRR() 与求解器一致 ({block.model})",
                         f"Excel IRR() = solver ({block.model} {row})",
                         f'IF(ISNUMBER({block.name}),IFERROR({check}-{block.name},"none"),"n/a")',
                         f"IF(ISNUMBER({block.name}),AND(ISNUMBER({{v}}),ABS({{v}})<={{l}}),TRUE)", "{t}",
                         IRR_TOLERANCE, "IRR(现金流, 求解器根) − 求解器根，按月（n/a：无根） "
                         "IRR(row, solver root) − solver root, per month (n/a: no root)",
                         fmt="0.0E+00"))
    out.append(Check("inputs_in_range", "输入均在允许范围内", "Every input within its allowed range",
                     f"COUNT({inputs_range})-SUM({inputs_range})", "{v}={l}", 0.0, None,
                     "超出允许范围的输入个数（见下表；粘贴可绕过数据验证） inputs outside their schema bounds "
                     "(table below; validation can be bypassed by pasting)"))
    if n_scenarios > 1:
        out.append(Check("scenario_switch", "情景选择有效", "Scenario switch names a scenario", SCENARIO_INDEX,
                         "ISNUMBER({v})", None, None, "Inputs 表的情景选择指向某一情景列 the switch on Inputs "
                         "selects one of the scenario columns"))
    out.append(Check(SENSITIVITY_CURRENT, "敏感性基准 = 当前输入", "Sensitivity base = current inputs",
                     f"COUNT({same_range})-SUM({same_range})" if same_range else '"no sheet"',
                     "{v}={l}" if same_range else "TRUE", 0.0, None,
                     "与敏感性分析基准不同的输入个数（否则该表显示 STALE；仅作提示，不计入总检查） inputs that "
                     "differ from the Sensitivity sheet's base (else that sheet reads STALE); information only, "
                     "not in the master check", master=False))
    return out


def _line(layout: Layout, sheet: MonthlySheet, model_name: str, key: str) -> str | None:
    """A statement line's months on its sheet (absolute), or None where the model has no such line."""
    rows = [x.row for b in sheet.blocks if b.model == model_name for x in b.lines if x.key == key]
    return f"{expr.quote_sheet(sheet.name)}!${layout.first}${rows[0]}:${layout.last}${rows[0]}" if rows else None


def _statement_checks(layout: Layout) -> list[Check]:
    """The statements' identities, every month, read from the Balance sheet and Cash flow sheets."""
    bs, cf = layout.reports.monthly[BALANCE], layout.reports.monthly[CASH_FLOW]
    out = []
    for m in layout.models:
        diff = "-".join(r for k in ("total_assets_cny", "total_liabilities_cny", "total_equity_cny")
                        if (r := _line(layout, bs, m, k)) is not None)
        out.append(Check(f"{m}_balance_sheet", f"资产负债表平衡 ({m})", f"Balance sheet balances ({m})",
                         f"SUMPRODUCT(MAX(ABS({diff})))", "ABS({v})<={l}", "{t}", BALANCE_TOLERANCE,
                         "任一月 |资产合计 − 负债合计 − 所有者权益合计| 的最大值（Balance sheet 表） "
                         "largest |total assets − total liabilities − total equity| of any month on the Balance sheet "
                         "[CNY]", fmt="0.0E+00"))
        cash = f"{_line(layout, cf, m, 'opening_cash_cny')}+{_line(layout, cf, m, 'net_cash_flow_cny')}" \
               f"-{_line(layout, bs, m, 'closing_cash_cny')}"
        out.append(Check(f"{m}_closing_cash", f"期末现金 = 资产负债表现金 ({m})",
                         f"Closing cash = balance-sheet cash ({m})", f"SUMPRODUCT(MAX(ABS({cash})))",
                         "ABS({v})<={l}", "{t}", BALANCE_TOLERANCE,
                         "任一月 |期初现金 + 现金净增加额（Cash flow） − 现金（Balance sheet）| 的最大值 "
                         "largest |opening cash + net change in cash (Cash flow) − cash (Balance sheet)| of any month "
                         "[CNY]",
                         fmt="0.0E+00"))
    return out


def _col(col: int) -> str:
    return get_column_letter(col)


def status_formula(ok: str) -> str:
    """Text of a master check cell: pass or fail, in both languages."""
    return f'IF({ok}=1,"✔ 全部检查通过 All checks pass","✘ 检查未通过 CHECK FAILED — see Checks")'


def colour_status(ws: st.Sheet, cell: str, ok: str) -> None:
    """Green when ``ok`` is 1, red otherwise (conditional formatting, so it follows the inputs)."""
    ws.conditional_formatting.add(cell, FormulaRule(formula=[f"{ok}=1"], fill=FILL_OK, font=FONT_OK))
    ws.conditional_formatting.add(cell, FormulaRule(formula=[f"{ok}<>1"], fill=FILL_FAIL, font=FONT_FAIL))


def write_checks(wb: Workbook, layout: Layout, scenario: Scenario, n_scenarios: int = 1) -> dict[str, float]:
    """Write the Checks sheet; return the cells whose floats must be stored exactly (Sensitivity base)."""
    ws: st.Sheet = wb[CHECKS]
    st.label(ws, 1, 1, "检查 Checks", st.FONT_TITLE)
    note = st.label(ws, 2, 1, "每项检查为实时公式：数值与限值比较，通过为1；主检查 checks_ok 为1表示全部通过（封面与汇"
                       "总页显示）。"
                       " Every check is a live formula: its value against its limit (tolerance × scale, or a bound), "
                       "1 = pass; the master check checks_ok is 1 when all pass (shown on Cover and Summary).",
             st.FONT_NOTE)
    note.alignment = st.WRAP
    ws.merge_cells("A2:I2")
    ws.row_dimensions[2].height = st.text_height([(str(note.value), 200)])
    inputs_head = HEAD + len(checks(layout, n_scenarios)) + 6  # after the checks, information, extension note
    rows = _input_rows(inputs_head)
    in_range = f"${_col(C_PASS)}${inputs_head + 1}:${_col(C_PASS)}${inputs_head + len(rows)}"
    same = f"$I${inputs_head + 1}:$I${inputs_head + len(rows)}" if layout.sensitivity else ""
    table = checks(layout, n_scenarios, in_range, same)
    st.header(ws, HEAD, ["检查", "Check", "数值 Value", "容差 Tolerance", "限值 Limit", "通过 Pass", "状态 Status",
                         "键 Key", "说明 What is tested"])
    ws.row_dimensions[HEAD].height = 30
    r = HEAD
    passes: list[int] = []
    for check in table:
        r += 1
        if not check.master:
            r += 1
            st.section(ws, r - 1, "信息（不计入主检查） Information (not part of the master check)", C_WHAT)
        _check_row(wb, ws, r, check)
        if check.master:
            passes.append(r)
    if r + 1 >= inputs_head - 2:  # pragma: no cover - a layout bug
        raise RuntimeError("the checks overflow into the inputs table")
    st.label(ws, r + 2, 1, "报表检查读取 Balance sheet 与 Cash flow 表（引擎科目的链接）。 The statements' checks read "
                           "the Balance sheet and Cash flow sheets (links to the engine's lines).", st.FONT_NOTE)
    _master(wb, ws, passes)
    exact = _inputs_table(wb, ws, layout, scenario, inputs_head, rows)
    ws.freeze_panes = ws.cell(HEAD + 1, 3)
    st.widths(ws, {"A": 26, "B": 40, "C": 16, "D": 12, "E": 16, "F": 9, "G": 40, "H": 30, "I": 58, "J": 32})
    st.print_setup(ws, title_rows=f"{HEAD}:{HEAD}")
    st.protect(ws)
    return exact


def _check_row(wb: Workbook, ws: st.Sheet, r: int, check: Check) -> None:
    v, t, lim = (f"{_col(c)}{r}" for c in (C_VALUE, C_TOL, C_LIMIT))
    st.label(ws, r, 1, check.zh).alignment = st.WRAP
    st.label(ws, r, 2, check.en).alignment = st.WRAP
    ws.cell(r, C_VALUE, "=" + check.value).number_format = check.fmt
    if check.tolerance is not None:
        ws.cell(r, C_TOL, check.tolerance).number_format = "0.0E+00"
    if isinstance(check.limit, str):
        ws.cell(r, C_LIMIT, "=" + check.limit.format(t=t)).number_format = check.fmt
    elif check.limit is not None:
        ws.cell(r, C_LIMIT, check.limit)
    test = check.test.format(v=v, l=lim)
    p = ws.cell(r, C_PASS, f"=IFERROR(IF({test},1,0),0)")
    p.font, p.alignment = st.FONT_BOLD, Alignment(horizontal="center")
    ws.cell(r, C_STATUS, f'=IF({p.coordinate}=1,"OK 通过","{"STALE 已过期" if not check.master else "FAIL 未通过"}")')
    colour_status(ws, f"{_col(C_PASS)}{r}:{_col(C_STATUS)}{r}", f"${_col(C_PASS)}{r}")
    st.label(ws, r, C_KEY, check.key, st.FONT_KEY).alignment = st.WRAP
    st.label(ws, r, C_WHAT, check.what, st.FONT_NOTE).alignment = st.WRAP
    ws.row_dimensions[r].height = st.text_height([(check.what, 56), (check.key, 30), (check.en, 38), (check.zh, 24)])
    st.align_top(ws, r, C_WHAT)
    name = SENSITIVITY_CURRENT if not check.master else CHECK_PREFIX + check.key
    st.define(wb, name, CHECKS, p.coordinate)


def _master(wb: Workbook, ws: st.Sheet, passes: list[int]) -> None:
    st.label(ws, MASTER_ROW, 1, "主检查", st.FONT_BOLD)
    st.label(ws, MASTER_ROW, 2, f"Master check ({CHECKS_OK}: 1 when every check passes)", st.FONT_BOLD)
    col = _col(C_PASS)
    m = ws.cell(MASTER_ROW, C_PASS, f"=MIN({col}{passes[0]}:{col}{passes[-1]})")
    m.font, m.alignment = st.FONT_BOLD, Alignment(horizontal="center")
    st.define(wb, CHECKS_OK, CHECKS, m.coordinate)
    ws.cell(MASTER_ROW, C_STATUS, "=" + status_formula(CHECKS_OK))
    ws.merge_cells(start_row=MASTER_ROW, start_column=C_STATUS, end_row=MASTER_ROW, end_column=C_WHAT)
    colour_status(ws, f"{_col(C_PASS)}{MASTER_ROW}:{_col(C_WHAT)}{MASTER_ROW}", CHECKS_OK)


def _input_rows(head: int) -> dict[str, int]:
    return {path: head + 1 + j for j, path in enumerate(schema.FIELDS)}


def _in_range(spec: schema.FieldSpec, c: str, lo: str, hi: str) -> str:
    """The formula (true when allowed) of one input's live value ``c``, generated from its schema bounds.
    Choices are compared case-sensitively (``EXACT``), as the import does; a choice over a catalogue
    table's keys (``heavy.gpu``, ``light.precision``) is looked for in the Catalogue sheet's keys."""
    if spec.kind in ("choice", "str"):
        keys = catalogue_keys(spec)
        test = (f"SUMPRODUCT(EXACT({keys},{c})*1)>0" if keys else
                "OR(" + ",".join(f'EXACT({c},"{o}")' for o in spec.choices) + ")")
    else:
        test = _number_in_range(spec, c, lo, hi)
    return f'IF({c}="",TRUE,{test})' if spec.optional else test  # IF, not OR: OR would evaluate INT("")


def _number_in_range(spec: schema.FieldSpec, c: str, lo: str, hi: str) -> str:
    parts = [f"ISNUMBER({c})"]
    if spec.ge is not None or spec.gt is not None:
        parts.append(f"{c}{'>=' if spec.ge is not None else '>'}{lo}")
    if spec.le is not None or spec.lt is not None:
        parts.append(f"{c}{'<=' if spec.le is not None else '<'}{hi}")
    if spec.kind == "int":
        parts.append(f"{c}=INT({c})")
    if spec.path in BELOW:  # issue 12: the grace period stays shorter than the loan's term
        parts.append(f"{c}<{engine.name_of(BELOW[spec.path])}")
    return "AND(" + ",".join(parts) + ")"


def _inputs_table(wb: Workbook, ws: st.Sheet, layout: Layout, s: Scenario, head: int,
                  rows: dict[str, int]) -> dict[str, float]:
    """One row per input: live value, bounds, in range, allowed text; the Sensitivity base and whether
    the live value still equals it. Returns the base cells to store exactly."""
    st.section(ws, head - 1, "输入范围检查 Inputs re-tested against the schema's bounds", 10)
    st.header(ws, head, ["输入", "Input", "当前值 Live", "下限 Lower", "上限 Upper", "范围内 In range",
                         "允许范围 Allowed", "敏感性基准 Sensitivity base", "一致 Same", "字段 Field"])
    ws.row_dimensions[head].height = 30
    exact: dict[str, float] = {}
    for path, r in rows.items():
        spec, name = schema.FIELDS[path], engine.name_of(path)
        st.label(ws, r, 1, spec.label_zh)
        st.label(ws, r, 2, spec.label_en)
        if spec.kind == "list":  # the block's signature; every cell empty or a number within the bounds
            ws.cell(r, 3, f"={list_signature(name)}")
            _bounds(ws, r, spec)
            ws.cell(r, 6, f"=IFERROR(IF(SUMPRODUCT(ISNUMBER({name})*(({name}<D{r})+({name}>E{r})))"
                          f"+SUMPRODUCT((1-ISBLANK({name}))*(1-ISNUMBER({name})))=0,1,0),0)")
        else:
            live = ws.cell(r, 3, f'=IF(ISBLANK({name}),"",{name})')
            if spec.numeric:
                live.number_format = input_format(spec)
            _bounds(ws, r, spec)
            ws.cell(r, 6, f"=IFERROR(IF({_in_range(spec, f'C{r}', f'D{r}', f'E{r}')},1,0),0)")
        allowed = allowed_text(spec, layout.horizon).split("\n")[0]
        st.label(ws, r, 7, allowed, st.FONT_NOTE).alignment = st.WRAP
        ws.row_dimensions[r].height = st.text_height([(allowed, 40)])
        if layout.sensitivity:
            exact.update(_base(ws, r, spec, s.get(path)))
        st.label(ws, r, 10, path, st.FONT_KEY)
        st.align_top(ws, r, 10)
    first, last = min(rows.values()), max(rows.values())
    colour_status(ws, f"F{first}:F{last}", f"$F{first}")  # one rule pair, relative to each row
    return exact


def list_signature(name: str) -> str:
    """One number that changes when the factors of a list input change: Σ f + Σ f² (issue 12's price
    index; the Sensitivity base compares it)."""
    return f"SUM({name})+SUMPRODUCT({name},{name})"


def _bounds(ws: st.Sheet, r: int, spec: schema.FieldSpec) -> None:
    lo = spec.ge if spec.ge is not None else spec.gt
    hi = spec.le if spec.le is not None else spec.lt
    for col, bound in ((4, lo), (5, hi)):
        if bound is not None:
            ws.cell(r, col, bound).number_format = "#,##0" if float(bound).is_integer() else "General"
    if spec.path == "general.horizon_months":
        ws.cell(r, 5, "=" + EXPORTED)  # the exported months (≤ the schema's 360)


def _base(ws: st.Sheet, r: int, spec: schema.FieldSpec, value: Any) -> dict[str, float]:
    """The Sensitivity sheet's base value of one input and whether the live value equals it."""
    c = ws.cell(r, 8)
    if spec.kind == "list":
        value = float(sum(value) + sum(x * x for x in value))
    if spec.kind in ("choice", "str"):
        st.put_text(c, value)
        same = f"EXACT(C{r},H{r})"
    else:
        if value is not None:
            c.value = value
            c.number_format = ws.cell(r, 3).number_format
        same = f"C{r}=H{r}"
    c.fill = st.FILL_ENGINE
    ws.cell(r, 9, f"=IFERROR(IF({same},1,0),0)")
    return {c.coordinate: value} if isinstance(value, float) else {}
