"""What the sub-commands share: terminal output (wrapping, plurals, progress bars), the
claim registry they load, and how an interruption ends a command."""

from __future__ import annotations

import shutil
import sys
import textwrap
from typing import Any


def paragraphs(text: str, width: int = 79) -> str:
    """Help text wrapped to ``width`` columns, paragraph by paragraph (blank-line separated),
    for the raw-description formatter, which keeps the example lines of an epilog as typed."""
    return "\n\n".join(textwrap.fill(" ".join(p.split()), width) for p in text.split("\n\n"))


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def terminal_width() -> int:
    """The terminal's width for wrapped output (80 when unknown or reported as 0)."""
    cols = shutil.get_terminal_size((80, 24)).columns
    return cols if cols >= 20 else 80


def wrap(text: str, indent: str = "  ", sub: str | None = None) -> str:
    """``text`` wrapped to the terminal width, first line indented by ``indent`` and the
    others by ``sub`` (default ``indent`` + two spaces)."""
    return textwrap.fill(
        text,
        width=terminal_width(),
        initial_indent=indent,
        subsequent_indent=indent + "  " if sub is None else sub,
        break_long_words=False,
        break_on_hyphens=False,
    )


def indent(text: str, pad: str = "    ") -> str:
    return "\n".join(pad + line if line else line for line in text.rstrip("\n").split("\n"))


class ProgressBar:
    """A tqdm bar on stderr when stderr is a terminal (else nothing); ``write`` prints a
    line to stdout without breaking the bar."""

    def __init__(self, total: int, desc: str, unit: str) -> None:
        self.bar = None
        if sys.stderr.isatty():
            from tensorkv_check.claims.listing import progress_bar

            self.bar = progress_bar(total, desc, unit)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.close()

    def update(self, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=refresh)

    def write(self, line: str) -> None:
        if self.bar is not None:
            from tqdm import tqdm

            tqdm.write(line, file=sys.stdout)
        else:
            print(line)


def load_registry():
    """The registry of every installed claim package (a function, so tests can replace it)."""
    from tensorkv_check.claims.registry import load_all

    return load_all()


class Terminated(KeyboardInterrupt):
    """Raised in the main thread on SIGTERM.

    A subclass of :class:`KeyboardInterrupt`, so that every clean-up path written for
    Ctrl-C (worker pools killed, temporary files removed, the previous report left
    untouched) runs for SIGTERM too; only the exit status differs (143, not 130).
    """


def interrupted_status(exc: BaseException) -> int:
    """Exit status of an interruption: 143 for SIGTERM, 130 for SIGINT (128 + signal)."""
    return 143 if isinstance(exc, Terminated) else 130
