"""``dx fetch``: every province's monthly figures from the portal's 2026 reporting API.

Load: for each month, ``service-results`` lists the 34 provinces (ids, names, 766 group scores);
then, per province, the endpoints of ``params/portal.yaml``. Every answer is checked before it
is read (:mod:`.checks`: envelope, shape, counts); a province that is ambiguous in the list is
left out (:mod:`.units`). Compute: the field mapping turns answers into observation rows; ``null``,
absent and bad fields are recorded as missing, never as zero and never cast. Save, in ``DIR``:
``observations.csv`` (observation contract), ``index766.csv`` (766 contract), ``missing.csv``
(what could not be read and why), ``units.csv`` (every department and commune the answers list,
:mod:`.unit_rows`) and every raw answer under ``raw/``.

The run stops at once (queued requests cancelled, none sent after) on the first refusal, on a
request that failed after its retries, or on Ctrl-C. ``offline=True`` rebuilds the three tables
from ``raw/`` alone, byte for byte as online.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..core import provinces
from ..core.errors import DxError
from ..core.periods import add_months, is_period, months_between, period_range
from ..data.index766 import SOURCE_2026
from .checks import SERVICE_RESULTS_SHAPE, as_count, count_problem, endpoint_reader, reader, short
from .client import Cancelled, PortalClient, PortalRefused, PortalUnreachable, RawStore
from .mapping import FieldMapping, PortalSettings, is_ambiguous, is_missing, load_settings, pick
from .pages import all_pages
from .tables import MISSING_COLUMNS, OBSERVATION_COLUMNS, TableWriters, department_table, fallback_ids, list_reporting_gaps  # noqa: F401
from .unit_rows import UnitNotes, fetch_with_units, sums_above_province, unit_rows
from .units import SERVICE_RESULTS, read_units


@dataclass
class FetchResult:
    """What ``dx fetch`` produced: the three tables (read back on demand), notes, request count.

    ``recorded[i]`` says whether ``messages[i]`` is about a row of ``missing.csv`` (the others are
    notes: a low-confidence mapping skipped, a repeated page, a damaged raw answer fetched again).
    """

    out_dir: Path
    messages: list[str] = field(default_factory=list)
    requests_sent: int = 0
    written: list[Path] = field(default_factory=list)
    recorded: list[bool] = field(default_factory=list)

    @property
    def observations(self) -> pd.DataFrame:
        return pd.read_csv(self.out_dir / "observations.csv", dtype={"province_code": str, "period": str})

    @property
    def scores(self) -> pd.DataFrame:
        return pd.read_csv(self.out_dir / "index766.csv", dtype={"province_code": str, "period": str})

    @property
    def missing(self) -> pd.DataFrame:
        return pd.read_csv(self.out_dir / "missing.csv", dtype={"province_code": str, "period": str, "unit_code": str})

    @property
    def units(self) -> pd.DataFrame:
        text = {c: str for c in ("province_code", "unit_code", "ward_code", "period")}
        return pd.read_csv(self.out_dir / "units.csv", dtype=text, keep_default_na=False, na_values={"value": [""]})


def _period_body(kind: str, period: str, page: int, page_size: int, department_id: str) -> dict:
    year, month = int(period[:4]), int(period[5:])
    if kind == "dates":
        last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
        body = {"fromDate": f"{period}-01", "toDate": f"{period}-{last:02d}"}
    else:
        body = {"timeType": "month", "year": year, "month": month}
    return {**body, "rootDepartmentId": department_id, "currentPage": page, "pageSize": page_size}


class _Month:
    """Everything fetched and parsed for one month (kept small: no raw bodies)."""

    def __init__(self, period: str):
        self.period = period
        self.observations: list[tuple] = []
        self.scores: list[tuple] = []
        self.units: list[tuple] = []
        self.missing: list[tuple] = []
        self.messages: list[tuple[str, bool]] = []  # (text, whether it is a row of missing.csv)

    def lose(self, code: str, endpoint: str, indicator: str, reason: str, say: bool = True, unit: str = "") -> None:
        self.missing.append((self.period, code, endpoint, indicator, reason, unit))
        if say:
            name = provinces.province_name(code) if code not in ("", "*") else "every province"
            self.messages.append((f"{self.period} {name} ({code or '*'}) {endpoint}: {reason}; recorded as missing", True))

    def note(self, text: str) -> None:
        self.messages.append((f"{self.period} {text}", False))


def _observation(month: _Month, code: str, mapping: FieldMapping, data: dict, source: str) -> None:
    numerator, denominator = pick(data, mapping.numerator), pick(data, mapping.denominator)
    lose = lambda reason: month.lose(code, mapping.endpoint, mapping.indicator, reason)  # noqa: E731
    for value, path in ((numerator, mapping.numerator), (denominator, mapping.denominator)):
        if is_missing(value):
            return lose(f"data.{path} is absent from the answer")
        if is_ambiguous(value):
            return lose(f"data.{path}: the metric is listed more than once in the answer (ambiguous); not used")
        if value is None:
            return lose(f"data.{path} is null")
        if why := count_problem(value):
            return lose(f"data.{path} is {short(value)}: {why}, not a count; not used")
    num, den = as_count(numerator), as_count(denominator)
    if den == 0:
        return lose(f"data.{mapping.denominator} is 0 (no records)")
    if num > den:
        return lose(f"data.{mapping.numerator} = {num} is more than data.{mapping.denominator} = {den}")
    month.observations.append(
        (code, month.period, mapping.indicator, num, den, round(num / den * 100, 4), f"{source}, {mapping.source_text()}")
    )


def _gather(jobs: dict, stop) -> None:
    """Wait for every job; on the first failure stop the run: cancel what is queued, let what is
    in flight end (it stops at its next read), and raise the failure (not a ``Cancelled``)."""
    futures: list[Future] = list(jobs.values())
    try:
        pending = futures
        while pending:
            # Short waits, so a Ctrl-C is acted on at once whichever thread the signal reached.
            done, pending = wait(pending, timeout=0.05, return_when=FIRST_EXCEPTION)
            if any(f.exception() for f in done):
                break
    except BaseException:  # Ctrl-C while waiting
        stop.set()
        for future in futures:
            future.cancel()
        raise
    if not any(f.done() and f.exception() for f in futures):
        return
    stop.set()
    for future in pending:
        future.cancel()
    wait(futures)
    errors = [f.exception() for f in futures if not f.cancelled() and f.exception()]
    raise next((e for e in errors if not isinstance(e, Cancelled)), errors[0])


def _fetch_month(
    client: PortalClient,
    settings: PortalSettings,
    period: str,
    wanted: set[str] | None,
    mappings: list[FieldMapping],
    pool: ThreadPoolExecutor,
    bar,
    unit_notes: UnitNotes,
) -> _Month:
    month = _Month(period)
    year, number = int(period[:4]), int(period[5:])
    body = {
        "timeType": "month",
        "year": year,
        "month": number,
        "departmentType": "ADMINISTRATIVE_UNIT",
        "currentPage": 1,
        "pageSize": settings.page_size,
    }
    check = reader(SERVICE_RESULTS_SHAPE)
    pages = all_pages(client, SERVICE_RESULTS, body, period, "all", check, settings.max_pages, merge="evaluation")
    for text in pages.notes:
        month.note(text)
    if pages.data is None:
        month.lose("*", SERVICE_RESULTS, "*", pages.problem)
        return month
    units = read_units(pages.data["evaluation"], period)
    absent = sorted(set(provinces.current_provinces()["code"]) - units.listed)
    for code, indicator, reason in units.losses:
        if code == "*" or wanted is None or code in wanted:
            month.lose(code, SERVICE_RESULTS, indicator, reason)
    for code in absent:
        if wanted is None or code in wanted:
            month.lose(code, SERVICE_RESULTS, "*", "province absent from the service-results list")
    if (units.losses or absent) and not client.offline:
        # Not what the list must be (34 provinces, each once, with its own id): ask again next run.
        client.store.mark(period, SERVICE_RESULTS, "all", f"{len(units.losses)} entry problem(s), {len(absent)} absent")
    score_source = f"{SOURCE_2026}, month {period}{pages.provenance}"
    for code, rows in sorted(units.scores.items()):
        if wanted is None or code in wanted:
            month.scores.extend((*row[:8], score_source) for row in rows)
    targets = sorted(c for c in units.departments if wanted is None or c in wanted)
    endpoints = sorted({m.endpoint for m in mappings})
    # The check covers every mapping of the endpoint (low-confidence ones too), so whether a
    # stored answer is good does not depend on --include-low-confidence.
    checks = {e: endpoint_reader([m for m in settings.mappings if m.endpoint == e]) for e in endpoints}
    lists = {e: next((m.unit_list for m in settings.mappings if m.endpoint == e and m.unit_list), None) for e in endpoints}
    jobs = {
        (code, endpoint): pool.submit(
            fetch_with_units,
            client,
            endpoint,
            _period_body(settings.endpoints[endpoint], period, 1, settings.page_size, units.departments[code]),
            period,
            f"{endpoint}.{code}",
            checks[endpoint],
            settings.max_pages,
            lists[endpoint],
            mappings,
            settings.unit_entry,
        )
        for code in targets
        for endpoint in endpoints
    }
    _gather(jobs, client.stop)
    for code in targets:
        unit_lists, sources = [], {}
        for endpoint in endpoints:
            pages, unit_list = jobs[(code, endpoint)].result()
            for text in pages.notes:
                month.note(f"{provinces.province_name(code)} ({code}) {text}")
            users = [m for m in mappings if m.endpoint == endpoint]
            if pages.data is None:
                month.lose(code, endpoint, ",".join(m.indicator for m in users), pages.problem)
                continue
            source = sources[endpoint] = f"National Public Service Portal 2026 reporting API{pages.provenance}"
            for mapping in users:
                _observation(month, code, mapping, pages.data, source)
            if unit_list is not None:
                unit_lists.append(unit_list)
        start = len(month.units)
        unit_rows(month, code, unit_lists, sources, settings.unit_entry, unit_notes)
        sums_above_province(month, code, start)
        bar.update(1)
    return month


def fetch(
    out_dir: str | Path,
    start: str,
    end: str,
    base_url: str | None = None,
    offline: bool = False,
    province_codes: list[str] | None = None,
    jobs: int | None = None,
    include_low_confidence: bool = False,
    today: dt.date | None = None,
    progress: bool = True,
    settings: PortalSettings | None = None,
    timeout: float | None = None,
    retries: int | None = None,
    backoff: float | None = None,
    max_pages: int | None = None,
    max_answer_mb: float | None = None,
) -> FetchResult:
    """Fetch (or replay) months ``start..end`` for every province (or ``province_codes``).

    Parameters
    ----------
    out_dir : path
        Output folder: ``observations.csv``, ``index766.csv``, ``missing.csv`` and ``raw/``.
    start, end : str
        ``YYYY-MM``. Months not yet over on ``today`` are not published and are skipped, with a message.
    base_url : str, optional
        The portal (default, from ``params/portal.yaml``), a mirror or a test server.
    offline : bool
        Rebuild from ``out_dir/raw`` without the network (byte-identical tables).
    jobs : int, optional
        Requests in flight at once (default 4, ``params/portal.yaml``).
    include_low_confidence : bool
        Also write indicators whose field mapping is marked low confidence (flagged in ``source``).
    timeout, retries, backoff, max_pages, max_answer_mb : optional
        Override ``params/portal.yaml``: the deadline of every try (seconds), further tries on
        5xx/timeouts, the backoff factor, pages followed per answer, the largest answer read.

    Raises
    ------
    DxError
        Bad months; :class:`~dxanalysis.portal.client.PortalUnreachable` or
        :class:`~dxanalysis.portal.client.PortalRefused` when the portal cannot be used.
    """
    from tqdm import tqdm

    settings = settings or load_settings()
    if max_pages is not None:
        settings = dataclasses.replace(settings, max_pages=int(max_pages))
    if max_answer_mb is not None:
        settings = dataclasses.replace(settings, max_answer_bytes=int(max_answer_mb * 2**20))
    for label, value in (("--from", start), ("--to", end)):
        if not is_period(value):
            raise DxError(f"{label} {value!r} is not a month; expected YYYY-MM such as 2026-01")
    if months_between(start, end) < 0:
        raise DxError(f"--from {start} is after --to {end}")
    jobs = settings.jobs if jobs is None else int(jobs)
    if jobs < 1:
        raise DxError("--jobs must be at least 1")
    out = Path(out_dir)
    base = (base_url or settings.base_url).rstrip("/")
    client = PortalClient(
        base,
        RawStore(out / "raw"),
        settings.path,
        timeout=settings.timeout if timeout is None else timeout,
        retries=settings.retries if retries is None else retries,
        backoff=settings.backoff if backoff is None else backoff,
        token_env=settings.token_env,
        offline=offline,
        max_answer_bytes=settings.max_answer_bytes,
    )
    mappings = [m for m in settings.mappings if include_low_confidence or m.confidence != "low"]
    skipped = [m for m in settings.mappings if m not in mappings]
    today = today or dt.date.today()
    current = f"{today.year:04d}-{today.month:02d}"
    months = period_range(start, end)
    published = [m for m in months if m < current]
    wanted = set(province_codes) if province_codes else None
    result_months: list[_Month] = []
    notes: list[tuple[str, bool]] = [
        (f"{m.indicator}: low-confidence mapping ({m.meaning}); not written (add --include-low-confidence)", False)
        for m in skipped
    ]
    for period in months[len(published) :]:
        skipped_month = _Month(period)
        skipped_month.lose("*", "*", "*", "not yet published (a month is served only after it ends)", say=False)
        result_months.append(skipped_month)
    if len(published) < len(months):
        notes.append(
            (
                f"{months[len(published)]}..{months[-1]}: not yet published (a month is served only after it "
                "ends); not requested",
                True,
            )
        )
    count = len(wanted) if wanted else 34
    bar = tqdm(total=len(published) * count, desc="fetch", unit="province-month", disable=not progress, file=sys.stderr)
    # Months are written as they finish (in month order), so memory holds one month, not the run.
    writers = TableWriters(out)
    pool = ThreadPoolExecutor(max_workers=jobs)
    unit_notes = UnitNotes()
    try:
        for period in published:
            month = _fetch_month(client, settings, period, wanted, mappings, pool, bar, unit_notes)
            writers.add(month)
            notes.extend(month.messages)
        for month in result_months:  # the unpublished months come last in time
            writers.add(month)
            notes.extend(month.messages)
        written = writers.commit()
        notes.extend(list_reporting_gaps(out))
        notes.extend((text, False) for text in unit_notes.summary())
    except (PortalUnreachable, PortalRefused) as exc:
        exc.requests_sent = client.requests_sent
        raise
    finally:
        # Whatever ended the run (a failure, a refusal, Ctrl-C): nothing more is sent, queued
        # requests are dropped, and the ones in flight end at their next read.
        client.stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        writers.discard()
        bar.close()
    return FetchResult(out, [t for t, _ in notes], client.requests_sent, written, [r for _, r in notes])


def default_range(today: dt.date | None = None) -> tuple[str, str]:
    """January of the current year to the last month that has ended (the current year's data)."""
    today = today or dt.date.today()
    current = f"{today.year:04d}-{today.month:02d}"
    last = add_months(current, -1)
    return (f"{today.year:04d}-01" if today.month > 1 else f"{today.year - 1:04d}-01"), last


__all__ = ["fetch", "FetchResult", "department_table", "default_range"]
