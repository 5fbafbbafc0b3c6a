"""``RowValues`` is written out in code for type checkers; it must stay the ledger's fields."""

from __future__ import annotations

import tomllib
import typing

from kuangquan_cli.checking.model import LedgerRow
from kuangquan_cli.checking.parse import RowValues
from kuangquan_cli.reference.resources import schema_file


def _fields_toml() -> list[dict[str, str]]:
    with schema_file("fields.toml").open("rb") as handle:
        return tomllib.load(handle)["fields"]


def test_row_values_fields_are_those_of_fields_toml_and_the_model_in_order():
    names = tuple(item["name"] for item in _fields_toml())
    assert RowValues._fields == names
    assert tuple(LedgerRow.model_fields) == names


def test_list_fields_default_to_an_empty_tuple_and_the_rest_to_none():
    lists = {item["name"] for item in _fields_toml() if item["kind"] == "list"}
    assert lists == {"missing", "own_reason"}
    assert RowValues._field_defaults == {name: () if name in lists else None for name in RowValues._fields}


def test_row_values_types_follow_the_field_kinds():
    hints = typing.get_type_hints(RowValues)
    by_kind = {"int": "int | None", "date": "datetime.date | None", "list": "tuple[str, ...]"}
    for item in _fields_toml():
        expected = by_kind.get(item["kind"], "int | None" if item.get("enum") == "task" else "str | None")
        assert str(hints[item["name"]]) == expected, item["name"]
