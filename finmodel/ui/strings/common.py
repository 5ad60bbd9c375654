"""UI strings: shell, navigation and words shared by every page.

Key → (中文, English); ``{name}`` placeholders are filled by :func:`finmodel.ui.i18n.t`."""

STRINGS: dict[str, tuple[str, str]] = {
    "nav_model": ("测算", "Model"),
    "nav_analysis": ("分析", "Analysis"),
    "nav_market": ("市场", "Market"),
    "page_overview": ("投资概览", "Investor overview"),
    "page_sensitivity": ("敏感性与风险", "Sensitivity & risk"),
    "page_models": ("模式对比", "Business models"),
    "page_scenarios": ("情景管理", "Scenarios"),
    "page_demand": ("市场需求", "Market demand"),
    "page_portfolio": ("公司组合", "Portfolio"),
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
    # messages about inputs, links and files
    "bad_input": ("输入无效，已保留上一个有效值：", "Invalid input, kept the last valid value:"),
    "bad_link": ("链接中的部分参数无效，已忽略：", "Some link parameters were invalid and were ignored:"),
    "link_unknown": ("{param}：未知参数", "{param}: unknown parameter"),
    "demand_applied": ("已采用市场需求页的机队：{n:,} 台 {gpu} 服务器。",
                       "Using the fleet from the market-demand page: {n:,} {gpu} servers."),
    "nonfinite": ("{model}：{lines} 为无穷大（某项输入过于接近 0 或过大），其结果不以数字显示。",
                  "{model}: infinite values in {lines} (an input is too close to 0 or too large); its results "
                  "are not shown as numbers."),
    "cannot_compute": ("「{what}」无法计算：", "Cannot compute “{what}”:"),
    "unknown_scenario": ("找不到情景 {name}，已打开默认情景。", "No scenario named {name}; opened the default."),
}
