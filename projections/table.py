"""A read-model table's definition and its DDL in either SQL dialect
(``taizhang.projections.schema`` lists the tables)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

from taizhang.store.dialect import SQLITE, Dialect


@dataclass(frozen=True)
class Table:
    name: str
    projection: str
    columns: tuple[tuple[str, str], ...]  # (name, SQL type)
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()
    json_columns: frozenset[str] = frozenset()

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    @property
    def code_columns(self) -> tuple[str, ...]:
        return tuple(name for name, column_type in self.columns if column_type == CODE)

    def create_statements(
        self, name: str | None = None, *, indexes: bool = True, dialect: Dialect = SQLITE
    ) -> list[str]:
        """In ``dialect``'s column types: on PostgreSQL code columns collated "C" (migration
        0006 did the same to the tables created before it, which migrations 0001 and 0005
        still create as text)."""
        name = name or self.name
        columns = ", ".join(f"{c} {sql_type(t, dialect)}" for c, t in self.columns)
        statements = [f"CREATE TABLE {name} ({columns}, PRIMARY KEY ({', '.join(self.key)}))"]
        if indexes:
            statements += self.index_statements(name)
        return statements

    def index_statements(self, name: str | None = None, *, index_suffix: str = "") -> list[str]:
        name = name or self.name
        return [
            f"CREATE INDEX {self.index_name(cols)}{index_suffix} ON {name} ({', '.join(cols)})"
            for cols in self.indexes
        ]

    def index_name(self, cols: tuple[str, ...]) -> str:
        """``ix_{table}__{columns}``; a covering index's many columns by their first and a
        digest, so that the name (with the rebuild's suffix) stays within PostgreSQL's 63."""
        name = f"ix_{self.name}__{'_'.join(cols)}"
        if len(name) <= MAX_INDEX_NAME:
            return name
        digest = hashlib.blake2b("_".join(cols).encode(), digest_size=4).hexdigest()
        return f"ix_{self.name}__{cols[0]}_{digest}"


# PostgreSQL's 63 characters of a name, less the rebuild's suffix for its fresh tables.
MAX_INDEX_NAME = 56
TEXT, INT, BIG = "TEXT", "INTEGER", "BIGINT"
# Ids, keys, vocabulary values, ISO dates and times: text compared byte by byte. On
# PostgreSQL the database's default collation would compare them through the locale's
# rules (slower to index, sort and look up: a rebuild's index builds and primary keys took
# ~4 s more of PostgreSQL's CPU at a million events) and could order them differently from
# SQLite and Python. Names and other human text keep the database's collation.
CODE = "CODE"


def sql_type(column_type: str, dialect: Dialect) -> str:
    return dialect.column_type(column_type, code=column_type == CODE)


# The columns a span row of the district views is counted by (its covering index).
SPAN_COUNTS = ("district_id", "year", "from_on", "until_on", "committee_id", *("due", "done"))
