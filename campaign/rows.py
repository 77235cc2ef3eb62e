"""Model instances from one row of a written-out query (the annotate loop's hot path).

``Model.objects.raw()`` works out, on every call, which column goes to which field and which
converters each needs: on the judge request that setup cost more CPU than running the query
(bench/judge_cost.py). Here it is worked out once per model, column list and connection, and
each row still goes through the same converters as the ORM's.
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
        columns = tuple(column[0] for column in cursor.description)
    plan = _plan(model, columns, connection)
    values = list(row)
    for position, converters, expression in plan.converters:
        value = values[position]
        for converter in converters:
            value = converter(value, expression, connection)
        values[position] = value
    instance = model.from_db(connection.alias, plan.names, [values[p] for p in plan.positions])
    return instance, {column: values[p] for column, p in plan.extra}


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
