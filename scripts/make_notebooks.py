"""Write the notebooks in notebooks/ from this one source (cells as text).

Run ``python scripts/make_notebooks.py`` after editing, then ``make notebooks`` to execute them
in place so that nbval has fresh reference outputs. Keeping the cells here makes review easy
and keeps the notebooks thin: every cell calls the library.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parent.parent / "notebooks"
KERNEL = {"name": "dxanalysis", "display_name": "Python (dxanalysis)", "language": "python"}

SETUP = """\
%matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from dxanalysis import paths, plots, provinces, report
from dxanalysis.index766 import load_index766, wide_scores

plots.apply_style()
pd.set_option("display.precision", 2)"""

FOOTER = """\
# Environment watermark: versions only, no timestamps (reports must be reproducible).
display(Markdown(f"*Produced with {report.environment_footer()}.*"))"""


def notebook(cells: list) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def params_cell(text: str):
    cell = new_code_cell(text)
    cell.metadata["tags"] = ["parameters"]
    return cell


PROVINCE = notebook([
    new_markdown_cell("# Province report: Vietnam's digital-government targets\n\n"
                      "Where the province stands on the national targets still ahead (end 2026, 2027, 2030), where it is "
                      "heading by each deadline, how sure we are, and what pace it would take; then the 2025 targets as "
                      "history (met or missed at their deadline). Run for every province by `make report`; "
                      "open it in JupyterLab (`make lab`) to explore one province."),
    params_cell('province: str = "19"  # GSO code of a current province (34), e.g. "01" Hà Nội, "19" Thái Nguyên\n'
                'as_of: str = "2026-10"  # last month of data the forecast may use (YYYY-MM)\n'
                'data: str = ""  # observation file or folder; empty for the bundled SYNTHETIC panel\n'
                'targets: str = ""  # targets YAML file; empty for params/targets.yaml with params/provinces overrides\n'
                'scenario: str = ""  # what-if such as pace=+1.5,from=2026-11 (see README); empty for none\n'
                'model: str = "pooled"  # forecast model: naive, linear, compound or pooled\n'
                'output_dir: str = ""  # folder for the results of this province as CSV and JSON; empty to skip'),
    new_code_cell(SETUP + "\n\n# Derived values (papermill does not recompute the parameters cell).\n"
                  "params = report.check_parameters(province, as_of, data, targets, scenario, model)\n"
                  "code = params.province\n"
                  "name = provinces.province_name(code)"),
    new_markdown_cell("## Load and forecast"),
    new_code_cell("table, result = report.run_forecasts(params)\n"
                  "display(Markdown(f\"## {name} ({code}) — data as of {result['as_of'].iloc[0]}, model `{params.model}`\"\n"
                  "                 + (f\", scenario: {report.markdown_escape(params.scenario)}\" if params.scenario else \"\")))\n"
                  "display(Markdown(report.provenance_banner(table)))"),
    new_markdown_cell("## Headline: the targets still ahead\n\nForecast = median of the predictive distribution at the "
                      "deadline; P(hit) = probability the target is met then; paces in percentage points per month. "
                      "Status rule: README, *Status rule*. \"To confirm\": the target comes from a press report of the "
                      "document, whose own text was not at hand (see `params/targets.yaml`)."),
    new_code_cell("report.headline_table(result, code)"),
    new_code_cell("display(Markdown(\"\\n\".join(f\"- {line}\" for line in report.narrative(result, code))))"),
    new_markdown_cell("## History: targets whose deadline has passed\n\nThe value at the deadline month, and whether "
                      "the target was met then. These are not forecasts."),
    new_code_cell("report.history_table(result, code)"),
    new_markdown_cell("## Trajectories of the targets still ahead\n\nObserved history (blue), forecast median (dashed) "
                      "with 80% and 95% intervals, the first target (red line) and its deadline, later targets of the "
                      "same indicator (red diamonds), the national and regional trajectories (dotted) and the "
                      "1 July 2025 merger."),
    new_code_cell("# Latest month: the province beside its region and the nation (sums of numerators / denominators), in %.\n"
                  "report.comparison_table(table, code, params.as_of)"),
    new_code_cell("fig = plots.province_small_multiples(table, result, code, as_of=params.as_of, model=params.model,\n"
                  "                                     scenario=params.scenario, source=result['data_note'].iloc[0])\n"
                  "plt.show()"),
    new_markdown_cell("## How the province was formed\n\nSince 1 July 2025 (Resolution 202/2025/QH15). History reported "
                      "under the old provinces is combined from summed numerators and denominators; months with a "
                      "constituent missing are marked incomplete and left out of the forecast."),
    new_code_cell("members = report.constituents_table(code, table)\n"
                  "display(members)\n"
                  "display(members.attrs['methods'].rename(columns={'min': 'from', 'max': 'to', 'count': 'rows'}))\n"
                  "display(Markdown(f\"Incomplete province-months left out: **{members.attrs['incomplete']}**.\"))"),
    new_markdown_cell("## Real scores: the 766 index in 2026\n\nThe national portal scores every province monthly in "
                      "**points** (100 in six groups, Decision 766/QĐ-TTg). Below: the 2026 year-to-date scores as "
                      "published on 10 October 2026, and the province's rank among the 34 (1 = best). Real published "
                      "scores, not the target rates above."),
    new_code_cell("report.scores_2026(code)"),
    new_markdown_cell("For the record, October 2025 on the **older service's scale** (national average about 86, "
                      "against 62.6 on the 2026 scale): the two generations are not one series and are not compared."),
    new_code_cell("scores, _ = load_index766(paths.INDEX766_XLSX)\n"
                  "mine = scores[scores['province_code'] == code]\n"
                  "mine.pivot_table(index='component', columns='scope', values='points').round(2)"),
    new_code_cell("if output_dir:\n"
                  "    written = report.write_results(output_dir, code, result, params)\n"
                  "    print('results written:', ', '.join(p.name for p in written))"),
    new_code_cell(FOOTER),
])

OVERVIEW = notebook([
    new_markdown_cell("# National overview: the 34 provinces against the targets still ahead\n\n"
                      "Rankings, probabilities of meeting each target whose deadline is ahead, a map-like view of "
                      "status, the provinces at risk and the national trajectory; then the 2025 targets as history."),
    params_cell('results_dir: str = ""  # folder of province results (forecast_XX.csv) from the batch; empty to compute now\n'
                'as_of: str = "2026-10"  # last month of data (YYYY-MM), used when computing now\n'
                'data: str = ""  # observation file or folder; empty for the bundled SYNTHETIC panel\n'
                'model: str = "pooled"  # forecast model used when computing now\n'
                'provinces_run: str = ""  # comma-separated codes of the batch run to read; empty for every result found'),
    new_code_cell(SETUP + "\nfrom dxanalysis.forecast import forecast, load_table\n\n"
                  "params = report.check_parameters('01', as_of, data, '', '', model)  # province unused here\n"
                  "table = load_table(params.data)\n"
                  "national = forecast(table, as_of=params.as_of, model=params.model)\n"
                  "# Province rows come from the province runs when given (never recomputed), else from this pass.\n"
                  "result = (pd.concat([report.read_results(results_dir, provinces_run), national[national.province_code == '00']],\n"
                  "                    ignore_index=True) if results_dir else national)\n"
                  "display(Markdown(report.provenance_banner(table)))"),
    new_markdown_cell("## Status of every province, per target still ahead"),
    new_code_cell("passed = result.deadline_passed.astype(str).isin(['True', 'true'])\n"
                  "ahead, past = result[~passed], result[passed]\n"
                  "ahead[ahead.province_code != '00'].pivot_table(index='target_id', columns='status', values='province_code',\n"
                  "                                               aggfunc='count', fill_value=0)"),
    new_markdown_cell("## History: the 2025 targets, met or missed at their deadline"),
    new_code_cell("past[past.province_code != '00'].assign(verdict=lambda d: d.status.map({'achieved': 'met', 'no_data': 'no data'}).fillna('missed'))\\\n"
                  "    .pivot_table(index='target_id', columns='verdict', values='province_code', aggfunc='count', fill_value=0)"),
    new_markdown_cell("## Probability of meeting each target still ahead"),
    new_code_cell("fig, ax = plt.subplots(figsize=(9, 11))\nplots.p_hit_heatmap(ahead, ax=ax)\n"
                  "plots.source_line(fig, result['data_note'].iloc[0])\nplt.show()"),
    new_markdown_cell("## Rankings for the end-2026 targets"),
    new_code_cell("live = [t for t in ahead.target_id.unique() if t.endswith('_2026')]  # the year-end targets\n"
                  "fig, axs = plt.subplots(1, len(live), figsize=(5 * len(live), 8), squeeze=False)\n"
                  "for ax, target_id in zip(axs.flat, live):\n"
                  "    plots.ranking(result[result.province_code != '00'], target_id, ax=ax)\n"
                  "fig.tight_layout()\nplots.source_line(fig, result['data_note'].iloc[0])\nplt.show()"),
    new_markdown_cell("## Map-like view: status by province (centroids; no boundary file is bundled)"),
    new_code_cell("fig, axs = plt.subplots(1, 2, figsize=(12, 8))\n"
                  "for ax, target_id in zip(axs, ['online_procedures_full_2026', 'satisfaction_2026']):\n"
                  "    plots.status_tiles(result, provinces.current_provinces(), target_id, ax=ax)\n"
                  "fig.tight_layout()\nplots.source_line(fig, result['data_note'].iloc[0])\nplt.show()"),
    new_markdown_cell("## At risk: targets still ahead that need acceleration or are off track"),
    new_code_cell("at_risk = ahead[(ahead.province_code != '00') & (ahead.status.isin(['needs_acceleration', 'off_track']))]\n"
                  "at_risk = at_risk.sort_values(['target_id', 'p_hit'])[['province_name', 'province_code', 'target_id',\n"
                  "    'last_value', 'forecast', 'p_hit', 'required_pace', 'recent_pace', 'status']]\n"
                  "at_risk.round(2)"),
    new_markdown_cell("## National trajectory\n\nThe national series is the sum of numerators over the sum of "
                      "denominators of the provinces reporting complete data each month. The real national figures "
                      "(all records, ministries included) are listed below it."),
    new_code_cell("fig = plots.province_small_multiples(table, result, '00', as_of=params.as_of, model=params.model,\n"
                  "                                     source=result['data_note'].iloc[0])\nplt.show()"),
    new_code_cell("pd.read_csv(paths.NATIONAL_FIGURES_CSV)[['indicator', 'scope', 'period', 'value', 'unit', 'status', 'source']]"),
    new_markdown_cell("## Real scores: the 766 index, 2026 year to date (10 October 2026)\n\nEvery province's score on the "
                      "national portal (Decision 766/QĐ-TTg), in **points** out of 100 in six groups: transparency (CKMB, 18), "
                      "progress of settlement (TDGQ, 20), online service provision (CLGQ, 12), online payment (TTTT, 10), "
                      "satisfaction (MDHL, 18), digitisation (MDSH, 22). Real published scores on the 2026 API's scale; "
                      "not the target rates above, and not comparable with the 2025 export (national average about 86 "
                      "in October 2025 on the older scale, 62.6 here)."),
    new_code_cell("scores, _ = load_index766(paths.INDEX766_2026_JSON)\n"
                  "wide_scores(scores, scope='year_to_date').set_index(['province_code', 'province_name']).round(2)"),
    new_code_cell(FOOTER),
])

MERGER = notebook([
    new_markdown_cell("# Merger explorer: how the 63 old provinces join into the 34\n\n"
                      "Resolution 202/2025/QH15 (in force 1 July 2025): 11 provinces unchanged, 52 merged into 23. "
                      "Series reported under the old provinces are carried into the new ones by summing numerators "
                      "and denominators (a weighted combination, never an average of percentages)."),
    params_cell('province: str = "86"  # current province to explore, e.g. "86" Vĩnh Long (Trà Vinh + Bến Tre + Vĩnh Long)\n'
                'indicator: str = "online_records"  # indicator id from params/indicators.yaml\n'
                'data: str = ""  # observation file or folder; empty for the bundled SYNTHETIC panel'),
    new_code_cell(SETUP + "\nfrom dxanalysis import merger\n\n"
                  "params = report.check_parameters(province, None, data, '', '', 'pooled')\n"
                  "code = params.province\n"
                  "merger.check_indicator(indicator)"),
    new_markdown_cell("## The crosswalk"),
    new_code_cell("merger.crosswalk_summary()"),
    new_markdown_cell("## One province: old series and the harmonised one"),
    new_code_cell("raw, harmonised = merger.series_for(code, indicator, params.data)\n"
                  "fig, ax = plt.subplots(figsize=(10, 4))\n"
                  "plots.merger_chart(raw, harmonised, indicator, ax=ax,\n"
                  "                   title=f'{provinces.province_name(code)} ({code}): {indicator}')\n"
                  "plots.source_line(fig, merger.source_note(params.data))\nplt.show()"),
    new_markdown_cell("## Weights: each old province's share of the denominator before the merger"),
    new_code_cell("merger.weights_table(code, indicator, params.data)"),
    new_code_cell(FOOTER),
])

SKILL = notebook([
    new_markdown_cell("# Forecast skill: rolling-origin backtest of every model\n\n"
                      "Each model forecasts, from every origin month, every later month up to the next December, "
                      "seeing only the data up to its origin. Scores: MAE and MASE of the median, coverage of the "
                      "80% and 95% intervals, Brier score of P(at or above the target's threshold) and of thresholds "
                      "5 and 10 points around it, and a reliability table."),
    params_cell('data: str = ""  # observation file or folder; empty for the bundled SYNTHETIC panel'),
    new_code_cell(SETUP + "\nfrom dxanalysis.backtest import backtest, comparison_table\nfrom dxanalysis.forecast import load_table\n\n"
                  "params = report.check_parameters('01', None, data, '', '', 'pooled')\n"
                  "table = load_table(params.data)\n"
                  "result = backtest(table)\n"
                  "display(Markdown(report.provenance_banner(table)))"),
    new_markdown_cell("## Models compared (all horizons)"),
    new_code_cell("comparison_table(result).round(4)"),
    new_markdown_cell("## By horizon (months ahead)"),
    new_code_cell("result.summary.pivot_table(index='horizon', columns='model', values=['mae', 'coverage80']).round(3)"),
    new_markdown_cell("## Calibration"),
    new_code_cell("fig, axs = plt.subplots(1, 2, figsize=(12, 4.5))\nplots.reliability_plot(result.reliability, ax=axs[0])\n"
                  "for model, group in result.summary.groupby('model'):\n"
                  "    axs[1].plot(group['horizon'], group['coverage80'], marker='o', ms=3, label=model)\n"
                  "axs[1].axhspan(0.75, 0.85, color='#cccccc', alpha=0.4, label='75–85% band')\n"
                  "axs[1].set(xlabel='horizon (months)', ylabel='share of outcomes inside the 80% interval',\n"
                  "           title='Coverage of the 80% interval by horizon')\naxs[1].legend(fontsize=7)\n"
                  "fig.tight_layout()\nplots.source_line(fig, 'backtest on ' + ('SYNTHETIC data' if 'SYNTHETIC' in report.provenance_banner(table) else 'the given data'))\n"
                  "plt.show()"),
    new_code_cell("best = comparison_table(result).iloc[0]\n"
                  "display(Markdown(f\"Lowest Brier score: **{best.model}** (MAE {best.mae:.2f} points, 80% coverage \"\n"
                  "                 f\"{best.coverage80:.1%}). On synthetic data this shows the machinery works, not real-world skill.\"))"),
    new_code_cell(FOOTER),
])


def main() -> None:
    for name, nb in (("01_province_report.ipynb", PROVINCE), ("02_national_overview.ipynb", OVERVIEW),
                     ("03_merger_explorer.ipynb", MERGER), ("04_forecast_skill.ipynb", SKILL)):
        nbformat.write(nb, OUT / name)
        print("wrote", OUT / name)


if __name__ == "__main__":
    main()
