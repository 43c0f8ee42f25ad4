"""What the columns hold, read from the models: the one place that knows how long a text and how large a
number each column takes (``String(200)``, 32-bit ``Integer`` on PostgreSQL), and the characters no
database stores (NUL, lone surrogates).

Input validation asks here (``bot/domain/inputs.py`` words the refusals for people), and a flush
guard refuses any row that would not fit before it reaches the database, so PostgreSQL never sees
a value it rejects while SQLite would have stored it: both behave the same.

Integer columns stay 32-bit (decided: an MRR or amount above 2 147 483 647 a month is a typing
mistake, not a customer), so amounts are validated to that bound rather than migrated to BIGINT.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import BigInteger, Integer, SmallInteger, String, event, inspect
from sqlalchemy.orm import InstrumentedAttribute, Session, UOWTransaction
from sqlalchemy.schema import Column

from bot.domain.errors import UserError
from bot.storage.models import Base

INTEGER_MAX = 2**31 - 1  # ``Integer`` on PostgreSQL (and every id column)
INTEGER_MIN = -(2**31)
_BOUNDS: dict[type[Any], tuple[int, int]] = {
    SmallInteger: (-(2**15), 2**15 - 1),
    BigInteger: (-(2**63), 2**63 - 1),
    Integer: (INTEGER_MIN, INTEGER_MAX),
}
# Characters neither database keeps: NUL (PostgreSQL refuses it) and lone surrogates (not UTF-8).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def column_of(attribute: InstrumentedAttribute[Any] | Column[Any]) -> Column[Any]:
    if isinstance(attribute, Column):
        return attribute
    return attribute.property.columns[0]  # type: ignore[attr-defined,no-any-return]


def max_length(attribute: InstrumentedAttribute[Any] | Column[Any]) -> int | None:
    """The most characters a text column holds (``None``: unbounded, e.g. ``Text``)."""
    column_type = column_of(attribute).type
    return column_type.length if isinstance(column_type, String) else None


def int_bounds(attribute: InstrumentedAttribute[Any] | Column[Any]) -> tuple[int, int] | None:
    """The smallest and largest value an integer column holds on every supported database."""
    column_type = column_of(attribute).type
    for kind in (SmallInteger, BigInteger, Integer):  # subclasses first
        if isinstance(column_type, kind):
            return _BOUNDS[kind]
    return None


class ColumnLimitError(UserError):
    """A value that does not fit its column; raised before anything is written."""


def problem(column: Column[Any], value: Any) -> str | None:
    """Why ``value`` does not fit ``column``, in words for people; ``None`` if it fits."""
    if value is None:
        return None
    what = column.name.removesuffix("_id") if column.name.endswith("_id") else column.name
    what = what.replace("_", " ")
    if isinstance(value, str):
        if UNSTORABLE.search(value):
            return f"The {what} holds a character that can't be stored (a NUL or a broken character)."
        limit = max_length(column)
        if limit is not None and len(value) > limit:
            return f"The {what} is too long ({limit} characters at most)."
    elif isinstance(value, int) and not isinstance(value, bool):
        bounds = int_bounds(column)
        if bounds is not None and not bounds[0] <= value <= bounds[1]:
            return f"The {what} is out of range ({bounds[0]:,} to {bounds[1]:,})."
    return None


def check_row(obj: Base) -> None:
    """Raise ``ColumnLimitError`` for the first value set on ``obj`` that its column can't hold."""
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        for value in state.attrs[attr.key].history.added:
            for column in attr.columns:
                reason = problem(column, value)
                if reason is not None:
                    raise ColumnLimitError(reason)


@event.listens_for(Session, "before_flush")
def _guard(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Base):
            check_row(obj)
