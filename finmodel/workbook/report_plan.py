"""Where the lender's sheets sit: the monthly Income statement, Cash flow, Balance sheet and Debt
sheets, and the Annual sheet — planned once per export from the engine's declarations.

Every line is an engine item (:mod:`finmodel.model.statements`, the debt rows of
:mod:`finmodel.model.heavy`): the monthly sheets *present* its row of the Heavy or Light timeline
(``=Heavy!G45``, the cash sign of :data:`finmodel.model.reports.CASH_SIGN` where cash goes out),
the Annual sheet rolls it into years as :func:`finmodel.model.reports.annual` does (flows summed,
balances at the year's close, opening cash at its first month, the declared ratios on the year's
sums). Nothing is recomputed: which lines, in which order, with which sign, comes from
:data:`finmodel.model.reports.LINES`, ``RATIOS`` and ``CASH_SIGN``.

The Debt sheet is planned from :data:`DEBT_SECTIONS`, candidate row keys of which only those the
heavy model defines are shown: today the loan's drawdown/scheduled principal, the balance repaid at
the horizon, the closing balance, interest, CFADS and debt service; a corkscrew in the engine
(opening balance, drawdown, principal repaid, closing balance, monthly DSCR, LLCR) appears by its
keys once it is merged, with no change here. Without an engine opening-balance row the opening
balance is a link to the previous month's closing balance (month 0 reads the opening column, 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from finmodel.model import engine, reports

__all__ = ["ANNUAL", "INCOME", "CASH_FLOW", "BALANCE", "DEBT", "REPORT_SHEETS", "MONTHLY_SHEETS", "PERIOD_ROW",
           "FISCAL_ROW", "FIRST_LINE_ROW", "OPENING_LINK", "YEAR_ROW", "FROM_ROW", "TO_ROW", "MONTHS_ROW",
           "DEBT_SECTIONS", "DEBT_TERMS", "Line", "Block", "MonthlySheet", "AnnualRow", "AnnualBlock", "AnnualSheet",
           "ReportsLayout", "plan_reports", "year_columns"]

INCOME, CASH_FLOW, BALANCE, DEBT, ANNUAL = "Income statement", "Cash flow", "Balance sheet", "Debt", "Annual"
MONTHLY_SHEETS: dict[str, reports.Statement | None] = {INCOME: "income", CASH_FLOW: "cash_flow",
                                                       BALANCE: "balance", DEBT: None}
REPORT_SHEETS = (ANNUAL, INCOME, CASH_FLOW, BALANCE, DEBT)
#: Monthly sheets: row 4 the month header (as on the timelines), 5 the period, 6 the fiscal year.
PERIOD_ROW, FISCAL_ROW, FIRST_LINE_ROW = 5, 6, 8
#: Annual sheet: row 4 the fiscal year, 5 its first month, 6 its last, 7 its months in the horizon.
YEAR_ROW, FROM_ROW, TO_ROW, MONTHS_ROW, FIRST_ANNUAL_ROW = 4, 5, 6, 7, 9

#: The Debt sheet: (section zh, section en, candidate heavy row keys in reading order). Only the
#: keys the heavy model defines are shown, so an engine corkscrew's rows appear once merged.
DEBT_SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("借款余额变动", "Debt corkscrew", (
        "debt_opening_cny", "debt_drawdown_cny", "capitalised_interest_cny", "debt_principal_cny",
        "debt_balloon_paid_cny", "settlement_cny", "debt_balance_cny")),
    ("利息与费用", "Interest and fees", ("interest_cny", "interest_paid_cny", "debt_fee_cny")),
    ("偿债能力", "Debt service and coverage", (
        "cfads_cny", "debt_service_cny", "dscr", "dscr_12m", "below_covenant")),
    ("备忘", "Memo", ("loan_balance_cny",)),
)
#: The loan's terms and coverage results shown above the schedule (calc_heavy_<key> or an input),
#: again only those that exist.
DEBT_TERMS: tuple[str, ...] = ("loan_cny", "dscr_sized_debt_cny", "loan_rate_per_month", "loan_payment_cny",
                               "min_dscr", "average_dscr", "llcr", "months_below_covenant", "covenant_breach")
_CLOSING = ("debt_closing_cny", "debt_balance_cny")  # the corkscrew's closing balance, by preference
#: The key of the Debt sheet's opening-balance link (not an engine item: a reference to the previous
#: month's closing balance), used while the engine has no ``debt_opening_cny`` row.
OPENING_LINK = "opening_link"


@dataclass(frozen=True)
class Line:
    """One presented line: the engine item ``key`` of ``model``, on row ``row`` of its sheet, shown
    with ``sign`` (−1: the cash sign of an amount declared positive)."""

    model: str
    key: str
    row: int
    sign: int = 1


@dataclass(frozen=True)
class Block:
    """One model's lines on a monthly sheet, under a section header."""

    model: str
    section_row: int
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class MonthlySheet:
    """A monthly statement (or the Debt sheet): blocks of lines, months in the timeline's columns."""

    name: str
    blocks: tuple[Block, ...]
    last_row: int
    opening_link: tuple[int, int] | None = None  # Debt: (row of the opening link, row of the closing balance)
    terms: tuple[tuple[str, int], ...] = ()  # Debt: (heavy key, row) of the loan's terms above the schedule

    def row_of(self, model: str, key: str) -> int:
        return next(line.row for b in self.blocks if b.model == model for line in b.lines if line.key == key)


How = Literal["flow", "balance", "opening", "ratio"]


@dataclass(frozen=True)
class AnnualRow:
    """A row of the Annual sheet: a line rolled into years (``how``), or a declared ratio."""

    model: str
    key: str
    row: int
    how: How
    sign: int = 1
    ratio: reports.Ratio | None = None


@dataclass(frozen=True)
class AnnualBlock:
    model: str
    title: tuple[str, str]  # (zh, en)
    section_row: int
    rows: tuple[AnnualRow, ...]


@dataclass(frozen=True)
class AnnualSheet:
    years: int  # year columns (the most fiscal years months 0..H can touch)
    blocks: tuple[AnnualBlock, ...]
    last_row: int

    def row_of(self, model: str, key: str) -> int:
        return next(r.row for b in self.blocks if b.model == model for r in b.rows if r.key == key)


@dataclass(frozen=True)
class ReportsLayout:
    monthly: Mapping[str, MonthlySheet]
    annual: AnnualSheet


def year_columns(horizon: int) -> int:
    """Fiscal years months 0..H can touch: month 0 may be its year's last month, then H more months."""
    return 1 + -(-horizon // 12)


def _keys(items: Sequence[engine.Item]) -> dict[str, engine.Item]:
    return {i.key: i for i in items}


def _statement_block(model: str, items: Mapping[str, engine.Item], name: reports.Statement, r: int) -> Block:
    keys = [k for k in reports.LINES[model][name] if k in items and items[k].kind == "row"]
    sign = reports.CASH_SIGN[model] if name == "cash_flow" else {}
    return Block(model, r, tuple(Line(model, k, r + 1 + j, sign.get(k, 1)) for j, k in enumerate(keys)))


def _statement_sheet(sheet: str, name: reports.Statement, models: Mapping[str, Sequence[engine.Item]]) -> MonthlySheet:
    blocks, r = [], FIRST_LINE_ROW
    for model, items in models.items():
        block = _statement_block(model, _keys(items), name, r)
        blocks.append(block)
        r = block.lines[-1].row + 2
    return MonthlySheet(sheet, tuple(blocks), r - 2)


def _debt_sheet(heavy: Sequence[engine.Item], results: Sequence[engine.Item]) -> MonthlySheet:
    items = _keys(heavy)
    scalars = {**{k: i for k, i in items.items() if i.kind == "scalar"}, **_keys(results)}
    terms = tuple((k, FIRST_LINE_ROW + 1 + j) for j, k in enumerate(k for k in DEBT_TERMS if k in scalars))
    r = (terms[-1][1] if terms else FIRST_LINE_ROW) + 2
    blocks, link = [], None
    closing = next(k for k in _CLOSING if k in items)
    for _zh, _en, candidates in DEBT_SECTIONS:
        keys = [k for k in candidates if k in items and items[k].kind == "row"]
        if not keys:
            continue
        lines = [Line("heavy", k, r + 1 + j) for j, k in enumerate(keys)]
        if candidates is DEBT_SECTIONS[0][2] and "debt_opening_cny" not in items:  # opening = last closing
            lines = [Line("heavy", OPENING_LINK, r + 1)] + [Line("heavy", x.key, x.row + 1) for x in lines]
            link = (r + 1, next(x.row for x in lines if x.key == closing))
        blocks.append(Block("heavy", r, tuple(lines)))
        r = lines[-1].row + 2
    return MonthlySheet(DEBT, tuple(blocks), r - 2, link, terms)


def _annual_rows(model: str, items: Mapping[str, engine.Item], r: int) -> list[AnnualBlock]:
    """The model's statements by year, then the ratios with the sums they divide (when not shown)."""
    out, shown = [], set()
    for name in reports.STATEMENTS:
        sign = reports.CASH_SIGN[model] if name == "cash_flow" else {}
        keys = [k for k in reports.LINES[model][name] if k in items and items[k].kind == "row"]
        rows = tuple(AnnualRow(model, k, r + 1 + j, _how(items[k]), sign.get(k, 1)) for j, k in enumerate(keys))
        out.append(AnnualBlock(model, (reports.TITLES[name][1], reports.TITLES[name][0]), r, rows))
        shown |= {k for k in keys if k not in sign}
        r = rows[-1].row + 2
    ratios = [x for x in reports.RATIOS[model] if x.numerator in items and x.denominator in items]
    sums = list(dict.fromkeys(k for x in ratios for k in (x.numerator, x.denominator) if k not in shown))
    rows = [AnnualRow(model, k, r + 1 + j, "flow") for j, k in enumerate(sums)]
    rows += [AnnualRow(model, x.key, r + 1 + len(sums) + j, "ratio", ratio=x) for j, x in enumerate(ratios)]
    out.append(AnnualBlock(model, ("比率与偿债覆盖", "Ratios and debt coverage"), r, tuple(rows)))
    return out


def _how(item: engine.Item) -> How:
    if item.flow:
        return "flow"
    return "opening" if item.key in reports.OPENING else "balance"


def _annual(horizon: int, models: Mapping[str, Sequence[engine.Item]]) -> AnnualSheet:
    blocks: list[AnnualBlock] = []
    r = FIRST_ANNUAL_ROW
    for model, items in models.items():
        blocks += _annual_rows(model, _keys(items), r)
        r = blocks[-1].rows[-1].row + 3
    return AnnualSheet(year_columns(horizon), tuple(blocks), r - 3)


def plan_reports(horizon: int, models: Mapping[str, tuple[Sequence[engine.Item], Sequence[engine.Item]]]
                 ) -> ReportsLayout:
    """The report sheets of a workbook whose timelines span ``horizon`` months; ``models`` maps each
    model to its (items, results)."""
    items = {m: its for m, (its, _) in models.items()}
    monthly = {sheet: _statement_sheet(sheet, name, items) for sheet, name in MONTHLY_SHEETS.items() if name}
    monthly[DEBT] = _debt_sheet(models["heavy"][0], models["heavy"][1])
    return ReportsLayout(MappingProxyType(monthly), _annual(horizon, items))
