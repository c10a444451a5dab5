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
province: str = "19"  # GSO code of a current province (34), e.g. "01" Hà Nội, "19" Thái Nguyên
as_of: str = "2026-10"  # last month of data the forecast may use (YYYY-MM)
data: str = ""  # observation file or folder; empty for the bundled SYNTHETIC panel
targets: str = ""  # targets YAML file; empty for params/targets.yaml with params/provinces overrides
scenario: str = ""  # what-if such as pace:+1.5,from:2026-11 (see README); empty for none
model: str = "pooled"  # forecast model: naive, linear, compound, pooled or ets
output_dir: str = ""  # folder for the results of this province as CSV and JSON; empty to skip
build_dir: str = ""  # pipeline build folder written by dx batch; empty to compute the tables here
lang: str = "en"  # report language: en (English) or vi (tiếng Việt)

# %%
# %matplotlib inline
import pandas as pd
from IPython.display import Markdown, display

from dxanalysis import i18n, plots, provinces, report

plots.apply_style()
pd.set_option("display.precision", 2)

# Derived values (papermill does not recompute the parameters cell).
i18n.set_language(lang)
params = report.check_parameters(province, as_of, data, targets, scenario, model)
code = params.province
name = provinces.province_name(code)
i18n.show("province.intro")

# %%
tables = report.load_tables(params, build_dir)  # computed once by the batch, or here
table, result = tables.harmonised, tables.forecasts
display(Markdown(i18n.t("province.title", name=name, code=code, as_of=i18n.month(result['as_of'].iloc[0]), model=params.model)
                 + (i18n.t("province.scenario", scenario=report.markdown_escape(params.scenario)) if params.scenario else "")
                 + i18n.t("province.calibrated")))
display(Markdown(report.provenance_banner(table)))
everywhere, own = report.left_out_lines(table, code)  # reporting gaps: said once when every province has them
if everywhere or own:
    display(Markdown("\n".join(f"> {line}" for line in everywhere + own)))

# %%
i18n.show("province.headline")
report.headline_table(result, code)

# %%
display(Markdown("\n".join(f"- {line}" for line in report.narrative(result, code))))
calendar = report.calendar_lines(table, result, code)
if calendar:
    display(Markdown(i18n.t("calendar.heading") + "\n\n" + "\n".join(f"- {line}" for line in calendar)))

# %%
i18n.show("province.history")
report.history_table(result, code)

# %%
i18n.show("province.trajectories")
i18n.show("province.comparison")
report.comparison_table(table, code, params.as_of)

# %%
fig = plots.province_small_multiples(table, result, code, as_of=params.as_of, model=params.model,
                                     scenario=params.scenario, source=result['data_note'].iloc[0],
                                     fans=tables.fans)
plots.show(fig)

# %%
unit_rows = report.units_ahead(report.load_unit_forecasts(params, build_dir, tables), code)
if unit_rows.empty:
    i18n.show("units.none")
else:
    i18n.show("units.heading")
    display(Markdown("\n".join(f"- {line}" for line in report.unit_summary_lines(unit_rows))))
    display(report.unit_status_counts(unit_rows))

# %%
for heading, ranked in report.unit_rankings(unit_rows) if not unit_rows.empty else []:
    display(Markdown(heading))
    display(ranked)

# %%
if not unit_rows.empty and report.unit_map_target(unit_rows):
    plots.show(plots.commune_map(unit_rows, code, report.unit_map_target(unit_rows), source=result['data_note'].iloc[0]))

# %%
i18n.show("province.formed")
members = report.constituents_table(code, table)
display(members)
display(members.attrs['methods'].rename(columns={'method': i18n.t('col.method'), 'min': i18n.t('col.from'),
                                                 'max': i18n.t('col.to'), 'count': i18n.t('col.rows')}))
display(Markdown(i18n.t("province.incomplete", n=members.attrs['incomplete'])))

# %%
i18n.show("province.scores_2026")
scores = report.index766_table(tables)
report.scores_2026(code, scores)

# %%
i18n.show("province.scores_2025")
report.scores_2025(code, scores)

# %%
if output_dir:
    written = report.write_results(output_dir, code, result, params)
    print('results written:', ', '.join(p.name for p in written))

# %%
# Environment watermark: versions only, no timestamps (reports must be reproducible).
display(Markdown(report.footer()))
