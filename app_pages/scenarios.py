"""Scenarios: upload (TOML or a finmodel workbook), save the current inputs under a new name,
compare two scenarios side by side. Files are handled by ``finmodel.ui.files`` (size limits, safe
names, atomic writes, never overwriting a shipped preset)."""

import streamlit as st

from finmodel.schema import Scenario
from finmodel.ui import charts, files, fmt, i18n, present, safe, state

lang = state.lang()
t = state.t

st.title(t("page_scenarios"))
st.caption(t("sc_caption"))
state.show_messages()

# ---------------------------------------------------------------- upload
left, right = st.columns(2, gap="large")
with left:
    st.file_uploader(t("upload"), type=["toml", "xlsx"], key="upload", on_change=state.on_upload)
    bad = st.session_state.get(state.UPLOAD_ERROR)
    if bad:
        name, reasons = bad
        st.error(safe.message(t("upload_bad", file=safe.literal(name)), reasons))

# ---------------------------------------------------------------- save
with right:
    st.markdown(f"**{t('save_title')}**")
    st.text_input(t("save_name"), key="save_name", max_chars=64, placeholder="my_case")
    st.checkbox(t("save_overwrite"), key="save_overwrite")
    st.button(t("save_button"), on_click=state.on_save, key="save_button", type="primary",
              icon=":material/save:")
    st.caption("→ `assumptions/user/`")

# ---------------------------------------------------------------- compare two scenarios
st.subheader(t("compare_title"))
CURRENT = "__current__"
ids = [CURRENT] + [r.id for r in files.list_refs()]


def label(ref_id: str) -> str:
    """A scenario id as shown in the pickers ("current" for the unsaved scenario)."""
    return t("current") if ref_id == CURRENT else ref_id


base_id = st.session_state.get(state.BASE_ID, files.DEFAULT_ID)
c1, c2 = st.columns(2)
a = c1.selectbox(t("compare_a"), ids, index=ids.index(base_id) if base_id in ids else 0, format_func=label,
                 key="compare_a")
b = c2.selectbox(t("compare_b"), ids, index=0, format_func=label, key="compare_b")


def load(ref_id: str) -> Scenario:
    """The scenario of a picker entry: the current one, or a file read through the cache."""
    if ref_id == CURRENT:
        return state.scenario()
    return state.load_cached(ref_id)


try:
    sa, sb = load(a), load(b)
except files.FileProblem as err:
    st.error(err.markdown(lang))
    st.stop()
except files.ScenarioError as err:
    st.error(safe.bullets(err.lines()))
    st.stop()
name_a, name_b = f"A · {label(a)}", f"B · {label(b)}"
ra, rb = state.evaluate(sa), state.evaluate(sb)
kpis = present.compare_kpis({name_a: ra, name_b: rb}, lang)
st.dataframe({
    t("metric"): list(kpis["label"]),
    name_a: [fmt.value(v, k.item, lang) for v, k in zip(kpis[name_a], kpis["kpi"], strict=True)],
    name_b: [fmt.value(v, k.item, lang) for v, k in zip(kpis[name_b], kpis["kpi"], strict=True)],
    t("difference"): [(fmt.delta(v, k.fmt, lang) or "0") if fmt.finite(v) else "—"
                      for v, k in zip(kpis["difference"], kpis["kpi"], strict=True)],
}, hide_index=True, width="stretch")
st.vega_lite_chart(charts.spec(charts.compare_cash_flows({name_a: ra.heavy_monthly, name_b: rb.heavy_monthly}, lang)),
                   width="stretch")
diff = present.input_differences(sa, sb, lang)
st.markdown(f"**{t('inputs_differ')}**")
if diff.empty:
    st.caption(t("no_differences"))
else:
    st.dataframe({t("field"): [i18n.field_label(p, lang, pct=False) for p in diff["path"]],
                  name_a: [str(x) for x in diff["a"]], name_b: [str(x) for x in diff["b"]],
                  "path": list(diff["path"])}, hide_index=True, width="stretch")
