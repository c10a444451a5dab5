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
# # Province report: Vietnam's digital-government targets
#
# Where the province stands on the national targets still ahead (end 2026, 2027, 2030), where it is heading by each deadline, how sure we are, and what pace it would take; then the 2025 targets as history (met or missed at their deadline). Run for every province by `make report`; open it in JupyterLab (`make lab`) to explore one province.

# %% tags=["parameters"]
province: str = "19"  # GSO code of a current province (34), e.g. "01" Hà Nội, "19" Thái Nguyên
as_of: str = "2026-10"  # last month of data the forecast may use (YYYY-MM)
data: str = ""  # observation file or folder; empty for the bundled SYNTHETIC panel
targets: str = ""  # targets YAML file; empty for params/targets.yaml with params/provinces overrides
scenario: str = ""  # what-if such as pace:+1.5,from:2026-11 (see README); empty for none
model: str = "pooled"  # forecast model: naive, linear, compound, pooled or ets
output_dir: str = ""  # folder for the results of this province as CSV and JSON; empty to skip
build_dir: str = ""  # pipeline build folder written by dx batch; empty to compute the tables here

# %%
# %matplotlib inline
import pandas as pd
from IPython.display import Markdown, display

from dxanalysis import plots, provinces, report

plots.apply_style()
pd.set_option("display.precision", 2)

# Derived values (papermill does not recompute the parameters cell).
params = report.check_parameters(province, as_of, data, targets, scenario, model)
code = params.province
name = provinces.province_name(code)

# %% [markdown]
# ## Load and forecast

# %%
tables = report.load_tables(params, build_dir)  # computed once by the batch, or here
table, result = tables.harmonised, tables.forecasts
display(Markdown(f"## {name} ({code}) — data as of {result['as_of'].iloc[0]}, model `{params.model}`"
                 + (f", scenario: {report.markdown_escape(params.scenario)}" if params.scenario else "")
                 + "; intervals and P(hit) calibrated by horizon on the rolling backtest"))
display(Markdown(report.provenance_banner(table)))

# %% [markdown]
# ## Headline: the targets still ahead
#
# Forecast = median of the predictive distribution at the deadline; P(hit) = probability the target is met then; paces in percentage points per month. Status rule: README, *Status rule*. "To confirm": the target comes from a press report of the document, whose own text was not at hand (see `params/targets.yaml`).

# %%
report.headline_table(result, code)

# %%
display(Markdown("\n".join(f"- {line}" for line in report.narrative(result, code))))

# %% [markdown]
# ## History: targets whose deadline has passed
#
# The value at the deadline month, and whether the target was met then. These are not forecasts.

# %%
report.history_table(result, code)

# %% [markdown]
# ## Trajectories of the targets still ahead
#
# Observed history (blue), forecast median (dashed) with 80% and 95% intervals, the first target (red line) and its deadline, later targets of the same indicator (red diamonds), the national and regional trajectories (dotted) and the 1 July 2025 merger.

# %%
# Latest month: the province beside its region and the nation (sums of numerators / denominators), in %.
report.comparison_table(table, code, params.as_of)

# %%
fig = plots.province_small_multiples(table, result, code, as_of=params.as_of, model=params.model,
                                     scenario=params.scenario, source=result['data_note'].iloc[0],
                                     fans=tables.fans)
plots.show(fig)

# %% [markdown]
# ## How the province was formed
#
# Since 1 July 2025 (Resolution 202/2025/QH15). History reported under the old provinces is combined from summed numerators and denominators; months with a constituent missing are marked incomplete and left out of the forecast.

# %%
members = report.constituents_table(code, table)
display(members)
display(members.attrs['methods'].rename(columns={'min': 'from', 'max': 'to', 'count': 'rows'}))
display(Markdown(f"Incomplete province-months left out: **{members.attrs['incomplete']}**."))

# %% [markdown]
# ## Real scores: the 766 index in 2026
#
# The national portal scores every province monthly in **points** (100 in six groups, Decision 766/QĐ-TTg). Below: the 2026 year-to-date scores as published on 10 October 2026, and the province's rank among the 34 (1 = best). Real published scores, not the target rates above.

# %%
scores = report.index766_table(tables)
report.scores_2026(code, scores)

# %% [markdown]
# For the record, October 2025 on the **older service's scale** (national average about 86, against 62.6 on the 2026 scale): the two generations are not one series and are not compared.

# %%
report.scores_2025(code, scores)

# %%
if output_dir:
    written = report.write_results(output_dir, code, result, params)
    print('results written:', ', '.join(p.name for p in written))

# %%
# Environment watermark: versions only, no timestamps (reports must be reproducible).
display(Markdown(f"*Produced with {report.environment_footer()}.*"))
