"""``dx fetch``: every province's monthly figures from the portal's 2026 reporting API.

Load: for each month, ``service-results`` lists the 34 provinces (ids, names, 766 group scores);
then, per province, the endpoints of ``params/portal.yaml``. Compute: the field mapping turns
answers into observation rows; ``null`` and absent fields are recorded as missing, never as zero.
Save, in ``DIR``: ``observations.csv`` (observation contract), ``index766.csv`` (766 contract),
``missing.csv`` (what could not be read and why) and every raw answer under ``raw/``.

``offline=True`` rebuilds the three tables from ``raw/`` alone, byte for byte as online.
"""

from __future__ import annotations

import datetime as dt
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import provinces
from ..errors import DxError, Problem
from ..index766 import SOURCE_2026
from ..index766_api import rows_from_evaluation
from ..periods import add_months, is_period, months_between, period_range
from .client import OFFICIAL_BASE_URL, PortalClient, RawAnswer, RawStore
from .mapping import FieldMapping, PortalSettings, is_missing, load_settings, pick
from .tables import MISSING_COLUMNS, OBSERVATION_COLUMNS, TableWriters, department_table, fallback_ids  # noqa: F401

SERVICE_RESULTS = "service-results"
#: More pages than this for one answer is a broken server, not a big province.
MAX_PAGES = 500


@dataclass
class FetchResult:
    """What ``dx fetch`` produced: the three tables (read back on demand), messages, request count."""

    out_dir: Path
    messages: list[str] = field(default_factory=list)
    requests_sent: int = 0
    written: list[Path] = field(default_factory=list)

    @property
    def observations(self) -> pd.DataFrame:
        return pd.read_csv(self.out_dir / "observations.csv", dtype={"province_code": str, "period": str})

    @property
    def scores(self) -> pd.DataFrame:
        return pd.read_csv(self.out_dir / "index766.csv", dtype={"province_code": str, "period": str})

    @property
    def missing(self) -> pd.DataFrame:
        return pd.read_csv(self.out_dir / "missing.csv", dtype={"province_code": str, "period": str})


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
        self.missing: list[tuple] = []
        self.messages: list[str] = []

    def lose(self, code: str, endpoint: str, indicator: str, reason: str, say: bool = True) -> None:
        self.missing.append((self.period, code, endpoint, indicator, reason))
        if say:
            name = provinces.province_name(code) if code not in ("", "*") else "every province"
            self.messages.append(f"{self.period} {name} ({code or '*'}) {endpoint}: {reason}; recorded as missing")


def _envelope(answer: RawAnswer | None, offline: bool) -> tuple[dict | None, str | None]:
    """(data, None) for a good answer, else (None, why not)."""
    if answer is None:
        return None, "not in the raw store (offline)" if offline else "no answer"
    if not 200 <= answer.status < 300:
        return None, f"HTTP {answer.status}"
    try:
        payload = answer.json()
    except ValueError:
        return None, "the answer is not JSON"
    if not isinstance(payload, dict) or payload.get("code") != "OK":
        code = payload.get("code") if isinstance(payload, dict) else None
        message = payload.get("message") if isinstance(payload, dict) else None
        return None, f"envelope code {code!r}, not 'OK'" + (f" ({message})" if message else "")
    data = payload.get("data")
    if not isinstance(data, dict):
        return None, "the envelope has no data"
    return data, None


def _provenance(answer: RawAnswer) -> str:
    """Where and when an answer was fetched, from its sidecar (so an offline replay says the same)."""
    url = str(answer.meta.get("url", ""))
    base = url.split("/api/", 1)[0]
    via = "" if base == OFFICIAL_BASE_URL else f" via {base}"
    return f"{via}, fetched {answer.fetched_on}"


def _all_pages(
    client: PortalClient, endpoint: str, body: dict, period: str, key: str
) -> tuple[dict | None, str | None, str]:
    """First page's data (with list items of later pages appended), the reason it failed, and
    where and when it was fetched. Later pages are requested only while ``currentPage < totalPages``."""
    first = client.post(endpoint, body, period, key)
    data, why = _envelope(first, client.offline)
    if data is None:
        return None, why, ""
    pages = data.get("pagination") or {}
    total = int(pages.get("totalPages") or 1) if isinstance(pages, dict) else 1
    if total > MAX_PAGES:
        return None, f"{total} pages announced (more than {MAX_PAGES}): refusing", ""
    for page in range(2, total + 1):
        answer = client.post(endpoint, {**body, "currentPage": page}, period, f"{key}.p{page}")
        more, why = _envelope(answer, client.offline)
        if more is None:
            return None, f"page {page} of {total}: {why}", ""
        for list_key in ("evaluation", "children"):
            if isinstance(more.get(list_key), list) and isinstance(data.get(list_key), list):
                data[list_key] = data[list_key] + more[list_key]
    return data, None, _provenance(first)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _observation(month: _Month, code: str, mapping: FieldMapping, data: dict, source: str) -> None:
    numerator, denominator = pick(data, mapping.numerator), pick(data, mapping.denominator)
    for value, path in (
        (numerator, mapping.numerator),
        (denominator, mapping.denominator),
    ):
        if is_missing(value):
            return month.lose(code, mapping.endpoint, mapping.indicator, f"{path} is absent from the answer")
        if value is None:
            return month.lose(code, mapping.endpoint, mapping.indicator, f"{path} is null")
        if _number(value) is None:
            return month.lose(code, mapping.endpoint, mapping.indicator, f"{path} is {value!r}, not a number")
    num, den = _number(numerator), _number(denominator)
    if den <= 0:
        return month.lose(code, mapping.endpoint, mapping.indicator, f"{mapping.denominator} is {den:g} (no records)")
    if num < 0 or num > den:
        return month.lose(
            code,
            mapping.endpoint,
            mapping.indicator,
            f"{mapping.numerator} = {num:g} is outside 0..{mapping.denominator} = {den:g}",
        )
    month.observations.append(
        (code, month.period, mapping.indicator, num, den, round(num / den * 100, 4), f"{source}, {mapping.source_text()}")
    )


def _fetch_month(
    client: PortalClient,
    settings: PortalSettings,
    period: str,
    wanted: set[str] | None,
    mappings: list[FieldMapping],
    pool: ThreadPoolExecutor,
    bar,
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
    data, why, provenance = _all_pages(client, SERVICE_RESULTS, body, period, "all")
    if data is None or not isinstance(data.get("evaluation"), list):
        month.lose("*", SERVICE_RESULTS, "*", why or "no evaluation list in the answer")
        return month
    fallback = fallback_ids()
    departments: dict[str, str] = {}
    for unit in data["evaluation"]:
        name = str(unit.get("departmentName", ""))
        code = (
            provinces.try_resolve(name, "current")
            or fallback.get(str(unit.get("departmentId")))
            or fallback.get(str(unit.get("departmentCode")))
        )
        if code is None:
            month.messages.append(
                f"{period} {SERVICE_RESULTS}: {name!r} ({unit.get('departmentCode')}) matches none "
                "of the 34 provinces; left out"
            )
            continue
        if code in departments:
            month.messages.append(f"{period} {SERVICE_RESULTS}: {name!r} is listed twice; the first is kept")
            continue
        departments[code] = str(unit.get("departmentId", ""))
        if wanted is None or code in wanted:
            problems: list[Problem] = []
            rows = rows_from_evaluation([unit], period, "month", SERVICE_RESULTS, problems)
            if problems:
                month.lose(code, SERVICE_RESULTS, "index766", "; ".join(p.message for p in problems))
            else:
                score_source = f"{SOURCE_2026}, month {period}{provenance}"
                month.scores.extend((*row[:8], score_source) for row in rows)
    all_codes = provinces.current_provinces()["code"].tolist()
    for code in sorted(set(all_codes) - set(departments)):
        if wanted is None or code in wanted:
            month.lose(code, SERVICE_RESULTS, "*", "province absent from the service-results list")
    targets = sorted(c for c in departments if wanted is None or c in wanted)
    endpoints = sorted({m.endpoint for m in mappings})
    jobs = {
        (code, endpoint): pool.submit(
            _all_pages,
            client,
            endpoint,
            _period_body(settings.endpoints[endpoint], period, 1, settings.page_size, departments[code]),
            period,
            f"{endpoint}.{code}",
        )
        for code in targets
        for endpoint in endpoints
    }
    for code in targets:
        for endpoint in endpoints:
            data, why, provenance = jobs[(code, endpoint)].result()
            users = [m for m in mappings if m.endpoint == endpoint]
            if data is None:
                month.lose(code, endpoint, ",".join(m.indicator for m in users), why)
                continue
            source = f"National Public Service Portal 2026 reporting API{provenance}"
            for mapping in users:
                _observation(month, code, mapping, data, source)
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

    Raises
    ------
    DxError
        Bad months; :class:`~dxanalysis.portal.client.PortalUnreachable` or
        :class:`~dxanalysis.portal.client.PortalRefused` when the portal cannot be used.
    """
    from tqdm import tqdm

    settings = settings or load_settings()
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
    )
    mappings = [m for m in settings.mappings if include_low_confidence or m.confidence != "low"]
    skipped = [m for m in settings.mappings if m not in mappings]
    today = today or dt.date.today()
    current = f"{today.year:04d}-{today.month:02d}"
    months = period_range(start, end)
    published = [m for m in months if m < current]
    wanted = set(province_codes) if province_codes else None
    result_months: list[_Month] = []
    notes = [
        f"{m.indicator}: low-confidence mapping ({m.meaning}); not written (add --include-low-confidence)" for m in skipped
    ]
    for period in months[len(published) :]:
        skipped_month = _Month(period)
        skipped_month.lose("*", "*", "*", "not yet published (a month is served only after it ends)", say=False)
        result_months.append(skipped_month)
    if len(published) < len(months):
        notes.append(
            f"{months[len(published)]}..{months[-1]}: not yet published (a month is served only after it "
            "ends); not requested"
        )
    count = len(wanted) if wanted else 34
    bar = tqdm(total=len(published) * count, desc="fetch", unit="province-month", disable=not progress, file=sys.stderr)
    # Months are written as they finish (in month order), so memory holds one month, not the run.
    writers = TableWriters(out)
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for period in published:
                month = _fetch_month(client, settings, period, wanted, mappings, pool, bar)
                writers.add(month)
                notes.extend(month.messages)
        for month in result_months:  # the unpublished months come last in time
            writers.add(month)
            notes.extend(month.messages)
        written = writers.commit()
    finally:
        writers.discard()
        bar.close()
    return FetchResult(out, notes, client.requests_sent, written)


def default_range(today: dt.date | None = None) -> tuple[str, str]:
    """January of the current year to the last month that has ended (the current year's data)."""
    today = today or dt.date.today()
    current = f"{today.year:04d}-{today.month:02d}"
    last = add_months(current, -1)
    return (f"{today.year:04d}-01" if today.month > 1 else f"{today.year - 1:04d}-01"), last


__all__ = ["fetch", "FetchResult", "department_table", "default_range"]
