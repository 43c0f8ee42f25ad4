"""The domain layer is pure: it announces changes as events and never reaches into delivery or Slack."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.domain

FORBIDDEN = ("bot.reminders", "bot.services", "bot.blocks", "bot.handlers", "slack_sdk", "slack_bolt")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_domain_imports_neither_delivery_nor_slack() -> None:
    domain_dir = Path(bot.domain.__file__).parent
    offenders = {
        f"{path.name}: {name}"
        for path in sorted(domain_dir.glob("*.py"))
        for name in imported_modules(path)
        if name.startswith(FORBIDDEN)
    }
    assert offenders == set()
