"""UI strings: the market-demand page (app_pages/demand.py). Keys start with ``dm_``.

Column, field and result names on that page come from their declarations (the workload columns,
``heavy.price_cny_per_card_hour``, ``heavy.payback_months``); these are the page's own words.
Key → (中文, English); ``{name}`` placeholders are filled by :func:`finmodel.ui.i18n.t`."""

STRINGS: dict[str, tuple[str, str]] = {
    "dm_intro": ("从模型参数量与Token数推算所需GPU、算力租赁市场规模，以及出租方为占有一定市场份额所需的服务器数"
                 "（沙利文白皮书 002:1190-1290）。**算力效率(MFU)** 是GPU运行时实际达到的峰值算力占比（白皮书称"
                 "“GPU利用率”）；**出租率** 是出租方卡时被租用的比例。二者不同。",
                 "From model parameters and tokens to the GPUs needed, the size of the leasing market, and the "
                 "servers a lessor needs for a share of it (Frost & Sullivan white paper, 002:1190-1290). "
                 "**Compute efficiency (MFU)** is the share of a GPU's peak a workload achieves while running "
                 "(the paper's \"GPU utilisation\"); **occupancy** is the share of a lessor's card-hours that are "
                 "rented. They are different things."),
    "dm_preset": ("预设工作负载", "Preset workloads"),
    "dm_workloads": ("工作负载（可编辑，可增删行）", "Workloads (editable; add or delete rows)"),
    "dm_editor_help": ("每行一个工作负载，空单元格表示不适用。训练：参数量 × Token数（或训练总算力）与训练天数；"
                       "推理：日均访问量 × 每次访问提问数 × 每次提问Token数，全天24小时服务。",
                       "One workload per row; empty cells mean not applicable. Training: parameters × tokens (or "
                       "training compute) and training days. Inference: daily visits × questions per visit × "
                       "tokens per question, served 24 hours a day."),
    "dm_errors": ("工作负载表有误，请修改以下单元格：", "The workload table has errors; fix these cells:"),
    "dm_row": ("第{row}行", "Row {row}"),
    "dm_results": ("所需GPU", "GPUs needed"),
    "dm_detail": ("分工作负载明细", "Detail by workload"),
    "dm_chart_title": ("各工作负载所需GPU（张）", "GPUs needed by workload"),
    "dm_gpus_axis": ("所需GPU（张）", "GPUs needed"),
    "dm_total_gpus": ("所需GPU合计", "GPUs needed, total"),
    "dm_total_p": ("峰值算力合计", "Peak compute, total"),
    "dm_market_value": ("市场规模", "Market value"),
    "dm_per_year": ("/年", "/year"),
    "dm_market": ("市场规模与服务器", "Market value and servers"),
    "dm_share": ("目标市场份额（%）", "Target market share (%)"),
    "dm_servers": ("所需服务器", "Servers needed"),
    "dm_cards": ("GPU卡数", "GPUs"),
    "dm_no_fleet": ("份额为0，无需服务器。", "Zero share needs no servers."),
    "dm_fleet_rule": ("服务器数 = ⌈卡时 × 份额 ÷ (每台卡数 {cards} × 年小时数 {hours:,.0f} × 出租率)⌉。"
                      "服务器价格、电费与运维等成本取自基准场景「{name}」。",
                      "Servers = ⌈card-hours × share ÷ (cards per server {cards} × hours per year {hours:,.0f} × "
                      "occupancy)⌉. Server price, electricity and other costs come from the base scenario "
                      "“{name}”."),
    "dm_use": ("用于重资产测算", "Use in the heavy-asset scenario"),
    "dm_used": ("已将 {n:,} 台 {gpu} 服务器写入重资产场景（session_state[\"demand_servers\"]）。",
                "Put {n:,} {gpu} servers into the heavy-asset scenario (session_state[\"demand_servers\"])."),
    "dm_fleet_error": ("该机队超出重资产模型的范围：", "This fleet is outside the heavy-asset model's range:"),
    "dm_download": ("下载工作负载（TOML）", "Download workloads (TOML)"),
    "dm_value_rule": ("卡时/年 × {price}", "card-hours/year × {price}"),
    "dm_col_gpus_per_model": ("单模型GPU（张）", "GPUs per model"),
    "dm_col_gpus": ("所需GPU（张）", "GPUs needed"),
    "dm_col_rate": ("单模型有效算力（P）", "Effective compute per model (P)"),
    "dm_col_p": ("所需峰值算力（P）", "Peak compute needed (P)"),
    "dm_col_hours": ("卡时/年（万）", "Card-hours/year (10k)"),
    "dm_col_value": ("市场规模（万元/年）", "Market value (10k CNY/year)"),
    "dm_col_servers": ("份额所需服务器（台）", "Servers for the share"),
    # what is wrong with a workload cell: problem codes and rule names of finmodel.demand
    "dm_allowed": ("允许", "allowed"),
    "dm_missing": ("缺少必填值", "missing required value"),
    "dm_unknown_column": ("未知列", "unknown column"),
    "dm_wrong_type": ("类型错误", "wrong type"),
    "dm_out_of_range": ("超出范围", "out of range"),
    "dm_not_allowed": ("不是可选值", "not an allowed choice"),
    "dm_unknown_gpu": ("未知GPU型号", "unknown GPU"),
    "dm_not_for_kind": ("{kind}工作负载不使用此项（请留空）", "not used by {kind} workloads (leave it empty)"),
    "dm_needs_duration": ("训练工作负载需要训练天数", "a training workload needs its duration in days"),
    "dm_flop_or_params": ("请填写“参数量和训练Token数”或“训练总算力”，二者取其一",
                          "give either parameters and training tokens, or training compute, not both"),
    "dm_needs_params_tokens": ("训练工作负载需要参数量和训练Token数（或训练总算力）",
                               "a training workload needs parameters and training tokens (or training compute)"),
    "dm_runs_overlap": ("年训练次数 × 训练天数超过365天，训练会重叠（请改为增加模型数量）",
                        "runs per year × training days exceeds 365 days: the runs would overlap (add models instead)"),
    "dm_needs_inference_inputs": ("推理工作负载需要参数量、日均访问量、每次访问提问数和每次提问Token数",
                                  "an inference workload needs parameters, daily visits, questions per visit "
                                  "and tokens per question"),
    "dm_no_peak": ("该GPU在目录中没有此精度的峰值算力；请改用FP16或其他GPU",
                   "this GPU has no peak at this precision in the catalogue; use FP16 or another GPU"),
}
