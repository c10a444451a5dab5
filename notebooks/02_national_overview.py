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
results_dir: str = ""  # folder of province results (forecast_XX.csv) from the batch; empty to compute now
as_of: str = "2026-10"  # last month of data (YYYY-MM), used when computing now
data: str = ""  # observation file or folder; empty for the bundled SYNTHETIC panel
model: str = "pooled"  # forecast model used when computing now: naive, linear, compound, pooled or ets
provinces_run: str = ""  # comma-separated codes of the batch run to read; empty for every result found
build_dir: str = ""  # pipeline build folder written by dx batch; empty to compute the tables here
lang: str = "en"  # report language: en (English) or vi (tiếng Việt)

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from dxanalysis import i18n, paths, plots, report

plots.apply_style()
pd.set_option("display.precision", 2)

i18n.set_language(lang)
i18n.show("overview.intro")
params = report.check_parameters('01', as_of, data, '', '', model)  # province unused here
tables = report.load_tables(params, build_dir)
table, national = tables.harmonised, tables.forecasts
# Province rows come from the province runs when given (never recomputed), else from this pass.
result = (pd.concat([report.read_results(results_dir, provinces_run), national[national.province_code == '00']],
                    ignore_index=True) if results_dir else national)
display(Markdown(report.provenance_banner(table)))

# %%
i18n.show("overview.status")
passed = result.deadline_passed.astype(bool)
ahead, past = result[~passed], result[passed]
report.status_counts(ahead)

# %%
i18n.show("overview.history")
report.verdict_counts(past)

# %%
i18n.show("overview.p_hit")
fig, ax = plt.subplots(figsize=(9, 11))
plots.p_hit_heatmap(ahead, ax=ax)
fig.tight_layout(rect=(0, 0.015, 1, 1))  # room for the targets' names and the source line under them
plots.source_line(fig, result['data_note'].iloc[0])
plots.show(fig, tight=True)

# %%
i18n.show("overview.rankings")
live = [t for t in ahead.target_id.unique() if t.endswith('_2026')]  # the year-end targets
fig, axs = plt.subplots(1, len(live), figsize=(5 * len(live), 8), squeeze=False)
for ax, target_id in zip(axs.flat, live):
    plots.ranking(result[result.province_code != '00'], target_id, ax=ax)
fig.tight_layout()
plots.source_line(fig, result['data_note'].iloc[0])
plots.show(fig, tight=True)

# %%
i18n.show("overview.maps")
fig = plots.overview_maps(result, report.index766_table(tables), source=result['data_note'].iloc[0])
plots.show(fig, tight=True)

# %%
i18n.show("overview.at_risk")
report.at_risk_table(ahead)

# %%
i18n.show("overview.national")
figures = pd.read_csv(paths.NATIONAL_FIGURES_CSV, dtype={'period': str})
plots.show(plots.national_trajectory(table, national, tables.fans, figures, source=result['data_note'].iloc[0]))
fig = plots.province_small_multiples(table, result, '00', as_of=params.as_of, model=params.model,
                                     source=result['data_note'].iloc[0], fans=tables.fans)
plots.show(fig)

# %%
report.national_figures_table(figures)

# %%
i18n.show("overview.scores")
report.national_scores_table(report.index766_table(tables))

# %%
# Environment watermark: versions only, no timestamps (reports must be reproducible).
display(Markdown(report.footer()))
