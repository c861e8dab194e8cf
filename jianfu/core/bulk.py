"""Writing many rows fast, for the importers (files of up to 100,000 rows).

The ORM's bulk_create compiles every value on its own (three quarters of an import's time) and
bulk_update builds CASE expressions (half a minute for 30,000 rows). Here rows go in as plain
{attname: value} dicts through multi-row INSERTs (SQLite) or COPY (PostgreSQL), and updates
through executemany (SQLite) or UPDATE … FROM (VALUES …) (PostgreSQL).
"""

from __future__ import annotations

import itertools
import json
import operator
import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from django.db import connection
from psycopg.types.json import Jsonb

BATCH = 2000  # rows per INSERT statement or executemany
CHUNK = 500  # ids per `__in` filter


def chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    """`items` in lists of at most `size`: `__in` filters within every database's limits."""
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def insert_many(model, rows: list[dict], *, ids_by: str | None = None) -> None:
    """INSERT many rows given as {attname: value} without the ORM's per-value compilation
    (insert_columns, the rows taken apart column by column in C).

    ids_by: put each new id into its dict under the pk's attname, in order (insert_columns)."""
    if not rows:
        return
    meta = model._meta
    names = [f.attname for f in meta.concrete_fields if not f.primary_key]
    columns = {a: list(map(operator.itemgetter(a), rows)) for a in names}
    ids = insert_columns(model, columns, len(rows), ids_by=ids_by)
    if ids_by is not None:
        attname = meta.pk.attname
        for row, pk_value in zip(rows, ids, strict=True):
            row[attname] = pk_value


class Same:
    """A column of insert_columns with one value in every row."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def insert_columns(
    model,
    columns: dict[str, list | Same],
    n: int,
    *,
    ids_by: str | None = None,
    order: Sequence[int] | None = None,
) -> list[int] | None:
    """INSERT `n` rows given column by column, {attname: list of n values, or Same(value)}; a
    column left out takes the field's default. The columns that need a database form
    (dates, times, JSON) go through the field's own get_db_prep_save, once per distinct object;
    the rest is moved in C (zip). Multi-row INSERTs on SQLite, COPY on PostgreSQL.

    ids_by: return the new ids, in row order. It names a column whose value, the same in every
    row, marks exactly the rows of this call (an import's ImportRecord): COPY returns no ids, so
    PostgreSQL reads them back by it; SQLite uses RETURNING, in VALUES order, as bulk_create
    relies on.

    order: the rows' indexes in the order they are written (and their ids returned); the rows
    are put in that order once, not each column (an index written in its own order is faster)."""
    if not n:
        return [] if ids_by is not None else None
    meta, qn = model._meta, connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns_data = []
    copy = connection.vendor == "postgresql"
    for f in fields:
        values = columns.get(f.attname)
        if values is None:
            values = Same(f.get_default() if f.has_default() else None)
        prepared = f.get_internal_type() in ("DateField", "TimeField", "DateTimeField", "JSONField")
        if type(values) is Same:
            value = _db_form(f, values.value, copy) if prepared else values.value
            values = itertools.repeat(value, n)
        elif prepared:
            values = _db_forms(f, values, copy)
        columns_data.append(values)
    values = list(zip(*columns_data, strict=True))  # every column n values long
    if order is not None:
        values = list(map(values.__getitem__, order))
    table, pk = qn(meta.db_table), qn(meta.pk.column)
    names = ", ".join(qn(f.column) for f in fields)
    if connection.vendor == "postgresql":
        _copy_in(table, names, values)
        if ids_by is None:
            return None
        # COPY takes each row's id from the sequence in row order.
        marker = qn(meta.get_field(ids_by).column)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk} FROM {table} WHERE {marker} = %s ORDER BY {pk}",  # noqa: S608
                [_first(columns[ids_by])],
            )
            ids = [r[0] for r in cursor.fetchall()]
        if len(ids) != n:
            raise ValueError("insert_columns: the marker column does not mark these rows alone")
        return ids
    sqlite = connection.vendor == "sqlite"
    mark = "?" if sqlite else "%s"  # SQLite: qmarks straight to the driver, no rewriting
    one = "(" + ", ".join([mark] * len(fields)) + ")"
    per_statement = BATCH
    if sqlite:
        per_statement = min(BATCH, _sqlite_max_params() // len(fields))
        if n >= LARGE:
            _sqlite_cache_at_least(SQLITE_CACHE_KIB)
    ids: list[int] = []
    with connection.cursor() as cursor:
        for at in range(0, len(values), per_statement):
            chunk = values[at : at + per_statement]
            sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(chunk))}"  # noqa: S608
            if ids_by is not None:
                sql += f" RETURNING {pk}"  # in VALUES order, as Django's bulk_create relies on
            params = list(itertools.chain.from_iterable(chunk))
            if sqlite:
                with connection.wrap_database_errors:
                    sqlite3.Cursor.execute(cursor.cursor, sql, params)
            else:
                cursor.execute(sql, params)
            if ids_by is not None:
                ids.extend(r[0] for r in cursor.fetchall())
    return ids if ids_by is not None else None


def _first(column: list | Same):
    return column.value if type(column) is Same else column[0]


def _copy_in(table: str, columns: str, values: list[tuple]) -> None:
    """PostgreSQL's COPY … FROM STDIN: ten times faster than multi-row INSERTs, whose tens of
    thousands of parameters psycopg binds one by one."""
    sql = f"COPY {table} ({columns}) FROM STDIN"  # noqa: S608 — model names only
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        write = copy.write_row
        for row in values:
            write(row)


def _db_forms(field, values, copy: bool) -> list:
    """The values' database forms: _db_form once per distinct object (an import's parsed columns
    share one object per distinct cell, and an import's timestamp is one object), then spread
    in C."""
    values = values if type(values) is list else list(values)
    by_id = dict(zip(map(id, values), values, strict=True))
    form = {key: _db_form(field, value, copy) for key, value in by_id.items()}
    return list(map(form.__getitem__, map(id, values)))


def _db_form(field, value, copy: bool):
    """The field's get_db_prep_save; for COPY, JSON as its text: psycopg would dump the wrapper
    it gets once per row (a third of a second for 100,000 rows), and COPY reads the text."""
    form = field.get_db_prep_save(value, connection)
    if copy and isinstance(form, Jsonb):
        return (form.dumps or json.dumps)(form.obj)
    return form


# SQLite's page cache for a connection that writes a large batch: the default 2 MB holds too few
# of the pages of the table and its indexes that 100,000 new rows touch, and they are read and
# written again and again (a fifth of the insert's time). A limit, allocated as used.
LARGE = 10_000
SQLITE_CACHE_KIB = 64 * 1024


def _sqlite_cache_at_least(kib: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        size = cursor.fetchone()[0]
        # Negative: KiB (the default, -2000); pages when someone set it so: left as set.
        if size < 0 and -size < kib:
            cursor.execute(f"PRAGMA cache_size = -{int(kib)}")


def _sqlite_max_params() -> int:
    connection.ensure_connection()
    try:
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # Python < 3.11
        return 999


def update_many(model, objs: list, fields: list[str]) -> None:
    """Set `fields` of many rows by primary key, fast: PostgreSQL UPDATE … FROM (VALUES …),
    SQLite executemany (bulk_update's CASE expressions are slow for thousands of rows)."""
    if not objs:
        return
    meta, qn = model._meta, connection.ops.quote_name
    model_fields = [meta.get_field(f) for f in fields]
    params = [
        [obj.pk] + [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in model_fields]
        for obj in objs
    ]
    table, pk = qn(meta.db_table), qn(meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = [meta.pk, *model_fields]
            row = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in columns) + ")"
            names = ", ".join(qn(f.column) for f in columns)
            sets = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in model_fields)
            for chunk in chunks(params, 1000):
                sql = (
                    f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row] * len(chunk))})"  # noqa: S608
                    f" AS v({names}) WHERE {table}.{pk} = v.{pk}"
                )
                cursor.execute(sql, [value for values in chunk for value in values])
        else:
            sets = ", ".join(f"{qn(f.column)} = %s" for f in model_fields)
            sql = f"UPDATE {table} SET {sets} WHERE {pk} = %s"  # noqa: S608 — model names only
            for chunk in chunks(params, BATCH):
                cursor.executemany(sql, [[*values[1:], values[0]] for values in chunk])
