"""The timezones people pick from: canonical IANA zones only (no deprecated aliases), grouped by area.

``zoneinfo`` knows ~600 names, many of them old aliases (``Europe/Kiev``,
``Asia/Calcutta``, ``US/Eastern``) and administrative ones (``Etc/GMT+3``).
Pickers offer the canonical city zones of CLDR (through Babel's public
``zone_aliases`` table) plus ``UTC``; a stored alias is still understood
wherever a timezone is read.
"""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from babel.core import get_global
from flask_babel import lazy_gettext as _l

AREAS = {
    "Africa": _l("Africa"), "America": _l("America"), "Antarctica": _l("Antarctica"), "Arctic": _l("Arctic"),
    "Asia": _l("Asia"), "Atlantic": _l("Atlantic Ocean"), "Australia": _l("Australia"), "Europe": _l("Europe"),
    "Indian": _l("Indian Ocean"), "Pacific": _l("Pacific Ocean"),
}


@lru_cache(maxsize=1)
def canonical_timezones() -> tuple[str, ...]:
    """``UTC`` and every canonical Area/City zone this machine knows, sorted."""
    aliases = get_global("zone_aliases")
    zones = sorted(z for z in available_timezones() if z.split("/")[0] in AREAS and z not in aliases)
    return ("UTC", *zones)


def city_label(zone: str) -> str:
    """``America/Argentina/Buenos_Aires`` → ``Argentina / Buenos Aires``."""
    return zone.split("/", 1)[-1].replace("_", " ").replace("/", " / ")


def grouped_choices() -> dict[str, list[tuple[str, str]]]:
    """``{area label: [(zone, city label), ...]}`` for a select with one group per area (UTC first)."""
    groups: dict[str, list[tuple[str, str]]] = {"UTC": [("UTC", "UTC")]}
    for zone in canonical_timezones()[1:]:
        groups.setdefault(str(AREAS[zone.split("/")[0]]), []).append((zone, city_label(zone)))
    return groups


def flat_choices() -> list[tuple[str, str]]:
    """``[(zone, "Area / City"), ...]`` for pickers that take a flat list (the settings page)."""
    return [("UTC", "UTC")] + [(zone, f"{AREAS[zone.split('/')[0]]} / {city_label(zone)}")
                               for zone in canonical_timezones()[1:]]
