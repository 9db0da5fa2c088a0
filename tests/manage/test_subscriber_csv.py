"""The subscriber CSV: what the export writes (formula-safe cells) is what the import reads;
each bad line is named with its number, the good ones kept."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

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
    assert _parse(text, KEYS) == (
        [("amy@example.com", ("id-flexo", "id-amy")), ("b@x.io", ())],
        [],
    )


def test_a_cell_a_spreadsheet_would_run_is_quoted() -> None:
    text = export_csv([subscriber("=HYPERLINK(1)@x.io", [])])
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["address"] == "'=HYPERLINK(1)@x.io"


def test_lines_without_a_header_are_address_then_components() -> None:
    assert _parse("fry@example.com,flexo\nleela@example.com\n", KEYS) == (
        [("fry@example.com", ("id-flexo",)), ("leela@example.com", ())],
        [],
    )


def test_each_bad_line_is_named_and_the_good_ones_kept() -> None:
    text = (
        "address,components\nok@example.com\nnot-an-address\n"
        "fry@example.com,flexo zapp\nb@x.io,amy\n"
    )
    good, problems = _parse(text, KEYS)
    assert good == [("ok@example.com", ()), ("b@x.io", ("id-amy",))]
    assert len(problems) == 2
    assert problems[0].startswith("line 3: 'not-an-address' is not a valid")
    assert problems[1] == "line 4: no component zapp"
