"""Rows written by the rebuild's bulk insert read back exactly as they were given."""

from __future__ import annotations

import pytest

from taizhang.projections.fold.timeline import TIMELINE, _copy_line
from taizhang.projections.schema import TABLES_BY_NAME
from taizhang.projections.store import Database, copy_line

TABLE = TABLES_BY_NAME[TIMELINE]

# Values COPY's text format must escape (tab, newline, carriage return, backslash), text
# that looks like its NULL marker, empty text, NULLs, and text that needs no escaping.
AWKWARD = ["a\tb", "line\nnext", "cr\rhere", "back\\slash", "\\N", "", None, "普通 text"]


def rows() -> list[tuple[object, ...]]:
    made = []
    for position, value in enumerate(AWKWARD, start=1):
        row = [position, "b", value, "kind", "agg", position, f"e{position}", "T"]
        row += ["2014-04-20", "2014-04-20T08:00:00+00:00", value, "src", value]
        row += ['{"note":"say \\"hi\\"\\n"}', None, value]
        made.append(tuple(row))
    return made


def test_bulk_insert_round_trips_every_awkward_value(settings):
    db = Database(settings)
    conn = db.connect()
    try:
        with db.transaction(conn):
            for statement in TABLE.create_statements(TIMELINE + "__t", indexes=False):
                db.execute(conn, statement)
            db.bulk_insert(conn, TABLE, rows(), suffix="__t")
        columns = ", ".join(TABLE.column_names)
        back = db.fetchall(conn, f"SELECT {columns} FROM {TIMELINE}__t ORDER BY position")
        assert [tuple(row) for row in back] == rows()
    finally:
        conn.close()


@pytest.mark.parametrize(
    "values, line",
    [
        ((1, "a", None, "b"), "1\ta\t\\N\tb"),
        ((1, "a\\N", "t\tab"), "1\ta\\\\N\tt\\tab"),
        ((2, "x\ny", "\r"), "2\tx\\ny\t\\r"),
        ((True, False), "t\tf"),
    ],
)
def test_copy_line_escapes_as_copy_text_format_wants(values, line):
    assert copy_line(values) == line


def test_copy_line_refuses_what_it_cannot_write_exactly():
    with pytest.raises(TypeError, match="float"):
        copy_line((1, 2.5))


def folded_rows() -> list[tuple[object, ...]]:
    """``rows()`` as the timeline's fold makes them: the marks not yet known."""
    return [(*row[:14], None, None) for row in rows()]


@pytest.mark.parametrize("row", rows() + folded_rows() + [(1.5, *folded_rows()[0][1:])])
def test_a_timeline_line_made_while_folding_is_copy_line_of_its_row(row):
    try:
        expected = copy_line(row)
    except TypeError:
        with pytest.raises(TypeError):
            _copy_line(row)
        return
    assert _copy_line(row) == expected


def test_lines_made_while_folding_round_trip_through_copy(postgres_settings):
    db = Database(postgres_settings)
    conn = db.connect()
    try:
        with db.transaction(conn):
            for statement in TABLE.create_statements(TIMELINE + "__t", indexes=False):
                db.execute(conn, statement)
            db.bulk_insert(conn, TABLE, [_copy_line(row) for row in folded_rows()], suffix="__t")
        columns = ", ".join(TABLE.column_names)
        back = db.fetchall(conn, f"SELECT {columns} FROM {TIMELINE}__t ORDER BY position")
        assert [tuple(row) for row in back] == folded_rows()
    finally:
        conn.close()
