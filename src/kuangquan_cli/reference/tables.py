"""Reference data loaded from ``schemas/``: fields, enumerations, divisions, procedures.

Everything here is data the office may need to correct without touching code, so it is read
from the bundled TOML/CSV files once per process and kept in immutable objects.
"""

from __future__ import annotations

import csv
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from kuangquan_cli.errors import KqError
from kuangquan_cli.reference.resources import schema_file
from kuangquan_cli.reference.vocabulary import COAL, check_vocabulary
from kuangquan_cli.text import header_keys, key


@dataclass(frozen=True)
class Field:
    """One ledger column (docs/ledger.md#字段)."""

    name: str
    header: str
    aliases: tuple[str, ...]
    kind: str
    required: str
    hint: str
    enum: str | None = None
    letter_index: int = 0  # position in the template, 0-based


@dataclass(frozen=True)
class Enumeration:
    """Allowed values of one enum and the spellings that mean them."""

    name: str
    values: tuple[str, ...]
    lookup: dict[str, str] = field(repr=False)

    def resolve(self, raw: str) -> str | None:
        return self.lookup.get(key(raw))

    def suggest(self, raw: str) -> str | None:
        """The closest allowed value to an unknown spelling, for a did-you-mean message. Half the
        characters must agree: one shared character of two or three (停产 and 已复产) is no
        ground for a guess, and a wrong guess offered is worse than none."""
        wanted = key(raw)
        candidates = list(self.lookup)
        best = difflib.get_close_matches(wanted, candidates, n=1, cutoff=0.5)
        if best:
            return self.lookup[best[0]]
        for candidate, value in self.lookup.items():
            if candidate and (candidate in wanted or wanted in candidate):
                return value
        return None


@dataclass(frozen=True)
class Divisions:
    """The 12 盟市, their county-level divisions and the short names people use for both."""

    cities: tuple[str, ...]
    city_codes: dict[str, str]
    counties: dict[str, tuple[str, ...]]
    city_aliases: dict[str, tuple[str, ...]]
    county_aliases: dict[str, tuple[tuple[str, str], ...]]

    def city_candidates(self, raw: str) -> tuple[str, ...]:
        return self.city_aliases.get(key(raw), ())

    def county_candidates(self, raw: str) -> tuple[tuple[str, str], ...]:
        """Every (city, county) a spelling may mean; several where a short name is ambiguous."""
        return self.county_aliases.get(key(raw), ())

    def suggest_county(self, raw: str, city: str) -> str | None:
        best = difflib.get_close_matches(raw, self.counties.get(city, ()), n=1, cutoff=0.3)
        return best[0] if best else None


def _read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _csv(filename: str) -> list[dict[str, str]]:
    with schema_file(filename).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def fields() -> tuple[Field, ...]:
    return tuple(
        Field(
            name=item["name"],
            header=item["header"],
            aliases=tuple(item.get("aliases", ())),
            kind=item["kind"],
            required=item["required"],
            hint=item.get("hint", ""),
            enum=item.get("enum"),
            letter_index=index,
        )
        for index, item in enumerate(_read_toml(schema_file("fields.toml"))["fields"])
    )


@cache
def field_by_name() -> dict[str, Field]:
    return {f.name: f for f in fields()}


@cache
def header_lookup() -> dict[str, str]:
    """Normalised header text → field name, for the canonical headers and every alias."""
    lookup: dict[str, str] = {}
    for f in fields():
        for spelling in (f.header, *f.aliases):
            lookup.setdefault(header_keys(spelling)[0], f.name)
    return lookup


@cache
def enumerations() -> dict[str, Enumeration]:
    return load_enumerations(schema_file("enums.toml"))


def load_enumerations(path: Path) -> dict[str, Enumeration]:
    """The enumerations of an ``enums.toml``, refused (naming the file) where a synonym means no
    allowed value or a value kq's rules rely on is gone: the office edits this file by hand."""
    result = {}
    for name, table in _read_toml(path).items():
        values = tuple(table["values"])
        lookup = {key(v): v for v in values}
        for spelling, value in table.get("synonyms", {}).items():
            if value not in values:
                raise KqError(f"{path} 中枚举 {name} 的写法「{spelling}」对应「{value}」，但「{value}」不在 values 中")
            lookup.setdefault(key(spelling), value)
        result[name] = Enumeration(name, values, lookup)
    check_vocabulary({name: e.values for name, e in result.items()}, str(path))
    return result


_NAME_AND_HINT = re.compile(r"^([^\s(（]+)\s*(?:[(（]([^)）]*)[)）])?")


def _alias_names(cell: str) -> list[str]:
    """Names in an alias cell such as ``呼市;青城`` or ``昭乌达盟(昭盟)`` or ``扎旗(ambiguous …)``."""
    names = []
    for part in filter(None, (p.strip() for p in cell.split(";"))):
        match = _NAME_AND_HINT.match(part)
        if not match:
            continue
        names.append(match.group(1))
        hint = match.group(2) or ""
        if hint and re.fullmatch(r"[\u4e00-\u9fff]+", hint):
            names.append(hint)
    return names


def _add_alias(table: dict[str, list[Any]], alias: str, meaning: Any) -> None:
    """Record that ``alias`` may mean ``meaning``; an alias meaning several things is ambiguous."""
    bucket = table.setdefault(key(alias), [])
    if meaning not in bucket:
        bucket.append(meaning)


_COUNTY_SUFFIX = re.compile(r"(自治旗|联合旗|旗|县|区|市)$")


@cache
def divisions() -> Divisions:
    cities: dict[str, str] = {}
    counties: dict[str, list[str]] = {}
    for row in _csv("divisions.csv"):
        cities.setdefault(row["city"], row["city_code"])
        counties.setdefault(row["city"], []).append(row["county"])

    city_aliases: dict[str, list[str]] = {}

    def add_city(alias: str, city: str) -> None:
        _add_alias(city_aliases, alias, city)

    for city in cities:
        add_city(city, city)
    for row in _csv("city-aliases.csv"):
        for name in _alias_names(row["short_names_and_aliases"]) + _alias_names(row["former_name_and_code"]):
            add_city(name, row["city"])

    county_aliases: dict[str, list[tuple[str, str]]] = {}
    county_city = {c: city for city, names in counties.items() for c in names}

    def add_county(alias: str, county: str) -> None:
        _add_alias(county_aliases, alias, (county_city[county], county))

    for county in county_city:
        add_county(county, county)
    for row in _csv("county-aliases.csv"):
        for name in _alias_names(row["common_abbreviations"]):
            add_county(name, row["county"])
    for county in county_city:
        short = _COUNTY_SUFFIX.sub("", county)
        if len(short) >= 2 and key(short) not in county_aliases:
            add_county(short, county)

    return Divisions(
        cities=tuple(cities),
        city_codes=cities,
        counties={city: tuple(names) for city, names in counties.items()},
        city_aliases={k: tuple(v) for k, v in city_aliases.items()},
        county_aliases={k: tuple(v) for k, v in county_aliases.items()},
    )


def city_named_in(text: str) -> str | None:
    """The 盟市 a title line or file name names (full names first, then unambiguous short ones)."""
    cities = divisions()
    for city in cities.cities:
        if city in text:
            return city
    for alias, candidates in cities.city_aliases.items():
        if len(candidates) == 1 and len(alias) >= 2 and alias in text:
            return candidates[0]
    return None


#: Words that make a title or file name the whole region's (the office's list, last year's 汇总).
REGION_WORDS = ("全区", "自治区")


def region_named_in(text: str) -> bool:
    """A title line or file name that speaks of the whole region rather than one 盟市."""
    return any(word in text for word in REGION_WORDS)


@dataclass(frozen=True)
class Procedure:
    name: str
    coal_dept: str | None
    noncoal_dept: str | None

    def department(self, mineral_class: str) -> str | None:
        return self.coal_dept if mineral_class == COAL else self.noncoal_dept


def member_departments() -> list[str]:
    """The member departments that handle procedures, in the order the procedure table names them."""
    return list(dict.fromkeys(d for proc in procedures().values() for d in (proc.coal_dept, proc.noncoal_dept) if d))


@cache
def procedures() -> dict[str, Procedure]:
    return {
        row["procedure"]: Procedure(row["procedure"], row["coal_dept"] or None, row["noncoal_dept"] or None)
        for row in _csv("procedures.csv")
    }
