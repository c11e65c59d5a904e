"""Errors that reach the user.

Every error the CLI reports on one line derives from :class:`SimError`. Scenario
problems carry the file and the field path (``actors.putin.venues.geneva``) so a user
can find the mistake without reading a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class SimError(Exception):
    """Base class of the errors reported to the user in one line, not as a traceback.

    ``exit_code`` is 2 (bad input or usage) unless a subclass says otherwise.
    """

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where it is and what is wrong."""

    path: str
    message: str

    def describe(self, source: str | None = None) -> str:
        """The problem as one line: ``file: path: message``."""
        where = ": ".join(part for part in (source, self.path) if part)
        message = " ".join(self.message.split())
        return printable(f"{where}: {message}" if where else message)


def printable(text: str) -> str:
    """``text`` on one line: control and other unprintable characters escaped."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class ScenarioError(SimError):
    """A scenario file or document that cannot be used, with every problem found."""

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(self.lines()[0] if self.problems else "invalid scenario")

    def with_source(self, source: str) -> "ScenarioError":
        """The same problems, attributed to ``source`` (a file name)."""
        return ScenarioError(self.problems, source)

    def lines(self) -> list[str]:
        """One line per problem, each naming the file and field path."""
        return [problem.describe(self.source) for problem in self.problems]

    def __str__(self) -> str:
        lines = self.lines()
        if len(lines) == 1:
            return lines[0]
        return f"{lines[0]} (and {len(lines) - 1} more problem{'s' if len(lines) > 2 else ''})"


class UsageError(SimError):
    """A command-line option or argument that cannot be honoured."""
