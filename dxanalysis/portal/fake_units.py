"""The departments and communes the local test portal (:mod:`.fake`) lists under each province.

In the shape of the real answers (read from the public client code ChippedTopaz/qd766, Phú Thọ,
August 2026; facts only, no captured number): each unit has a ``departmentId``, a
``departmentName`` as published ("UBND Phường Việt Trì", "UBND xã Lâm Thao - Tỉnh Phú Thọ",
"Sở Tài chính - Tỉnh Phú Thọ"), a ``departmentCode`` under the province's (``H44.100``), and a
level: ``PROVINCE`` for a department, ``COMMUNE`` for a commune. The communes are each
province's real ones (names from the bundled list, ``data/communes``), so most names match; the
departments are a plausible set. Every count is **SYNTHETIC**, and a province's units add up to
at most the province's own figures.
"""

from __future__ import annotations

import functools
import hashlib

DEPARTMENTS = (
    "Văn phòng UBND tỉnh",
    "Sở Tài chính",
    "Sở Tư pháp",
    "Sở Nội vụ",
    "Sở Công Thương",
    "Sở Xây dựng",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Nông nghiệp và Môi trường",
    "Sở Khoa học và Công nghệ",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Dân tộc và Tôn giáo",
    "Ban quản lý các khu công nghiệp",
)
#: Departments handle a small share of a province's records; communes the rest.
DEPARTMENT_SHARE = 0.15


def _rng(*parts) -> float:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _published(name: str) -> str:
    """A commune's name as the portal publishes it: "UBND Phường X", "UBND xã X", "UBND Đặc khu X"."""
    first, _, rest = name.partition(" ")
    return f"UBND {'xã' if first == 'Xã' else first} {rest}"


@functools.lru_cache(maxsize=64)
def roster(province_code: str, department_id: str, department_code: str, department_name: str) -> tuple[dict, ...]:
    """The province's units, in code order, each with a ``weight`` (its share of the province;
    the weights add up to 1)."""
    from ..data.communes import load_communes

    suffix = department_name.removeprefix("UBND ")
    suffix = suffix[:1].upper() + suffix[1:]  # "tỉnh Phú Thọ" -> "Tỉnh Phú Thọ", as the real names end
    units = []
    for i, name in enumerate(DEPARTMENTS, start=1):
        units.append(
            {
                "departmentId": f"{department_id}-d{i:02d}",
                "departmentName": f"{name} - {suffix}",
                "departmentCode": f"{department_code}.{i:02d}",
                "level": "PROVINCE",
                "departmentType": "PROVINCIAL_DEPARTMENT",
                "raw": DEPARTMENT_SHARE * (0.2 + _rng(province_code, name)),
            }
        )
    communes = load_communes()
    mine = communes[communes["province_code"] == province_code].sort_values("ward_code")
    for i, name in enumerate(mine["name"], start=100):
        published = _published(name)
        if i % 10 == 3:  # some real names carry the province after a dash
            published = f"{published} - {suffix}"
        units.append(
            {
                "departmentId": f"{department_id}-c{i:03d}",
                "departmentName": published,
                "departmentCode": f"{department_code}.{i}",
                "level": "COMMUNE",
                "departmentType": "COMMUNE_PEOPLE_COMMITTEE",
                "raw": (1 - DEPARTMENT_SHARE) * (0.3 + _rng(province_code, name)),
            }
        )
    total = sum(u["raw"] for u in units)
    return tuple({**{k: v for k, v in u.items() if k != "raw"}, "weight": u["raw"] / total} for u in units)


def split(units: tuple[dict, ...], period: str, what: str, numerator: int, denominator: int) -> list[tuple[int, int]]:
    """Each unit's (numerator, denominator) of a province's ``numerator / denominator``: shares
    that move a little month to month, rates at most the province's, so the units' denominators
    and numerators each add up to at most the province's."""
    out = []
    rate = numerator / denominator if denominator else 0.0
    for unit in units:
        code = unit["departmentCode"]
        den = int(denominator * unit["weight"] * (0.9 + 0.1 * _rng(code, period, what, "d")))
        num = int(den * rate * (0.8 + 0.2 * _rng(code, period, what, "n")))
        out.append((num, den))
    return out


__all__ = ["DEPARTMENTS", "roster", "split"]
