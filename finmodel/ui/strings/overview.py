"""UI strings: the investor overview page (app_pages/overview.py) and its downloads.

Key → (中文, English); ``{name}`` placeholders are filled by :func:`finmodel.ui.i18n.t`."""

STRINGS: dict[str, tuple[str, str]] = {
    "overview_caption": ("调整租金与出租率，投资回收期等指标即时更新；其他输入见左侧分组。",
                         "Move the rental price and occupancy and watch payback move; every other input "
                         "is grouped in the sidebar."),
    "lbl_server_hour": ("每台·时（元）", "¥/server-hr"),
    "lbl_p_year": ("每P·年（万元）", "万元/P/yr"),
    "kpis": ("核心指标（与载入情景相比）", "Key figures (change vs the loaded scenario)"),
    "all_inputs": ("全部输入", "All inputs"),
    "inputs_caption": ("单位见标签；来源与允许范围见 ⓘ 提示。",
                       "Units in the labels; source and allowed range in the ⓘ tooltip."),
    "source": ("来源", "Source"),
    "allowed": ("允许范围", "Allowed"),
    "about": ("说明", "About"),
    "tab_cashflow": ("累计现金流", "Cumulative cash flow"),
    "tab_structure": ("年度收入与成本", "Annual revenue vs costs"),
    "tab_market": ("市场价格", "Market prices"),
    "tab_table": ("月度现金流表", "Monthly cash flow"),
    "heavy": ("重资产（自购出租）", "Heavy asset (own and rent out)"),
    "light": ("轻资产（采购转租）", "Light asset (buy capacity, resell)"),
    "which_model": ("模式", "Business model"),
    "market_title": ("云厂商市场价（种子表 002:1482-1498，截至2024.8.15）",
                     "Cloud market prices (seed table 002:1482-1498, as of 2024-08-15)"),
    "market_none": ("种子价格表中没有 {gpu} 的报价。", "The seed's price table lists no price for {gpu}."),
    "your_price": ("您的定价", "Your price"),
    "vendor": ("厂商", "Vendor"),
    "billing": ("计费", "Billing"),
    "annual_discount": ("包年折扣", "Annual discount"),
    "gpu_specs": ("{name}：{mem} GB，{w} W/卡；目录整机功率 {kw} kW/台。来源：{src}",
                  "{name}: {mem} GB, {w} W/card; catalogue server power {kw} kW/server. Source: {src}"),
    "gpu_p": ("轻资产（{gpu}，{precision}）：{cards} × {tflops} TFLOPS/卡 ÷ 1000 = {p}/台",
              "Light asset ({gpu}, {precision}): {cards} × {tflops} TFLOPS/card ÷ 1000 = {p}/server"),
    "gpu_p_override": ("轻资产（{gpu}）：每台 {p}（已覆盖）", "Light asset ({gpu}): {p}/server (override)"),
    # KPI cards whose item label would be cut on a card (the full label is in the tooltip)
    "card:heavy.roi": ("净现金回报倍数 − 1", "Net cash multiple − 1"),
    "card:heavy.moic": ("资金回报倍数 MOIC", "MOIC"),
    "kpis_funding": ("资金占用与回报（项目口径 = 无杠杆）", "Funding and returns (project = unlevered)"),
    "settlement_note": ("回收期与最大资金占用按经营现金流计算；期末结算项（测算期末一次性偿还的贷款余额、"
                        "扣除处置损益所得税后的残值）属于估值项：计入净现值、内部收益率、净现金回报倍数与MOIC，不计入回收期。",
                        "Payback and peak funding use the operating cash flows; the horizon-end settlement items (the "
                        "loan balance repaid at the horizon, the terminal value after the tax on its gain) are "
                        "valuation items: in NPV, IRR, the net cash multiple and MOIC, never in payback."),
    "downloads": ("导出", "Downloads"),
    "dl_workbook": ("下载 Excel 模型（含公式）", "Download live workbook (.xlsx)"),
    "dl_csv": ("下载月度现金流 CSV", "Download monthly cash flow (CSV)"),
    "dl_toml": ("下载情景文件 TOML", "Download scenario file (TOML)"),
}
