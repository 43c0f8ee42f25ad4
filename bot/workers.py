"""The work after an ack: a bounded pool of worker threads, so acks never wait for work.

Slack wants every request acknowledged within 3 seconds. ``AckFirstApp`` (a Bolt ``App``) wraps each
command, action, shortcut and event listener: the request thread calls ``ack()`` and hands the
listener to a ``WorkPool``; a worker runs it. Under overload the pool's queue fills up to its bound,
acks stay fast, and what does not fit is refused with a log line and a "busy, nothing was saved"
reply. When the work fails, the person is told (``tell_failure``) instead of hearing nothing.

Tests and the console build the pool ``inline``: the work runs on the calling thread before the
response, so what they assert is deterministic. See docs/ARCHITECTURE.md, "Requests".
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltRequest
from slack_sdk import WebClient

from bot.domain.errors import UserError
from bot.domain.permissions import PermissionDenied
from bot.domain.text import escape
from bot.slack_client import ResponseUrl
from bot.storage.db import COMMITTED_WRITES

if TYPE_CHECKING:
    from bot.work_processes import WorkProcesses

log = logging.getLogger(__name__)

NOTHING_SAVED = ":warning: That didn't work, and nothing was saved. Please try again in a moment."
PARTLY_SAVED = (
    ":warning: Your change was saved, but I couldn't finish everything (the reply or a notification "
    "may be missing). Check before doing it again."
)
BUSY = ":hourglass: I'm very busy right now and couldn't take that; nothing was saved. Try again in a minute."

Work = Callable[[], None]
# Set by a middleware in the request's Bolt context: what the work must do first; False means "this
# request was handled already" (a replayed copy, ``bot/replays.py``) and nothing runs.
BEFORE_WORK = "salesbot_before_work"
# A Socket Mode payload as it arrived, before middleware changed it: what a work process is given.
AS_SENT = "salesbot_as_sent"


class WorkPool:
    """Runs work items on ``workers`` threads, at most ``bound`` of them waiting; or inline.

    ``submit`` never blocks: it returns False (and logs) when the queue is full.
    """

    def __init__(
        self, name: str, *, workers: int = 8, bound: int = 1000, inline: bool = False, direct: bool = False
    ) -> None:
        self.name = name
        # Inline (tests, console): run at once on the caller's thread, and let errors propagate after
        # the person was told, so a test sees them.
        self.inline = inline
        # Direct (a work process's threads, bot/work_processes.py): run on the caller's thread, errors
        # told and logged as in the pool.
        self.direct = direct
        self.bound = bound
        self._queue: queue.Queue[Work | None] = queue.Queue(maxsize=bound)
        self._workers = workers
        self._threads: list[threading.Thread] = []
        self._start_lock = threading.Lock()
        self._refused = 0

    def submit(self, work: Work) -> bool:
        if self.inline:
            work()
            return True
        if self.direct:
            _run(work, self.name)
            return True
        self._start()
        context = contextvars.copy_context()  # who is acting (the audit trail) travels with the work
        try:
            self._queue.put_nowait(lambda: context.run(work))
        except queue.Full:
            self._refused += 1
            log.warning(
                "%s: %d items waiting (the bound); refused one (%d refused so far)",
                self.name,
                self.bound,
                self._refused,
            )
            return False
        return True

    def has_room(self) -> bool:
        return self.inline or self.direct or not self._queue.full()

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    def join(self, timeout: float = 10.0) -> bool:
        """Wait until every submitted item has run (for shutdown and benchmarks). False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def _start(self) -> None:
        if self._threads:
            return
        with self._start_lock:
            if self._threads:
                return
            for i in range(self._workers):
                thread = threading.Thread(target=self._loop, name=f"{self.name}-{i}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def _loop(self) -> None:
        while True:
            work = self._queue.get()
            try:
                if work is not None:
                    _run(work, self.name)
            finally:
                self._queue.task_done()


def _run(work: Work, name: str) -> None:
    try:
        work()
    except Exception:  # a work item must never take its worker down
        log.exception("%s: unhandled error in work after the ack", name)


def tell_failure(body: dict[str, Any], client: WebClient, *, saved: bool) -> None:
    """Tell the person that what they asked for did not work (never raises)."""
    text = PARTLY_SAVED if saved else NOTHING_SAVED
    try:
        response_url = body.get("response_url") or _first_response_url(body)
        if response_url:
            ResponseUrl(response_url).send(text=text, response_type="ephemeral", replace_original=False)
            return
        user_id = body.get("user_id") or (body.get("user") or {}).get("id")
        if user_id:
            client.chat_postMessage(channel=user_id, text=text)
    except Exception:
        log.exception("could not tell the person that their request failed")


def tell_refusal(body: dict[str, Any], client: WebClient, message: str, *, icon: str = ":lock:") -> None:
    """Tell the person, only them, that they may not do that and who may (never raises)."""
    text = f"{icon} {message}"
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    try:
        response_url = body.get("response_url") or _first_response_url(body)
        if response_url:
            ResponseUrl(response_url).send(
                text=text, blocks=blocks, response_type="ephemeral", replace_original=False
            )
            return
        user_id = body.get("user_id") or (body.get("user") or {}).get("id")
        if user_id:
            client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
    except Exception:
        log.exception("could not tell the person that they may not do that")


def _first_response_url(body: dict[str, Any]) -> str | None:
    urls = body.get("response_urls") or []
    return urls[0].get("response_url") if urls else None


def _noop_ack(*_args: Any, **_kwargs: Any) -> None:
    return None


def submit_told(
    pool: WorkPool,
    body: dict[str, Any],
    client: Any,
    work: Work,
    *,
    before: Callable[[], bool] | None = None,
) -> bool:
    """Run ``work`` (what a request asked for, after its ack) in ``pool``; if it fails, the person
    who sent ``body`` is told whether anything was saved. False when the pool refused it.
    ``before`` runs first, in the worker: when it returns False nothing else runs."""

    def told() -> None:
        token = COMMITTED_WRITES.set(0)
        try:
            if before is not None:
                if not before():
                    return
                COMMITTED_WRITES.set(0)  # its own record is not the person's change
            work()
        except PermissionDenied as refused:  # a check deep in the domain: told politely, nothing written
            log.info("refused: %s", _describe(body))
            if isinstance(client, WebClient):
                tell_refusal(body, client, refused.message)
        except UserError as refused:
            if COMMITTED_WRITES.get() > 0:  # refused after something was saved: a bug, told as a failure
                log.exception("work after the ack failed: %s", _describe(body))
                if isinstance(client, WebClient):
                    tell_failure(body, client, saved=True)
                if pool.inline:
                    raise
            else:  # a value nobody could have sent (bot/handlers/payloads.py), a row gone meanwhile
                log.info("refused: %s: %s", _describe(body), refused.message)
                if isinstance(client, WebClient):
                    shown = refused.message if refused.mrkdwn else escape(refused.message)
                    tell_refusal(body, client, shown, icon=":warning:")
        except Exception:
            log.exception("work after the ack failed: %s", _describe(body))
            if body.get("type") != "event_callback" and isinstance(client, WebClient):
                tell_failure(body, client, saved=COMMITTED_WRITES.get() > 0)
            if pool.inline:
                raise
        finally:
            COMMITTED_WRITES.reset(token)

    if pool.submit(told):
        return True
    if isinstance(client, WebClient):
        tell_failure(body, client, saved=False)
    return False


def after_ack(
    pool: WorkPool, listener: Callable[..., Any], app: AckFirstApp | None = None
) -> Callable[..., Any]:
    """``listener`` as a Bolt listener that acks on the request thread and runs in ``pool``, or, when
    ``app`` has work processes (``bot/work_processes.py``), forwards the request to them.

    The listener keeps its signature (Bolt injects arguments by name); inside it ``ack`` is a no-op.
    """
    names = inspect.signature(listener).parameters

    @functools.wraps(listener)
    def acked(**kwargs: Any) -> None:
        ack = kwargs.get("ack")
        body: dict[str, Any] = kwargs.get("body") or {}
        is_command = isinstance(body.get("command"), str)
        processes = app.work_processes if app is not None else None
        request = kwargs.get("request")
        if processes is not None and request is not None:
            _forward(processes, request, ack, body, kwargs.get("client"), kwargs.get("context"))
            return
        if not pool.has_room():
            log.warning("%s is full: refusing %s", pool.name, _describe(body))
            if ack is not None and is_command:
                ack(text=BUSY)
            elif ack is not None:
                ack()
            return
        if ack is not None:
            ack()
        args = {name: value for name, value in kwargs.items() if name in names}
        if "ack" in args:
            args["ack"] = _noop_ack
        client = kwargs.get("client")
        context = kwargs.get("context")
        before = context.get(BEFORE_WORK) if isinstance(context, dict) else None
        submit_told(pool, body, client, lambda: listener(**args), before=before)

    # Bolt reads the parameters of ``inspect.unwrap(acked)`` (the listener's): make sure it gets
    # body, ack, client and context too, whatever the listener itself asks for.
    acked.__wrapped__ = _with_params(listener, ("ack", "body", "client", "context", "request"))  # type: ignore[attr-defined]
    return acked


def _forward(
    processes: WorkProcesses, request: BoltRequest, ack: Any, body: dict[str, Any], client: Any, context: Any
) -> None:
    """Ack, and hand the request as Slack sent it to a work process (which runs the same listener)."""
    is_command = isinstance(body.get("command"), str)
    if not processes.has_room():
        log.warning("the work processes are full: refusing %s", _describe(body))
        if ack is not None:
            if is_command:
                ack(text=BUSY)
            else:
                ack()
        return
    if ack is not None:
        ack()
    as_sent = context.get(AS_SENT) if isinstance(context, dict) else None
    raw: str | dict[str, Any] = request.raw_body or as_sent or request.body
    if not processes.submit(raw, request.headers, body) and isinstance(client, WebClient):
        tell_failure(body, client, saved=False)


def answered_in_form(listener: Callable[..., Any]) -> Callable[..., Any]:
    """``listener`` (a form's submission) as a Bolt listener whose ``UserError`` is an answer, not a
    crash: before the ack an error in the form (on its first input), after it a note to the person.
    Raised before anything was saved (a forged ``private_metadata``, a row gone meanwhile)."""
    names = inspect.signature(listener).parameters

    @functools.wraps(listener)
    def guarded(**kwargs: Any) -> None:
        args = {name: value for name, value in kwargs.items() if name in names}
        token = COMMITTED_WRITES.set(0)
        try:
            listener(**args)
        except UserError as refused:
            if COMMITTED_WRITES.get() > 0:
                raise
            body: dict[str, Any] = kwargs.get("body") or {}
            log.info("refused in a form: %s: %s", _describe(body), refused.message)
            _answer_form(kwargs.get("ack"), body, kwargs.get("client"), refused)
        finally:
            COMMITTED_WRITES.reset(token)

    guarded.__wrapped__ = _with_params(listener, ("ack", "body", "client"))  # type: ignore[attr-defined]
    return guarded


def _answer_form(ack: Any, body: dict[str, Any], client: Any, refused: UserError) -> None:
    view = body.get("view")
    blocks = view.get("blocks") if isinstance(view, dict) else None
    first = next(
        (
            str(b["block_id"])
            for b in blocks or []
            if isinstance(b, dict) and b.get("type") == "input" and b.get("block_id")
        ),
        None,
    )
    if ack is not None and getattr(ack, "response", None) is None:
        if first:
            ack(response_action="errors", errors={first: refused.message})
            return
        ack()
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else None
    if user_id and isinstance(client, WebClient):
        shown = refused.message if refused.mrkdwn else escape(refused.message)
        try:
            client.chat_postMessage(channel=user_id, text=f":warning: {shown}")
        except Exception:
            log.exception("could not tell the person why their form was refused")


def _with_params(listener: Callable[..., Any], extra: tuple[str, ...]) -> Callable[..., Any]:
    names = list(inspect.signature(listener).parameters)
    names += [n for n in extra if n not in names]

    def signature_only(*_args: Any, **_kwargs: Any) -> None:  # never called
        raise AssertionError("signature only")

    params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names]
    signature_only.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return signature_only


def _describe(body: dict[str, Any]) -> str:
    kind = body.get("command") or body.get("type") or "request"
    if body.get("type") == "block_actions":
        kind = "action " + ",".join(a.get("action_id", "?") for a in body.get("actions") or [])
    elif body.get("type") == "event_callback":
        kind = "event " + str((body.get("event") or {}).get("type"))
    user = body.get("user_id") or (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user")
    return f"{kind} from {user}"


class AckFirstApp(App):
    """A Bolt app whose command, action, shortcut and event listeners ack first and run in ``pool``.

    View submissions and options loads answer *in* their ack (validation errors, the options), so
    they run on the request thread; they hand slow work to the pool themselves (``services.work``).
    A form listener's ``UserError`` (a forged ``private_metadata``, a row gone) is answered in the
    form (``answered_in_form``); an action's, only to the presser (``submit_told``).
    """

    def __init__(self, *, pool: WorkPool, **kwargs: Any) -> None:
        # Our listeners return as soon as they have acked: Bolt may run them on the request thread.
        super().__init__(process_before_response=True, **kwargs)
        self.work_pool = pool
        # Set by ``salesbot run`` when the work runs in processes of its own (bot/work_processes.py).
        self.work_processes: WorkProcesses | None = None

    def _offloaded(self, register: Callable[..., Any]) -> Callable[..., Any]:
        def decorator(*functions: Callable[..., Any], **kwargs: Any) -> Any:
            if kwargs:  # Bolt's ack=/lazy= form: left as written
                return register(*functions, **kwargs)
            register(*(after_ack(self.work_pool, f, self) for f in functions))
            return functions[0] if len(functions) == 1 else None

        return decorator

    def command(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return self._offloaded(super().command(*args, **kwargs))

    def action(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return self._offloaded(super().action(*args, **kwargs))

    def shortcut(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return self._offloaded(super().shortcut(*args, **kwargs))

    def event(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return self._offloaded(super().event(*args, **kwargs))

    def view(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        register = super().view(*args, **kwargs)

        def decorator(*functions: Callable[..., Any], **options: Any) -> Any:
            if options:
                return register(*functions, **options)
            register(*(answered_in_form(f) for f in functions))
            return functions[0] if len(functions) == 1 else None

        return decorator
