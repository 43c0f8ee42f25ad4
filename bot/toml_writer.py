"""A small TOML writer for the playbook (``/salesbot playbook`` shows it, its form is filled with it).

Python reads TOML (``tomllib``) but does not write it. The playbook is plain data: tables, arrays of
tables, strings, numbers, booleans, dates and arrays of those, which this writes as a person would:
short arrays on one line, a ``[table]`` header per table, ``[[array.of.tables]]`` for rule lists.
``tomllib.loads(dumps(data)) == data`` for any such data (tested).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else _string(name)


def _string(text: str) -> str:
    # JSON's escapes (\" \\ \n \t \uXXXX …) are TOML's basic-string escapes; DEL must be escaped too.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def value(item: Any) -> str:
    """One TOML value (inline)."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        if math.isnan(item):
            return "nan"
        if math.isinf(item):
            return "inf" if item > 0 else "-inf"
        return repr(item)
    if isinstance(item, str):
        return _string(item)
    if isinstance(item, datetime | date | time):
        return item.isoformat()
    if isinstance(item, list | tuple):
        return "[" + ", ".join(value(v) for v in item) + "]"
    if isinstance(item, Mapping):
        return "{" + ", ".join(f"{key(k)} = {value(v)}" for k, v in item.items()) + "}"
    raise TypeError(f"TOML has no way to write {type(item).__name__}")


def _is_table(item: Any) -> bool:
    return isinstance(item, Mapping)


def _is_table_array(item: Any) -> bool:
    return isinstance(item, list | tuple) and bool(item) and all(isinstance(v, Mapping) for v in item)


def dumps(data: Mapping[str, Any]) -> str:
    """``data`` as a TOML document."""
    out: list[str] = []
    _table(out, [], data)
    return "\n".join(out).strip() + "\n"


def _table(out: list[str], path: list[str], data: Mapping[str, Any], *, array: bool = False) -> None:
    plain = [(k, v) for k, v in data.items() if not _is_table(v) and not _is_table_array(v)]
    nested = [(k, v) for k, v in data.items() if _is_table(v) or _is_table_array(v)]
    if path and (plain or array or not nested):
        header = ".".join(key(p) for p in path)
        out += ["", f"[[{header}]]" if array else f"[{header}]"]
    out += [f"{key(k)} = {value(v)}" for k, v in plain]
    for name, child in nested:
        if _is_table(child):
            _table(out, [*path, name], child)
        else:
            for item in child:
                _table(out, [*path, name], item, array=True)
