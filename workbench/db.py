"""Database helpers that Django does not offer."""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


@cache
def _preparing_cursor_class(binary: bool):
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        """Binds parameters on the server and asks psycopg to prepare each statement it runs (and, with
        `binary`, for results in PostgreSQL's binary format)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary or self.binary_results)

    PreparingCursor.binary_results = binary
    return PreparingCursor


class _LoggedPreparedCursor(CursorDebugWrapper):
    """Logs (DEBUG, tests' query capture) a prepared statement with its parameters in place, as Django logs
    its own statements; Django would ask psycopg for the text sent, which a prepared statement has not."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)


def prepared_cursor(binary: bool = False):
    """A Django cursor (logged and counted like any other) whose statements PostgreSQL prepares once per
    connection, then runs without planning them again. Django binds parameters on the client and prepares
    nothing; for a statement run at every request whose planning costs more than running it (the span
    save's: 0.8 of 1.2 ms), preparing it saves that planning. Persistent connections keep the prepared
    statement. With DB_PREPARED_STATEMENTS=0 (settings: psycopg's prepare_threshold None) the statement
    is bound on the server but not prepared. `binary`: results in PostgreSQL's binary format (numbers and
    arrays of them need no parsing from text: a third of the CPU of reading a chunk of gold spans); only
    for columns whose binary form loads as the text form does (not jsonb, which Django reads as text).
    Elsewhere (SQLite), an ordinary cursor."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.cursor().close()  # the health check and the connection, as for an ordinary cursor
    raw = _preparing_cursor_class(binary)(connection.connection)
    return _LoggedPreparedCursor(raw, connection) if connection.queries_logged else connection.make_cursor(raw)


def field_converters(fields) -> list[tuple]:
    """For a row of raw SQL selecting `fields` in this order: the converters the ORM applies to those of its
    columns that have some (SQLite's booleans and dates, JSON...), as (index, column, functions)."""
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(field.model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            converters.append((index, column, functions))
    return converters


def converted_row(row, converters) -> list:
    """`row` with each value as the ORM would have read it (`field_converters`)."""
    row = list(row)
    for index, column, functions in converters:
        for function in functions:
            row[index] = function(row[index], column, connection)
    return row


def prepared_instance(model, sql: str, params, converters):
    """The instance of `model` read by `sql` (its concrete fields' columns, in order: `field_converters` of
    them), prepared on PostgreSQL; None without a row."""
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return model.from_db(
        connection.alias, [f.attname for f in model._meta.concrete_fields], converted_row(row, converters)
    )
