"""Every dashboard string in 中文 and English, in one place.

Field labels come from :data:`finmodel.schema.FIELDS` (``label_zh`` / ``label_en``) and result
labels from :func:`finmodel.model.item`; this module adds the app's own words, unit names, group
names and choice names. ``t(key, lang)`` raises ``KeyError`` for an unknown key so a typo fails a
test instead of showing a blank.
"""

from __future__ import annotations

from finmodel import model, schema
from finmodel.schema import catalog

LANGS = ("zh", "en")
LANG_NAMES = {"zh": "中文", "en": "English"}
DEFAULT_LANG = "zh"

# --------------------------------------------------------------------------- app strings
STRINGS: dict[str, tuple[str, str]] = {
    # shell / navigation
    "app_title": ("GPU 算力租赁测算", "GPU compute leasing model"),
    "nav_model": ("测算", "Model"),
    "nav_analysis": ("分析", "Analysis"),
    "nav_market": ("市场", "Market"),
    "page_overview": ("投资概览", "Investor overview"),
    "page_sensitivity": ("敏感性与风险", "Sensitivity & risk"),
    "page_models": ("模式对比", "Business models"),
    "page_scenarios": ("情景管理", "Scenarios"),
    "page_demand": ("市场需求", "Market demand"),
    "language": ("语言 / Language", "Language / 语言"),
    "scenario": ("情景", "Scenario"),
    "scenario_help": ("assumptions/ 目录下的预设情景与已保存情景", "Presets in assumptions/ and your saved scenarios"),
    "preset": ("预设", "preset"),
    "saved": ("已保存", "saved"),
    "uploaded": ("上传", "uploaded"),
    "loaded_from": ("当前情景：{name}（来源：{origin}）", "Scenario: {name} (from {origin})"),
    "modified": ("已修改 {n} 项输入", "{n} inputs changed"),
    "reset": ("恢复为载入值", "Reset to loaded values"),
    "reset_help": ("丢弃所有修改，回到载入的情景", "Discard all changes and return to the loaded scenario"),
    "share_link": ("分享链接", "Share link"),
    "share_help": ("地址栏中的链接只包含修改过的输入；复制后他人打开即是同一情景。",
                   "The address bar holds only the changed inputs; a copied link opens the same scenario."),
    "month": ("月份", "month"),
    "never": ("未回本", "never"),
    # overview
    "overview_caption": ("调整租金与出租率，投资回收期等指标即时更新；其他输入见左侧分组。",
                         "Move the rental price and occupancy and watch payback move; every other input "
                         "is grouped in the sidebar."),
    "price_box": ("定价与出租率", "Price and occupancy"),
    "per_server_hour": ("单台时租金", "Per server-hour"),
    "per_p_year": ("折合每P年收入", "Equivalent per P-year"),
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
    "price_card_hour": ("元/卡·时", "CNY/card-hour"),
    "price_server_month": ("万元/台·月", "10k CNY/server-month"),
    "annual_discount": ("包年折扣", "Annual discount"),
    "billing_hourly": ("按小时", "hourly"),
    "billing_monthly": ("包月", "monthly"),  # the price column converts it per card-hour (8 cards × 730 h)
    "apply_gpu_specs": ("采用目录参数：功率 {kw} kW/台、{tflops} TFLOPS/卡",
                        "Use catalogue specs: {kw} kW/server, {tflops} TFLOPS/card"),
    "gpu_specs": ("{name}：{mem} GB，FP16 {tflops} TFLOPS，{w} W/卡。来源：{src}",
                  "{name}: {mem} GB, FP16 {tflops} TFLOPS, {w} W/card. Source: {src}"),
    "downloads": ("导出", "Downloads"),
    "dl_workbook": ("下载 Excel 模型（含公式）", "Download live workbook (.xlsx)"),
    "dl_csv": ("下载月度现金流 CSV", "Download monthly cash flow (CSV)"),
    "dl_toml": ("下载情景文件 TOML", "Download scenario file (TOML)"),
    "bad_input": ("输入无效，已保留上一个有效值：", "Invalid input, kept the last valid value:"),
    "bad_link": ("链接中的部分参数无效，已忽略：", "Some link parameters were invalid and were ignored:"),
    "unknown_param": ("未知参数", "unknown parameter"),
    "demand_applied": ("已采用市场需求页的机队：{n:,} 台 {gpu} 服务器。",
                       "Using the fleet from the market-demand page: {n:,} {gpu} servers."),
    "unknown_scenario": ("找不到情景 {name}，已打开默认情景。", "No scenario named {name}; opened the default."),
    # charts
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
    # sensitivity page
    "sens_caption": ("基于当前情景；所有计算由 finmodel.analysis.sensitivity / montecarlo 完成。",
                     "Based on the current scenario; computed by finmodel.analysis.sensitivity / montecarlo."),
    "tornado": ("龙卷风图：各输入 ±{pct}% 对指标的影响", "Tornado: effect of each input ±{pct}%"),
    "tornado_metric": ("指标", "Metric"),
    "tornado_shock": ("变动幅度", "Shock size"),
    "tornado_top": ("显示前 N 项", "Show top N"),
    "input_low": ("输入 −{pct}%", "input −{pct}%"),
    "input_high": ("输入 +{pct}%", "input +{pct}%"),
    "base_value": ("基准", "base"),
    "heatmap": ("租金 × 出租率 → 投资回收期（月）", "Price × occupancy → payback (months)"),
    "heatmap_caption": ("黑框为当前情景；“—” 表示测算期内未回本。",
                        "The black frame is the current scenario; “—” means no payback within the horizon."),
    "solve": ("反推定价", "Solve for the price"),
    "solve_target": ("目标", "Target"),
    "solve_payback": ("在 N 个月内回本所需租金", "Price needed for payback in N months"),
    "solve_irr": ("达到内部收益率 X 所需租金", "Price needed for an IRR of X"),
    "solve_months": ("回本月数 N", "Payback months N"),
    "solve_irr_value": ("目标内部收益率 X", "Target IRR X"),
    "solve_run": ("求解", "Solve"),
    "solve_result": ("所需租金：**{price}/卡·时**（当前 {current}），可达 {achieved}。",
                     "Price needed: **{price} per card-hour** (now {current}); achieves {achieved}."),
    "solve_apply": ("采用此租金", "Use this price"),
    "solve_none": ("无解：{msg}", "No solution: {msg}"),
    "mc": ("蒙特卡洛模拟", "Monte Carlo simulation"),
    "mc_caption": ("对关键输入抽样（三角分布：最低/最可能/最高），看回收期与净现值的分布。",
                   "Sample key inputs (triangular: low / mode / high) and look at the spread of payback and NPV."),
    "dist_low": ("最低", "Low"),
    "dist_mode": ("最可能", "Most likely"),
    "dist_high": ("最高", "High"),
    "mc_n": ("抽样次数", "Draws"),
    "mc_seed": ("随机种子", "Seed"),
    "mc_spread": ("输入波动 ±%", "Input spread ±%"),
    "mc_run": ("运行模拟", "Run simulation"),
    "mc_metric": ("分布指标", "Distribution of"),
    "mc_within": ("N 个月内回本的概率", "Probability of payback within N months"),
    "mc_prob": ("{n} 个月内回本概率", "P(payback ≤ {n} months)"),
    "mc_npv_neg": ("净现值为负的概率", "P(NPV < 0)"),
    "mc_never": ("测算期内未回本的样本占比", "Share of draws that never pay back"),
    "count": ("样本数", "Draws"),
    # business models page
    "models_caption": ("同一算力配置下四种做法并列：自购出租、采购转租、自建自用、向云厂商租用"
                       "（种子 002:1179-1188 的自建 vs 租赁对比，实时计算）。",
                       "Four ways to handle the same capacity side by side: own and rent out, buy capacity "
                       "and resell, build for own use, rent from a cloud (the seed's self-build vs lease "
                       "table 002:1179-1188, made live)."),
    "opt_heavy": ("自购出租（重资产）", "Own & rent out (heavy)"),
    "opt_light": ("采购转租（轻资产）", "Buy capacity & resell (light)"),
    "opt_self": ("自建自用", "Build for own use"),
    "opt_cloud": ("向云厂商租用", "Rent from a cloud"),
    "cmp_upfront_cny": ("期初投入", "Upfront cash"),
    "cmp_time_to_compute_months": ("到可用的时间", "Time to first compute"),
    "cmp_annual_cost_cny": ("首年现金成本", "First-year cash cost"),
    "cmp_horizon_cost_cny": ("测算期总现金支出", "Total cash out over the horizon"),
    "cmp_horizon_revenue_cny": ("测算期总收入", "Total revenue over the horizon"),
    "cmp_net_cash_cny": ("测算期净现金流", "Net cash over the horizon"),
    "cmp_cost_per_card_hour": ("每使用卡时成本", "Cost per used card-hour"),
    "cmp_price_per_card_hour": ("每卡时售价", "Price per card-hour sold"),
    "cmp_payback_months": ("投资回收期", "Payback"),
    "cmp_npv_cny": ("净现值", "NPV"),
    "cmp_card_hours": ("使用卡时（测算期）", "Card-hours used (horizon)"),
    "cmp_chart": ("测算期总现金支出与收入（万元）", "Cash out and revenue over the horizon (万元)"),
    "cmp_cost_chart": ("每使用卡时成本（元）与您的定价", "Cost per used card-hour (CNY) vs your price"),
    "cmp_notes": ("口径：自建自用 = 设备投资 + 现金成本 − 期末残值；"
                  "云租用按种子表该 GPU 的均价 × 同样的使用卡时（包月/包年按全部在役卡时）。",
                  "Basis: build = capex + cash costs − terminal value; cloud = the seed table's mean price for "
                  "this GPU × the same card-hours (monthly/annual billing pays for every in-service hour)."),
    "cmp_no_market": ("种子价格表没有 {gpu} 的价格，云租用一栏为空。",
                      "The seed's price table has no {gpu} price; the cloud column is empty."),
    "cmp_verdict_cloud": ("对使用者而言，向云厂商租用比自建便宜 {d}。",
                          "For a user, renting from a cloud is cheaper than building by {d}."),
    "cmp_verdict_self": ("对使用者而言，自建比向云厂商租用便宜 {d}。",
                         "For a user, building is cheaper than renting from a cloud by {d}."),
    "metric": ("指标", "Metric"),
    # scenarios page
    "sc_caption": ("载入、上传、保存与对比情景文件（TOML 或 finmodel 导出的 Excel）。",
                   "Load, upload, save and compare scenario files (TOML or a finmodel workbook)."),
    "upload": ("上传情景（.toml ≤ 1 MB，或 finmodel 导出的 .xlsx ≤ 2 MB）",
               "Upload a scenario (.toml ≤ 1 MB, or a finmodel .xlsx ≤ 2 MB)"),
    "upload_ok": ("已载入上传的情景：{name}", "Loaded the uploaded scenario: {name}"),
    "upload_bad": ("上传被拒绝（{file}）：", "Upload rejected ({file}):"),
    "upload_load": ("载入此文件", "Load this file"),
    "save_title": ("保存当前输入为新情景", "Save the current inputs as a new scenario"),
    "save_name": ("名称（字母、数字、_、-、中文，≤64 字）", "Name (letters, digits, _, -, Chinese; ≤ 64)"),
    "save_overwrite": ("覆盖同名的已保存情景", "Overwrite a saved scenario of the same name"),
    "save_button": ("保存", "Save"),
    "save_ok": ("已保存到 {path}", "Saved to {path}"),
    "save_bad": ("无法保存：", "Cannot save:"),
    "err_name_empty": ("名称不能为空", "the name is empty"),
    "err_name_chars": ("名称只能包含字母、数字、_、-、中文，长度 1-64（不能含 / \\ . 或空格）",
                       "use 1-64 letters, digits, _, - or Chinese characters (no / \\ . or spaces)"),
    "err_name_preset": ("与预设情景 {name} 同名，预设不可覆盖", "{name} is a shipped preset and is never overwritten"),
    "err_name_exists": ("已存在同名情景 {name}；勾选“覆盖”后再保存",
                        "a saved scenario {name} exists; tick “overwrite” to replace it"),
    "err_path": ("路径超出情景目录", "the path leaves the scenario folder"),
    "err_too_large": ("文件过大：{size:,} 字节，上限 {limit:,} 字节",
                      "file too large: {size:,} bytes; limit {limit:,} bytes"),
    "err_type": ("不支持的文件类型 {ext}：只接受 .toml 或 .xlsx", "unsupported file type {ext}: only .toml or .xlsx"),
    "err_not_utf8": ("不是 UTF-8 文本", "not UTF-8 text"),
    "err_not_xlsx": ("不是有效的 Excel 文件", "not a valid Excel workbook"),
    "compare_title": ("情景对比", "Compare two scenarios"),
    "compare_a": ("情景 A", "Scenario A"),
    "compare_b": ("情景 B", "Scenario B"),
    "current": ("当前（含修改）", "Current (with changes)"),
    "difference": ("差值 (B−A)", "Difference (B−A)"),
    "inputs_differ": ("不同的输入", "Inputs that differ"),
    "no_differences": ("两个情景的输入完全相同。", "The two scenarios have identical inputs."),
    "field": ("输入", "Input"),
}


def t(key: str, lang: str, **kw: object) -> str:
    """The UI string ``key`` in ``lang`` ('zh' or 'en'), formatted with ``kw``."""
    zh, en = STRINGS[key]
    s = zh if lang == "zh" else en
    return s.format(**kw) if kw else s


# --------------------------------------------------------------------------- units
UNITS_ZH = {
    "": "", "months": "月", "years": "年", "fraction": "比例", "fraction/year": "比例/年",
    "fraction/month": "比例/月", "fraction of capex": "占投资比例", "fraction of hours": "占时长比例",
    "fraction of revenue": "占收入比例", "fraction of capacity": "占算力比例",
    "fraction of book value": "占账面净值比例",
    "fraction of full load": "占满载比例", "fraction of VAS revenue": "占增值服务收入比例",
    "CNY": "元", "CNY/server": "元/台", "CNY/server-month": "元/台·月", "CNY/month": "元/月", "CNY/year": "元/年",
    "CNY/P/year": "元/P/年", "CNY/card-hour": "元/卡·时", "CNY/server-hour": "元/台·时", "CNY/kWh": "元/kWh",
    "hours/year": "小时/年", "h/month": "小时/月", "servers": "台", "cards/server": "卡/台", "×": "倍",
    "× hourly": "× 按时价", "× monthly": "× 包月价", "× list price": "× 标价", "kW/server": "kW/台", "ratio": "比值",
    "TFLOPS/card": "TFLOPS/卡", "P/server": "P/台", "P": "P", "flag": "标志",
}
#: Units of fractions shown as percent (sliders with format="percent").
UNITS_PCT_ZH = {
    "fraction": "%", "fraction/year": "%/年", "fraction of capex": "占投资 %", "fraction of hours": "占时长 %",
    "fraction of revenue": "占收入 %", "fraction of capacity": "占算力 %", "fraction of book value": "占账面净值 %",
    "fraction of full load": "占满载 %", "fraction of VAS revenue": "占增值服务收入 %",
}


def unit(u: str, lang: str, *, pct: bool = False) -> str:
    """A unit in the display language; ``pct`` for fractions displayed as percent."""
    if pct and u.startswith("fraction"):
        return UNITS_PCT_ZH.get(u, "%") if lang == "zh" else u.replace("fraction", "%", 1)
    return UNITS_ZH.get(u, u) if lang == "zh" else u


def is_pct(spec: schema.FieldSpec) -> bool:
    """Fractions between -1 and 1 are shown as percent (0.7 → 70%); the value stays a fraction."""
    return (spec.kind == "float" and spec.unit.startswith("fraction") and spec.ge is not None
            and spec.ge >= -1 and spec.le is not None and spec.le <= 1)


# --------------------------------------------------------------------------- fields, results, choices
GROUPS: dict[str, tuple[str, str]] = {
    "revenue": ("收入", "Revenue"),
    "capex": ("设备投资", "Capex"),
    "depreciation": ("折旧与残值", "Depreciation & residual"),
    "energy": ("能耗", "Energy"),
    "operations": ("运营成本", "Operating costs"),
    "financing": ("融资与税务", "Financing & tax"),
    "light": ("轻资产（转租）", "Light asset (brokerage)"),
    "general": ("通用", "General"),
}

CHOICES: dict[str, tuple[str, str]] = {
    "straight_line": ("直线法", "Straight line"),
    "declining_balance": ("余额递减法", "Declining balance"),
    "hourly": ("按小时", "Hourly"),
    "monthly": ("包月", "Monthly"),
    "annual": ("包年", "Annual"),
    "ratio": ("比例法（60:40）", "Ratio (60:40)"),
    "bottom_up": ("逐项测算", "Bottom-up"),
    "metered": ("按电量计", "Metered"),
    "fixed": ("固定金额", "Fixed"),
    "card_hour": ("按卡时价折算", "From a card-hour price"),
    "p_year": ("按 P·年定价", "Per P-year"),
}


def t_group(group: str, lang: str) -> str:
    """The name of an input group (the collapsible sections); the key itself if undeclared."""
    zh, en = GROUPS.get(group, (group, group))
    return zh if lang == "zh" else en


def choice_label(option: str, lang: str) -> str:
    """The name of a choice option (billing mode, method, ...); the option itself if undeclared."""
    zh, en = CHOICES.get(option, (option, option))
    return zh if lang == "zh" else en


def gpu_label(key: str, lang: str) -> str:
    """A GPU catalogue key with its model name: ``A100-40G-NVLink · NVIDIA A100 40GB SXM (NVLink)``."""
    g = catalog.GPUS.get(key)
    return f"{key} · {g.name}" if g else key


def field_label(path: str, lang: str, *, unit_text: bool = True, pct: bool | None = None) -> str:
    """``租金单价 [元/卡·时]`` / ``Rental price [CNY/card-hour]``; fractions shown as percent by
    the widgets get a % unit unless ``pct=False`` (tables of raw fractions)."""
    spec = schema.FIELDS[path]
    label = spec.label_zh if lang == "zh" else spec.label_en
    u = unit(spec.unit, lang, pct=is_pct(spec) if pct is None else pct)
    return f"{label} [{u}]" if unit_text and u else label


def item_label(which: str, key: str, lang: str, *, with_unit: bool = False) -> str:
    """Label of a result key from the engine's declaration, optionally with its (raw) unit."""
    it = model.item(which, key)
    label = it.zh if lang == "zh" else it.en
    if with_unit and it.unit:
        return f"{label} [{unit(it.unit, lang)}]"
    return label
