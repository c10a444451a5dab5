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
data: str = ""  # observation file or folder; empty for the bundled SYNTHETIC panel
build_dir: str = ""  # pipeline build folder written by dx batch; empty to run the backtest here
lang: str = "en"  # report language: en (English) or vi (tiếng Việt)

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from dxanalysis import i18n, plots, report

plots.apply_style()
pd.set_option("display.precision", 2)
from dxanalysis.forecast.backtest import BacktestResult, backtest, comparison_table
from dxanalysis.run.settings import run_settings
from dxanalysis.forecast import harmonise_data
from dxanalysis.forecast.outputs import read_harmonised

i18n.set_language(lang)
i18n.show("skill.intro")
params = report.check_parameters('01', None, data, '', '', 'pooled')
table = read_harmonised(build_dir) if build_dir else harmonise_data(params.data)
result = BacktestResult.read(build_dir) if build_dir else backtest(table)
display(Markdown(report.provenance_banner(table)))

# %%
i18n.show("skill.models")
with pd.option_context('display.float_format', '{:.4f}'.format):  # no scientific notation for scores
    display(comparison_table(result).set_index('model'))

# %%
i18n.show("skill.horizon")
result.summary.pivot_table(index='horizon', columns='model', values=['mae', 'coverage80']).round(3)

# %%
i18n.show("skill.calibration")
default_model = run_settings().model
with pd.option_context('display.float_format', '{:.4f}'.format):
    display(result.bands[result.bands['model'] == default_model].set_index('band')[
        ['n', 'coverage80', 'coverage80_cal', 'coverage95', 'coverage95_cal', 'brier_target', 'brier_target_cal']])

# %%
fig, axs = plt.subplots(1, 2, figsize=(12, 4.5))
plots.reliability_plot(result.reliability, ax=axs[0], model=default_model)
plots.coverage_by_horizon(result.summary, default_model, ax=axs[1])
fig.tight_layout()
plots.source_line(fig, i18n.t('skill.source_synthetic' if report.is_synthetic_table(table) else 'skill.source_data'))
plots.show(fig, tight=True)

# %%
i18n.show("skill.december")
report.december_table(result.december)

# %%
fig, axs = plt.subplots(1, 2, figsize=(12, 4.5))
plots.reliability_plot(result.reliability, ax=axs[0], model='pooled_no_season', title=i18n.t('skill.reliability_without'))
plots.reliability_plot(result.reliability, ax=axs[1], model='pooled', title=i18n.t('skill.reliability_with'))
fig.tight_layout()
plots.source_line(fig, i18n.t('skill.source_synthetic' if report.is_synthetic_table(table) else 'skill.source_data'))
plots.show(fig, tight=True)

# %%
i18n.show("skill.bands")
result.bands.pivot_table(index='band', columns='model', values=['coverage80', 'coverage80_cal']).round(3)

# %%
best = comparison_table(result).iloc[0]
display(Markdown(i18n.t("skill.best", model=best.model, mae=i18n.num(best.mae, 2), coverage=i18n.pct(best.coverage80 * 100))))

# %%
# Environment watermark: versions only, no timestamps (reports must be reproducible).
display(Markdown(report.footer()))
