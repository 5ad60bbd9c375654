"""The frame around every page: navigation and the shared sidebar (language, scenario, share link)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st

from finmodel.ui import files, i18n, safe, share, state

_log = logging.getLogger(__name__)

#: (file in app_pages/, i18n title key, icon, section key).
PAGES = (
    ("overview.py", "page_overview", ":material/monitoring:", "nav_model"),
    ("deal.py", "page_deal", ":material/handshake:", "nav_model"),
    ("models.py", "page_models", ":material/compare_arrows:", "nav_model"),
    ("sensitivity.py", "page_sensitivity", ":material/tune:", "nav_analysis"),
    ("scenarios.py", "page_scenarios", ":material/folder_open:", "nav_analysis"),
    ("portfolio.py", "page_portfolio", ":material/stacks:", "nav_model"),
    ("demand.py", "page_demand", ":material/trending_up:", "nav_market"),
)


def pages(folder: Path) -> dict[str, list[st.Page]]:
    """The navigation: section title → pages (files in ``folder``), titled in the session's language."""
    lang = state.lang()
    out: dict[str, list[st.Page]] = {}
    for i, (name, title, icon, section) in enumerate(PAGES):
        page = st.Page(folder / name, title=i18n.t(title, lang), icon=icon, default=(i == 0))
        out.setdefault(i18n.t(section, lang), []).append(page)
    return out


def pick_label(ref_id: str) -> str:
    """A file id as a picker shows it: ``seed_fs2024``, ``mine (saved)``, ``uploaded: x.toml``."""
    if ref_id.startswith(state.UPLOAD_PREFIX):
        return state.origin_label(ref_id)
    return ref_id.removeprefix(files.USER_PREFIX) + (f" ({state.t('saved')})" if ref_id.startswith(files.USER_PREFIX)
                                                     else "")


#: Session flag: the page runs on its own (``streamlit run app_pages/<page>.py``), not inside app.py.
STANDALONE = "standalone_page"


def language_switch(key: str = state.LANG) -> str:
    """The app's one language switch (a sidebar radio); returns the session's language.

    The shell binds it to the session language itself; a page run on its own keys it apart (so its
    first run can tell it is alone) and the choice becomes the session language."""
    ss = st.session_state
    ss.setdefault(key, state.lang())
    st.sidebar.radio(i18n.t("language", state.lang()), options=list(i18n.LANGS), format_func=i18n.LANG_NAMES.get,
                     key=key, horizontal=True)
    if key != state.LANG:
        ss[state.LANG] = ss[key]
    return state.lang()


def standalone(title_key: str, lang_key: str) -> bool:
    """For a page that may also run on its own: when it does (no session language on its first
    run), set the page up and draw the language switch keyed ``lang_key``. Returns whether alone."""
    ss = st.session_state
    if state.LANG not in ss:
        ss[STANDALONE] = True
    if not ss.get(STANDALONE):
        return False
    title = " · ".join(i18n.t(title_key, lang) for lang in i18n.LANGS)
    st.set_page_config(page_title=f"{title} · finmodel", layout="wide")
    language_switch(lang_key)
    return True


def sidebar() -> None:
    """Language switch, scenario picker, reset and the share link — on every page."""
    ss = st.session_state
    sb = st.sidebar
    language_switch()
    options = [r.id for r in files.list_refs()]
    if ss[state.BASE_ID] not in options:
        options.append(ss[state.BASE_ID])
    ss["pick_scenario"] = ss[state.BASE_ID]
    sb.selectbox(state.t("scenario"), options=options, format_func=pick_label, key="pick_scenario",
                 on_change=state.on_pick, help=state.t("scenario_help"))
    n = state.changed_count()
    if n:
        sb.caption(state.t("modified", n=n))
        sb.button(state.t("reset"), on_click=state.reset, help=state.t("reset_help"), key="reset_button")
    params = share.encode(state.scenario(), ss[state.REF], ss[state.REF_ID], state.lang())
    base_url = (st.context.url or "").split("?")[0]
    with sb.expander(state.t("share_link"), icon=":material/link:"):
        st.caption(state.t("share_help"))
        st.code(base_url + ("?" + urlencode(params) if params else ""), language=None, wrap_lines=True)


@contextmanager
def section(what: str) -> Iterator[None]:
    """Draw one section of a page. If the package raises inside it, show one message saying what
    could not be computed (``what``, our own words) and the error, log the traceback, and let the
    rest of the page render. Pages catch the errors they expect first and explain them better."""
    try:
        yield
    except Exception as err:  # noqa: BLE001 - one section's failure must not take the page down
        _log.exception("dashboard section failed: %s", what)
        st.error(state.t("cannot_compute", what=what) + " " + safe.literal(f"{type(err).__name__}: {err}"))
