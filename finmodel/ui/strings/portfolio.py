"""UI strings: the portfolio page (app_pages/portfolio.py): a company of purchase cohorts.

Key → (中文, English); ``{name}`` placeholders are filled by :func:`finmodel.ui.i18n.t`. Labels of
results and inputs come from their declarations (``portfolio_result.item``, ``portfolio.field_spec``)."""

STRINGS: dict[str, tuple[str, str]] = {
    "pf_caption": ("一家公司的多个购置批次（机群）：不同月份购置、不同GPU、自有与转租并存；"
                   "公司层面费用、贷款与合并纳税。",
                   "A company of purchase cohorts: bought in different months, several GPU generations, owned and "
                   "sub-leased side by side; company-level costs, a company loan and income tax on the company."),
    "pf_loaded": ("当前组合：{name}（来源：{origin}）", "Portfolio: {name} (from {origin})"),
    "pf_pick": ("组合文件", "Portfolio file"),
    "pf_pick_help": ("assumptions/portfolio/ 下的预设组合与已保存的组合", "Presets in assumptions/portfolio/ and your "
                     "saved portfolios"),
    "pf_upload": ("上传组合文件（.toml ≤ 1 MB）", "Upload a portfolio (.toml ≤ 1 MB)"),
    "pf_upload_help": ("文件中 scenario = \"cohorts/…\" 的路径在 assumptions/portfolio/ 中解析，不能指向该目录之外。",
                       "Its scenario = \"cohorts/…\" paths resolve in assumptions/portfolio/ and may not leave it."),
    "pf_upload_ok": ("已载入上传的组合：{name}", "Loaded the uploaded portfolio: {name}"),
    "pf_none": ("{folder} 中没有组合文件；请上传一个。", "No portfolio files in {folder}; upload one."),
    "pf_load_bad": ("无法载入组合 {name}：", "Cannot load the portfolio {name}:"),
    "unknown_portfolio": ("找不到组合 {name}。", "No portfolio named {name}."),
    "pf_modified": ("已修改（与载入文件不同）", "Changed (differs from the loaded file)"),
    "pf_reset": ("恢复为载入文件", "Reset to the loaded file"),
    "pf_notes": ("说明：", "Notes:"),
    # KPIs and tax
    "pf_kpis": ("公司核心指标（与载入文件相比）", "Company figures (change vs the loaded file)"),
    "pf_tax": ("合并纳税与各机群单独纳税", "Company tax vs each cohort taxed alone"),
    "pf_tax_caption": ("公司按合并税前利润纳税（一个机群的亏损抵减另一个的利润）；"
                       "节税额 = 各机群单独纳税之和 − 公司纳税。",
                       "The company is taxed on its combined pre-tax profit (one cohort's losses shelter another's "
                       "profits); tax sheltered = the cohorts' stand-alone taxes − the company's tax."),
    # the cohort table
    "pf_cohorts": ("机群表", "Cohorts"),
    "pf_editor_help": ("直接修改购置月、服务器台数、租金或转租算力；选中行后按删除键移除机群。"
                       "无效的修改不生效，组合保持不变。",
                       "Edit a purchase month, servers, price or sub-leased capacity in the table; select rows and "
                       "delete them to remove cohorts. An invalid edit changes nothing."),
    "pf_cohort": ("机群", "Cohort"),
    "pf_label": ("名称", "Label"),
    "pf_model": ("业务模式", "Business model"),
    "pf_gpu": ("GPU", "GPU"),
    "pf_purchase": ("购置月", "Purchase month"),
    "pf_end": ("结束月", "End month"),
    "pf_end_help": ("时间线结束的公司月份：退役月或测算期末。",
                    "Company month its timeline ends: its retirement or the horizon."),
    "pf_bad_edit": ("修改未生效，组合保持不变：", "Not applied; the portfolio is unchanged:"),
    "pf_empty_cell": ("{path}：单元格为空；请输入数值", "{path}: the cell is empty; type a value"),
    "pf_removed": ("已移除机群：{names}", "Removed cohorts: {names}"),
    "pf_successor_freed": ("{name} 原为 {old} 的接替机群，现按其自身的购置月（未设置时为第0月）购置。",
                           "{name} was the successor of {old}; it is now bought in its own purchase month (month 0 "
                           "when unset)."),
    # adding a cohort
    "pf_add_title": ("添加机群", "Add a cohort"),
    "pf_add_source": ("来源", "From"),
    "pf_src_copy": ("复制机群 {name}", "copy of cohort {name}"),
    "pf_src_file": ("情景文件 {path}", "scenario file {path}"),
    "pf_src_scenario": ("情景 {name}", "scenario {name}"),
    "pf_src_current": ("当前情景（投资概览页）", "the current scenario (overview page)"),
    "pf_add_name": ("新机群名称", "New cohort's name"),
    "pf_add_name_help": ("字母开头，其后为字母、数字或 _，最长 40 个字符，如 h20_2026。",
                         "A letter, then letters, digits or _, at most 40, e.g. h20_2026."),
    "pf_add_model_help": ("仅对情景来源有效；复制机群时沿用被复制机群的业务模式。",
                          "Used for a scenario source; a copy keeps the copied cohort's business model."),
    "pf_add_button": ("添加", "Add"),
    "pf_name_empty": ("请填写新机群的名称", "give the new cohort a name"),
    "pf_name_taken": ("已有名为 {name} 的机群", "a cohort named {name} exists"),
    "pf_added": ("已添加机群 {name}", "Added cohort {name}"),
    # charts
    "pf_charts": ("按机群的月度数据与算力", "Monthly lines and capacity by cohort"),
    "pf_tab_flows": ("月度现金流（按机群）", "Monthly cash flow by cohort"),
    "pf_tab_capacity": ("算力与服务器", "Capacity and servers"),
    "pf_tab_cumulative": ("公司累计现金流", "Company cumulative cash flow"),
    "pf_flow_line": ("月度项目", "Monthly line"),
    "pf_flow_caption": ("柱：各机群单独测算（含其自身所得税，不含公司层面费用与公司贷款）；"
                        "线：公司合计（含公司层面费用、公司贷款与合并纳税）。",
                        "Bars: each cohort alone (its own income tax; no company-level costs or loan). Line: the "
                        "company (with company-level costs, the company loan and company tax)."),
    "pf_capacity_view": ("视图", "View"),
    "pf_by_cohort": ("{line}，按机群", "{line} by cohort"),
    "pf_by_gpu": ("{line}，按GPU", "{line} by GPU"),
    "pf_month_axis": ("公司月份（第0月 = 首次购置）", "Company month (0 = first purchase)"),
    "pf_company_line": ("公司合计", "Company"),
    # the per-cohort table
    "pf_cohort_table": ("各机群单独测算", "Each cohort alone"),
    "pf_cohort_caption": ("每个机群作为独立公司测算：回收期自其购置月起，净现值折现至购置月，按其自身利润纳税；"
                          "占比为占公司收入、EBITDA（公司层面费用前）与投资的比例。",
                          "Each cohort as a company of its own: payback from its purchase, NPV at its purchase "
                          "date, its own income tax; shares of company revenue, EBITDA (before company-level "
                          "costs) and capex."),
    # save and downloads
    "pf_save_title": ("另存为新组合", "Save as a new portfolio"),
    "pf_save_name": ("名称（字母、数字、_、-、中文，≤64 字）", "Name (letters, digits, _, -, Chinese; ≤ 64)"),
    "pf_save_button": ("保存", "Save"),
    "pf_save_help": ("保存为自包含文件（各机群的情景输入写入文件），不覆盖任何已有文件。",
                     "Saved self-contained (each cohort's scenario inputs written into the file); never replaces "
                     "an existing file."),
    "pf_save_ok": ("已保存到 {path}", "Saved to {path}"),
    "pf_save_bad": ("无法保存：", "Cannot save:"),
    "err_pf_name_exists": ("已存在同名组合 {name}；请换一个名称",
                           "a saved portfolio named {name} exists; choose another name"),
    "err_inline": ("无法生成自包含文件（内部错误，请报告）",
                   "cannot write a self-contained file (a bug; please report)"),
    "pf_downloads": ("导出", "Downloads"),
    "pf_dl_csv": ("下载公司月度表 CSV", "Download the company monthly table (CSV)"),
    "pf_dl_toml": ("下载组合文件 TOML（自包含）", "Download the portfolio file (TOML, self-contained)"),
}
