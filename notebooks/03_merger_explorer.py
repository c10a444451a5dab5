# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,-all
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (dxanalysis)
#     language: python
#     name: dxanalysis
# ---

# %% tags=["parameters"]
province: str = "86"  # current province to explore, e.g. "86" Vĩnh Long (Trà Vinh + Bến Tre + Vĩnh Long)
indicator: str = "online_records"  # indicator id from params/indicators.yaml
data: str = ""  # observation file or folder; empty for the bundled SYNTHETIC panel
lang: str = "en"  # report language: en (English) or vi (tiếng Việt)

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from dxanalysis import i18n, plots, provinces, report

plots.apply_style()
pd.set_option("display.precision", 2)
from dxanalysis import merger

i18n.set_language(lang)
i18n.show("merger.intro")
params = report.check_parameters(province, None, data, '', '', 'pooled')
code = params.province
indicator = merger.check_indicator(indicator)

# %%
i18n.show("merger.crosswalk")
merger.crosswalk_summary()

# %%
i18n.show("merger.series")
raw, harmonised = merger.series_for(code, indicator, params.data)
fig, ax = plt.subplots(figsize=(10, 4))
plots.merger_chart(raw, harmonised, indicator, ax=ax,
                   title=f'{provinces.province_name(code)} ({code}): {i18n.indicator(indicator)}')
plots.source_line(fig, merger.source_note(params.data))
plots.show(fig, tight=True)

# %%
i18n.show("merger.weights")
merger.weights_table(code, indicator, params.data)

# %%
# Environment watermark: versions only, no timestamps (reports must be reproducible).
display(Markdown(report.footer()))
