"""The deal sections of issue 12 owned here: income tax as the statute works ``[tax]``, subsidies
``[subsidy]``, cost escalation with spare servers ``[escalation]`` and USD hardware prices ``[fx]``.

Every field defaults to today's behaviour (cumulative tax with unlimited loss carry-forward, no grant,
no voucher, no escalation, no spares), so every existing scenario file loads and evaluates unchanged.
The statute's figures (5 and 10 years, 5,000,000 CNY, 2024-01..2027-12, five months) are inputs with
their source, not constants inside formulas: a change of the law is an edit of a file. Rules,
formulas and sources: ``docs/deal_tax.md``.
"""

from __future__ import annotations

from typing import Literal

from finmodel.schema.fields import Finite, fld
from finmodel.schema.months import Month
from finmodel.schema.sections import _Section

__all__ = ["Tax", "Subsidy", "Escalation", "Fx"]

_LAW = "企业所得税法 (Enterprise Income Tax Law of the PRC)"


class Tax(_Section):
    """Corporate income tax (企业所得税) of the heavy-asset model as the statute computes it."""

    basis: Literal["cumulative", "tax_year"] = fld(
        "cumulative", unit="", en="Income tax basis", zh="所得税计算口径", group="tax",
        choice_labels={"cumulative": ("按累计利润逐月计税", "Cumulative (monthly, today's)"),
                       "tax_year": ("按纳税年度（月度预缴、次年汇算清缴）",
                                    "Tax year (monthly provisional, annual settlement)")},
        help="cumulative: each month pays the rate on the month's taxable profit after carried-forward losses (no "
        "tax years; the model's earlier behaviour). tax_year: tax is computed by tax year (the fiscal year of "
        "general.fiscal_year_start_month; China's is the calendar year, Art. 53 " + _LAW + "): each month pays the "
        "provisional tax on the year-to-date profit (never refunded within the year), and the overpayment of a "
        "year is refunded in the settlement month (tax.settlement_months_after_year_end), or at the horizon.",
        help_zh="cumulative：每月按当月应纳税所得额（扣除结转亏损后）计税，不分纳税年度（原有口径）。"
        "tax_year：按纳税年度计税（即 general.fiscal_year_start_month 的财年；"
        "中国为公历年度，《企业所得税法》第五十三条）："
        "每月按本年累计利润预缴（年内不退），年度多缴部分在汇算清缴月份（tax.settlement_months_after_year_end）或测算期末退还。"
    )
    loss_carry_forward: Literal["unlimited", "statute"] = fld(
        "unlimited", unit="", en="Loss carry-forward", zh="亏损结转", group="tax",
        choice_labels={"unlimited": ("无限期结转", "Unlimited"),
                       "statute": ("按税法年限（到期作废）", "Statute (losses expire)")},
        help="unlimited: a loss is deducted from later profit whenever it arises (the model's earlier behaviour). "
        "statute: the oldest losses are used first and a loss not used within tax.loss_years_standard years "
        "(tax.loss_years_hnte_tsme for an HNTE/TSME) expires (Art. 18 " + _LAW + "; Caishui [2018] No. 76).",
        help_zh="unlimited：亏损可无限期弥补以后的利润（原有口径）。statute：先发生的亏损先弥补，"
        "超过 tax.loss_years_standard 年（高新技术企业/科技型中小企业为 tax.loss_years_hnte_tsme 年）未弥补的亏损作废"
        "（《企业所得税法》第十八条；财税〔2018〕76号）。"
    )
    enterprise: Literal["standard", "hnte_tsme"] = fld(
        "standard", unit="", en="Enterprise status", zh="企业资格", group="tax",
        choice_labels={"standard": ("一般企业", "Standard"),
                       "hnte_tsme": ("高新技术企业/科技型中小企业", "HNTE / TSME")},
        help="hnte_tsme: a High and New Technology Enterprise or a Technology-based SME carries losses forward "
        "for 10 years instead of 5 (Caishui [2018] No. 76). Only the loss period changes (the 15 % HNTE rate is "
        "general.tax_rate).",
        help_zh="hnte_tsme：高新技术企业或科技型中小企业的亏损结转年限为10年而非5年（财税〔2018〕76号）。"
        "只改变结转年限（高新技术企业15%税率请在 general.tax_rate 中填写）。"
    )
    loss_years_standard: int = fld(
        5, unit="years", en="Loss carry-forward, standard", zh="亏损结转年限(一般企业)", group="tax", ge=1, le=20,
        help="Years a loss may be carried forward: at most five (Art. 18 " + _LAW + ").",
        help_zh="亏损向以后年度结转的年限：最长不得超过五年（《企业所得税法》第十八条）。"
    )
    loss_years_hnte_tsme: int = fld(
        10, unit="years", en="Loss carry-forward, HNTE/TSME", zh="亏损结转年限(高新/科小)", group="tax", ge=1, le=20,
        help="Years for an HNTE or TSME: ten from 2018 (Caishui [2018] No. 76, 财政部 税务总局).",
        help_zh="高新技术企业或科技型中小企业的结转年限：自2018年起为十年（财税〔2018〕76号）。"
    )
    settlement_months_after_year_end: int = fld(
        5, unit="months", en="Annual settlement, months after year end", zh="汇算清缴(年末后月数)", group="tax",
        ge=1, le=12,
        help="tax_year basis: the month after the tax year's end in which the year is settled and an overpayment "
        "refunded. The annual return and settlement are due within five months of the year end, i.e. by 31 May "
        "(Art. 54 " + _LAW + "): 5.",
        help_zh="纳税年度口径：年度终了后第几个月汇算清缴、退还多缴税款。企业应自年度终了之日起五个月内汇算清缴，"
        "即5月31日前（《企业所得税法》第五十四条）：5。"
    )
    one_off_deduction: Literal["off", "on"] = fld(
        "off", unit="", en="One-off deduction of equipment", zh="设备一次性税前扣除", group="tax",
        choice_labels={"off": ("不适用", "Off"), "on": ("适用", "On")},
        help="on: equipment bought in tax.one_off_first_month..tax.one_off_last_month whose unit value (capex per "
        "server) is at most tax.one_off_limit_cny_per_unit is deducted whole in the first month of service instead "
        "of being depreciated for tax (MOF/STA Announcement 2023 No. 37; STA Announcement 2018 No. 46: deducted in "
        "the tax year of the month after it is put into use). Outside the window or above the limit: no effect.",
        help_zh="on：在 tax.one_off_first_month 至 tax.one_off_last_month 期间新购进、单位价值（单台设备投资）不超过 "
        "tax.one_off_limit_cny_per_unit 的设备，在投入运营首月一次性税前扣除，不再计算税务折旧"
        "（财政部 税务总局公告2023年第37号；国家税务总局公告2018年第46号）。超出期间或限额：不适用。"
    )
    one_off_limit_cny_per_unit: Finite = fld(
        5_000_000.0, unit="CNY/server", en="One-off deduction: unit value limit", zh="一次性扣除单位价值上限",
        group="tax", ge=0, le=1e9, step=100_000,
        help="Largest unit value deducted at once: 500万元 (MOF/STA Announcement 2023 No. 37). The unit is a "
        "server with its share of network, parts and infrastructure (heavy capex per server).",
        help_zh="可一次性扣除的单位价值上限：500万元（财政部 税务总局公告2023年第37号）。单位为一台服务器"
        "（含其分摊的网络、配件与基建，即单台设备投资）。"
    )
    one_off_first_month: Month = fld(
        Month.of(2024, 1), unit="YYYY-MM", en="One-off deduction: first purchase month", zh="一次性扣除起始月份",
        group="tax", help="Purchases from 2024-01 qualify (MOF/STA Announcement 2023 No. 37).",
        help_zh="2024年1月1日起购进的设备适用（财政部 税务总局公告2023年第37号）。"
    )
    one_off_last_month: Month = fld(
        Month.of(2027, 12), unit="YYYY-MM", en="One-off deduction: last purchase month", zh="一次性扣除截止月份",
        group="tax", help="Purchases up to 2027-12 qualify (MOF/STA Announcement 2023 No. 37).",
        help_zh="2027年12月31日前购进的设备适用（财政部 税务总局公告2023年第37号）。"
    )
    depreciation_method: Literal["straight_line", "double_declining", "sum_of_years"] | None = fld(
        None, unit="", en="Tax depreciation method", zh="税务折旧方法", group="tax",
        choice_labels={"straight_line": ("直线法", "Straight line"),
                       "double_declining": ("双倍余额递减法", "Double declining balance"),
                       "sum_of_years": ("年数总和法", "Sum of years' digits")},
        help="Depreciation deducted for tax; empty = the book method (heavy.depreciation_method). The law's "
        "method is straight line (Art. 59 of the Implementation Regulations); accelerated depreciation may use "
        "double declining or sum of years' digits (Art. 98; Caishui [2014] No. 75). The P&L shows the tax paid "
        "(no deferred tax line).",
        help_zh="计税折旧方法；留空 = 账面折旧方法（heavy.depreciation_method）。"
        "税法规定按直线法（实施条例第五十九条）；"
        "加速折旧可用双倍余额递减法或年数总和法（实施条例第九十八条；财税〔2014〕75号）。利润表所得税为当期缴纳额（不设递延所得税）。"
    )
    depreciation_life_years: int | None = fld(
        None, unit="years", en="Tax depreciation life", zh="税务折旧年限", group="tax", ge=1, le=20,
        help="Life for tax depreciation; empty = the book life (heavy.depreciation_life_years). The minimum for "
        "electronic equipment is 3 years (Art. 60 of the Implementation Regulations), 60 % of it when shortened "
        "for acceleration (Art. 98).",
        help_zh="计税折旧年限；留空 = 账面折旧年限（heavy.depreciation_life_years）。电子设备最低折旧年限为3年"
        "（实施条例第六十条），缩短年限加速折旧的不得低于其60%（实施条例第九十八条）。"
    )


class Subsidy(_Section):
    """Government support of the heavy-asset deal: a capex grant and a demand-side voucher (算力券)."""

    capex_grant_share: Finite = fld(
        0.0, unit="fraction of capex", en="Capex grant", zh="设备投资补助", group="subsidy", ge=0, le=1, step=0.01,
        help="Grant as a share of capex, received in subsidy.capex_grant_month (e.g. Shanghai: up to 10 % "
        "construction support for self-owned compute, 上海市经信委 2025-07-28). Booked as other income when "
        "received (a simplification of CAS 16's deferred-income method); 0 = none.",
        help_zh="按设备投资比例计算的补助，于 subsidy.capex_grant_month 收到（例如上海：自主算力建设最高10%支持，"
        "上海市经信委2025-07-28）。收到时计入其他收益（对《企业会计准则第16号》递延收益法的简化）；0 = 无。"
    )
    capex_grant_month: int = fld(
        12, unit="month", en="Capex grant received in month", zh="投资补助到账月份", group="subsidy", ge=0, le=360,
        help="Timeline month in which the grant arrives (0 = with the purchase); after the horizon: never.",
        help_zh="补助到账的测算月份（0 = 与购置同月）；晚于测算期则不计。"
    )
    capex_grant_tax: Literal["taxable", "non_taxable"] = fld(
        "taxable", unit="", en="Capex grant for income tax", zh="投资补助的所得税处理", group="subsidy",
        choice_labels={"taxable": ("应税收入", "Taxable"), "non_taxable": ("不征税收入", "Non-taxable")},
        help="taxable: income of the month received. non_taxable: 不征税收入 (Caishui [2011] No. 70), and the "
        "depreciation of what it funded is not deductible (Art. 28 of the Implementation Regulations): the tax "
        "depreciation and the one-off deduction are scaled by 1 − subsidy.capex_grant_share.",
        help_zh="taxable：到账当月计入应税收入。non_taxable：不征税收入（财税〔2011〕70号），其形成资产的折旧不得扣除"
        "（实施条例第二十八条）：税务折旧与一次性扣除按 1 − subsidy.capex_grant_share 计算。"
    )
    voucher_share_of_revenue: Finite = fld(
        0.0, unit="fraction of revenue", en="Compute voucher (算力券)", zh="算力券补贴", group="subsidy", ge=0, le=1,
        step=0.01,
        help="Voucher income as a share of rental revenue in the first subsidy.voucher_months months of service "
        "(Shanghai 算力券: up to 30 % of rent, 上海市经信委 2025-07-28), received in the month and taxable; 0 = none.",
        help_zh="运营前 subsidy.voucher_months 个月按租赁收入比例取得的算力券补贴（上海算力券：最高为租金的30%，"
        "上海市经信委2025-07-28），当月到账、计入应税收入；0 = 无。"
    )
    voucher_months: int = fld(
        12, unit="months", en="Voucher months", zh="算力券月数", group="subsidy", ge=0, le=360,
        help="Months of service that earn the voucher, from the first month of service.",
        help_zh="自运营首月起可获得算力券补贴的月数。"
    )


class Escalation(_Section):
    """Yearly cost escalators of the heavy-asset model and spare servers."""

    electricity_per_year: Finite = fld(
        0.0, unit="fraction/year", en="Electricity escalation", zh="电价年涨幅", group="operations", ge=-0.5, le=1,
        step=0.01,
        help="The electricity price (and the fixed energy cost) is multiplied by (1 + this) each completed service "
        "year; 0 = flat, as before.",
        help_zh="电价（及固定能耗费用）每满一个运营年乘以 (1 + 此值)；0 = 不变（原有口径）。"
    )
    staff_per_year: Finite = fld(
        0.0, unit="fraction/year", en="Staff cost escalation", zh="人工成本年涨幅", group="operations", ge=-0.5, le=1,
        step=0.01, help="Staff cost × (1 + this) per completed service year; 0 = flat.",
        help_zh="人工成本每满一个运营年乘以 (1 + 此值)；0 = 不变。"
    )
    colocation_per_year: Finite = fld(
        0.0, unit="fraction/year", en="Colocation escalation", zh="托管费年涨幅", group="operations", ge=-0.5, le=1,
        step=0.01,
        help="Colocation × (1 + this) per completed service year (US leases: 3 %/yr, Rittenhouse); 0 = flat.",
        help_zh="托管费每满一个运营年乘以 (1 + 此值)（美国机房租约约3%/年）；0 = 不变。"
    )
    om_fixed_per_year: Finite = fld(
        0.0, unit="fraction/year", en="Fixed O&M escalation", zh="固定运维费年涨幅", group="operations", ge=-0.5, le=1,
        step=0.01, help="The fixed O&M per server × (1 + this) per completed service year; 0 = flat.",
        help_zh="每台固定运维费每满一个运营年乘以 (1 + 此值)；0 = 不变。"
    )
    spare_servers: int = fld(
        0, unit="servers", en="Spare servers", zh="备用服务器", group="operations", ge=0, le=100_000,
        help="Hot spares bought with the fleet: their capex, depreciation, idle energy (heavy.idle_power_fraction "
        "of full power, metered), fixed O&M and colocation, and no revenue; 0 = none.",
        help_zh="随机队一并购置的热备服务器：计投资、折旧、空载能耗（按 heavy.idle_power_fraction，按电量计）、"
        "固定运维与托管费，无收入；0 = 无。"
    )


class Fx(_Section):
    """Hardware priced in US dollars, converted at a stated rate (optional)."""

    server_price_usd: Finite | None = fld(
        None, unit="USD/server", en="Server price in USD", zh="服务器美元价格", group="capex", ge=0, le=1e7,
        step=1000,
        help="The server's price in US dollars (e.g. an H20 chip at $12-13k, tojoyun 2024); when written it replaces "
        "heavy.server_price_cny, converted at fx.cny_per_usd (network, parts and infrastructure stay in CNY); "
        "empty = heavy.server_price_cny.",
        help_zh="服务器的美元价格（例如H20芯片约1.2-1.3万美元，tojoyun 2024）；填写后按 fx.cny_per_usd 折算，"
        "替代 heavy.server_price_cny（网络、配件、基建仍为人民币）；留空 = heavy.server_price_cny。"
    )
    cny_per_usd: Finite = fld(
        7.1, unit="CNY/USD", en="CNY per USD", zh="美元兑人民币汇率", group="capex", ge=0.1, le=100, step=0.01,
        help="Exchange rate for fx.server_price_usd, fixed at purchase (month 0). Assumption: about 7.1 CNY per "
        "USD (2025-2026); write the rate of the purchase contract.",
        help_zh="fx.server_price_usd 的折算汇率，按购置时（第0月）固定。假设值：约7.1元/美元（2025-2026年）；"
        "请填写采购合同的汇率。"
    )
