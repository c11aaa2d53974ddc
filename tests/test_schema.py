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
from rcc_cards.loader import schema as loader_schema

SCHEMA = json.loads((REPO / "src" / "rcc_cards" / "deck.schema.json").read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)


def _errors(document: Any) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(document)]


def test_the_schema_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("deck", sorted((REPO / "decks").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_decks_validate_and_point_editors_at_the_schema(deck: Path) -> None:
    text = deck.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../src/rcc_cards/deck.schema.json\n")
    assert _errors(yaml.safe_load(text)) == []


def test_the_readme_example_validates() -> None:
    example = (REPO / "README.md").read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    assert _errors(yaml.safe_load(example)) == []


@pytest.mark.parametrize("where,keys", [
    (SCHEMA, loader_schema.TOP_KEYS),
    (SCHEMA["$defs"]["deck"], loader_schema.DECK_KEYS),
    (SCHEMA["$defs"]["source"], loader_schema.SOURCE_KEYS),
    (SCHEMA["$defs"]["section"], loader_schema.SECTION_KEYS),
    (SCHEMA["$defs"]["card"], loader_schema.CARD_KEYS),
])
def test_schema_and_loader_accept_the_same_keys(where: dict[str, Any], keys: tuple[str, ...]) -> None:
    assert sorted(where["properties"]) == sorted(keys)
    assert where["additionalProperties"] is False


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
