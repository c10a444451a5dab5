"""`dx fetch` against a hostile local portal that counts the requests it receives (issue 21).

One test per fault class, parametrised over the fault's kinds: wrong numbers, ambiguity, bad
shapes, a damaged raw store, refusals, trickles, failures after retries, pagination loops, huge
answers, and the messages (the last six in test_portal_limits.py). Localhost only; the one timed
assertion is the generous deadline one.
"""

import copy
import datetime as dt
import json

import pytest

from dxanalysis.cli.main import main
from dxanalysis.portal.fake import FakePortal, FakePortalServer, Raw
from dxanalysis.portal.fetch import fetch

TODAY = dt.date(2026, 11, 26)
HA_NOI, HCMC = "01", "79"


class Hostile(FakePortal):
    """The fake portal, with ``fault(endpoint, code, body, status, payload)`` replacing answers
    (``code`` is the province asked about, ``None`` for service-results; return ``None`` to keep
    the answer). Counts the requests received before the first refusal went out."""

    def __init__(self, fault=None, **kwargs):
        super().__init__(**kwargs)
        self.fault = fault
        self.received_at_first_refusal = None
        self.first_refused = None

    def answer(self, endpoint, body):
        status, payload = super().answer(endpoint, body)
        unit = self.by_id.get(str(body.get("rootDepartmentId")))
        replaced = self.fault(endpoint, unit and unit["province_code"], body, status, payload) if self.fault else None
        if replaced is not None:
            status, payload = replaced
        refusal = status in (403, 429) or (isinstance(payload, Raw) and "html" in payload.content_type and status < 500)
        with self._lock:
            if refusal and self.received_at_first_refusal is None:  # what had arrived when it went out
                self.received_at_first_refusal = len(self.requests)
            if refusal and (self.first_refused is None or self.arrival() < self.first_refused):
                self.first_refused = self.arrival()  # the earliest request refused
        return status, payload


def run(tmp_path, portal, out="out", **kwargs):
    kwargs = {"today": TODAY, "progress": False, "backoff": 0.0, "retries": 1, "timeout": 5, **kwargs}
    with FakePortalServer(portal) as server:
        result = fetch(
            tmp_path / out, kwargs.pop("start", "2026-08"), kwargs.pop("end", "2026-08"), base_url=server.url, **kwargs
        )
    return result


def setting(payload, path, value):
    """A copy of an answer with ``value`` at ``path`` (keys and list positions)."""
    payload = copy.deepcopy(payload)
    node = payload
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return payload


def only(endpoint, code, change):
    """A fault changing one endpoint's answer for one province (``code`` None: service-results)."""

    def fault(e, c, body, status, payload):
        return change(status, payload, body) if e == endpoint and c == code else None

    return fault


def sent(portal, endpoint, code=None):
    ids = {u["province_code"]: u["department_id"] for u in portal.units}
    return sum(1 for e, b in portal.requests if e == endpoint and (code is None or b.get("rootDepartmentId") == ids[code]))


# ------------------------------------------------------------------------- wrong numbers

BAD_COUNTS = [1234.7, float("nan"), float("inf"), float("-inf"), 1e308, 10**20, -5, "1234", True, [3], {"n": 1}]


@pytest.mark.parametrize("value", BAD_COUNTS, ids=repr)
def test_a_bad_count_is_recorded_with_its_path_never_cast_and_asked_again(tmp_path, value):
    fault = only(
        "provide-online-tree", HA_NOI, lambda s, p, b: (s, setting(p, ["data", "parent", "channelOnlineSum"], value))
    )
    result = run(tmp_path, Hostile(fault), province_codes=[HA_NOI, HCMC])
    obs, missing = result.observations, result.missing
    assert not ((obs.province_code == HA_NOI) & (obs.indicator == "online_records")).any()
    assert (obs.indicator == "online_records").sum() == 1  # Hồ Chí Minh City is unaffected
    row = missing[(missing.province_code == HA_NOI) & (missing.indicator == "online_records")]
    assert len(row) == 1 and "data.parent.channelOnlineSum is " in row.reason.iloc[0]
    assert (obs.numerator == obs.numerator.round()).all() and (obs.numerator >= 0).all()
    meta = json.loads((tmp_path / "out/raw/2026-08/provide-online-tree/provide-online-tree.01.json.meta.json").read_text())
    assert meta["checked"] != "ok" and "channelOnlineSum" in meta["checked"]
    # the poisoned answer is not replayed as good: a healthy portal is asked again, and only for it
    healthy = Hostile()
    again = run(tmp_path, healthy, province_codes=[HA_NOI, HCMC])
    assert len(healthy.requests) == 1 and sent(healthy, "provide-online-tree", HA_NOI) == 1
    assert again.missing.empty and len(again.observations) == 2 * 5


# ------------------------------------------------------------------------- ambiguity


def _duplicate_metric(status, payload, body):
    metrics = payload["data"]["overview"]["metrics"]
    twin = {**metrics[1], "numerator": 1, "denominator": 2}
    return status, setting(payload, ["data", "overview", "metrics"], [*metrics, twin])


def _hanoi_twice_first_with_hcmc_id(status, payload, body):
    units = payload["data"]["evaluation"]
    hanoi = next(u for u in units if u["departmentName"].endswith("Hà Nội"))
    hcmc = next(u for u in units if "Hồ Chí Minh" in u["departmentName"])
    impostor = {**hanoi, "departmentId": hcmc["departmentId"], "departmentCode": hcmc["departmentCode"]}
    return status, setting(payload, ["data", "evaluation"], [impostor, *units])


def _hcmc_with_hanoi_id(status, payload, body):
    units = copy.deepcopy(payload["data"]["evaluation"])
    hanoi = next(u for u in units if u["departmentName"].endswith("Hà Nội"))
    hcmc = next(u for u in units if "Hồ Chí Minh" in u["departmentName"])
    hcmc["departmentId"] = hanoi["departmentId"]
    return status, setting(payload, ["data", "evaluation"], units)


def _one_new_id_for_two(status, payload, body):
    units = copy.deepcopy(payload["data"]["evaluation"])
    for unit in units:
        if unit["departmentName"].endswith("Hà Nội") or "Hồ Chí Minh" in unit["departmentName"]:
            unit["departmentId"] = "an-id-the-bundled-table-does-not-know"
    return status, setting(payload, ["data", "evaluation"], units)


@pytest.mark.parametrize(
    "endpoint, change, lost, words",
    [
        ("dossier-digitized", _duplicate_metric, {(HA_NOI, "digitised_records")}, "listed more than once"),
        ("service-results", _hanoi_twice_first_with_hcmc_id, {(HA_NOI, "*")}, "listed 2 times"),
        ("service-results", _hcmc_with_hanoi_id, {(HCMC, "*")}, "carries the id or code of Hà Nội"),
        ("service-results", _one_new_id_for_two, {(HA_NOI, "*"), (HCMC, "*")}, "also given for"),
    ],
    ids=["metric-code-twice", "province-twice-with-another-id", "another-province-id", "one-id-two-provinces"],
)
def test_ambiguity_is_recorded_and_left_out_never_chosen(tmp_path, endpoint, change, lost, words):
    code = HA_NOI if endpoint != "service-results" else None
    result = run(tmp_path, Hostile(only(endpoint, code, change)))
    obs, missing = result.observations, result.missing
    for province, indicator in lost:
        rows = missing[(missing.province_code == province) & (missing.endpoint == endpoint)]
        if indicator != "*":
            rows = rows[rows.indicator == indicator]
            assert not ((obs.province_code == province) & (obs.indicator == indicator)).any()
        else:
            assert province not in set(obs.province_code) and province not in set(result.scores.province_code)
        assert rows.reason.str.contains(words).any()
        assert any(words in m and f"({province})" in m for m in result.messages)  # named on the terminal
    kept = obs[~obs.province_code.isin({p for p, _ in lost})]
    assert kept.province_code.nunique() == 34 - len({p for p, _ in lost})
    if endpoint == "service-results":  # Hồ Chí Minh City's own entry is untouched by Hà Nội's impostor
        assert (HCMC in set(obs.province_code)) == ((HCMC, "*") not in lost)


# ------------------------------------------------------------------------- shapes

DEEP = b'{"code":"OK","data":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
SHAPES = {
    "evaluation-null": ("service-results", ["data", "evaluation"], None),
    "evaluation-x": ("service-results", ["data", "evaluation"], "x"),
    "evaluation-3": ("service-results", ["data", "evaluation"], 3),
    "evaluation-holding-null": ("service-results", ["data", "evaluation", 0], None),
    "groupScores-list": ("service-results", ["data", "evaluation", 0, "groupScores"], [1, 2]),
    "name-a-list": ("service-results", ["data", "evaluation", 0, "departmentName"], [[["x"]]]),
    "totalPages-abc": ("dossier-digitized", ["data", "pagination"], {"totalPages": "abc"}),
    "totalPages-list": ("dossier-digitized", ["data", "pagination"], {"totalPages": [3]}),
    "parent-x": ("provide-online-tree", ["data", "parent"], "x"),
    "metrics-object": ("dossier-digitized", ["data", "overview", "metrics"], {"code": "x"}),
    "children-3": ("formality-online-payment-tree", ["data", "children"], 3),
    "data-list": ("handling-satisfaction", ["data"], [1]),
    "envelope-list": ("provide-online-tree", None, [1, 2]),
    "not-json": ("provide-online-tree", None, Raw(201, b'{"code": "OK", "data": {')),
    "deep-json": ("dossier-digitized", None, Raw(201, DEEP)),
}


@pytest.mark.parametrize("kind", list(SHAPES))
def test_a_bad_shape_is_one_line_of_missing_csv_and_no_traceback(tmp_path, kind, capsys):
    endpoint, path, value = SHAPES[kind]
    code = None if endpoint == "service-results" else HA_NOI

    def change(status, payload, body):
        return (status, value) if path is None else (status, setting(payload, path, value))

    with FakePortalServer(Hostile(only(endpoint, code, change))) as server:
        args = ["fetch", "--from", "2026-08", "--to", "2026-08", "--out", str(tmp_path / "o"), "--base-url", server.url]
        exit_code = main([*args, "--quiet", "--provinces", "01,79"])
    err = capsys.readouterr().err
    assert "Traceback" not in err and exit_code == (1 if endpoint == "service-results" else 0)
    missing = _read_missing(tmp_path / "o")
    lines = [m for m in missing if m["endpoint"] == endpoint]
    assert len(lines) == 1 and lines[0]["province_code"] == (code or "*"), lines
    assert "note: 2026-08" in err and endpoint in err


def _read_missing(out):
    import pandas as pd

    return pd.read_csv(out / "missing.csv", dtype=str, keep_default_na=False).to_dict("records")


# ------------------------------------------------------------------------- the raw store heals itself

DAMAGE = {
    "not-json": lambda meta, body: ("{not json", body),
    "a-list": lambda meta, body: ("[]", body),
    "status-text": lambda meta, body: (json.dumps({**meta, "status": "abc"}), body),
    "status-bool": lambda meta, body: (json.dumps({**meta, "status": True}), body),
    "checksum": lambda meta, body: (json.dumps(meta), body + b" "),
    "not-utf8": lambda meta, body: (b"\xff\xfe{", body),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("which", ["service-results/all", "provide-online-tree/provide-online-tree.79"])
def test_a_damaged_raw_answer_is_missing_offline_and_fetched_again_online(tmp_path, damage, which):
    run(tmp_path, Hostile(), province_codes=[HA_NOI, HCMC])
    body_path = tmp_path / f"out/raw/2026-08/{which}.json"
    meta_path = body_path.with_name(body_path.name + ".meta.json")
    meta_text, body = DAMAGE[damage](json.loads(meta_path.read_text()), body_path.read_bytes())
    meta_path.write_bytes(meta_text if isinstance(meta_text, bytes) else meta_text.encode())
    body_path.write_bytes(body)
    offline = fetch(tmp_path / "out", "2026-08", "2026-08", offline=True, today=TODAY, progress=False)
    assert offline.missing.reason.str.contains("cannot be used").sum() == 1
    healthy = Hostile()
    online = run(tmp_path, healthy, province_codes=[HA_NOI, HCMC])
    assert len(healthy.requests) == 1 and healthy.requests[0][0] == which.split("/")[0]
    assert online.missing.empty and len(online.observations) == 2 * 5
    assert any("fetched again" in m for m in online.messages)


@pytest.mark.parametrize("score", [float("nan"), float("inf"), None, 99.0], ids=repr)
def test_766_notes_name_the_entry_at_its_real_place(tmp_path, score):
    def change(status, payload, body):
        units = payload["data"]["evaluation"]
        place = next(i for i, u in enumerate(units) if "Hồ Chí Minh" in u["departmentName"])
        return status, setting(payload, ["data", "evaluation", place, "groupScores", "CKMB"], score), place + 1

    places = []

    def fault(endpoint, code, body, status, payload):
        if endpoint != "service-results":
            return None
        status, payload, place = change(status, payload, body)
        places.append(place)
        return status, payload

    result = run(tmp_path, Hostile(fault), province_codes=[HCMC])
    notes = [m for m in result.messages if "province #" in m]
    assert places[0] > 1 and notes  # before, every note said "province #1"
    assert all(f"province #{places[0]} (UBND Thành phố Hồ Chí Minh)" in m for m in notes), notes
    assert HCMC not in set(result.scores.province_code)
