"""finmodel investor dashboard — the Streamlit entry point (``make app``).

A thin shell: it sets the page up, restores the scenario from the URL, draws the shared sidebar
(language, scenario, share link) and routes to the pages in ``app_pages/``. Widgets, charts, text
and every number come from the ``finmodel`` package (``finmodel.ui`` for the dashboard parts).
"""

from pathlib import Path

import streamlit as st

from finmodel.ui import shell, state

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="GPU 算力租赁测算 · finmodel", page_icon=":material/memory:", layout="wide")
state.init()
state.consume_demand()
shell.sidebar()
page = st.navigation(shell.pages(HERE / "app_pages"), position="top")
page.run()
state.sync_url()
