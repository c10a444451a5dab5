"""Charts: fans, heatmap, ranking, backtest reliability and coverage, merger, small multiples."""

from __future__ import annotations

import textwrap

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from ...core.provinces import MERGER_PERIOD
from ...core.registry import load_indicators
from .. import i18n
from ..colours import STATUS_COLOURS
from ..i18n import t
from .style import BLUE, month_start, source_line


def fan_chart(
    history: pd.DataFrame,
    fan: pd.DataFrame,
    indicator: str,
    target_value: float | None = None,
    deadline: str | None = None,
    ax: plt.Axes | None = None,
    title: str | None = None,
    comparisons: dict[str, pd.DataFrame] | None = None,
    more_targets: list[tuple[float, str]] | None = None,
) -> plt.Axes:
    """History, forecast median with 80% and 95% bands, target line, deadline and merger date.

    Parameters
    ----------
    history : DataFrame with ``period, value``
    fan : DataFrame with ``period, median, lo80, hi80, lo95, hi95``
    comparisons : mapping label -> DataFrame ``period, value`` (e.g. national, region), drawn thin
    """
    ax = ax or plt.gca()
    ind = load_indicators()[indicator]
    if len(history):
        ax.plot(history["period"].map(month_start), history["value"], color=BLUE, lw=1.8, label=t("chart.observed"))
    for label, frame in (comparisons or {}).items():
        if len(frame):
            ax.plot(frame["period"].map(month_start), frame["value"], lw=1, ls=":", label=label)
    if len(fan):
        x = fan["period"].map(month_start)
        if len(history):  # join the fan to the last observation
            x = pd.concat([pd.Series([month_start(history["period"].iloc[-1])]), x], ignore_index=True)
            last = history["value"].iloc[-1]
            fan = pd.concat(
                [
                    pd.DataFrame([{c: last for c in ("median", "lo80", "hi80", "lo95", "hi95")}]),
                    fan[["median", "lo80", "hi80", "lo95", "hi95"]],
                ],
                ignore_index=True,
            )
        ax.fill_between(x, fan["lo95"], fan["hi95"], color=BLUE, alpha=0.15, lw=0, label=t("chart.interval95"))
        ax.fill_between(x, fan["lo80"], fan["hi80"], color=BLUE, alpha=0.3, lw=0, label=t("chart.interval80"))
        ax.plot(x, fan["median"], color=BLUE, ls="--", lw=1.2, label=t("chart.median"))
    if target_value is not None:
        ax.axhline(target_value, color="#d73027", lw=1, label=t("chart.target", value=i18n.target_number(target_value)))
    if deadline:
        ax.axvline(pd.Timestamp(deadline), color="#d73027", lw=0.8, ls="-.")
    for value, when in more_targets or []:  # later targets of the same indicator: a marker each
        ax.plot([pd.Timestamp(when)], [value], marker="D", ms=5, color="#d73027", ls="none")
        ax.annotate(
            t("chart.target_by", value=i18n.target_number(value), year=str(when)[:4]),
            (pd.Timestamp(when), value),
            xytext=(-4, 4),
            textcoords="offset points",
            ha="right",
            fontsize=7,
            color="#d73027",
        )
    ax.axvline(month_start(MERGER_PERIOD), color="#777777", lw=0.8, ls=":")
    ax.annotate(
        t("chart.merger"),
        (month_start(MERGER_PERIOD), ax.get_ylim()[0]),
        xytext=(2, 2),
        textcoords="offset points",
        fontsize=7,
        color="#555555",
        rotation=90,
        va="bottom",
    )
    at_limit = target_value == ind.upper or any(v == ind.upper for v, _ in more_targets or [])
    ax.set_ylim(max(ind.lower, ax.get_ylim()[0]), min(ind.upper, ax.get_ylim()[1]) + (4 if at_limit else 0))
    ax.set_title(title or i18n.indicator(indicator), loc="left")
    ax.set_ylabel(ind.unit)
    # Five intervals at most (0, 20, ... 100): enough to read a share, and half the gridlines and
    # tick labels matplotlib's default draws, which were a third of the figure's drawing time.
    ax.yaxis.set_major_locator(mticker.MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    start, end = (mdates.num2date(x) for x in ax.get_xlim())
    if (end.year - start.year) > 3:  # long horizons: a tick a year, or the labels collide
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    else:
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter(i18n.date_format()))
    return ax


def p_hit_heatmap(forecasts: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Provinces x targets, coloured by the probability of meeting the target."""
    import seaborn as sns  # only the overview needs it

    from ..tables import target_label

    ax = ax or plt.gca()
    frame = forecasts[forecasts["province_code"] != "00"].copy()
    frame["label"] = frame["province_name"] + " (" + frame["province_code"] + ")"
    grid = frame.pivot_table(index="label", columns="target_id", values="p_hit", aggfunc="first")
    grid = grid.loc[grid.mean(axis=1).sort_values(ascending=False).index]
    order = frame.drop_duplicates("target_id").sort_values(["deadline", "target_id"])["target_id"]
    grid = grid[[target for target in order if target in grid.columns]]
    # Targets by name, not id: the indicator's title wrapped, with threshold and deadline.
    grid.columns = [textwrap.fill(target_label(target), 34) for target in grid.columns]
    sns.heatmap(
        grid,
        ax=ax,
        # cividis, as the maps: one lightness ramp, readable with every common colour-vision deficiency
        # (red-yellow-green is not).
        cmap="cividis",
        vmin=0,
        vmax=1,
        annot=grid.map(lambda p: i18n.num(p, 2) if p == p else "").to_numpy(),  # the language's decimal mark
        fmt="",
        annot_kws={"fontsize": 6},
        cbar_kws={"label": t("chart.p_hit_label")},
    )
    bar = ax.collections[0].colorbar
    bar.formatter = mticker.FuncFormatter(lambda x, _: i18n.num(x, 1))
    bar.update_ticks()
    ax.set_xlabel(t("chart.target_axis"))
    ax.set_ylabel(t("chart.province_axis"))
    ax.set_title(t("chart.p_hit_title"), loc="left")
    ax.tick_params(axis="both", labelsize=7)
    ax.tick_params(axis="x", labelrotation=90)  # the targets' names, upright, side by side
    return ax


def ranking(forecasts: pd.DataFrame, target_id: str, ax: plt.Axes | None = None) -> plt.Axes:
    """Provinces ranked by forecast value at the deadline, with 80% intervals and the target."""
    ax = ax or plt.gca()
    rows = forecasts[(forecasts["target_id"] == target_id) & ~forecasts["status"].isin(["no_data", "insufficient_data"])]
    rows = rows.sort_values("forecast", ascending=True)
    y = np.arange(len(rows))
    colours = [STATUS_COLOURS[s] for s in rows["status"]]
    ax.barh(y, rows["forecast"], color=colours)
    ax.errorbar(
        rows["forecast"],
        y,
        xerr=[rows["forecast"] - rows["lo80"], rows["hi80"] - rows["forecast"]],
        fmt="none",
        ecolor="#333333",
        elinewidth=0.7,
    )
    ax.set_yticks(y, rows["province_name"], fontsize=6)
    if len(rows):
        ax.axvline(rows["target_value"].iloc[0], color="#d73027", lw=1)
        ind = load_indicators()[rows["indicator"].iloc[0]]
        deadline = i18n.day(rows["deadline"].iloc[0])
        ax.set_xlabel(ind.unit)
        ax.set_title(
            t("chart.ranking_title", title=textwrap.fill(i18n.indicator(ind.id), 45), deadline=deadline), loc="left"
        )
    return ax


def reliability_plot(
    reliability: pd.DataFrame, ax: plt.Axes | None = None, model: str | None = None, title: str | None = None
) -> plt.Axes:
    """Calibration: predicted probability vs observed frequency, per model; with ``model``, that
    model before and after calibration by horizon (when the table has a ``calibrated`` column)."""
    ax = ax or plt.gca()
    ax.plot([0, 1], [0, 1], color="#999999", lw=0.8, ls="--", label=t("skill.perfect"))
    if "calibrated" not in reliability.columns:
        reliability = reliability.assign(calibrated=False)
    if model is not None:
        for calibrated, group in reliability[reliability["model"] == model].groupby("calibrated"):
            label = t("skill.calibrated" if calibrated else "skill.as_fitted", model=model)
            ax.plot(group["mean_predicted"], group["observed_frequency"], marker="o", ms=3, label=label)
    else:
        for name, group in reliability[~reliability["calibrated"].astype(bool)].groupby("model"):
            ax.plot(group["mean_predicted"], group["observed_frequency"], marker="o", ms=3, label=name)
    ax.set_xlabel(t("skill.reliability_x"))
    ax.set_ylabel(t("skill.reliability_y"))
    ax.set_title(title or t("skill.reliability_title", model=model or ""), loc="left")
    ax.legend(fontsize=7)
    return ax


def coverage_by_horizon(summary: pd.DataFrame, model: str, ax: plt.Axes | None = None) -> plt.Axes:
    """Share of outcomes inside the 80% interval by months ahead, before and after calibration."""
    ax = ax or plt.gca()
    mine = summary[summary["model"] == model]
    ax.plot(mine["horizon"], mine["coverage80"], marker="o", ms=3, label=t("skill.as_fitted", model=model))
    if "coverage80_cal" in mine.columns:
        ax.plot(mine["horizon"], mine["coverage80_cal"], marker="o", ms=3, label=t("skill.calibrated", model=model))
    ax.axhspan(0.75, 0.85, color="#cccccc", alpha=0.4, label=t("skill.aim_band"))
    ax.axhline(0.8, color="#777777", lw=0.8, ls=":")
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.set(xlabel=t("skill.coverage_x"), ylabel=t("skill.coverage_y"))
    ax.set_title(t("skill.coverage_title"), loc="left")
    ax.legend(fontsize=7)
    return ax


def merger_chart(
    parts: pd.DataFrame, whole: pd.DataFrame, indicator: str, ax: plt.Axes | None = None, title: str | None = None
) -> plt.Axes:
    """Old provinces' series (thin) and the harmonised new province (thick)."""
    ax = ax or plt.gca()
    ind = load_indicators()[indicator]
    for name, group in parts.groupby("name"):
        ax.plot(group["period"].map(month_start), group["value"], lw=0.9, alpha=0.8, label=name)
    ax.plot(whole["period"].map(month_start), whole["value"], color="black", lw=2, label="harmonised (new province)")
    ax.axvline(month_start(MERGER_PERIOD), color="#777777", lw=0.8, ls=":")
    ax.set_ylabel(ind.unit)
    ax.set_title(title or i18n.indicator(indicator), loc="left")
    ax.xaxis.set_major_formatter(mdates.DateFormatter(i18n.date_format()))
    ax.legend(fontsize=7)
    return ax


def province_small_multiples(
    table: pd.DataFrame,
    result: pd.DataFrame,
    code: str,
    as_of: str | None = None,
    model: str = "pooled",
    scenario: str | None = None,
    source: str = "",
    fans: pd.DataFrame | None = None,
) -> plt.Figure:
    """One fan chart per indicator with a target still ahead: history, the forecast to its last
    deadline, every target of that indicator (line: the first; diamonds: later ones), and the
    national and regional trajectories. Past targets are history and are not drawn.

    ``fans`` (the pipeline's ``fans.csv``) gives the forecast quantiles; without it they are
    computed here (one fit per chart)."""
    from ...core import provinces
    from ...forecast import fan, path_to, ratio_of_sums
    from .. import region_codes

    rows = result[(result["province_code"] == code) & ~result["deadline_passed"].astype(bool)]
    rows = rows.sort_values(["deadline", "target_id"])
    indicators = list(dict.fromkeys(rows["indicator"]))
    n = max(len(indicators), 1)
    ncols = 2
    nrows = int(np.ceil(n / ncols))
    height = 3.0 * nrows + 1.3  # inches: the panels, then a header (title, legend) and a footer (source)
    fig = plt.figure(figsize=(11, height))
    grid = fig.add_gridspec(nrows, ncols)
    axs = [fig.add_subplot(grid[i // ncols, i % ncols]) for i in range(n)]  # no hidden spare panel to build
    # A fixed layout: tight_layout measures every label and costs more than the drawing itself.
    fig.subplots_adjust(left=0.065, right=0.985, top=1 - 1.3 / height, bottom=0.45 / height, hspace=0.5, wspace=0.2)
    region, members = region_codes(code) if code != "00" else ("", [])
    # The comparison lines, every indicator at once (ratio of sums), sliced per panel below.
    national = ratio_of_sums(table, ["indicator", "period"])
    regional = ratio_of_sums(table, ["indicator", "period"], members) if members else national.iloc[:0]
    # This province's rows once (for the nation, every province's: its history is their sum).
    own = table if code == "00" else table[table["province_code"] == code]
    own_fans = None if fans is None else fans[fans["province_code"] == code]
    for ax, indicator in zip(axs, indicators):
        targets = rows[rows["indicator"] == indicator]
        first, *later = targets.to_dict("records")
        history = path_to(own, code, indicator)
        if as_of:
            history = history[history["period"] <= as_of]
        future = pd.DataFrame()
        if own_fans is not None:
            future = own_fans[own_fans["indicator"] == indicator]
        elif (~targets["status"].isin(["no_data", "insufficient_data"])).any():
            future = fan(
                table, code, indicator, until=str(targets["deadline"].max())[:7], as_of=as_of, model=model, scenario=scenario
            )
        comparisons = {t("chart.national"): _one(national, indicator)}
        if members:
            comparisons[t("chart.region", region=i18n.region(region))] = _one(regional, indicator)
        verdicts = "; ".join(
            t("chart.target_by", value=i18n.target_number(r["target_value"]), year=str(r["deadline"])[:4])
            + f": {i18n.status(r['status'])}"
            for r in (first, *later)
        )
        title = textwrap.shorten(i18n.indicator(indicator), 60, placeholder="…")
        fan_chart(
            history,
            future,
            indicator,
            target_value=first["target_value"],
            deadline=str(first["deadline"]),
            ax=ax,
            comparisons=comparisons,
            title=f"{title}\n{textwrap.shorten(verdicts, 62, placeholder='…')}",
            more_targets=[(r["target_value"], str(r["deadline"])) for r in later],
        )
    for ax in axs[len(indicators) :]:
        ax.set_visible(False)
    handles, labels = axs[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=4, fontsize=7, bbox_to_anchor=(0.5, 1 - 0.3 / height))
    name = t("chart.the_nation") if code == "00" else provinces.province_name(code)
    fig.suptitle(t("chart.province_title", name=name), y=1 - 0.08 / height, va="top")
    source_line(fig, source)
    return fig


def _one(aggregate: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """One indicator's ``period, value`` rows of an aggregate computed for every indicator."""
    return aggregate.loc[aggregate["indicator"] == indicator, ["period", "value"]]


#: Markers of the reported national figures by scope.
_SCOPE_MARKERS = {"whole country": "s", "provinces": "o", "ministries": "^"}


def national_trajectory(
    table: pd.DataFrame, forecasts: pd.DataFrame, fans: pd.DataFrame, figures: pd.DataFrame, source: str = ""
) -> plt.Figure:
    """The nation, for each indicator with real national figures: the provinces' aggregate (ratio
    of sums), its forecast fan to the next deadline, the targets, and the reported figures as
    markers by scope (filled: reported; hollow: to confirm or derived)."""
    from ...core.provenance import is_synthetic
    from .. import group_series

    wanted = [i for i in dict.fromkeys(figures["indicator"].dropna()) if i in set(table["indicator"])]
    fig, axs = plt.subplots(1, max(len(wanted), 1), figsize=(6.2 * max(len(wanted), 1), 4.6), squeeze=False)
    synthetic = is_synthetic([source])
    for ax, indicator in zip(axs.flat, wanted):
        history = group_series(table, indicator)
        rows = forecasts[(forecasts["province_code"] == "00") & (forecasts["indicator"] == indicator)]
        rows = rows.sort_values("deadline")
        ahead = rows[~rows["deadline_passed"].astype(bool)]
        first = (ahead if len(ahead) else rows.tail(1)).iloc[0] if len(rows) else None
        future = fans[(fans["province_code"] == "00") & (fans["indicator"] == indicator)] if len(ahead) else pd.DataFrame()
        fan_chart(
            history,
            future,
            indicator,
            target_value=None if first is None else first.target_value,
            deadline=None if first is None else str(first.deadline),
            ax=ax,
            title=textwrap.shorten(i18n.indicator(indicator), 60, placeholder="…"),
            more_targets=[(r.target_value, str(r.deadline)) for r in ahead.iloc[1:].itertuples(index=False)],
        )
        ax.lines[0].set_label(t("chart.aggregate_synthetic" if synthetic else "chart.aggregate"))
        mine = figures[figures["indicator"] == indicator]
        for (scope, reported), points in mine.groupby([mine["scope"], mine["status"] == "reported"]):
            label = t("chart.reported" if reported else "chart.to_confirm", scope=t(f"chart.scope.{scope}"))
            ax.plot(
                points["period"].map(month_start),
                points["value"],
                ls="none",
                marker=_SCOPE_MARKERS.get(scope, "D"),
                ms=7,
                mfc="#1a1a1a" if reported else "white",
                mec="#1a1a1a",
                label=label,
            )
        ax.legend(fontsize=6, loc="upper left")
    fig.suptitle(t("chart.national_title"), x=0.01, ha="left", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    source_line(fig, f"{source}; {t('chart.national_source')}")
    return fig
