"""Session state of the portfolio page: the loaded and the current portfolio, the cached engine
call, the cohort editor and the callbacks that change them.

Single source of truth: ``st.session_state["portfolio"]`` (a frozen, validated
:class:`~finmodel.schema.portfolio.Portfolio`); ``"portfolio_base"`` is the file as loaded (the
reference for KPI deltas and "reset"). Every change goes through the schema —
:meth:`Portfolio.replace`, :meth:`~Portfolio.with_cohort`, :meth:`~Portfolio.without_cohort` — and
is all or nothing: a refused edit leaves the portfolio as it was and says why in one message.

The cohort editor is keyed by a version that moves on every change (and every refusal), so it
always starts from the current portfolio; its edits are read at the top of the page's run
(:func:`apply_editor`), before anything is drawn from the portfolio.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

import streamlit as st

from finmodel.model import portfolio_result as pr
from finmodel.model.portfolio_result import PortfolioResult
from finmodel.schema import ScenarioError
from finmodel.schema.portfolio import COHORT_FIELDS, Portfolio
from finmodel.ui import charts, files, i18n, safe, state, widgets
from finmodel.ui import portfolio_charts as pc
from finmodel.ui import portfolio_files as pf
from finmodel.ui import portfolio_view as pv

PF = "portfolio"  # current Portfolio (None: no file could be loaded)
BASE = "portfolio_base"  # Portfolio as loaded
BASE_ID = "portfolio_id"  # file id ("h800_lots", "user/x") or "upload:<file name>"
ERRORS = "portfolio_errors"  # list[str] from the last refused change (shown until the next change)
NOTICES = "portfolio_notices"  # list[(level, markdown)] shown once
UPLOAD_ERROR = "portfolio_upload_error"  # (file name, [reasons]) of the last rejected upload
VERSION = "portfolio_version"  # moves on every change: the editor's key
PICK, UPLOAD = "portfolio_pick", "portfolio_upload"  # widget keys
ADD_SOURCE, ADD_NAME, ADD_MONTH, ADD_MODEL = "pf_add_source", "pf_add_name", "pf_add_month", "pf_add_model"
SAVE_NAME = "pf_save_name"
CURRENT = "__current__"  # the session's current scenario as a cohort source


# --------------------------------------------------------------------------- the engine and the charts, cached
def _content(p: Portfolio) -> bytes:
    """A portfolio's cache key: its content, the resolved cohort scenarios included."""
    return pickle.dumps(p)


@st.cache_data(max_entries=128, show_spinner=False, hash_funcs={Portfolio: _content})
def evaluate(p: Portfolio) -> PortfolioResult:
    """The one engine call per distinct portfolio."""
    return pr.evaluate(p)


@st.cache_data(max_entries=256, show_spinner=False, hash_funcs={Portfolio: _content})
def flow_chart(p: Portfolio, key: str, lang: str) -> dict[str, Any]:
    """The Vega-Lite spec of a monthly line stacked by cohort with the company's (a chart costs
    tens of milliseconds to build: built once per portfolio, line and language)."""
    r = evaluate(p)
    return charts.spec(pc.flows_by_cohort(pv.cohort_lines(r, key), pv.company_line(r, key), key,
                                          pv.order(r, "cohort"), lang))


@st.cache_data(max_entries=256, show_spinner=False, hash_funcs={Portfolio: _content})
def capacity_chart(p: Portfolio, key: str, by: str, lang: str) -> dict[str, Any]:
    """The Vega-Lite spec of capacity or servers stacked by cohort or GPU."""
    r = evaluate(p)
    return charts.spec(pc.capacity(pv.capacity(r, key, by), key, by, pv.order(r, by), lang))


def current() -> Portfolio | None:
    return st.session_state.get(PF)


def base() -> Portfolio | None:
    return st.session_state.get(BASE)


def result() -> PortfolioResult:
    p = current()
    assert p is not None
    return evaluate(p)


def base_result() -> PortfolioResult:
    p = base()
    assert p is not None
    return evaluate(p)


def changed() -> bool:
    """Whether the current portfolio differs from the file as loaded."""
    return current() != base()


def notify(level: str, text: str) -> None:
    """Queue a message for :func:`show_messages` (``text`` is markdown: user text only through
    :mod:`finmodel.ui.safe`)."""
    st.session_state.setdefault(NOTICES, []).append((level, text))


def show_messages() -> None:
    """Notices (once), the last refused change (until the next change) and the portfolio's notes."""
    ss = st.session_state
    for level, text in ss.pop(NOTICES, []):
        getattr(st, level)(text)
    if ss.get(ERRORS):
        st.error(safe.message(state.t("pf_bad_edit"), ss[ERRORS]))
    p = current()
    if p is not None and p.notes:
        st.info(safe.message(state.t("pf_notes"), p.notes))


# --------------------------------------------------------------------------- loading
def init() -> None:
    """First run of the page in a session (or while nothing is loaded): the default preset."""
    ss = st.session_state
    if ss.get(PF) is not None:
        return
    ss[PF] = ss[BASE] = None
    ids = [r.id for r in pf.list_refs()]
    if ids:
        load_file(pf.DEFAULT_ID if pf.DEFAULT_ID in ids else ids[0])


def _bump() -> None:
    st.session_state[VERSION] = st.session_state.get(VERSION, 0) + 1


def _set_loaded(p: Portfolio, base_id: str) -> None:
    ss = st.session_state
    ss[PF], ss[BASE], ss[BASE_ID], ss[ERRORS] = p, p, base_id, []
    _bump()


def _set(p: Portfolio) -> None:
    st.session_state[PF], st.session_state[ERRORS] = p, []
    _bump()


def _refuse(lines: list[str]) -> None:
    st.session_state[ERRORS] = lines
    _bump()


def load_file(ref_id: str) -> bool:
    """Load a preset or saved portfolio by id."""
    try:
        loaded = pf.load(ref_id)
    except files.FileProblem as err:
        notify("error", err.markdown(state.lang()))
        return False
    except ScenarioError as err:
        notify("error", safe.message(state.t("pf_load_bad", name=safe.literal(ref_id)), err.lines()))
        return False
    _set_loaded(loaded, ref_id)
    return True


def on_pick() -> None:
    """Portfolio-picker callback: load the picked file (an upload stays as it is)."""
    picked = st.session_state.get(PICK)
    if picked and picked != st.session_state.get(BASE_ID) and not picked.startswith(state.UPLOAD_PREFIX):
        load_file(picked)


def on_upload() -> None:
    """File-uploader callback: validate the file; load it, or keep the reason it was rejected."""
    ss = st.session_state
    up = ss.get(UPLOAD)
    ss[UPLOAD_ERROR] = None
    if up is None:
        return
    try:
        loaded = pf.parse_upload(up.name, up.getvalue())
    except files.FileProblem as err:
        ss[UPLOAD_ERROR] = (up.name, [err.message(state.lang())])
        return
    except ScenarioError as err:
        ss[UPLOAD_ERROR] = (up.name, err.lines() or [str(err)])
        return
    _set_loaded(loaded, state.UPLOAD_PREFIX + up.name)
    notify("success", state.t("pf_upload_ok", name=safe.literal(loaded.name)))


def reset() -> None:
    """Back to the file as loaded."""
    _set(st.session_state[BASE])


def ids() -> list[str]:
    """The picker's options: the portfolio files, and the loaded upload."""
    out = [r.id for r in pf.list_refs()]
    loaded = st.session_state.get(BASE_ID)
    return out + [loaded] if loaded and loaded not in out else out


# --------------------------------------------------------------------------- the cohort editor
def editor_key() -> str:
    return f"portfolio_editor_{st.session_state.get(VERSION, 0)}"


def editor_columns(lang: str) -> dict[str, Any]:
    """``st.data_editor`` columns: the facts read-only, each edited input labelled, bounded and
    explained by its declaration."""
    cc = st.column_config
    out: dict[str, Any] = {
        "cohort": cc.TextColumn(i18n.t("pf_cohort", lang)), "label": cc.TextColumn(i18n.t("pf_label", lang)),
        "model": cc.TextColumn(i18n.t("pf_model", lang)), "gpu": cc.TextColumn(i18n.t("pf_gpu", lang)),
        "end_month": cc.NumberColumn(i18n.t("pf_end", lang), help=i18n.t("pf_end_help", lang))}
    for col in pv.EDITABLE:
        spec = pv.column_spec(col)
        label = i18n.spec_label(spec, lang)
        unit = i18n.unit(spec.unit, lang)
        out[col] = cc.NumberColumn(f"{label} [{unit}]" if unit else label, help=(
            f"{i18n.spec_help(spec, lang)} — {widgets.allowed_text(spec, lang)}"), **widgets.number_options(spec))
    return out


def _remove(p: Portfolio, names: list[str]) -> Portfolio:
    """``p`` without the cohorts ``names``, those another of them copies (``like``) last."""
    todo = list(names)
    while todo:
        free = [n for n in todo if not any(c.origin == f"like {n}" for c in p.cohorts if c.name in todo)]
        name = (free or todo)[0]
        p = p.without_cohort(name)
        todo.remove(name)
    return p


def apply_editor() -> None:
    """Apply the cohort editor's edits (changed cells, deleted rows) to the current portfolio, all
    or nothing; the editor then starts again from the result."""
    ss = st.session_state
    edit, p = ss.get(editor_key()), current()
    if p is None or not edit or not (edit.get("edited_rows") or edit.get("deleted_rows")):
        return
    changes, removed, empty = pv.edits(p, edit)
    if empty:
        _refuse([state.t("pf_empty_cell", path=path) for path in empty])
        return
    try:
        new = _remove(p.replace(changes) if changes else p, removed)
    except ScenarioError as err:
        _refuse(err.lines())
        return
    _set(new)
    if removed:
        notify("info", state.t("pf_removed", names=", ".join(safe.literal(n) for n in removed)))
    for c in p.cohorts:
        if c.name in removed and c.successor and c.successor not in removed:
            notify("info", state.t("pf_successor_freed", name=safe.literal(c.successor), old=safe.literal(c.name)))


# --------------------------------------------------------------------------- adding a cohort
def add_sources(p: Portfolio) -> list[str]:
    """Where a new cohort can come from: a copy of a cohort, a cohort scenario file of the
    portfolio's folder (by reference), the session's scenario or a scenario file (inlined)."""
    return ([f"copy:{c.name}" for c in p.cohorts] + [f"file:{f}" for f in pf.cohort_files(p)]
            + [f"scenario:{CURRENT}"] + [f"scenario:{r.id}" for r in files.list_refs()])


def source_label(source: str, lang: str) -> str:
    kind, _, ref = source.partition(":")
    if kind == "scenario" and ref == CURRENT:
        return i18n.t("pf_src_current", lang)
    return i18n.t(f"pf_src_{kind}", lang, **({"path": ref} if kind == "file" else {"name": ref}))


def new_cohort_table(p: Portfolio, source: str, purchase_month: int, model: str) -> dict[str, Any]:
    """The file table of a new cohort bought in ``purchase_month``: a copy of a cohort's table
    (without its label and successor: the copy is a cohort of its own), a reference to a cohort
    file, or a scenario's inputs (``model`` for the last two)."""
    kind, _, ref = source.partition(":")
    if kind == "copy":
        table = copy.deepcopy(dict(p.doc["cohorts"][ref]))
        for key in ("label", "successor"):
            table.pop(key, None)
        return {**table, "purchase_month": purchase_month}
    if kind == "file":
        return {"scenario": ref, "model": model, "purchase_month": purchase_month}
    scenario = state.scenario() if ref == CURRENT else files.load(ref)
    return {"model": model, "purchase_month": purchase_month, **pf.cohort_tables(scenario, model)}


def on_add() -> None:
    """Add-button callback: the new cohort through :meth:`Portfolio.with_cohort`, or one message."""
    ss = st.session_state
    p = current()
    name = (ss.get(ADD_NAME) or "").strip()
    if p is None:
        return
    if not name:
        _refuse([state.t("pf_name_empty")])
        return
    if name in [c.name for c in p.cohorts]:
        _refuse([state.t("pf_name_taken", name=name)])
        return
    try:
        table = new_cohort_table(p, ss[ADD_SOURCE], int(ss[ADD_MONTH]), ss.get(ADD_MODEL) or "heavy")
        new = p.with_cohort(name, table)
    except files.FileProblem as err:
        _refuse([err.message(state.lang())])
        return
    except ScenarioError as err:
        _refuse(err.lines())
        return
    _set(new)
    notify("success", state.t("pf_added", name=safe.literal(name)))


MODEL_SPEC = COHORT_FIELDS["model"]
MONTH_SPEC = COHORT_FIELDS["purchase_month"]


# --------------------------------------------------------------------------- saving
def on_save() -> None:
    """Save-button callback: write ``user/portfolio/<name>.toml`` (exclusive) and load it."""
    p = current()
    if p is None:
        return
    try:
        ref = pf.save_user(p, st.session_state.get(SAVE_NAME, ""))
    except files.FileProblem as err:
        notify("error", state.t("pf_save_bad") + " " + err.markdown(state.lang()))
        return
    load_file(ref.id)
    notify("success", state.t("pf_save_ok", path=safe.literal(f"assumptions/user/portfolio/{ref.path.name}")))


__all__ = ["ADD_MODEL", "ADD_MONTH", "ADD_NAME", "ADD_SOURCE", "BASE", "BASE_ID", "CURRENT", "ERRORS", "MODEL_SPEC",
           "MONTH_SPEC", "NOTICES", "PF", "PICK", "SAVE_NAME", "UPLOAD", "UPLOAD_ERROR", "VERSION", "add_sources",
           "apply_editor", "base", "base_result", "capacity_chart", "changed", "current", "editor_columns",
           "editor_key", "evaluate", "flow_chart", "ids", "init", "load_file", "new_cohort_table", "notify", "on_add",
           "on_pick", "on_save", "on_upload", "reset", "result", "show_messages", "source_label"]
