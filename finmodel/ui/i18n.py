"""The dashboard's one i18n: every string in 中文 and English, looked up here.

Field labels come from :data:`finmodel.schema.FIELDS` (``label_zh`` / ``label_en``) and result
labels from :func:`finmodel.model.item`; the app's own words are the per-page tables of
:mod:`finmodel.ui.strings`; this module adds unit names and group names (choice names are declared with the fields).
``t(key, lang)`` raises ``KeyError`` for an unknown key so a typo fails a test instead of showing
a blank.
"""

from __future__ import annotations

from finmodel import demand, model, schema
from finmodel.schema import FieldSpec, catalog
from finmodel.ui import strings

LANGS = ("zh", "en")
LANG_NAMES = {"zh": "中文", "en": "English"}
DEFAULT_LANG = "zh"

# --------------------------------------------------------------------------- app strings
STRINGS: dict[str, tuple[str, str]] = strings.STRINGS


def t(key: str, lang: str, **kw: object) -> str:
    """The UI string ``key`` in ``lang`` ('zh' or 'en'), formatted with ``kw``."""
    zh, en = STRINGS[key]
    s = zh if lang == "zh" else en
    return s.format(**kw) if kw else s


def has(key: str) -> bool:
    """Whether ``key`` is a UI string (for codes that may or may not have a wording)."""
    return key in STRINGS


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
    "TFLOPS/card": "TFLOPS/卡", "P/server": "P/台", "P": "P", "flag": "标志", "cards": "卡",
    "card-hours/month": "卡时/月", "month": "月", "service year": "服务年",
    "YYYY-MM": "年-月 (YYYY-MM)", "month of year": "月份 (1-12)", "month number": "月序号", "year": "年份",
    # issue 12's deal inputs (contract, debt, tax branches), so their widgets are labelled on arrival
    "count": "个", "service month": "服务月", "days": "天", "CNY/USD": "元/美元", "USD/server": "美元/台",
    "CNY/unit": "元/台(件)", "years²": "年²",
    "CNY per contract.price_unit": "元/合同计价单位", "× first-year price": "× 首年价格", "× market price": "× 市场价",
    "fraction of the debt": "占债务比例", "fraction of servers": "占服务器比例",
    "fraction of VAT paid": "占已缴增值税比例", "fraction of contract value": "占合同总价比例",
    "fraction of contracted revenue": "占合同收入比例",
}
#: Units of fractions shown as percent (sliders with format="percent").
UNITS_PCT_ZH = {
    "fraction": "%", "fraction/year": "%/年", "fraction of capex": "占投资 %", "fraction of hours": "占时长 %",
    "fraction of revenue": "占收入 %", "fraction of capacity": "占算力 %", "fraction of book value": "占账面净值 %",
    "fraction of full load": "占满载 %", "fraction of VAS revenue": "占增值服务收入 %",
    "fraction of the debt": "占债务 %", "fraction of servers": "占服务器 %", "fraction of VAT paid": "占已缴增值税 %",
    "fraction of contract value": "占合同总价 %", "fraction of contracted revenue": "占合同收入 %",
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
    "contract": ("客户合同与回款", "Customer contract & collections"),
    "debt": ("债务结构与偿债覆盖", "Debt structure & coverage"),
    "tax": ("增值税与所得税", "VAT & income tax"),
    "subsidy": ("补贴", "Subsidies"),
    "light": ("轻资产（转租）", "Light asset (brokerage)"),
    "general": ("通用", "General"),
}

#: Every declared choice option's (中文, English) label, by option: a view of the declarations
#: (``FieldSpec.choice_labels`` of the scenario's and the workload table's choice fields), not a
#: second table. Labels are read from the field (``spec.choice_label(option, lang)``), since one
#: option may be worded per field.
CHOICES: dict[str, tuple[str, str]] = {
    opt: label for spec in (*schema.FIELDS.values(), *demand.WORKLOAD_FIELDS.values())
    for opt, label in zip(spec.choices, spec.choice_labels, strict=False)}


def t_group(group: str, lang: str) -> str:
    """The name of an input group (the collapsible sections); the key itself if undeclared."""
    zh, en = GROUPS.get(group, (group, group))
    return zh if lang == "zh" else en


def billing_label(billing: str, lang: str) -> str:
    """The billing of a cloud price (``catalog.BILLING_LABELS``): ``按小时`` / ``hourly``."""
    zh, en = catalog.BILLING_LABELS[billing]
    return zh if lang == "zh" else en


def field_label(path: str, lang: str, *, unit_text: bool = True, pct: bool | None = None) -> str:
    """``租金单价 [元/卡·时]`` / ``Rental price [CNY/card-hour]``; fractions shown as percent by
    the widgets get a % unit unless ``pct=False`` (tables of raw fractions)."""
    spec = schema.FIELDS[path]
    label = spec_label(spec, lang)
    u = unit(spec.unit, lang, pct=is_pct(spec) if pct is None else pct)
    return f"{label} [{u}]" if unit_text and u else label


def spec_label(spec: FieldSpec, lang: str) -> str:
    """The declared label of an input or a table column, without unit."""
    return spec.label_zh if lang == "zh" else spec.label_en


def spec_help(spec: FieldSpec, lang: str) -> str:
    """What an input or a column means: the declared 中文 help in 中文 where there is one, else the
    English help."""
    return spec.help_zh if lang == "zh" and spec.help_zh else spec.help


def unit_of(path: str, lang: str) -> str:
    """The unit of an input in the display language: ``unit_of("heavy.price_cny_per_card_hour", "zh")``
    → ``元/卡·时``."""
    return unit(schema.FIELDS[path].unit, lang)


def item_label(which: str, key: str, lang: str, *, with_unit: bool = False) -> str:
    """Label of a result key from the engine's declaration, optionally with its (raw) unit."""
    it = model.item(which, key)
    label = it.zh if lang == "zh" else it.en
    if with_unit and it.unit:
        return f"{label} [{unit(it.unit, lang)}]"
    return label
