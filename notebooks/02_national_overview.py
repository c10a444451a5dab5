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
# # National overview: the 34 provinces against the targets still ahead
#
# Rankings, probabilities of meeting each target whose deadline is ahead, a map-like view of status, the provinces at risk and the national trajectory; then the 2025 targets as history.

# %% tags=["parameters"]
results_dir: str = ""  # folder of province results (forecast_XX.csv) from the batch; empty to compute now
as_of: str = "2026-10"  # last month of data (YYYY-MM), used when computing now
data: str = ""  # observation file or folder; empty for the bundled SYNTHETIC panel
model: str = "pooled"  # forecast model used when computing now: naive, linear, compound, pooled or ets
provinces_run: str = ""  # comma-separated codes of the batch run to read; empty for every result found
build_dir: str = ""  # pipeline build folder written by dx batch; empty to compute the tables here

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from dxanalysis import paths, plots, report

plots.apply_style()
pd.set_option("display.precision", 2)

params = report.check_parameters('01', as_of, data, '', '', model)  # province unused here
tables = report.load_tables(params, build_dir)
table, national = tables.harmonised, tables.forecasts
# Province rows come from the province runs when given (never recomputed), else from this pass.
result = (pd.concat([report.read_results(results_dir, provinces_run), national[national.province_code == '00']],
                    ignore_index=True) if results_dir else national)
display(Markdown(report.provenance_banner(table)))

# %% [markdown]
# ## Status of every province, per target still ahead

# %%
passed = result.deadline_passed.astype(str).isin(['True', 'true'])
ahead, past = result[~passed], result[passed]
ahead[ahead.province_code != '00'].pivot_table(index='target_id', columns='status', values='province_code',
                                               aggfunc='count', fill_value=0)

# %% [markdown]
# ## History: the 2025 targets, met or missed at their deadline

# %%
past[past.province_code != '00'].assign(verdict=lambda d: d.status.map({'achieved': 'met', 'no_data': 'no data'}).fillna('missed'))\
    .pivot_table(index='target_id', columns='verdict', values='province_code', aggfunc='count', fill_value=0)

# %% [markdown]
# ## Probability of meeting each target still ahead

# %%
fig, ax = plt.subplots(figsize=(9, 11))
plots.p_hit_heatmap(ahead, ax=ax)
plots.source_line(fig, result['data_note'].iloc[0])
plt.show()

# %% [markdown]
# ## Rankings for the end-2026 targets

# %%
live = [t for t in ahead.target_id.unique() if t.endswith('_2026')]  # the year-end targets
fig, axs = plt.subplots(1, len(live), figsize=(5 * len(live), 8), squeeze=False)
for ax, target_id in zip(axs.flat, live):
    plots.ranking(result[result.province_code != '00'], target_id, ax=ax)
fig.tight_layout()
plots.source_line(fig, result['data_note'].iloc[0])
plt.show()

# %% [markdown]
# ## Maps: the targets still ahead, and the real 766 scores
#
# Status (or probability of meeting the target) per province; the islands of Hoàng Sa (Đà Nẵng) and
# Trường Sa (Khánh Hòa) are drawn as dots. The 766 map shows real 2026 scores, on the 2026 scale.

# %%
fig = plots.overview_maps(result, report.index766_table(tables), source=result['data_note'].iloc[0])
plt.show()

# %% [markdown]
# ## At risk: targets still ahead that need acceleration or are off track

# %%
at_risk = ahead[(ahead.province_code != '00') & (ahead.status.isin(['needs_acceleration', 'off_track']))]
at_risk = at_risk.sort_values(['target_id', 'p_hit'])[['province_name', 'province_code', 'target_id',
    'last_value', 'forecast', 'p_hit', 'required_pace', 'recent_pace', 'status']]
at_risk.round(2)

# %% [markdown]
# ## National trajectory
#
# The national series is the sum of numerators over the sum of denominators of the provinces reporting complete data each month. The real national figures (all records, ministries included) are listed below it.

# %%
fig = plots.province_small_multiples(table, result, '00', as_of=params.as_of, model=params.model,
                                     source=result['data_note'].iloc[0], fans=tables.fans)
plots.show(fig)

# %%
pd.read_csv(paths.NATIONAL_FIGURES_CSV)[['indicator', 'scope', 'period', 'value', 'unit', 'status', 'source']]

# %% [markdown]
# ## Real scores: the 766 index, 2026 year to date (10 October 2026)
#
# Every province's score on the national portal (Decision 766/QĐ-TTg), in **points** out of 100 in six groups: transparency (CKMB, 18), progress of settlement (TDGQ, 20), online service provision (CLGQ, 12), online payment (TTTT, 10), satisfaction (MDHL, 18), digitisation (MDSH, 22). Real published scores on the 2026 API's scale; not the target rates above, and not comparable with the 2025 export (national average about 86 in October 2025 on the older scale, 62.6 here).

# %%
from dxanalysis.index766 import wide_scores

scores = report.index766_table(tables)
wide_scores(scores[scores.scale == '766-2026'], scope='year_to_date').set_index(['province_code', 'province_name']).round(2)

# %%
# Environment watermark: versions only, no timestamps (reports must be reproducible).
display(Markdown(f"*Produced with {report.environment_footer()}.*"))
