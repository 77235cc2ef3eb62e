"""Model instances from one row of a written-out query, and inserted by one (the annotate
loop's hot path).

``Model.objects.raw()`` works out, on every call, which column goes to which field and which
converters each needs: on the judge request that setup cost more CPU than running the query
(bench/judge_cost.py). Here it is worked out once per model, column list and connection, and
each row still goes through the same converters as the ORM's. ``save()`` likewise rebuilt the
same INSERT on every call; ``insert_instance`` builds it once per model and database.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

M = TypeVar("M", bound=Model)

# The column names of each statement fetch_instance has run, per database vendor: a handful
# of written-out statements, bounded all the same.
_columns: dict[tuple[str, str], tuple[str, ...]] = {}
_COLUMNS_MAX = 64


def fetch_instance(
    model: type[M], sql: str, params: Sequence[Any]
) -> tuple[M, dict[str, Any]] | None:
    """The first row as an instance of ``model`` (the columns of its fields, at least its
    primary key) and the row's other columns by name; None without a row."""
    connection = connections[DEFAULT_DB_ALIAS]  # this thread's own, a cache key below
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        # The columns a statement names are asked of the cursor once per statement: psycopg
        # builds a description object per column on every call, which cost more CPU than the
        # rest of this function. A row of another width (a table altered under a running
        # process and read by ``*``) asks again.
        columns = _columns.get((sql, connection.vendor))
        if columns is None or len(columns) != len(row):
            columns = tuple(column[0] for column in cursor.description)
            if len(_columns) < _COLUMNS_MAX:
                _columns[(sql, connection.vendor)] = columns
    plan = _plan(model, columns, connection)
    values = list(row)
    for position, converters, expression in plan.converters:
        value = values[position]
        for converter in converters:
            value = converter(value, expression, connection)
        values[position] = value
    instance = model.from_db(connection.alias, plan.names, [values[p] for p in plan.positions])
    return instance, {column: values[p] for column, p in plan.extra}


@functools.lru_cache(maxsize=32)
def columns_of(model: type[Model], alias: str) -> str:
    """The model's columns for a written-out SELECT, named rather than ``alias.*``: a table
    altered under a running process then fails loudly instead of shifting its columns."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    return ", ".join(f"{alias}.{quote(str(field.column))}" for field in model._meta.concrete_fields)


@dataclass(frozen=True)
class _Plan:
    names: list[str]  # attnames of the model's fields found among the columns, in field order
    positions: list[int]  # their columns' positions
    extra: list[tuple[str, int]]  # the other columns and their positions
    converters: list[tuple[int, list[Callable[..., Any]], Any]]


@functools.lru_cache(maxsize=64)
def _plan(model: type[Model], columns: tuple[str, ...], connection: BaseDatabaseWrapper) -> _Plan:
    # Model.from_db takes the values in the model's field order, whatever the query's order.
    where = {column: position for position, column in enumerate(columns)}
    names, positions, converters = [], [], []
    for field in model._meta.concrete_fields:
        position = where.pop(str(field.column), None)
        if position is None:
            continue
        names.append(field.attname)
        positions.append(position)
        expression = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        if found:
            converters.append((position, found, expression))
    extra = list(where.items())  # the columns left: not the model's
    if model._meta.pk.attname not in names:
        raise ValueError(f"The query must select {model.__name__}'s primary key.")
    return _Plan(names, positions, extra, converters)


def insert_instance(instance: Model, *, along: tuple[str, Sequence[Any]] | None = None) -> None:
    """``instance.save(force_insert=True)`` for a model of plain fields, its INSERT built once.

    Each value still goes through its field's own conversion for the database. Unlike save(),
    no pre_save/post_save signal is sent (the project connects none: STYLE.md §4) and no
    field's pre_save runs, so the model must have no auto_now or db_default field.
    ``along`` is another data-modifying statement and its parameters, run in the same round
    trip on PostgreSQL (as a common table expression of the INSERT), just before it elsewhere.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    _fields, sql = _insert_plan(type(instance), connection.vendor)
    values = list(insert_values(instance).values())
    with connection.cursor() as cursor:
        if along is not None and connection.vendor == "postgresql":
            sql, values = f"WITH along AS ({along[0]}) {sql}", [*along[1], *values]
        elif along is not None:
            cursor.execute(*along)
        cursor.execute(sql, values)
        mark_inserted(instance, cursor.fetchone()[0])


def insert_values(instance: Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The values ``insert_instance`` would write, by field attname, for a caller that writes
    its own INSERT (``exclude``: attnames the statement fills in itself)."""
    connection = connections[DEFAULT_DB_ALIAS]
    fields, _sql = _insert_plan(type(instance), connection.vendor)
    return {
        field.attname: field.get_db_prep_save(getattr(instance, field.attname), connection)
        for field in fields
        if field.attname not in exclude
    }


def insert_fields(model: type[Model]) -> list[Any]:
    """The fields ``insert_instance`` writes, in its order (the primary key is the database's)."""
    return _insert_plan(model, connections[DEFAULT_DB_ALIAS].vendor)[0]


def mark_inserted(instance: Model, pk: Any) -> None:
    """What save() records on an instance it has just inserted."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = DEFAULT_DB_ALIAS


@functools.lru_cache(maxsize=16)
def _insert_plan(model: type[Model], vendor: str) -> tuple[list[Any], str]:
    """The fields, in order, and the statement (per database vendor, for its quoting)."""
    del vendor  # a cache key; the quoting comes from the connection of that vendor
    connection = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            raise ValueError(f"{model.__name__}.{field.name} needs save(): it sets itself.")
        if field.has_db_default():
            raise ValueError(f"{model.__name__}.{field.name} needs save(): a database default.")
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    marks = ", ".join("%s" for _field in fields)
    return fields, (
        f"INSERT INTO {meta.db_table} ({columns}) VALUES ({marks})"  # noqa: S608 - names only
        f" RETURNING {connection.ops.quote_name(str(meta.pk.column))}"
    )
