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
# # Forecast skill: rolling-origin backtest of every model
#
# Each model forecasts, from every origin month, every later month up to the next December, seeing only the data up to its origin. Scores: MAE and MASE of the median, coverage of the 80% and 95% intervals, Brier score of P(at or above the target's threshold) and of thresholds 5 and 10 points around it, and a reliability table.

# %% tags=["parameters"]
data: str = ""  # observation file or folder; empty for the bundled SYNTHETIC panel
build_dir: str = ""  # pipeline build folder written by dx batch; empty to run the backtest here

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from dxanalysis import plots, report

plots.apply_style()
pd.set_option("display.precision", 2)
from dxanalysis.backtest import BacktestResult, backtest, comparison_table
from dxanalysis.forecast import load_table
from dxanalysis.pipeline import read_harmonised

params = report.check_parameters('01', None, data, '', '', 'pooled')
table = read_harmonised(build_dir) if build_dir else load_table(params.data)
result = BacktestResult.read(build_dir) if build_dir else backtest(table)
display(Markdown(report.provenance_banner(table)))

# %% [markdown]
# ## Models compared (all horizons)

# %%
with pd.option_context('display.float_format', '{:.4f}'.format):  # no scientific notation for scores
    display(comparison_table(result).set_index('model'))

# %% [markdown]
# ## By horizon (months ahead)

# %%
result.summary.pivot_table(index='horizon', columns='model', values=['mae', 'coverage80']).round(3)

# %% [markdown]
# ## Calibration

# %%
fig, axs = plt.subplots(1, 2, figsize=(12, 4.5))
plots.reliability_plot(result.reliability, ax=axs[0])
for model, group in result.summary.groupby('model'):
    axs[1].plot(group['horizon'], group['coverage80'], marker='o', ms=3, label=model)
axs[1].axhspan(0.75, 0.85, color='#cccccc', alpha=0.4, label='75–85% band')
axs[1].set(xlabel='horizon (months)', ylabel='share of outcomes inside the 80% interval',
           title='Coverage of the 80% interval by horizon')
axs[1].legend(fontsize=7)
fig.tight_layout()
plots.source_line(fig, 'backtest on ' + ('SYNTHETIC data' if 'SYNTHETIC' in report.provenance_banner(table) else 'the given data'))
plt.show()

# %%
best = comparison_table(result).iloc[0]
display(Markdown(f"Lowest Brier score: **{best.model}** (MAE {best.mae:.2f} points, 80% coverage "
                 f"{best.coverage80:.1%}). On synthetic data this shows the machinery works, not real-world skill."))

# %%
# Environment watermark: versions only, no timestamps (reports must be reproducible).
display(Markdown(f"*Produced with {report.environment_footer()}.*"))
