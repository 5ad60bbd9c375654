"""UI strings: the business-model comparison page (app_pages/models.py).

Key → (中文, English); ``{name}`` placeholders are filled by :func:`finmodel.ui.i18n.t`."""

STRINGS: dict[str, tuple[str, str]] = {
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
    "be_title": ("轻资产：各年盈亏平衡", "Light asset: break-even by year"),
    "be_caption": ("转租价格与采购价格每年按各自的年变动率调整；盈亏平衡出租率超过 100% 即无法达到。",
                   "The resale and buy prices step once a year by their own yearly changes; a break-even "
                   "occupancy above 100 % cannot be reached."),
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
}
