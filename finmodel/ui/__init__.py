"""The dashboard's building blocks (Streamlit shell in ``app.py`` and ``app_pages/``).

Pure modules (no Streamlit import, unit-tested on their own):

- :mod:`finmodel.ui.i18n`      every UI string in 中文 and English; field/result labels with units
- :mod:`finmodel.ui.fmt`       display formatting: ¥, 万元, %, months, "never"
- :mod:`finmodel.ui.present`   tidy tables for display (annual structure, deltas, CSV bytes)
(the business-model comparison itself is :mod:`finmodel.analysis.business_models`, in the package)
- :mod:`finmodel.ui.charts`    Altair chart builders (DataFrame in, chart out)
- :mod:`finmodel.ui.files`     scenario files: presets, saved user scenarios, uploads
- :mod:`finmodel.ui.share`     scenario ⇄ URL query parameters (changed inputs only)

Streamlit-facing modules:

- :mod:`finmodel.ui.state`     session state, the one cached engine call, callbacks
- :mod:`finmodel.ui.widgets`   input widgets built from :data:`finmodel.schema.FIELDS`
"""
