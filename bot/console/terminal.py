"""Line-based input and output on any pair of streams, so the console runs in a pipe or a test."""

from __future__ import annotations

import contextlib
from typing import TextIO


class EndOfInput(Exception):
    """The input stream ended (Ctrl+D, or the end of a script)."""


class Terminal:
    def __init__(self, stdin: TextIO, stdout: TextIO, *, echo: bool = False) -> None:
        self.stdin = stdin
        self.stdout = stdout
        # With a script on stdin, echo each line after its prompt so the output reads like a session.
        self.echo = echo
        self.interactive = (not echo) and _isatty(stdin)
        if self.interactive:
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401  (line editing and history for people at a keyboard)

    def say(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def ask(self, prompt: str) -> str:
        """One line without its newline; raises ``EndOfInput`` at the end of the input."""
        if self.interactive:
            try:
                return input(prompt)
            except EOFError:
                self.stdout.write("\n")
                raise EndOfInput from None
        self.stdout.write(prompt)
        line = self.stdin.readline()
        if not line:
            self.stdout.write("\n")
            self.stdout.flush()
            raise EndOfInput
        line = line.rstrip("\r\n")
        if self.echo:
            self.stdout.write(line)
        self.stdout.write("\n")
        self.stdout.flush()
        return line


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
