"""Session state of the dashboard: the loaded and the current scenario, the one cached engine call,
the URL, and the callbacks that change them (the sensitivity page's analyses: :mod:`finmodel.ui.analyses`).

Single source of truth: ``st.session_state["scenario"]`` (a frozen, validated
:class:`~finmodel.schema.Scenario`). Widgets mirror it; callbacks replace it through
``Scenario.replace`` (schema-validated) and never mutate it. ``st.session_state["base"]`` is the
scenario as loaded (the reference for KPI deltas and "reset").
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from finmodel import model, schema
from finmodel.model import Result
from finmodel.schema import Scenario, ScenarioError
from finmodel.ui import files, i18n, inputs, present, safe, share

SCENARIO = "scenario"  # current Scenario
BASE = "base"  # Scenario as loaded
BASE_ID = "base_id"  # file id ("seed_fs2024", "user/x") or "upload:<file name>"
REF = "ref"  # Scenario the URL's changes apply to (the loaded file; the default preset after an upload)
REF_ID = "ref_id"
ERRORS = "input_errors"  # list[str] from the last rejected change
NOTICES = "notices"  # list[(level, text)] shown once
LINK_NOTICES = "link_notices"  # list[(level, text)]: what the opening link could not apply, on every page until
# another scenario is loaded
UPLOAD_ERROR = "upload_error"  # (file name, [reasons]) of the last rejected upload
LANG = "lang"  # "zh" | "en" — also read by app_pages/demand.py
UPLOAD_PREFIX = "upload:"


# --------------------------------------------------------------------------- the engine, cached
@st.cache_data(max_entries=512, show_spinner=False)
def evaluate(scenario: Scenario) -> Result:
    """The one engine call per distinct scenario (keyed on the frozen scenario's content)."""
    return model.evaluate(scenario)


@st.cache_data(max_entries=64, show_spinner=False)
def _load_file(path: str, mtime_ns: int) -> Scenario:
    return schema.load(path)


def load_cached(ref_id: str) -> Scenario:
    """A scenario file by id, re-read when the file changes."""
    ref = files.find(ref_id)
    if ref is None:
        raise files.FileProblem("unknown_scenario", name=ref_id)
    return _load_file(str(ref.path), ref.path.stat().st_mtime_ns)


PRICE = present.PRICE


def lang() -> str:
    """The session's language, ``"zh"`` or ``"en"`` (the default when unset or unknown)."""
    v = st.session_state.get(LANG, i18n.DEFAULT_LANG)
    return v if v in i18n.LANGS else i18n.DEFAULT_LANG


def t(key: str, **kw: object) -> str:
    """The UI string ``key`` in the session's language (:func:`finmodel.ui.i18n.t`)."""
    return i18n.t(key, lang(), **kw)


def scenario() -> Scenario:
    """The current scenario (the loaded one with the user's changes)."""
    return st.session_state[SCENARIO]


def base() -> Scenario:
    """The scenario as loaded: the reference for KPI deltas and "reset"."""
    return st.session_state[BASE]


def result() -> Result:
    """The engine's result for the current scenario (cached; amounts in CNY, durations in months)."""
    return evaluate(scenario())


def base_result() -> Result:
    """The engine's result for the loaded scenario (cached)."""
    return evaluate(base())


def notify(level: str, text: str) -> None:
    """Queue a message (``level`` = a Streamlit call: "info", "warning", ...) shown once by
    :func:`show_messages`. ``text`` is markdown: user text goes into it only through
    :mod:`finmodel.ui.safe`."""
    st.session_state.setdefault(NOTICES, []).append((level, text))


# --------------------------------------------------------------------------- start of a session
def init() -> None:
    """First run of a session: language and scenario from the URL (validated), else defaults."""
    ss = st.session_state
    if SCENARIO in ss:
        return
    params = st.query_params.to_dict()
    if params.get(share.LANG_KEY) in i18n.LANGS:
        ss[LANG] = params[share.LANG_KEY]
    ss.setdefault(LANG, i18n.DEFAULT_LANG)
    ref_id = params.get(share.SCENARIO_KEY) or files.DEFAULT_ID
    refused: list[tuple[str, str]] = []
    try:
        loaded = files.load(ref_id)
    except files.FileProblem as err:
        refused.append(("warning", err.markdown(lang())))
        ref_id, loaded = files.DEFAULT_ID, share.reference_for(files.DEFAULT_ID)
    except ScenarioError as err:
        refused.append(("error", safe.bullets(err.lines())))
        ref_id, loaded = files.DEFAULT_ID, share.reference_for(files.DEFAULT_ID)
    current, problems = share.decode(params, loaded, lang())
    if problems:
        refused.append(("warning", safe.message(t("bad_link"), problems)))
    _set_loaded(loaded, ref_id, ref=loaded, ref_id=ref_id)
    ss[SCENARIO] = current
    ss[LINK_NOTICES] = refused


def _set_loaded(loaded: Scenario, base_id: str, *, ref: Scenario, ref_id: str) -> None:
    ss = st.session_state
    ss[BASE], ss[BASE_ID], ss[REF], ss[REF_ID] = loaded, base_id, ref, ref_id
    ss[SCENARIO] = loaded
    ss[ERRORS] = []
    ss[LINK_NOTICES] = []  # the link's refusals were about the scenario it opened


def consume_demand() -> None:
    """Apply a fleet chosen on the market-demand page (``demand_servers`` / ``demand_gpu``, written
    by app_pages/demand.py) to the current scenario, once per new choice."""
    ss = st.session_state
    servers, gpu = ss.get("demand_servers"), ss.get("demand_gpu")
    if servers is None or gpu is None or ss.get("_demand_applied") == (servers, gpu):
        return
    ss["_demand_applied"] = (servers, gpu)
    if apply({"heavy.servers": servers, "heavy.gpu": gpu}):
        notify("info", t("demand_applied", n=servers, gpu=safe.literal(gpu)))


def sync_url() -> None:
    """Write the changed inputs (and language) to the URL so a copied link reopens this state."""
    ss = st.session_state
    if SCENARIO not in ss:
        return
    want = share.encode(ss[SCENARIO], ss[REF], ss[REF_ID], lang())
    have = st.query_params.to_dict()
    if have != want:
        st.query_params.from_dict(want)


# --------------------------------------------------------------------------- callbacks
def set_field(path: str) -> None:
    """Widget callback: rebuild the scenario with the widget's new value (schema-validated); a
    derived input set to its default becomes blank again (:func:`finmodel.ui.inputs.from_widget`)."""
    value = st.session_state.get(f"in:{path}")
    apply({path: inputs.from_widget(scenario(), path, value, evaluate)})


def apply(changes: dict[str, Any]) -> bool:
    """Replace some inputs; on a schema error keep the last valid scenario and report why."""
    ss = st.session_state
    try:
        ss[SCENARIO] = ss[SCENARIO].replace(changes, strict=False)
    except ScenarioError as err:
        ss[ERRORS] = [str(p) for p in err.problems]
        return False
    ss[ERRORS] = []
    return True


def on_apply(changes: dict[str, Any]) -> None:
    """Button callback: :func:`apply` the changes (a refusal is shown from ``ERRORS``)."""
    apply(changes)


def load_file(ref_id: str) -> bool:
    """Load a preset or saved scenario by id (scenario picker callback)."""
    try:
        loaded = files.load(ref_id)
    except files.FileProblem as err:
        notify("error", err.markdown(lang()))
        return False
    except ScenarioError as err:
        notify("error", safe.bullets(err.lines()))
        return False
    _set_loaded(loaded, ref_id, ref=loaded, ref_id=ref_id)
    return True


def load_uploaded(loaded: Scenario, filename: str) -> None:
    """Make an uploaded scenario the loaded one; the URL then lists every input that differs from
    the default preset, so a link still reopens it."""
    _set_loaded(loaded, UPLOAD_PREFIX + filename, ref=share.reference_for(files.DEFAULT_ID), ref_id=files.DEFAULT_ID)


def on_pick() -> None:
    """Scenario-picker callback: load the picked preset or saved scenario (uploads stay as they are)."""
    picked = st.session_state.get("pick_scenario")
    if picked and picked != st.session_state.get(BASE_ID) and not picked.startswith(UPLOAD_PREFIX):
        load_file(picked)


def on_upload() -> None:
    """File-uploader callback: validate the file; load it, or keep the reason it was rejected."""
    ss = st.session_state
    up = ss.get("upload")
    ss[UPLOAD_ERROR] = None
    if up is None:
        return
    try:
        loaded = files.parse_upload(up.name, up.getvalue())
    except files.FileProblem as err:
        ss[UPLOAD_ERROR] = (up.name, [err.message(lang())])
        return
    except ScenarioError as err:  # includes workbook.WorkbookError
        ss[UPLOAD_ERROR] = (up.name, [str(p) for p in err.problems] or [str(err)])
        return
    except ValueError as err:  # any other reader complaint: report, never a traceback
        ss[UPLOAD_ERROR] = (up.name, [str(err)])
        return
    load_uploaded(loaded, up.name)
    notify("success", t("upload_ok", name=safe.literal(loaded.name)))


def on_save() -> None:
    """Save-button callback: write ``user/<name>.toml`` and make it the loaded scenario."""
    ss = st.session_state
    try:
        ref = files.save_user(scenario(), ss.get("save_name", ""), overwrite=bool(ss.get("save_overwrite")))
    except files.FileProblem as err:
        notify("error", t("save_bad") + " " + err.markdown(lang()))
        return
    load_file(ref.id)
    notify("success", t("save_ok", path=safe.literal(f"assumptions/user/{ref.path.name}")))


def reset() -> None:
    """Reset-button callback: back to the loaded scenario, errors cleared."""
    st.session_state[SCENARIO] = st.session_state[BASE]
    st.session_state[ERRORS] = []


# --------------------------------------------------------------------------- widgets mirror the scenario
def sync_widget(key: str, path: str) -> None:
    """Set a widget's state from the current scenario before it is drawn (a blank derived input
    shows the default it stands for: :func:`finmodel.ui.inputs.to_widget`)."""
    st.session_state[key] = inputs.to_widget(scenario(), path, evaluate)


def changed_count() -> int:
    """How many inputs differ from the loaded scenario."""
    return len(share.changed_inputs(scenario(), base()))


def origin_label(base_id: str | None = None) -> str:
    """Where a scenario came from, in words: ``预设: seed_fs2024`` / ``saved: mine`` / ``uploaded: x.toml``
    (the loaded one when ``base_id`` is None)."""
    bid = base_id if base_id is not None else st.session_state.get(BASE_ID, files.DEFAULT_ID)
    if bid.startswith(UPLOAD_PREFIX):
        return f"{t('uploaded')}: {bid[len(UPLOAD_PREFIX):]}"
    if bid.startswith(files.USER_PREFIX):
        return f"{t('saved')}: {bid[len(files.USER_PREFIX):]}"
    return f"{t('preset')}: {bid}"


def show_messages() -> None:
    """What the opening link could not apply (on every page, until another scenario is loaded),
    notices (once), the last rejected input (until fixed), and which results are not shown as
    numbers because a line is infinite (:func:`present.broken_models`)."""
    ss = st.session_state
    for level, text in [*ss.get(LINK_NOTICES, []), *ss.pop(NOTICES, [])]:
        getattr(st, level)(text)
    if ss.get(ERRORS):
        st.error(safe.message(t("bad_input"), ss[ERRORS]))
    broken = present.nonfinite_message(result(), lang())
    if broken:
        st.warning(broken)


__all__ = [
    # session-state keys
    "BASE", "BASE_ID", "ERRORS", "LANG", "LINK_NOTICES", "NOTICES", "REF", "REF_ID", "SCENARIO", "UPLOAD_ERROR",
    "UPLOAD_PREFIX",
    # the engine, cached
    "PRICE", "evaluate", "load_cached",
    # reading the session
    "base", "base_result", "changed_count", "lang", "origin_label", "result", "scenario", "t",
    # start of a session, callbacks, messages
    "apply", "consume_demand", "init", "load_file", "load_uploaded", "notify", "on_apply", "on_pick", "on_save",
    "on_upload", "reset", "set_field", "show_messages", "sync_url", "sync_widget",
]
