"""Reading ``/log <type> <account> [when]: <notes>``.

The account name and the optional date share the head of the command, so the split is decided
against the accounts that exist: the longest name that is a known account wins; otherwise the
longest date wins and the rest is reported as an unknown account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain import accounts as acc
from bot.domain.activities import LOG_EXAMPLE
from bot.domain.contacts import split_names
from bot.domain.dates import DateOrder, DateParseError, When, definite_error, parse_when, try_parse_when
from bot.domain.errors import UserError
from bot.domain.grammar import split_head
from bot.storage.models import Account
from bot.storage.tenancy import current_team


@dataclass
class LogCommand:
    activity_type: str
    account: Account
    typed_account: str
    when: When
    notes: str
    contacts: list[str] = field(default_factory=list)  # names typed after "with", as typed


_WITH = re.compile(r"\s+with(?:\s+|$)", re.I)
WITH_EXAMPLE = "/log meeting Acme Corp with Jane Doe, Tom Lee: pricing review"


def parse_type(word: str, types: dict[str, str], *, extra: tuple[str, ...] = ()) -> str:
    t = word.lower()
    aliases = {
        "e-mail": "email",
        "mail": "email",
        "phone": "call",
        "video-call": "video",
        "videocall": "video",
        "no-show": "noshow",
        "no_show": "noshow",
    }
    t = aliases.get(t, t)
    if t not in types and t not in extra:
        valid = ", ".join(f"`{name}`" for name in [*types, *extra])
        raise UserError(f"“{word}” is not an activity type. Types: {valid}.", LOG_EXAMPLE)
    return t


def resolve_head(
    session: Session,
    head: str,
    local_now: datetime,
    *,
    team_id: str | None = None,
    order: DateOrder = "DMY",
) -> tuple[Account, str, When]:
    team_id = team_id or current_team()
    words = head.split()
    if not words:
        raise UserError("Which account? Put its name after the type.", LOG_EXAMPLE)
    if bad := definite_error(head, local_now, order=order):
        # "Acme Corp 25:00": a mistyped time, never part of an account name nor a new account.
        raise UserError(bad.sentence(), LOG_EXAMPLE)
    options: list[tuple[str, When]] = []
    for i in range(len(words), 0, -1):
        name, rest = " ".join(words[:i]), " ".join(words[i:])
        when = (
            When(local_now, True) if not rest else try_parse_when(rest, local_now, prefer="past", order=order)
        )
        if when is not None:
            options.append((name, when))
    for name, when in options:
        found = acc.resolve(session, name, team_id=team_id)
        if found.account:
            return found.account, name, when
    # Nothing known. A date that reads like one but does not exist (2026-02-30) is the likelier mistake.
    name, when = options[-1]
    if name == head.strip():
        for i in range(1, len(words)):
            try:
                parse_when(" ".join(words[i:]), local_now, prefer="past", order=order)
            except DateParseError as exc:
                if exc.definite:
                    raise UserError(exc.sentence(), LOG_EXAMPLE) from None
    # Otherwise blame the name left after the longest date; raises with choices.
    acc.require(session, name, example=LOG_EXAMPLE, team_id=team_id)
    raise AssertionError("unreachable")  # pragma: no cover


def parse_log(
    session: Session,
    text: str,
    types: dict[str, str],
    local_now: datetime,
    *,
    team_id: str | None = None,
    extra: tuple[str, ...] = (),
    order: DateOrder = "DMY",
) -> LogCommand:
    team_id = team_id or current_team()
    word, _, rest = text.strip().partition(" ")
    activity_type = parse_type(word, types, extra=extra)
    head, notes = split_head(rest)
    head, names = _split_with(session, head, local_now, team_id=team_id, order=order)
    try:
        account, typed, when = resolve_head(session, head, local_now, team_id=team_id, order=order)
    except UserError as err:
        raise _with_hint(
            err, session, head, activity_type, notes, local_now, team_id=team_id, order=order
        ) from None
    if names is not None and not names:
        raise UserError("Who took part? Put their names after `with`, separated by commas.", WITH_EXAMPLE)
    return LogCommand(activity_type, account, typed, when, notes or "", names or [])


def _split_with(
    session: Session, head: str, local_now: datetime, *, team_id: str, order: DateOrder
) -> tuple[str, list[str] | None]:
    """``Acme Corp yesterday with Jane Doe, Tom Lee`` → (``Acme Corp yesterday``, the names).

    The ``with`` that follows a known account (and date) wins; an account whose own name contains
    "with" is kept whole. ``None`` when there is no ``with``.
    """
    splits = list(_WITH.finditer(head))
    if not splits:
        return head, None
    near: list[re.Match[str]] = []  # splits whose account part is a known name's start ("Acme")
    for m in splits:
        try:
            account, typed, _ = resolve_head(
                session, head[: m.start()], local_now, team_id=team_id, order=order
            )
        except UserError:
            continue
        if acc.name_key(account.name) == acc.name_key(typed):
            return head[: m.start()], split_names(head[m.end() :])
        near.append(m)
    try:
        resolve_head(session, head, local_now, team_id=team_id, order=order)
        return head, None
    except UserError:
        first = (near or splits)[0]
        return head[: first.start()], split_names(head[first.end() :])


def _with_hint(
    err: UserError,
    session: Session,
    head: str,
    activity_type: str,
    notes: str | None,
    local_now: datetime,
    *,
    team_id: str,
    order: DateOrder,
) -> UserError:
    """An unknown account that starts with a known one is most often a missing colon or a date that
    does not read as one (``Acme Corp yesterday 3pm demo went well``, ``Acme Corp 25:00``): say so,
    keeping the choices (the words may really be a new account's name)."""
    creates = any(action == "create_account" for _, action, _ in err.choices)
    if not creates or err.typed != head.strip():
        return err
    words = head.split()
    for i in range(len(words) - 1, 0, -1):
        found = acc.resolve(session, " ".join(words[:i]), team_id=team_id)
        if found.account is not None:
            name, rest = found.account.name, words[i:]
            break
    else:
        return err
    if notes is None:
        # The longest run of words after the name that reads as a date goes before the colon.
        date_words = next(
            (
                j
                for j in range(len(rest), 0, -1)
                if try_parse_when(" ".join(rest[:j]), local_now, prefer="past", order=order)
            ),
            0,
        )
        when = " ".join(rest[:date_words])
        corrected = f"{name}{' ' + when if when else ''}: {' '.join(rest[date_words:])}".rstrip()
        example = f"/log {activity_type} {corrected}"
        hint = f" To log it with *{name}*, put a colon before your notes."
        # Its button runs the corrected command (the choice replaces everything typed after the type).
        fixed = (f"{name} (with the colon)", "pick_account_name", corrected)
        others = [c for c in err.choices if not (c[1] == "pick_account_name" and c[2] == name)]
        return UserError(err.message + hint, example, choices=[fixed, *others], typed=err.typed)
    elif any(ch.isdigit() for ch in " ".join(rest)):
        example = f"/log {activity_type} {name} yesterday 3pm: {notes}"
        hint = f" If you meant *{name}*, “{' '.join(rest)}” is not a date or time I can read."
    else:
        return err
    return UserError(err.message + hint, example.rstrip(), choices=err.choices, typed=err.typed)
