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

# %% [markdown]
# # Merger explorer: how the 63 old provinces join into the 34
#
# Resolution 202/2025/QH15 (in force 1 July 2025): 11 provinces unchanged, 52 merged into 23. Series reported under the old provinces are carried into the new ones by summing numerators and denominators (a weighted combination, never an average of percentages).

# %% tags=["parameters"]
province: str = "86"  # current province to explore, e.g. "86" Vĩnh Long (Trà Vinh + Bến Tre + Vĩnh Long)
indicator: str = "online_records"  # indicator id from params/indicators.yaml
data: str = ""  # observation file or folder; empty for the bundled SYNTHETIC panel

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from dxanalysis import plots, provinces, report

plots.apply_style()
pd.set_option("display.precision", 2)
from dxanalysis import merger

params = report.check_parameters(province, None, data, '', '', 'pooled')
code = params.province
indicator = merger.check_indicator(indicator)

# %% [markdown]
# ## The crosswalk

# %%
merger.crosswalk_summary()

# %% [markdown]
# ## One province: old series and the harmonised one

# %%
raw, harmonised = merger.series_for(code, indicator, params.data)
fig, ax = plt.subplots(figsize=(10, 4))
plots.merger_chart(raw, harmonised, indicator, ax=ax,
                   title=f'{provinces.province_name(code)} ({code}): {indicator}')
plots.source_line(fig, merger.source_note(params.data))
plt.show()

# %% [markdown]
# ## Weights: each old province's share of the denominator before the merger

# %%
merger.weights_table(code, indicator, params.data)

# %%
# Environment watermark: versions only, no timestamps (reports must be reproducible).
display(Markdown(f"*Produced with {report.environment_footer()}.*"))
