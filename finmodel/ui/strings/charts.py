"""UI strings: chart titles, axes and marks (finmodel.ui.charts).

Key → (中文, English); ``{name}`` placeholders are filled by :func:`finmodel.ui.i18n.t`."""

STRINGS: dict[str, tuple[str, str]] = {
    "cum_cf": ("累计现金流", "Cumulative cash flow"),
    "cum_dcf": ("累计折现现金流", "Cumulative discounted cash flow"),
    "payback_at": ("回本 {m}", "payback {m}"),
    "no_payback": ("测算期内未回本", "no payback within the horizon"),
    "wan_axis": ("万元", "10k CNY (万元)"),
    "year": ("年份", "Year"),
    "year_n": ("第{n}年", "Y{n}"),
    "revenue": ("收入", "Revenue"),
    "costs": ("成本", "Costs"),
    "amount_wan": ("金额（万元）", "Amount (万元 = 10k CNY)"),
    "line": ("项目", "Line"),
}
