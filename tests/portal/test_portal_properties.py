"""Property tests of `dx fetch` (hypothesis): whatever JSON a server answers at any endpoint, the
run ends without a traceback, and every row it writes is consistent with what was served.

Answers are grown from the fake portal's own answer for the endpoint: that answer with up to
three places changed (a value replaced, a key dropped, a list item repeated), or, at every node,
the right value or a hostile one (null, NaN, infinities, huge or negative numbers, decimals, strings,
bools, lists and objects where they do not belong), lists of any length with repeats, an
envelope whose code or data is wrong, or bytes that are not JSON at all.
"""

import copy
import datetime as dt
import json
import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dxanalysis.core.errors import DxError
from dxanalysis.portal.checks import count_problem
from dxanalysis.portal.fake import FakePortal, FakePortalServer, Raw
from dxanalysis.portal.fetch import fetch
from dxanalysis.portal.mapping import is_missing, load_settings, pick

TODAY = dt.date(2026, 11, 26)
ENDPOINTS = [
    "service-results",
    "provide-online-tree",
    "formality-online-payment-tree",
    "dossier-digitized",
    "handling-satisfaction",
]
HA_NOI = "01"
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1234.7, 1e308, 10**20, -1, 0, 1.0, "1234", "", "x", [], {}, [None], [3]]),
    st.text(max_size=4),
)


def like(template):
    """Values shaped like ``template`` most of the time, hostile the rest, all the way down."""
    if isinstance(template, dict):
        inner = st.fixed_dictionaries({key: like(value) for key, value in template.items()})
    elif isinstance(template, list) and template:
        inner = st.lists(st.one_of(*[like(item) for item in template[:3]]), max_size=4)
    else:
        inner = st.just(template)
    return st.one_of(inner, inner, inner, HOSTILE)


def _paths(node, here=()):
    """Every place in a JSON value (as key/index tuples), containers included."""
    yield here
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield from _paths(child, (*here, key))


def _mutate(template, edits):
    """``template`` with each edit applied: ("set", path, value), ("drop", path) or ("dup", path)."""
    payload = copy.deepcopy(template)
    for kind, path, value in edits:
        if not path:
            payload = value if kind == "set" else payload
            continue
        parent = payload
        try:
            for step in path[:-1]:
                parent = parent[step]
            if kind == "set":
                parent[path[-1]] = value
            elif kind == "drop":
                del parent[path[-1]]
            elif isinstance(parent, list):  # a list item listed twice (a metric code, a province)
                parent.insert(path[-1], copy.deepcopy(parent[path[-1]]))
        except (KeyError, IndexError, TypeError):
            pass  # an earlier edit changed the shape: this one no longer applies
    return payload


def mutated(template):
    """The template with up to three places changed: near-valid answers, where rows are written."""
    paths = list(_paths(template))
    edit = st.tuples(st.sampled_from(["set", "set", "drop", "dup"]), st.sampled_from(paths), HOSTILE)
    return st.lists(edit, max_size=3).map(lambda edits: _mutate(template, edits))


class Scripted(FakePortal):
    """The fake portal, answering ``self.script`` (status, bytes) at ``self.endpoint``."""

    endpoint = None
    script = None

    def answer(self, endpoint, body):
        status, payload = super().answer(endpoint, body)
        if endpoint == self.endpoint:
            status, body_bytes = self.script
            return status, Raw(status, body_bytes)
        return status, payload


def _template(endpoint):
    portal = FakePortal(children=2)
    unit = next(u for u in portal.units if u["province_code"] == HA_NOI)
    body = {"timeType": "month", "year": 2026, "month": 8, "rootDepartmentId": unit["department_id"], "currentPage": 1}
    if endpoint == "handling-satisfaction":
        body = {**body, "fromDate": "2026-08-01", "toDate": "2026-08-31"}
    _, payload = portal.answer(endpoint, body)
    if endpoint == "service-results":  # Hà Nội, Hồ Chí Minh City and one more: lists of any of them
        units = payload["data"]["evaluation"]
        payload["data"]["evaluation"] = [u for u in units if u["departmentName"].endswith(("Hà Nội", "Hồ Chí Minh", "Huế"))]
    return payload


def answers(endpoint):
    template = _template(endpoint)
    envelope = st.fixed_dictionaries(
        {"code": st.one_of(st.just("OK"), st.just("OK"), st.just("OK"), HOSTILE), "data": like(template["data"])},
        optional={"message": HOSTILE, "pagination": like({"total": 3, "totalPages": 2, "currentPage": 1})},
    )
    payload = st.one_of(mutated(template), mutated(template), envelope)
    body = st.one_of(payload.map(lambda p: json.dumps(p, allow_nan=True).encode()), st.binary(max_size=20))
    return st.tuples(st.sampled_from([201, 201, 201, 200, 400, 404]), body)


@pytest.fixture(scope="module")
def server():
    with FakePortalServer(Scripted(children=2, keep_log=False)) as running:
        yield running


def _consistent(result, endpoint, status, body):
    obs, scores, missing = result.observations, result.scores, result.missing
    assert not obs.duplicated(["province_code", "period", "indicator"]).any()
    for row in obs.itertuples():
        assert 0 <= row.numerator <= row.denominator and row.denominator > 0
        assert math.isclose(row.value, round(row.numerator / row.denominator * 100, 4), abs_tol=1e-9)
    for row in scores.itertuples():
        assert math.isfinite(row.points) and 0 <= row.points <= row.max_points + 1e-9
    mappings = [m for m in load_settings().mappings if m.confidence != "low"]
    try:
        served = json.loads(body)
    except ValueError:
        served = None
    for mapping in mappings:
        rows = obs[obs.indicator == mapping.indicator]
        if mapping.endpoint == endpoint and len(rows):  # what was written is exactly what was served
            assert 200 <= status < 300 and isinstance(served, dict) and isinstance(served.get("data"), dict)
            for path, column in ((mapping.numerator, "numerator"), (mapping.denominator, "denominator")):
                value = pick(served["data"], path)
                assert not is_missing(value) and value is not None and count_problem(value) is None
                assert int(value) == int(rows[column].iloc[0])
        # nothing vanishes: each indicator is written, or missing.csv says why not
        lost = missing[missing.province_code.isin([HA_NOI, "*"])]
        named = set(",".join(lost.indicator).split(","))
        assert len(rows) == 1 or mapping.indicator in named or "*" in named, (mapping.indicator, lost.to_dict("records"))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_any_answer_at_any_endpoint_no_traceback_and_consistent_rows(server, endpoint):
    @SETTINGS
    @given(answers(endpoint))
    def check(script):
        server.portal.endpoint, server.portal.script = endpoint, script
        with tempfile.TemporaryDirectory() as out:
            try:
                result = fetch(
                    Path(out), "2026-08", "2026-08", base_url=server.url, today=TODAY, progress=False,
                    province_codes=[HA_NOI], retries=0, timeout=5,
                )  # fmt: skip
            except DxError as exc:  # the only way out that is not a table: a firewall-like page
                assert script[1].lstrip()[:1] == b"<", exc
                return
            _consistent(result, endpoint, *script)

    check()
