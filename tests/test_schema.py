"""The JSON Schema shipped for editors agrees with the loader: the shipped decks validate against it,
and every key the loader accepts, and no other, appears in it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from conftest import REPO, run
from rcc_cards import rules, tags
from rcc_cards.loader import spec

SCHEMA = json.loads((REPO / "src" / "rcc_cards" / "deck.schema.json").read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)


def _errors(document: Any) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(document)]


def test_the_schema_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)


SCHEMA_COMMENT = "# yaml-language-server: $schema="


@pytest.mark.parametrize("deck", sorted((REPO / "decks").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_decks_validate_and_point_editors_at_the_schema(deck: Path) -> None:
    """Every deck in decks/ validates; one that names a schema for editors names the shipped one, from its
    own folder (an author's deck need not name one); the shipped deck does."""
    text = deck.read_text(encoding="utf-8")
    if deck.name == "rcc.yaml":
        assert text.startswith("# yaml-language-server: $schema=../src/rcc_cards/deck.schema.json\n")
    if text.startswith(SCHEMA_COMMENT):
        named = deck.parent / text.splitlines()[0].removeprefix(SCHEMA_COMMENT)
        assert named.resolve() == (REPO / "src" / "rcc_cards" / "deck.schema.json").resolve(), named
    assert _errors(yaml.safe_load(text)) == []


def test_the_format_example_validates() -> None:
    example = (REPO / "docs" / "format.md").read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    assert _errors(yaml.safe_load(example)) == []


def test_the_shipped_schema_file_is_the_one_generated_from_the_format_spec() -> None:
    """deck.schema.json is built from loader/spec.py; regenerate it with 'rcc-cards schema'."""
    shipped = (REPO / "src" / "rcc_cards" / "deck.schema.json").read_text(encoding="utf-8")
    assert shipped == spec.json_schema_text(rules.by_id()), "run: rcc-cards schema > src/rcc_cards/deck.schema.json"
    assert run(["schema"]).stdout == shipped


@pytest.mark.parametrize("name", sorted(spec.MAPS))
def test_schema_and_loader_accept_the_same_keys(name: str) -> None:
    where = SCHEMA if name == "top" else SCHEMA["$defs"][name]
    assert sorted(where["properties"]) == sorted(spec.MAPS[name].keys)
    assert sorted(where["required"]) == sorted(spec.MAPS[name].required)
    assert where["additionalProperties"] is False


def test_the_format_page_table_of_keys_is_the_one_the_spec_gives() -> None:
    page = (REPO / "docs" / "format.md").read_text(encoding="utf-8")
    assert spec.readme_table() in page


@pytest.mark.parametrize("tag,ok", [("topic::dosing", True), ("ünïcode::ok", True), ("topic:dosing", False),
                                    ("a::", False), ("has space", False), ("a:::b", False), ("star*", False)])
def test_schema_and_loader_agree_on_tags(tag: str, ok: bool) -> None:
    deck = {"deck": {"key": "t", "name": "T", "source": {"title": "S", "file": "s.txt", "as_of": "2024"}},
            "sections": [{"key": "s", "title": "S", "tags": [tag], "cards": [{"id": "c", "q": "Q", "a": "A"}]}]}
    assert (_errors(deck) == []) is ok
    assert (tags.tag_problem(tag) is None) is ok


@pytest.mark.parametrize("rules,ok", [({"answer-too-long": "off"}, True), ({"hedge-dropped": "error"}, True),
                                      ({"answer-to-long": "off"}, False), ({"answer-too-long": "no"}, False)])
def test_schema_knows_the_rule_settings(rules: dict[str, str], ok: bool) -> None:
    deck = {"deck": {"key": "t", "name": "T", "source": {"title": "S", "file": "s.txt", "as_of": "2024"},
                     "rules": rules},
            "sections": [{"key": "s", "title": "S", "cards": [{"id": "c", "q": "Q", "a": "A"}]}]}
    assert (_errors(deck) == []) is ok


@pytest.mark.parametrize("card,ok", [
    ({"id": "c1", "q": "Q", "a": "A"}, True),
    ({"id": "c1", "cloze": "{{c1::x}}"}, True),
    ({"id": "c1", "q": "Q", "anwser": "A"}, False),
    ({"id": "c1", "q": "Q"}, False),
    ({"id": "c1", "cloze": "{{c1::x}}", "a": "A"}, False),
    ({"q": "Q", "a": "A"}, False),
])
def test_schema_rules_for_cards(card: dict[str, str], ok: bool) -> None:
    deck = {"deck": {"key": "t", "name": "T", "source": {"title": "S", "file": "s.txt", "as_of": "2024"}},
            "sections": [{"key": "s", "title": "S", "cards": [card]}]}
    assert (_errors(deck) == []) is ok


def test_schema_command_prints_the_shipped_schema() -> None:
    result = run(["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == SCHEMA
