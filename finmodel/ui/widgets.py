"""Input widgets built from the scenario schema (:data:`finmodel.schema.FIELDS`).

Label, unit, bounds, step, choices and help all come from the field's declaration; the source
comes from the scenario. Each widget is keyed ``in:<dotted path>``, mirrors the current scenario
(its state is re-synced from the scenario before it is drawn) and, when changed, calls
:func:`finmodel.ui.state.set_field`, which rebuilds the scenario through ``Scenario.replace`` — so
a value the schema refuses is reported with the field and allowed range and the widget snaps back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import streamlit as st

from finmodel import demand
from finmodel.schema import FIELDS, FieldSpec, Scenario, catalog, inert
from finmodel.ui import demand_view, i18n, inputs, present, safe, state

#: Group order of the collapsible input sections.
GROUP_ORDER = ("revenue", "contract", "capex", "depreciation", "energy", "operations", "financing", "debt", "tax",
               "subsidy", "light", "general")
#: The groups of the deal page (issue 12): customer contract, financing and debt, taxes, subsidies.
DEAL_GROUPS = ("contract", "financing", "debt", "tax", "subsidy")
#: Inputs drawn front and centre on the overview page, not in the sections.
FRONT = (present.PRICE, present.OCCUPANCY, "heavy.gpu")


def key_of(path: str) -> str:
    """The widget key of an input: ``in:<dotted path>``."""
    return f"in:{path}"


def _decimals(step: float | None) -> int:
    if not step or step >= 1:
        return 0
    return min(6, max(0, -math.floor(math.log10(step) + 1e-9)))


def allowed_text(spec: FieldSpec, lang: str) -> str:
    """The allowed values in the display language; in 中文 followed by the English wording, which
    the library's messages (and the CLI's) use: ``数值，0 ≤ 值 ≤ 1 [fraction]（a number, 0 ≤ value ≤ 1
    [fraction]）``."""
    if lang != "zh":
        return spec.range_text("en")
    return f"{spec.range_text('zh')}（{spec.range_text('en')}）"


def help_text(spec: FieldSpec, scenario: Scenario, lang: str, *, bounds: FieldSpec | None = None,
              why: str | None = None) -> str:
    """Tooltip: why the input is greyed (``why``, when it has no effect), source of the value in
    this scenario, what the input means, allowed range (of ``bounds`` when the widget takes another
    declaration's values, e.g. the demand page's fleet occupancy, which starts from the scenario's
    occupancy)."""
    parts = [f"**{i18n.t('inactive', lang)}:** {why}"] if why else []
    src = scenario.sources.get(spec.path)
    if src:
        parts.append(f"**{i18n.t('source', lang)}:** {safe.literal(src)}")  # the scenario file's text
    about = i18n.spec_help(spec, lang)
    if about:
        parts.append(f"**{i18n.t('about', lang)}:** {about}")
    parts.append(f"**{i18n.t('allowed', lang)}:** {allowed_text(bounds or spec, lang)}")
    parts.append(f"`{spec.path}`")
    return "\n\n".join(parts)


def single_choice(spec: FieldSpec) -> bool:
    """Whether a choice input has one option only (drawn disabled)."""
    return spec.kind == "choice" and len(spec.choices) <= 1


def field(path: str, scenario: Scenario, lang: str, *, container: Any = None, label_visibility: str = "visible",
          found: Mapping[str, inert.Finding] | None = None) -> Any:
    """Draw the widget of one input; returns the widget's value.

    An input with no effect under the scenario's switches (``found``: :func:`inputs.inactive`,
    computed here when not given) is disabled (:func:`inputs.locked`), with the reason in a caption
    and the tooltip; a written value of a derived input (catalogue, equity rate …) is marked against
    its default, with a button that blanks it again (:func:`overridden`)."""
    spec = FIELDS[path]
    where = container if container is not None else st
    key = key_of(path)
    state.sync_widget(key, path)
    found = inputs.inactive(scenario) if found is None else found
    why = inputs.reasons(found, path, lang)
    kw: dict[str, Any] = dict(key=key, help=help_text(spec, scenario, lang, why=why), on_change=state.set_field,
                              args=(path,), label_visibility=label_visibility, disabled=inputs.locked(found, path))
    label = i18n.field_label(path, lang)
    if spec.kind == "choice":
        kw["disabled"] = kw["disabled"] or single_choice(spec)
        options = ([inputs.BLANK] if spec.optional else []) + list(spec.choices)
        value = where.selectbox(label, options=options, format_func=lambda c: (
            inputs.followed(scenario, path, lang) if c == inputs.BLANK else spec.choice_label(c, lang)), **kw)
    elif spec.kind == "list":
        value = where.text_input(label, **kw)
    elif i18n.is_pct(spec):
        lo, hi = spec.closed_bounds()
        value = where.slider(label, min_value=lo, max_value=hi, step=float(spec.step or 0.01), format="percent", **kw)
    else:
        value = where.number_input(label, **number_options(spec), **kw)
    if why is not None and not single_choice(spec):
        where.caption(f"⊘ {inputs.why_greyed(found, path, lang)}")
    overridden(where, scenario, path, lang)
    return value


def overridden(where: Any, scenario: Scenario, path: str, lang: str) -> None:
    """Under a derived input whose value is written: ``≠ 目录值 989 TFLOPS/卡`` and a button that
    blanks it, so that the default (the catalogue for the chosen GPU, the equity rate …) applies."""
    written = inputs.mark(scenario, path, state.evaluate)
    if written is None:
        return
    where.caption(f"✎ {written.text(lang)}")  # caption, then the button: both whole in the narrow sidebar
    what = i18n.t(inputs.DERIVED[path][2], lang)
    where.button(i18n.t("dflt_reset", lang, what=what), key=f"reset:{path}", on_click=state.on_apply,
                 args=({path: None},), type="tertiary", icon=":material/undo:")


def percent_slider(where: Any, label: str, spec: FieldSpec, value: float, *, key: str,
                   help: str | None = None) -> float:
    """A slider in whole percent over the allowed values of the fraction field ``spec`` (a value
    outside them starts at the nearest bound); returns the chosen fraction (25 % → 0.25)."""
    lo, hi = spec.closed_bounds()
    lo_pct, hi_pct = math.ceil(lo * 100 - 1e-9), math.floor(hi * 100 + 1e-9)  # 7.000000000000001 → 7
    lo_pct += not spec.check(lo_pct / 100)  # an open bound: 0 < occupancy → 1 %
    hi_pct -= not spec.check(hi_pct / 100)
    start = min(max(round(value * 100), lo_pct), hi_pct)
    return where.slider(label, lo_pct, hi_pct, start, step=1, key=key, help=help) / 100


def number_options(spec: FieldSpec) -> dict[str, Any]:
    """``min_value``, ``max_value``, ``step`` and ``format`` of a number input, from the declaration."""
    if spec.kind == "int":
        lo = int(spec.ge) if spec.ge is not None else (int(spec.gt) + 1 if spec.gt is not None else None)
        hi = int(spec.le) if spec.le is not None else None
        return {"min_value": lo, "max_value": hi, "step": 1}
    lo = spec.ge if spec.ge is not None else spec.gt
    hi = spec.le if spec.le is not None else spec.lt
    step = float(spec.step) if spec.step else 1.0
    return {"min_value": None if lo is None else float(lo), "max_value": None if hi is None else float(hi),
            "step": step, "format": f"%.{max(_decimals(step), 2 if step < 1 else 0)}f"}


def by_group(skip: tuple[str, ...] = FRONT) -> dict[str, list[str]]:
    """The input paths of each group, in declaration order (``skip`` left out)."""
    out: dict[str, list[str]] = {}
    for path, spec in FIELDS.items():
        if path not in skip:
            out.setdefault(spec.group, []).append(path)
    return out


def grouped_sections(scenario: Scenario, lang: str, *, container: Any = None, skip: tuple[str, ...] = FRONT) -> None:
    """Every other input in collapsible sections by group (capex, depreciation, energy, ...)."""
    where = container if container is not None else st
    groups = by_group(skip)
    found = inputs.inactive(scenario)
    for group in GROUP_ORDER + tuple(g for g in groups if g not in GROUP_ORDER):
        paths = groups.get(group)
        if not paths:
            continue
        section = where.expander(i18n.t_group(group, lang), expanded=False, key=f"grp:{group}", on_change="rerun")
        if section.open:  # closed sections draw nothing: a rerun stays cheap however many inputs exist
            with section:
                for path in paths:
                    field(path, scenario, lang, found=found)


def deal_sections(scenario: Scenario, lang: str, *, columns: int = 3) -> None:
    """The deal page's inputs: each :data:`DEAL_GROUPS` group that has inputs, in a bordered box,
    its inputs in ``columns`` columns (whatever the schema declares in the group)."""
    groups = by_group(())
    found = inputs.inactive(scenario)
    for group in DEAL_GROUPS:
        paths = groups.get(group)
        if not paths:
            continue
        with st.container(border=True):
            st.markdown(f"**{i18n.t_group(group, lang)}**")
            cols = st.columns(columns, gap="medium")
            for i, path in enumerate(paths):
                field(path, scenario, lang, container=cols[i % columns], found=found)


# --------------------------------------------------------------------------- the workload table
#: Number format of workload columns in the editor (others: "localized").
_WORKLOAD_FORMAT = {"parameters": "compact", "tokens": "compact", "daily_visits": "compact",
                    "compute_efficiency": "%.2f"}


def workload_columns(lang: str) -> dict[str, Any]:
    """``st.data_editor`` column configuration of the workload table, from the workload columns'
    declarations (label, help with unit and allowed values, choices, the GPU catalogue)."""
    cc = st.column_config
    out: dict[str, Any] = {}
    for col, spec in demand.WORKLOAD_FIELDS.items():
        label = demand_view.column_label(col, lang)
        unit = f" [{spec.unit}]" if spec.unit else ""
        help_ = f"{i18n.spec_help(spec, lang)}{unit} — {spec.range_text(lang)}"
        if col in demand_view.SCALE:
            shown = demand_view.SCALE[col][1]
            out[col] = cc.NumberColumn(f"{label} ({shown})", help=f"× {shown}. " + help_, format="localized")
        elif col == "gpu":
            out[col] = cc.SelectboxColumn(label, help=help_, options=list(catalog.GPUS), required=True,
                                          width="medium")
        elif spec.kind == "choice":
            out[col] = cc.SelectboxColumn(label, help=help_, options=list(spec.choices), required=True,
                                          format_func=lambda c, spec=spec: spec.choice_label(str(c), lang))
        elif spec.kind in ("float", "int"):
            out[col] = cc.NumberColumn(label, help=help_, format=_WORKLOAD_FORMAT.get(col, "localized"))
        else:
            out[col] = cc.TextColumn(label, help=help_, width="medium" if col == "name" else "small")
    return out


__all__ = ["DEAL_GROUPS", "FRONT", "GROUP_ORDER", "allowed_text", "by_group", "deal_sections", "field",
           "grouped_sections", "help_text", "key_of", "number_options", "overridden", "percent_slider", "single_choice",
           "workload_columns"]
