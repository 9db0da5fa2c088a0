"""The subscriber CSV: what the export writes (formula-safe cells) is what the import reads;
a bad line is refused with its number."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from hiccup.manage.errors import Invalid
from hiccup.manage.subscribers import _parse, export_csv
from hiccup.store.subscriber_rows import SubscriberRow, SubscriberStatus

KEYS = {"flexo": "id-flexo", "amy": "id-amy"}
AT = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


def subscriber(address: str, components: list[str]) -> SubscriberRow:
    return SubscriberRow(
        "s1", "email", address, address, "default", components, SubscriberStatus.ACTIVE,
        None, False, AT, AT,
    )  # fmt: skip


def test_the_export_reads_back_in_the_import() -> None:
    text = export_csv([subscriber("amy@example.com", ["flexo", "amy"]), subscriber("b@x.io", [])])
    assert text.splitlines()[0] == "address,kind,components,status,created_at,confirmed_at"
    assert _parse(text, KEYS) == [
        ("amy@example.com", ("id-flexo", "id-amy")),
        ("b@x.io", ()),
    ]


def test_a_cell_a_spreadsheet_would_run_is_quoted() -> None:
    text = export_csv([subscriber("=HYPERLINK(1)@x.io", [])])
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["address"] == "'=HYPERLINK(1)@x.io"


def test_lines_without_a_header_are_address_then_components() -> None:
    assert _parse("fry@example.com,flexo\nleela@example.com\n", KEYS) == [
        ("fry@example.com", ("id-flexo",)),
        ("leela@example.com", ()),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("address\nok@example.com\nnot-an-address\n", "line 3: 'not-an-address' is not a valid"),
        ("ok@example.com,flexo zapp\n", "line 1: no component zapp"),
    ],
)
def test_a_bad_line_is_named(text: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        _parse(text, KEYS)
    assert caught.value.fields["file"].startswith(message)
