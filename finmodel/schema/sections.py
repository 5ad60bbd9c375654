"""The three sections of a scenario — general, heavy asset, light asset — declared field by field.

Every input is declared once here with :func:`~finmodel.schema.fields.fld`: type, unit, bounds,
default, bilingual label, group, help text and (for choices) bilingual option labels. The CLI, the
dashboard widgets, the workbook's Inputs sheet and its data validation are all generated from these
declarations. Money is CNY (元) throughout; rates and shares are fractions (0.7, never 70); time is
months or hours as the field name says.

The defaults reproduce the seed's reference case (002:1504-1548) wherever the seed gives a number.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, PrivateAttr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from finmodel.schema import catalog
from finmodel.schema.fields import Finite, fld
from finmodel.schema.months import Month


class _Section(BaseModel):
    # defer_build: a section's validator is built when first used (the Scenario's, once, for a scenario
    # file), not for every section at import; ``finmodel validate`` and ``fields`` start ~20 ms sooner
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, validate_default=True, defer_build=True)


#: Choice values renamed since an earlier release: (field, old value) → new value. A file writing the
#: old value keeps loading with the new one, and ``finmodel validate`` says so in one ``note:`` line.
RENAMED: dict[tuple[str, str], str] = {("heavy.depreciation_method", "declining_balance"): "declining_balance_monthly"}
#: Why each rename happened (the note's second half).
RENAMED_WHY: dict[tuple[str, str], str] = {
    ("heavy.depreciation_method", "declining_balance"):
        "monthly compounding declining balance, now switching to straight line when that is larger (no write-down "
        "spike at the end of life)"}


def _renamed(section: str, data: Any) -> tuple[Any, tuple[tuple[str, str, str], ...]]:
    """``data`` with renamed choice values replaced, and the renames made (field, old, new)."""
    if not isinstance(data, dict):
        return data, ()
    done = []
    out = dict(data)
    for (path, old), new in RENAMED.items():
        sec, _, name = path.partition(".")
        if sec == section and out.get(name) == old:
            out[name] = new
            done.append((path, old, new))
    return out, tuple(done)


#: The GPU fields' option labels: the catalogue's names (the same in both languages).
GPU_LABELS: dict[str, tuple[str, str]] = {k: (g.name, g.name) for k, g in catalog.GPUS.items()}


def _gpu_known(value: Any) -> Any:
    """The GPU check before the choice check, so the message keeps its words: unknown GPU 'X'."""
    if isinstance(value, str) and value not in catalog.GPUS:
        raise PydanticCustomError("unknown_gpu", "unknown GPU {gpu}", {"gpu": repr(value)})
    return value


class General(_Section):
    """Settings shared by both business models."""

    horizon_months: int = fld(
        60, unit="months", en="Horizon", zh="测算期", group="general", ge=1, le=360,
        help="Months evaluated after the purchase date (month 0). The seed assumes the 5-year life.",
        help_zh="购置日（第0月）之后测算的月数；种子报告按5年折旧期测算。"
    )
    discount_rate_per_year: Finite = fld(
        0.08, unit="fraction/year", en="Discount rate", zh="折现率", group="general", ge=0, le=1,
        step=0.005,
        help="Annual rate for NPV and discounted payback, applied monthly as (1+r)^(t/12). "
        "Assumption: the seeds give none.",
        help_zh="用于净现值和折现回收期的年折现率，按 (1+r)^(t/12) 逐月折现。假设值：种子报告未给出。"
    )
    project_discount_rate_per_year: Finite | None = fld(
        None, unit="fraction/year", en="Project discount rate (WACC)", zh="项目折现率(WACC)", group="general",
        ge=0, le=1, step=0.005,
        help="Annual rate for the project (unlevered) NPV and discounted payback, e.g. a WACC; empty = the "
        "equity discount rate.",
        help_zh="项目（无杠杆）净现值与折现回收期所用年折现率，例如加权平均资本成本；留空 = 股东折现率。"
    )
    tax_rate: Finite = fld(
        0.0, unit="fraction", en="Income tax rate", zh="所得税率", group="financing", ge=0, le=0.6,
        step=0.01,
        help="Tax on positive cumulative pre-tax profit (losses carried forward). "
        "The seed ignores tax; China's statutory CIT is 0.25.",
        help_zh="对累计税前利润的正数部分征税（亏损向后结转）。种子报告未考虑所得税；中国企业所得税法定税率为0.25。"
    )
    hours_per_year: Finite = fld(
        8760.0, unit="hours/year", en="Hours per year", zh="年小时数", group="general",
        ge=8000, le=8784, help="24 × 365 = 8,760 in the seed (002:1522); one month is 1/12 of it.",
        help_zh="种子报告按 24 × 365 = 8,760 小时（002:1522）；每月为其1/12。"
    )
    currency: Literal["CNY"] = fld(
        "CNY", unit="", en="Currency", zh="币种", group="general", choice_labels={"CNY": ("CNY", "CNY")},
        help="Base unit of every money value: yuan (元). Displays may use 万元 = 10,000 元. Only CNY exists, so "
        "the field changes nothing.",
        help_zh="所有金额的基础单位：元。展示时可用万元（= 10,000 元）。目前只有人民币，此项不影响结果。"
    )
    start_date: Month = fld(
        None, factory=Month.current, unit="YYYY-MM", en="Purchase month", zh="购置月份", group="general",
        help="Calendar month of month 0 (the purchase), written YYYY-MM; empty = the current month. It dates the "
        "timeline's columns and groups months into years for the annual statements; no monthly figure or result "
        "depends on it.",
        help_zh="第0月（购置）所在的日历月份，写作 YYYY-MM；留空 = 当前月份。用于给各月标注日期、按年汇总年度报表；"
        "不影响任何月度数值与结果。"
    )
    fiscal_year_start_month: int = fld(
        1, unit="month of year", en="Fiscal year starts in month", zh="财年起始月份", group="general", ge=1, le=12,
        help="First calendar month of the fiscal year (1 = January: the calendar year, China's fiscal year; 4 = "
        "April). A fiscal year is named by the calendar year in which it ends. It groups months for the annual "
        "statements only.",
        help_zh="财年的第一个日历月（1 = 一月，即日历年，中国的会计年度；4 = 四月）。财年以其结束所在的日历年命名。"
        "仅用于年度报表的分组。"
    )


GPU_KEYS = catalog.GPU_KEYS
DepreciationMethod = Literal["straight_line", "double_declining", "sum_of_years", "declining_balance_monthly"]


class Heavy(_Section):
    """Heavy-asset (重资产) GPU leasing: buy servers, run them, rent them by the card-hour."""

    gpu: catalog.GpuKey = fld(
        "A100-40G-NVLink", unit="", en="GPU model", zh="GPU型号", group="capex", catalogue=GPU_KEYS,
        catalogue_text=catalog.GPU_KEY_TEXT, choice_labels=GPU_LABELS,
        help="Catalogue key (finmodel.schema.catalog.GPUS, `finmodel gpus`). It sets the server power when "
        "heavy.power_kw_per_server is empty, the light asset's TFLOPS when light.gpu and light.tflops_per_card "
        "are empty, and the market prices shown beside yours.",
        help_zh="GPU目录键（finmodel.schema.catalog.GPUS，`finmodel gpus`）。"
        "heavy.power_kw_per_server 留空时决定整机功率；"
        "light.gpu 与 light.tflops_per_card 留空时决定轻资产单卡算力；并决定参考的市场价格。"
    )
    servers: int = fld(1, unit="servers", en="Servers", zh="服务器台数", group="capex", ge=1, le=100_000,
                       help="Number of identical servers bought at month 0.",
        help_zh="第0月购置的同型号服务器台数。")
    cards_per_server: int = fld(8, unit="cards/server", en="Cards per server", zh="每台卡数",
                                group="capex", ge=1, le=16, help="GPUs per server (8 in the seed).",
        help_zh="每台服务器的GPU卡数（种子报告为8卡）。")
    server_price_cny: Finite = fld(
        1_450_000.0, unit="CNY/server", en="Server price", zh="服务器价格", group="capex", ge=0, le=1e8,
        step=10_000, help="8×A100 server 145万元 (002:1508).",
        help_zh="8卡A100服务器145万元（002:1508）。"
    )
    network_cost_cny: Finite = fld(
        200_000.0, unit="CNY/server", en="Network (switch)", zh="交换机", group="capex", ge=0, le=1e8,
        step=10_000, help="Switch per server, about 20万元 (002:1508).",
        help_zh="每台服务器配套交换机约20万元（002:1508）。"
    )
    parts_cost_cny: Finite = fld(
        150_000.0, unit="CNY/server", en="Parts", zh="零配件", group="capex", ge=0, le=1e8,
        step=10_000, help="Other parts per server, about 15万元 (002:1508).",
        help_zh="每台服务器其他零配件约15万元（002:1508）。"
    )
    other_infrastructure_cny: Finite = fld(
        0.0, unit="CNY/server", en="Other infrastructure", zh="其他基建", group="capex", ge=0, le=1e8,
        step=10_000, help="Racks, cabling, installation per server (基建, unquantified in 002:1182).",
        help_zh="每台服务器的机柜、布线、安装等基建（002:1182 未量化）。"
    )
    lead_time_months: int = fld(
        0, unit="months", en="Lead time", zh="交付周期", group="capex", ge=0, le=36,
        help="Months from purchase to first revenue; Nvidia lead time 3-4 months (002:1184).",
        help_zh="从购置到产生首笔收入的月数；英伟达出货周期约3-4个月（002:1184）。"
    )
    depreciation_method: DepreciationMethod = fld(
        "straight_line", unit="", en="Depreciation method", zh="折旧方法", group="depreciation",
        choice_labels={"straight_line": ("直线法", "Straight line"),
                       "double_declining": ("双倍余额递减法", "Double declining balance"),
                       "sum_of_years": ("年数总和法", "Sum of years' digits"),
                       "declining_balance_monthly": ("按月余额递减法(转直线)",
                                                     "Monthly declining balance (to straight line)")},
        help="straight_line (the seed, 002:1512); the CAS accelerated methods by service year, each month 1/12 of "
        "its year: double_declining (2/N of net book value a year, straight line over the last two years down to "
        "salvage) and sum_of_years; declining_balance_monthly: factor ÷ life months of net book value a month, "
        "switching to straight line when that is larger (old name declining_balance).",
        help_zh="straight_line 直线法（种子报告，002:1512）；企业会计准则的加速折旧法按运营年计算、每月为当年的1/12："
        "double_declining 双倍余额递减法（每年按净值的2/N，最后两年按直线法摊至残值）、sum_of_years 年数总和法；"
        "declining_balance_monthly：每月按净值的 倍数÷寿命月数 递减，直线法更大时转为直线法（旧名 declining_balance）。"
    )
    depreciation_life_years: int = fld(
        5, unit="years", en="Depreciation life", zh="折旧年限", group="depreciation", ge=1, le=20,
        help="Useful life from the start of service; 5 years in the seed (002:1510).",
        help_zh="自投入运营起的折旧年限；种子报告为5年（002:1510）。"
    )
    salvage_fraction: Finite = fld(
        0.0, unit="fraction of capex", en="Salvage value", zh="残值率", group="depreciation", ge=0,
        le=1, step=0.01, help="Book value left at end of life; zero in the seed (无残值, 002:1510).",
        help_zh="寿命期末剩余账面价值占投资的比例；种子报告无残值（002:1510）。"
    )
    declining_balance_factor: Finite = fld(
        2.0, unit="×", en="Declining-balance factor", zh="余额递减倍数", group="depreciation",
        ge=1, le=4, step=0.1,
        help="declining_balance_monthly: monthly rate = factor ÷ life in months (2 ≈ double declining, "
        "compounded monthly). double_declining always uses 2.",
        help_zh="declining_balance_monthly：月折旧率 = 倍数 ÷ 折旧月数（2 ≈ 按月复利的双倍余额递减）。"
        "双倍余额递减法固定为2。"
    )
    terminal_value_method: Literal["book_value", "resale_fraction", "resale_decline"] = fld(
        "book_value", unit="", en="Terminal value method", zh="期末残值口径", group="depreciation",
        choice_labels={"book_value": ("账面净值×比例", "Book value × fraction"),
                       "resale_fraction": ("转售价：投资×比例", "Resale: capex × fraction"),
                       "resale_decline": ("转售价：按年递减", "Resale: yearly decline")},
        help="What the servers are worth at the horizon: book_value = horizon-end book value × "
        "terminal_value_fraction; resale_fraction = capex × resale_fraction_of_capex; resale_decline = capex × "
        "(1 − resale_decline_per_year)^(service years). The gain or loss against book value is taxed.",
        help_zh="测算期末设备的价值：book_value = 期末账面净值 × 残值回收比例；resale_fraction = 投资 × 转售比例；"
        "resale_decline = 投资 × (1 − 年递减率)^(运营年数)。与账面净值的差额（处置损益）计税。"
    )
    terminal_value_fraction: Finite = fld(
        1.0, unit="fraction of book value", en="Terminal value", zh="期末残值回收比例",
        group="depreciation", ge=0, le=2, step=0.05,
        help="terminal_value_method book_value: share of the horizon-end book value counted as a final inflow "
        "in NPV and IRR (not in payback).",
        help_zh="期末残值口径为 book_value 时：测算期末账面净值计入最后一期现金流入的比例"
        "（用于净现值和内部收益率，不计入回收期）。"
    )
    resale_fraction_of_capex: Finite = fld(
        0.1, unit="fraction of capex", en="Resale value", zh="转售比例", group="depreciation", ge=0, le=1,
        step=0.01,
        help="terminal_value_method resale_fraction: market resale value at the horizon as a share of capex. "
        "Assumption.",
        help_zh="期末残值口径为 resale_fraction 时：测算期末二手转售价占投资的比例。假设值。"
    )
    resale_decline_per_year: Finite = fld(
        0.3, unit="fraction/year", en="Resale value decline", zh="转售价年递减率", group="depreciation",
        ge=0, le=0.9, step=0.01,
        help="terminal_value_method resale_decline: the resale value falls by this share each service year "
        "(compounded, fractional years count). Assumption.",
        help_zh="期末残值口径为 resale_decline 时：转售价每个运营年按此比例下降（复利，按实际运营年数计）。假设值。"
    )
    price_cny_per_card_hour: Finite = fld(
        22.5, unit="CNY/card-hour", en="Rental price", zh="租金单价", group="revenue", ge=0, le=10_000,
        step=0.1,
        help="On-demand list price per GPU-hour. Seed: 180元/台/小时 for 8 cards = 22.5 (002:1518).",
        help_zh="每卡每小时按需挂牌价。种子报告：8卡服务器180元/小时 = 22.5元/卡·时（002:1518）。"
    )
    billing_mode: Literal["hourly", "monthly", "annual"] = fld(
        "hourly", unit="", en="Billing mode", zh="计费方式", group="revenue",
        choice_labels={"hourly": ("按小时", "Hourly"), "monthly": ("包月", "Monthly"), "annual": ("包年", "Annual")},
        help="hourly: list price; monthly: × monthly price factor; annual: × monthly factor × "
        "annual discount (002:1484-1496).",
        help_zh="按小时：挂牌价；包月：× 包月价格系数；包年：× 包月系数 × 包年折扣（002:1484-1496）。"
    )
    monthly_price_factor: Finite = fld(
        0.66, unit="× hourly", en="Monthly price factor", zh="包月价格系数", group="revenue",
        ge=0, le=2, step=0.01,
        help="Monthly subscription ÷ (hourly × hours); 0.62-0.72 for most vendors in 002:1486-1495.",
        help_zh="包月价格 ÷（小时价 × 小时数）；多数厂商为0.62-0.72（002:1486-1495）。"
    )
    annual_discount_factor: Finite = fld(
        0.85, unit="× monthly", en="Annual discount", zh="包年折扣", group="revenue", ge=0, le=1,
        step=0.01, help="Annual subscription price ÷ monthly price: 8.5折 = 0.85 (002:1496).",
        help_zh="包年价格 ÷ 包月价格：8.5折 = 0.85（002:1496）。"
    )
    occupancy: Finite = fld(
        1.0, unit="fraction of hours", en="Occupancy", zh="出租率", group="revenue", ge=0, le=1,
        step=0.01, help="Share of card-hours rented at steady state; 100 % in the seed (002:1520).",
        help_zh="稳定期出租的卡时占比；种子报告为100%（002:1520）。"
    )
    occupancy_start: Finite = fld(
        0.0, unit="fraction of hours", en="Initial occupancy", zh="初始出租率", group="revenue",
        ge=0, le=1, step=0.01, help="Occupancy in the first month of service when ramping up.",
        help_zh="爬坡时运营首月的出租率。"
    )
    ramp_months: int = fld(
        0, unit="months", en="Ramp-up", zh="爬坡期", group="revenue", ge=0, le=120,
        help="Months over which occupancy rises linearly from the initial value; 0 = none.",
        help_zh="出租率从初始值线性升至稳定值所需月数；0 = 无爬坡。"
    )
    price_change_per_year: Finite = fld(
        0.0, unit="fraction/year", en="Price change", zh="年价格变化", group="revenue", ge=-0.9,
        le=1, step=0.01,
        help="Rental price steps by this fraction each service year (−0.1 = 10 % cheaper per year).",
        help_zh="租金每个运营年按此比例变动（−0.1 = 每年降价10%）。"
    )
    cash_cost_method: Literal["ratio", "bottom_up"] = fld(
        "ratio", unit="", en="Cash-cost method", zh="现金成本口径", group="operations",
        choice_labels={"ratio": ("比例法（60:40）", "Ratio (60:40)"), "bottom_up": ("逐项测算", "Bottom-up")},
        help="ratio: the seed's 60:40 shortcut (002:1514); bottom_up: energy + O&M + site + staff.",
        help_zh="ratio：种子报告的60:40简化法（002:1514）；bottom_up：电费 + 运维 + 机柜 + 人工逐项测算。"
    )
    noncash_share_of_cost: Finite = fld(
        0.6, unit="fraction", en="Non-cash share of cost", zh="非现金成本占比", group="operations",
        ge=0.01, le=1, step=0.01,
        help="Ratio method: cash cost = straight-line depreciation ÷ share × (1 − share) (002:1516). At least "
        "0.01: below 1 % the cash cost is over 99 × depreciation and tends to infinity as the share tends to 0.",
        help_zh="比例法：现金成本 = 直线折旧 ÷ 占比 × (1 − 占比)（002:1516）。"
        "至少0.01：低于1%时现金成本超过折旧的99倍，"
        "占比趋于0时现金成本趋于无穷。"
    )
    energy_method: Literal["metered", "fixed"] = fld(
        "metered", unit="", en="Energy method", zh="电费口径", group="energy",
        choice_labels={"metered": ("按电量计", "Metered"), "fixed": ("固定金额", "Fixed")},
        help="metered: kW × PUE × ¥/kWh × hours; fixed: a flat ¥ per server-month.",
        help_zh="metered：功率 × PUE × 电价 × 小时数；fixed：每台每月固定金额。"
    )
    power_kw_per_server: Finite | None = fld(
        None, unit="kW/server", en="Server power", zh="服务器功率", group="energy", ge=0, le=200,
        step=0.1,
        help="Full-load IT power; empty = the catalogue's figure for heavy.gpu (DGX A100 max 6.5 kW, NVIDIA "
        "datasheet, not in seeds). A written value overrides it.",
        help_zh="满载IT功率；留空 = heavy.gpu 在GPU目录中的数值（DGX A100最大6.5 kW，NVIDIA规格书，非种子数据）。"
        "填写的数值优先。"
    )
    pue: Finite = fld(
        1.25, unit="ratio", en="PUE", zh="PUE", group="energy", ge=1, le=3, step=0.01,
        help="Facility power ÷ IT power; ≤1.25 target for new Shanghai centres (002:516).",
        help_zh="数据中心总功率 ÷ IT功率；上海新建智算中心目标 ≤1.25（002:516）。"
    )
    electricity_cny_per_kwh: Finite = fld(
        0.65, unit="CNY/kWh", en="Electricity tariff", zh="电价", group="energy", ge=0, le=5,
        step=0.01, help="Assumption: the seeds give no tariff.",
        help_zh="假设值：种子报告未给出电价。"
    )
    idle_power_fraction: Finite = fld(
        0.3, unit="fraction of full load", en="Idle power", zh="空闲功耗比例", group="energy",
        ge=0, le=1, step=0.01, help="Power drawn by unrented capacity. Assumption.",
        help_zh="未出租算力的空闲功耗占满载比例。假设值。"
    )
    energy_fixed_cny_per_server_month: Finite = fld(
        6000.0, unit="CNY/server-month", en="Fixed energy cost", zh="固定电费", group="energy",
        ge=0, le=1e6, step=100, help="About 6,000 元/month per 8×A100 server (002:1460).",
        help_zh="每台8卡A100服务器每月电费约6,000元（002:1460）。"
    )
    om_share_of_revenue: Finite = fld(
        0.05, unit="fraction of revenue", en="O&M share", zh="运维成本占比", group="operations",
        ge=0, le=1, step=0.01,
        help="Bandwidth, maintenance, tech service: ~5 % simple, ~20 % with cloud services (002:1468).",
        help_zh="带宽、维保、技术服务：简单运维约5%，提供云服务约20%（002:1468）。"
    )
    om_fixed_cny_per_server_month: Finite = fld(
        0.0, unit="CNY/server-month", en="Fixed O&M", zh="固定运维费", group="operations", ge=0,
        le=1e7, step=100, help="Fixed maintenance contract per server.",
        help_zh="每台服务器的固定维保合同费用。"
    )
    colocation_cny_per_server_month: Finite = fld(
        0.0, unit="CNY/server-month", en="Colocation", zh="托管/机柜租金", group="operations", ge=0,
        le=1e7, step=100, help="Rack rent (托管成本, 002:1440), unquantified in the seeds.",
        help_zh="机柜租金/托管成本（002:1440），种子报告未量化。"
    )
    staff_cny_per_month: Finite = fld(
        0.0, unit="CNY/month", en="Staff", zh="人工费用", group="operations", ge=0, le=1e9,
        step=1000, help="Labour from month 1 (002:1471).",
        help_zh="自第1月起的人工费用（002:1471）。"
    )
    other_cny_per_month: Finite = fld(
        0.0, unit="CNY/month", en="Other fixed", zh="其他固定费用", group="operations", ge=0,
        le=1e9, step=1000, help="Other fixed costs from month 1 (002:1470-1475).",
        help_zh="自第1月起的其他固定费用（002:1470-1475）。"
    )
    other_share_of_revenue: Finite = fld(
        0.0, unit="fraction of revenue", en="Other variable", zh="其他变动费用占比",
        group="operations", ge=0, le=1, step=0.01, help="Other costs as a share of revenue (<10 %, 002:1475).",
        help_zh="按收入比例计的其他费用（<10%，002:1475）。"
    )
    loan_share_of_capex: Finite = fld(
        0.0, unit="fraction of capex", en="Loan share", zh="贷款比例", group="financing", ge=0,
        le=1, step=0.05, help="Debt drawn at month 0; the seeds give no financing.",
        help_zh="第0月提取的贷款占投资比例；种子报告未考虑融资。"
    )
    loan_rate_per_year: Finite = fld(
        0.045, unit="fraction/year", en="Loan rate", zh="贷款利率", group="financing", ge=0, le=0.5,
        step=0.001, help="Nominal annual rate, charged monthly (rate ÷ 12). Assumption.",
        help_zh="名义年利率，按月计息（利率 ÷ 12）。假设值。"
    )
    loan_term_months: int = fld(
        36, unit="months", en="Loan term", zh="贷款期限", group="financing", ge=1, le=360,
        help="Level monthly payments (annuity); any balance left at the horizon is repaid then.",
        help_zh="等额本息按月还款；测算期末未还余额一次性偿还。"
    )

    _renames: tuple[tuple[str, str, str], ...] = PrivateAttr(default=())

    _known_gpu = field_validator("gpu", mode="before")(_gpu_known)

    @model_validator(mode="wrap")
    @classmethod
    def _accept_renamed(cls, data: Any, handler: Any) -> Heavy:
        data, done = _renamed("heavy", data)
        out = handler(data)
        if done:
            out._renames = done
        return out

    @property
    def renamed(self) -> tuple[tuple[str, str, str], ...]:
        """Choice values this section was written with under an old name: (field, old, new)."""
        return self._renames

    def __eq__(self, other: object) -> bool:  # the values, not how they were spelled in a file
        return isinstance(other, Heavy) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash(tuple(self.__dict__.values()))


class Light(_Section):
    """Light-asset (轻资产) brokerage: buy capacity per P per year, resell it with services."""

    buy_price_cny_per_p_year: Finite = fld(
        200_000.0, unit="CNY/P/year", en="Buy price", zh="采购单价", group="light", ge=0, le=1e8,
        step=1000, help="Wholesale capacity price, 20万元/P/年 in the seed (002:1538).",
        help_zh="批发算力采购价，种子报告为20万元/P/年（002:1538）。"
    )
    buy_price_change_per_year: Finite = fld(
        0.0, unit="fraction/year", en="Buy price change", zh="采购价年变化", group="light", ge=-0.9, le=1,
        step=0.01,
        help="The buy price steps by this fraction each year (an escalating contract or a yearly re-pricing); "
        "0 = fixed for the horizon, as in the seed.",
        help_zh="采购价每年按此比例变动（合同逐年调价或每年重新定价）；0 = 测算期内固定（同种子报告）。"
    )
    buy_term_months: int | None = fld(
        None, unit="months", en="Buy commitment", zh="采购承诺期", group="light", ge=1, le=360,
        help="Months of the take-or-pay commitment; empty = the whole horizon. What follows is "
        "light.after_buy_term.",
        help_zh="照付不议采购承诺的月数；留空 = 整个测算期。到期后的处理见 light.after_buy_term。"
    )
    after_buy_term: Literal["rebuy", "drop"] = fld(
        "rebuy", unit="", en="After the commitment", zh="承诺期满后", group="light",
        choice_labels={"rebuy": ("续购（按变动后价格）", "Re-buy at the stepped price"),
                       "drop": ("退出（算力与收入停止）", "Drop (capacity and revenue stop)")},
        help="rebuy: the capacity is bought again at the stepped buy price (the flows continue unchanged); drop: "
        "capacity, its cost and its revenue stop after light.buy_term_months (the platform costs go on).",
        help_zh="rebuy：按变动后的采购价续购（现金流照常）；"
        "drop：light.buy_term_months 之后算力、采购成本与转租收入停止（平台费用照付）。"
    )
    sell_price_basis: Literal["card_hour", "p_year"] = fld(
        "card_hour", unit="", en="Sell price basis", zh="售价口径", group="light",
        choice_labels={"card_hour": ("按卡时价折算", "From a card-hour price"),
                       "p_year": ("按 P·年定价", "Per P-year")},
        help="card_hour: card-hour price × hours ÷ P per card (the seed's 157.7 ÷ 2.5, 002:1544); "
        "p_year: a price per P per year.",
        help_zh="card_hour：卡时价 × 小时数 ÷ 每卡P数（种子报告 157.7 ÷ 2.5，002:1544）；p_year：按每P每年定价。"
    )
    price_cny_per_card_hour: Finite | None = fld(
        None, unit="CNY/card-hour", en="Resale card-hour price", zh="转租单卡时价格", group="light",
        ge=0, le=10_000, step=0.1,
        help="Used with basis card_hour; empty = the heavy-asset rental price.",
        help_zh="售价口径为card_hour时使用；留空 = 采用重资产租金单价。"
    )
    sell_price_cny_per_p_year: Finite | None = fld(
        None, unit="CNY/P/year", en="Sell price", zh="售价", group="light", ge=0, le=1e8, step=1000,
        help="Used with basis p_year.",
        help_zh="售价口径为p_year时使用。"
    )
    gpu: catalog.GpuKey | None = fld(
        None, unit="", en="GPU brokered", zh="转租GPU型号", group="light", catalogue=GPU_KEYS,
        catalogue_text=catalog.GPU_KEY_TEXT, choice_labels=GPU_LABELS,
        help="The GPU whose capacity is bought and resold (sets TFLOPS per card with light.precision); empty = "
        "heavy.gpu.",
        help_zh="采购并转租的GPU型号（与 light.precision 一起决定单卡算力）；留空 = heavy.gpu。"
    )
    tflops_per_card: Finite | None = fld(
        None, unit="TFLOPS/card", en="TFLOPS per card", zh="单卡算力", group="light", ge=0.1,
        le=100_000, step=1,
        help="Peak per card at light.precision; empty = the catalogue's dense figure for the GPU (A100 FP16 312, "
        "002:1540). A written value overrides it. At least 0.1 TFLOPS (100 GFLOPS): below that no card is "
        "rented per P.",
        help_zh="light.precision 精度下的单卡峰值算力；留空 = GPU目录中的稠密算力（A100 FP16为312，002:1540）。"
        "填写的数值优先。"
        "至少0.1 TFLOPS（100 GFLOPS）：更低的卡不会按P出租。"
    )
    precision: catalog.Precision = fld(
        "FP16", unit="", en="Precision of P", zh="算力精度", group="light",
        choice_labels={p: (p, p) for p in catalog.PRECISIONS},
        help="Precision basis of 'P'; picks the catalogue's TFLOPS column (TF32, FP16, BF16, FP8, INT8 where the "
        "GPU has them). ¥/P/year compares across GPUs only on one basis.",
        help_zh="“P”的精度口径；决定从GPU目录取哪一列算力（TF32、FP16、BF16、FP8、INT8，视GPU而定）。不同GPU的元/P/年只有在同一口径下才可比。"
    )
    p_per_server_override: Finite | None = fld(
        None, unit="P/server", en="P per server (override)", zh="每台P数(覆盖)", group="light",
        gt=0, le=1000, step=0.001,
        help="Empty = cards × TFLOPS ÷ 1000 (2.496 for 8×A100); the seed rounds to 2.5 (002:1542).",
        help_zh="留空 = 卡数 × 单卡TFLOPS ÷ 1000（8卡A100为2.496）；种子报告取整为2.5（002:1542）。"
    )
    capacity_p: Finite = fld(
        2.5, unit="P", en="Contracted capacity", zh="签约算力规模", group="light", gt=0, le=1e7,
        step=0.5, help="Capacity bought on take-or-pay terms (unsold capacity still costs).",
        help_zh="按照付即用（take-or-pay）条款采购的算力规模（未售出的算力仍需付费）。"
    )
    occupancy: Finite = fld(
        1.0, unit="fraction of capacity", en="Resale occupancy", zh="转租出租率", group="light",
        ge=0, le=1, step=0.01, help="Share of contracted capacity resold at steady state.",
        help_zh="稳定期转租出去的签约算力占比。"
    )
    occupancy_start: Finite = fld(
        0.0, unit="fraction of capacity", en="Initial resale occupancy", zh="初始转租率",
        group="light", ge=0, le=1, step=0.01, help="Occupancy in month 1 when ramping up.",
        help_zh="爬坡时第1月的转租率。"
    )
    ramp_months: int = fld(
        0, unit="months", en="Resale ramp-up", zh="转租爬坡期", group="light", ge=0, le=120,
        help="Months to reach steady occupancy linearly; 0 = none.",
        help_zh="线性达到稳定转租率所需月数；0 = 无爬坡。"
    )
    price_change_per_year: Finite = fld(
        0.0, unit="fraction/year", en="Sell price change", zh="售价年变化", group="light", ge=-0.9,
        le=1, step=0.01, help="Resale price steps by this fraction each year.",
        help_zh="转租售价每年按此比例变动。"
    )
    vas_revenue_cny_per_p_year: Finite = fld(
        0.0, unit="CNY/P/year", en="Value-added services", zh="增值服务收入", group="light", ge=0,
        le=1e8, step=1000, help="Service revenue per resold P (技术增值服务, 002:1502).",
        help_zh="每转租1P的增值服务收入（技术增值服务，002:1502）。"
    )
    vas_cost_share: Finite = fld(
        0.0, unit="fraction of VAS revenue", en="VAS cost share", zh="增值服务成本占比",
        group="light", ge=0, le=1, step=0.01, help="Cost of delivering the value-added services.",
        help_zh="提供增值服务的成本占增值服务收入的比例。"
    )
    platform_fixed_cost_cny_per_month: Finite = fld(
        0.0, unit="CNY/month", en="Platform fixed cost", zh="平台固定费用", group="light", ge=0,
        le=1e9, step=1000, help="Staff, marketing, operations of the platform.",
        help_zh="平台的人工、营销、运营费用。"
    )
    platform_investment_cny: Finite = fld(
        0.0, unit="CNY", en="Platform build", zh="平台建设投入", group="light", ge=0, le=1e10,
        step=10_000, help="One-off platform investment at month 0 (amortised straight line).",
        help_zh="第0月的一次性平台建设投入（按直线法摊销）。"
    )
    platform_life_years: int = fld(
        5, unit="years", en="Platform life", zh="平台摊销年限", group="light", ge=1, le=20,
        help="Amortisation period of the platform investment.",
        help_zh="平台建设投入的摊销年限。"
    )

    _known_gpu = field_validator("gpu", mode="before")(_gpu_known)

    @model_validator(mode="after")
    def _sell_price_present(self) -> Light:
        if self.sell_price_basis == "p_year" and self.sell_price_cny_per_p_year is None:
            raise ValueError("sell_price_basis = 'p_year' needs light.sell_price_cny_per_p_year")
        return self


def tflops_problem(heavy: Heavy, light: Light) -> str | None:
    """Why the light asset has no TFLOPS per card (None when it has one): a GPU and precision the
    catalogue has no figure for, and no ``light.tflops_per_card`` written."""
    if light.tflops_per_card is not None or light.p_per_server_override is not None:
        return None
    key = light.gpu or heavy.gpu
    if catalog.GPUS[key].dense_tflops(light.precision) is not None:
        return None
    have = [p for p in catalog.PRECISIONS if catalog.GPUS[key].dense_tflops(p) is not None]
    which = "light.gpu" if light.gpu else "heavy.gpu; light.gpu is empty"
    return (f"light.precision = {light.precision!r} has no catalogue figure for the GPU {key!r} ({which}): write "
            f"light.tflops_per_card, or choose {', '.join(have[:-1])} or {have[-1]}")


class ScenarioChecks(_Section):
    """Checks across sections, for the scenario model (:class:`finmodel.schema.Scenario`)."""

    @model_validator(mode="after")
    def _light_has_tflops(self) -> Any:
        heavy, light = getattr(self, "heavy", None), getattr(self, "light", None)
        if isinstance(heavy, Heavy) and isinstance(light, Light):
            why = tflops_problem(heavy, light)
            if why is not None:
                raise ValueError(why)
        return self
