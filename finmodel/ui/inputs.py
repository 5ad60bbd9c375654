"""What an input widget shows beyond its declaration: the value a blank input stands for, whether a
written value overrides it, and whether the input has any effect under the chosen switches.

Pure (no Streamlit): :mod:`finmodel.ui.widgets` draws from these, the tests call them directly.

* **Blank means a default the engine derives.** ``light.tflops_per_card`` blank = the catalogue's
  dense figure for the GPU brokered at ``light.precision``; ``heavy.power_kw_per_server`` blank =
  the catalogue's server power for ``heavy.gpu``; ``general.project_discount_rate_per_year`` blank
  = the equity rate, and so on (:data:`DERIVED`). The widget shows that value — read from the
  engine's result item that holds the value in use, never recomputed here — and a written value
  that differs is marked against it (:func:`mark`). The default of a written input is the engine's
  value for the same scenario with that input blank.
* **Inputs that do nothing** under the switches come from :func:`finmodel.schema.inert.inactive`
  (one rule table for the CLI, the workbook and the dashboard).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from finmodel.model import Result, display
from finmodel.schema import FIELDS, Scenario, ScenarioError, inert
from finmodel.ui import fmt, i18n

__all__ = ["BLANK", "DERIVED", "FOLLOWS", "Mark", "condition", "default_value", "followed", "from_widget", "inactive",
           "locked", "mark", "reasons", "shown_default", "switches", "to_widget", "why_greyed"]

#: Optional numeric inputs whose blank stands for a value the engine derives: path → (model, the
#: result item holding the value in use, i18n key naming the default: ``dflt_catalogue`` …).
DERIVED: dict[str, tuple[str, str, str]] = {
    "heavy.power_kw_per_server": ("heavy", "power_kw_per_server", "dflt_catalogue"),
    "light.tflops_per_card": ("light", "tflops_per_card", "dflt_catalogue"),
    "general.project_discount_rate_per_year": ("heavy", "project_discount_rate_per_year", "dflt_equity_rate"),
    "light.price_cny_per_card_hour": ("light", "card_price_cny_per_card_hour", "dflt_heavy_price"),
    "light.buy_term_months": ("light", "buy_term_months", "dflt_horizon"),
    "light.p_per_server_override": ("light", "p_per_server", "dflt_computed"),
    "tax.depreciation_life_years": ("heavy", "tax_life_years", "dflt_book"),
}
#: Optional choice inputs whose blank means another input's value (``light.gpu`` blank = ``heavy.gpu``).
FOLLOWS: dict[str, str] = {"light.gpu": "heavy.gpu", "tax.depreciation_method": "heavy.depreciation_method"}
#: A blank choice as a selectbox option (options cannot be None there).
BLANK = ""

Evaluate = Callable[[Scenario], Result]


def inactive(s: Scenario) -> dict[str, inert.Finding]:
    """The inputs that have no effect under ``s``'s switches, each with its rule (greyed, with why)."""
    return inert.inactive(s)


def default_value(s: Scenario, path: str, evaluate: Evaluate) -> float | None:
    """The value the engine uses for ``path`` when it is blank, in ``s`` (None when it has none:
    e.g. no catalogue figure for the GPU at the precision chosen, where the input must be written)."""
    which, key, _ = DERIVED[path]
    try:
        blank = s if s.get(path) is None else s.replace({path: None})
    except ScenarioError:
        return None
    value = float(getattr(evaluate(blank), which)[key])
    return value if math.isfinite(value) else None


def list_text(values: list[float]) -> str:
    """A list input as the text a widget or a URL shows: ``1, 0.72, 0.85`` (empty: no list)."""
    return ", ".join(repr(float(x)) for x in values)


def parse_list(text: Any) -> Any:
    """The list a widget's or a URL's text writes: numbers where they parse, the text itself where they do
    not (the schema then refuses it naming the factor)."""
    if not isinstance(text, str):
        return text
    out: list[Any] = []
    for part in (p.strip() for p in text.replace("，", ",").split(",")):
        if part:
            try:
                out.append(float(part))
            except ValueError:
                out.append(part)
    return out


def to_widget(s: Scenario, path: str, evaluate: Evaluate) -> Any:
    """The value a widget starts from: the input, or (blank) the default it stands for, or :data:`BLANK`."""
    value = s.get(path)
    if FIELDS[path].kind == "list":  # the price index: its factors as text, "1, 0.72, 0.85"
        return list_text(value)
    if value is None and path in DERIVED:
        value = default_value(s, path, evaluate)
        if value is not None and FIELDS[path].kind == "int":
            value = int(round(value))
    if value is None and path in FOLLOWS:
        return BLANK
    return value


def from_widget(s: Scenario, path: str, value: Any, evaluate: Evaluate) -> Any:
    """The input a widget's new value writes: :data:`BLANK` → None; a derived input set to its
    default → None (blank again: it follows the catalogue, the equity rate … from then on)."""
    if FIELDS[path].kind == "list":
        return parse_list(value)
    if path in FOLLOWS and value == BLANK:
        return None
    if path in DERIVED and value is not None and value == default_value(s, path, evaluate):
        return None
    return value


@dataclass(frozen=True)
class Mark:
    """A written value of a derived input, against the default it replaces."""

    path: str
    value: float
    default: float | None  # None: there is no default (the input must be written)

    @property
    def differs(self) -> bool:
        return self.default is None or self.value != self.default

    def text(self, lang: str) -> str:
        """``≠ 目录值 989 TFLOPS/卡`` / ``≠ catalogue 989 TFLOPS/card``; ``= …`` when equal (written
        all the same: it no longer follows); ``no catalogue figure`` when there is none."""
        what = i18n.t(DERIVED[self.path][2], lang)
        if self.default is None:
            return i18n.t("dflt_none", lang, what=what)
        return f"{'≠' if self.differs else '='} {what} {shown_default(self.path, self.default, lang)}"


def mark(s: Scenario, path: str, evaluate: Evaluate) -> Mark | None:
    """The override mark of a derived input that is written in ``s`` (None while it is blank)."""
    value = s.get(path)
    if path not in DERIVED or value is None:
        return None
    return Mark(path, float(value), default_value(s, path, evaluate))


def shown_default(path: str, value: float, lang: str) -> str:
    """A default as the input's unit displays it: ``989 TFLOPS/卡``, ``10.2 kW/台``, ``8.0%``, ``¥22.50``."""
    spec = FIELDS[path]
    unit = display.input_unit(spec.unit)
    text = display.show_item(value, unit, style=fmt.style(lang))
    return f"{text} {i18n.unit(spec.unit, lang)}" if unit.fmt == "number" and spec.unit else text


def followed(s: Scenario, path: str, lang: str) -> str:
    """The label of a blank choice that follows another input, short enough for the sidebar:
    ``= GPU型号 (H800-SXM)`` / ``= GPU model (H800-SXM)`` (the option's key, not its long name)."""
    other = FOLLOWS[path]
    return f"= {i18n.field_label(other, lang, unit_text=False)} ({s.get(other)})"


def _operand(path: str, value: Any, lang: str) -> str:
    """A condition's right-hand side as the widget shows it: a choice by its label, another input
    by its label, a number as written."""
    if isinstance(value, inert.Ref):
        return i18n.field_label(value.path, lang, unit_text=False)
    spec = FIELDS[path]
    if spec.kind == "choice" and value in spec.choices:
        return f"“{spec.choice_label(value, lang)}”"
    return f"{value:g}" if isinstance(value, float) else str(value)


def condition(when: inert.When, lang: str) -> str:
    """One condition of a rule in the widgets' words: ``成本口径 = “按比例”``, ``采购承诺期 留空``,
    ``Buy term ≥ Horizon`` (the CLI's wording, :meth:`inert.When.text`, names the paths instead)."""
    label = i18n.field_label(when.path, lang, unit_text=False)
    if when.op in ("set", "unset", "given"):  # given: a list input with items reads as set
        return f"{label} {i18n.t('cond_' + ('set' if when.op == 'given' else when.op), lang)}"
    if when.op == "in":
        return f"{label} = " + i18n.t("cond_or", lang).join(_operand(when.path, v, lang) for v in when.value)
    sign = {"==": "=", "!=": "≠", ">=": "≥"}[when.op]
    return f"{label} {sign} {_operand(when.path, when.value, lang)}"


def why_greyed(found: Mapping[str, inert.Finding], path: str, lang: str) -> str | None:
    """The caption under an input with no effect: ``无效：电费口径 = “按电量计”（…）`` — the switch in
    the widgets' words and the rule's reason (the tooltip has :func:`reasons`, with the paths)."""
    finding = found.get(path)
    if finding is None:
        return None
    rule = finding.rule
    cond = i18n.t("cond_and", lang).join(condition(w, lang) for w in rule.when)
    why = rule.why_zh if lang == "zh" else rule.why_en
    head = i18n.t("inactive_while", lang, cond=cond) if cond else i18n.t("inactive", lang)
    return head + ((f"（{why}）" if lang == "zh" else f" ({why})") if why else "")


def switches(rule: inert.Rule) -> set[str]:
    """The inputs a rule's conditions read (``light.buy_term_months >= general.horizon_months``: both)."""
    return {w.path for w in rule.when} | {w.value.path for w in rule.when if isinstance(w.value, inert.Ref)}


def locked(found: Mapping[str, inert.Finding], path: str) -> bool:
    """Whether an inactive input is drawn disabled. It is, unless disabling it could leave it stuck:
    when its rule reads the input itself (``light.buy_term_months`` at or past the horizon) or every
    input its rule reads is inactive as well (``light.after_buy_term`` needs a buy term, which needs
    ``after_buy_term = "drop"``): then it stays editable, marked with the reason all the same."""
    finding = found.get(path)
    if finding is None:
        return False
    reads = switches(finding.rule)
    return path not in reads and (not reads or any(p not in found for p in reads))


def reasons(found: Mapping[str, inert.Finding], path: str, lang: str) -> str | None:
    """Why ``path`` is greyed (:meth:`finmodel.schema.inert.Finding.text`), or None when it is active."""
    finding = found.get(path)
    return finding.text(lang) if finding is not None else None
