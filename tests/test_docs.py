"""The documentation keeps up with the code (as sqlite-utils' tests/test_docs.py): every command and every rule
is in docs/, every generated section is what the code generates today, and every relative link leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import REPO
from rcc_cards import docs, rules
from rcc_cards.cli import cli

DOCS = REPO / "docs"
PAGES = sorted(DOCS.glob("*.md"))
FIX = f"run: {docs.COMMAND}"


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_generated_sections_are_current(page: Path) -> None:
    text = _text(page)
    assert docs.regenerate(text) == text, f"{page.relative_to(REPO)} is stale; {FIX}"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_its_help_in_the_commands_page(name: str) -> None:
    text = _text(DOCS / "commands.md")
    assert f"## `rcc-cards {name}`\n" in text, f"docs/commands.md has no heading for {name}"
    assert f"help {name}" in docs.generated(text), (f"docs/commands.md has no '<!-- generated: help {name} -->' "
                                                    f"section; add one with '<!-- end generated -->', then {FIX}")


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda r: r.id)
def test_every_rule_has_a_heading_in_the_rules_page(rule: rules.Rule) -> None:
    text = _text(DOCS / "rules.md")
    assert "rules" in docs.generated(text)
    assert f"\n### `{rule.id}`\n" in text, f"docs/rules.md has no heading for {rule.id}; {FIX}"


def test_a_rule_heading_says_what_it_asks_its_level_and_its_examples() -> None:
    rule = rules.by_id()["hedge-dropped"]
    assert docs.rule_text(rule) == (
        "### `hedge-dropped`\n\n" + rule.doc.split("\n\nFails:")[0].replace("\n", " ") + "\n\n"
        "*warning; a deck may change it.*\n\n"
        f"- Fails: {rule.fails}\n- Passes: {rule.passes}\n")


def test_the_format_page_generates_the_table_of_keys() -> None:
    assert docs.generated(_text(DOCS / "format.md")) == ["keys"]


def test_a_stale_section_is_rewritten_and_an_unknown_one_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n<!-- generated: help schema -->\nold\n<!-- end generated -->\nafter\n", encoding="utf-8")
    assert docs.main([str(tmp_path)]) == 0
    assert _text(page) == ("# Page\n\n<!-- generated: help schema -->\n```\n$ rcc-cards schema --help\n"
                           + docs.help_text("schema") + "```\n<!-- end generated -->\nafter\n")
    assert docs.help_text("schema").startswith("Usage: rcc-cards schema [OPTIONS]\n")
    with pytest.raises(docs.UnknownSection, match="'help nothing'"):
        docs.regenerate("<!-- generated: help nothing -->\n<!-- end generated -->\n")


def test_help_is_generated_at_a_fixed_width(monkeypatch: pytest.MonkeyPatch) -> None:
    narrow = docs.help_text("build")
    monkeypatch.setenv("COLUMNS", "200")
    assert docs.help_text("build") == narrow
    assert max(len(line) for line in narrow.splitlines()) <= docs.HELP_WIDTH


def test_the_readme_is_a_short_guide_that_links_every_page() -> None:
    readme = _text(REPO / "README.md")
    assert len(readme.splitlines()) <= 150
    for page in PAGES:
        assert f"](docs/{page.name})" in readme, page.name


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces as '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", _text(path), flags=re.S)
    return {_slug(m.group(1)) for m in re.finditer(r"^#+ (.*)$", text, re.M)}


@pytest.mark.parametrize("page", [REPO / "README.md", REPO / "benchmarks" / "README.md", *PAGES],
                         ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_leads_to_a_file_and_heading(page: Path) -> None:
    text = re.sub(r"```.*?```", "", _text(page), flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        name, _, anchor = target.partition("#")
        linked = (page.parent / name).resolve() if name else page
        assert linked.exists(), f"{page.relative_to(REPO)}: {target}"
        if anchor:
            assert anchor in _anchors(linked), f"{page.relative_to(REPO)}: {target}"


def test_nothing_in_the_package_imports_the_docs_generator() -> None:
    src = REPO / "src" / "rcc_cards"
    importers = [p.name for p in src.rglob("*.py") if p.name != "docs.py"
                 and re.search(r"^\s*(from rcc_cards import .*\bdocs\b|(from|import) rcc_cards\.docs\b)",
                               _text(p), re.M)]
    assert importers == []
