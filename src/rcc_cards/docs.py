"""The generated sections of ``docs/*.md``: ``python -m rcc_cards.docs`` rewrites them in place.

A generated section sits between ``<!-- generated: NAME -->`` and ``<!-- end generated -->``; its text
comes from the code it documents, so it cannot drift: ``keys`` (the deck format's keys, from
:mod:`rcc_cards.loader.spec`), ``rules`` (one heading per rule, from the registry in :mod:`rcc_cards.rules`)
and ``help COMMAND`` (a command's ``--help``, from the Click app in :mod:`rcc_cards.cli`).
``tests/test_docs.py`` fails while a section is stale. Nothing in the package imports this module.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rcc_cards import cli, rules
from rcc_cards.loader import spec

REGION = re.compile(r"(<!-- generated: (?P<name>[a-z][a-z -]*) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S)
HELP_WIDTH = 78  # what Click prints in an 80-column terminal
COMMAND = ".venv/bin/python -m rcc_cards.docs"


class UnknownSection(ValueError):
    """A marker names a section this module does not generate."""


def help_text(name: str | None = None) -> str:
    """``rcc-cards [NAME] --help``, as printed at a fixed width."""
    root = cli.cli.make_context("rcc-cards", [], resilient_parsing=True, terminal_width=HELP_WIDTH)
    if name is None:
        return cli.cli.get_help(root) + "\n"
    command = cli.cli.commands[name]
    context = command.make_context(name, [], parent=root, resilient_parsing=True, terminal_width=HELP_WIDTH)
    return command.get_help(context) + "\n"


def _help_section(name: str | None) -> str:
    return "```\n$ rcc-cards " + (f"{name} " if name else "") + "--help\n" + help_text(name) + "```\n"


def rule_text(rule: rules.Rule) -> str:
    """One rule's heading and text: what it asks, its level, and its failing and passing examples."""
    what = " ".join(line.strip() for line in rule.doc.split("\nFails:", 1)[0].splitlines() if line.strip())
    change = "a deck cannot change it" if rule.fixed else "a deck may change it"
    return (f"### `{rule.id}`\n\n{what}\n\n*{rule.severity}; {change}.*\n\n"
            f"- Fails: {rule.fails}\n- Passes: {rule.passes}\n")


def rules_section() -> str:
    return rules.table() + "".join("\n" + rule_text(rule) for rule in rules.RULES)


def sections() -> dict[str, Callable[[], str]]:
    """Every generated section by its marker's name."""
    out: dict[str, Callable[[], str]] = {"keys": spec.readme_table, "rules": rules_section,
                                         "help": functools.partial(_help_section, None)}
    for name in cli.cli.commands:
        out[f"help {name}"] = functools.partial(_help_section, name)
    return out


def regenerate(text: str) -> str:
    """``text`` with every generated section rewritten from the code."""
    known = sections()

    def fill(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in known:
            raise UnknownSection(f"unknown generated section {name!r}; known: {', '.join(sorted(known))}")
        return match.group(1) + known[name]() + match.group(4)

    return REGION.sub(fill, text)


def generated(text: str) -> list[str]:
    """The names of the generated sections in ``text``, in order."""
    return [match.group("name") for match in REGION.finditer(text)]


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite the generated sections of every ``*.md`` in the folder given (default: ``docs``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    folder = Path(args[0] if args else "docs")
    for path in sorted(folder.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        new = regenerate(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
