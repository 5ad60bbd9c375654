"""The dashboard's building blocks (Streamlit shell in ``app.py`` and ``app_pages/``).

Pure modules (no Streamlit import, unit-tested on their own):

- :mod:`finmodel.ui.i18n`      the one i18n: ``t(key, lang)``, field/result/choice labels with units
- :mod:`finmodel.ui.strings`   the app's own words, one table per page (read through ``i18n``)
- :mod:`finmodel.ui.fmt`       display formatting: ¥, 万元, %, months, "never"
- :mod:`finmodel.ui.present`   tidy tables for display (KPIs, annual structure, business models, CSV)
- :mod:`finmodel.ui.demand_view` tables and messages of the market-demand page
- :mod:`finmodel.ui.charts`    Altair chart builders (DataFrame in, chart out)
- :mod:`finmodel.ui.files`     scenario files: presets, saved user scenarios, uploads
- :mod:`finmodel.ui.share`     scenario ⇄ URL query parameters (changed inputs only)

Streamlit-facing modules:

- :mod:`finmodel.ui.state`     session state, the one cached engine call, callbacks
- :mod:`finmodel.ui.widgets`   input widgets built from the declarations (scenario fields, workload columns)
- :mod:`finmodel.ui.shell`     navigation, the shared sidebar, the one language switch
"""
