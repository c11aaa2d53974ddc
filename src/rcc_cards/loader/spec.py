"""The deck format as data: every mapping, its keys, which are required, the shape of each value, the
patterns and limits. Declared once, here:

- the loader (:mod:`.schema`) checks every file against it, and its fast card path (:mod:`.cards`) is driven by it;
- :func:`json_schema` builds ``deck.schema.json`` for editors (a test keeps the shipped file equal to it,
  byte for byte, and ``rcc-cards schema`` prints it);
- :func:`readme_table` builds the table of keys in docs/format.md (a test keeps the page equal to it).

A new card key is one :class:`Field` in :data:`CARD` (and a field of :class:`~rcc_cards.model.Card` of
the name given as ``attr``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from rcc_cards import tags
from rcc_cards.model import SETTINGS

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_]*\Z")
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
PERSONAL_FIELD_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9 _-]{0,38}[A-Za-z0-9]\Z")  # safe in Anki's {{…}} syntax
MAX_ID_LENGTH = 100
# A note's Anki GUID, kept by 'rcc-cards import': the characters of Anki's own (base 91: letters, digits and
# ASCII punctuation but quotes and the backslash); Anki sets no length limit, rcc-cards that of any name.
GUID_PATTERN = re.compile(r"[A-Za-z0-9!#$%&()*+,\-./:;<=>?@\[\]^_`{|}~]+\Z")
MAX_CARDS = 100_000  # per deck file; a larger curriculum is several files
_CARD_START = r"^[ ]*(?:-[ ]+)?\{?[ ]*id[ ]*:"  # a card's 'id:' key, as lines start (compiled only when needed)


def too_many_cards(text: str) -> int | None:
    """Where the card past :data:`MAX_CARDS` starts in a deck file's text, counting ``id:`` keys as the text
    is scanned (linear, nothing built); None when there are not that many."""
    if text.count("id:") <= MAX_CARDS:
        return None
    for count, match in enumerate(re.finditer(_CARD_START, text, re.MULTILINE), 1):
        if count > MAX_CARDS:
            return match.start()
    return None


class Shape(NamedTuple):
    """What a value must be. ``kind`` names how the loader reads it:

    - ``text``: one text value, not empty, no control characters; ``prose`` text may not be cut by ' #';
    - ``cloze``: prose text with valid cloze deletions (:mod:`rcc_cards.cloze`);
    - ``name``: a text matching ``pattern`` (``example`` shows one), at most :data:`MAX_ID_LENGTH` characters;
    - ``deck-name``: an Anki deck name (see :func:`rcc_cards.tags.deck_name_problem`);
    - ``flag``: ``true`` or ``false``;
    - ``texts``: a list of texts; ``tags``: a list of tags (:func:`rcc_cards.tags.tag_problem`);
    - ``image``, ``audio``: a media file's path (:mod:`rcc_cards.media`);
    - ``map``: a mapping described by the :class:`Map` named ``ref``; ``list``: a list of those;
    - ``rules``: rule id -> one of :data:`~rcc_cards.model.SETTINGS` (read as written; the ids and settings
      are judged by :mod:`rcc_cards.rules.settings`).
    """

    kind: str
    prose: bool = False
    pattern: re.Pattern[str] | None = None
    example: str = ""
    ref: str = ""


TEXT = Shape("text", prose=True)
FLAG = Shape("flag")
TEXTS = Shape("texts")
TAGS = Shape("tags")


class Field(NamedTuple):
    key: str
    shape: Shape
    description: str = ""
    required: bool = False
    attr: str = ""  # the model attribute it fills, when it differs from the key ("" -> the key itself)
    stored: bool = True  # False: read, but not kept as such (a card's 'reverse' only chooses its kind)

    @property
    def target(self) -> str:
        return self.attr or self.key


class Map(NamedTuple):
    """A mapping: ``what`` names it in messages; ``kind_keys`` are keys that choose a card's kind (a card
    needs some of them, in a combination :func:`rcc_cards.kinds.classify` accepts)."""

    name: str
    what: str
    fields: tuple[Field, ...]
    description: str = ""
    kind_keys: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()  # exactly one of these keys is required

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(sorted(f.key for f in self.fields))

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(sorted(f.key for f in self.fields if f.required))

    def field(self, key: str) -> Field:
        return _FIELDS[self.name][key]


SKIP = Map("skip", "a skipped sentence", (
    Field("sentence", TEXT, "The sentence, or enough of it to find it (as in the source).", required=True),
    Field("why", TEXT, "Why no card covers it.", required=True),
))
SOURCE = Map("source", "'source'", (
    Field("key", Shape("name", pattern=KEY_PATTERN, example="lowercase letters, digits and '_', e.g. pdq"),
          "Names the source for cards that quote it ('source: <key>' on a card); required in 'sources'."),
    Field("title", TEXT, required=True),
    Field("file", TEXT, "The source text, relative to the deck file's folder.", required=True),
    Field("as_of", TEXT, "The source's version or as-of date.", required=True),
    Field("url", TEXT),
    Field("origin", TEXT, "Where the text was taken from, e.g. 'NCI PDQ, republished by WebMD'."),
    Field("skip", Shape("skips", ref="skip"), "Sentences no card covers on purpose, each with the reason "
                                             "('rcc-cards coverage' lists the uncovered ones)."),
))
DECK = Map("deck", "'deck'", (
    Field("key", Shape("name", pattern=KEY_PATTERN, example="lowercase letters, digits and '_', e.g. rcc"),
          "Namespaces every card id and note GUID. Never change it once the deck is in use.", required=True),
    Field("name", Shape("deck-name", prose=True), "The Anki deck name; '::' nests decks.", required=True),
    Field("description", TEXT),
    Field("context", TEXT, "Shown on every card, labelled as not from the source."),
    Field("source", Shape("map", ref="source"), "The deck's source (or 'sources' for several)."),
    Field("sources", Shape("list", ref="source"),
          "Several sources, each with its 'key'; cards quote the first unless they name another."),
    Field("note_types", TEXT, "A JSON file beside the deck with the Anki note types its cards keep ('note_type' "
                              "on a card; written by 'rcc-cards import')."),
    Field("personal_field", Shape("name", pattern=PERSONAL_FIELD_PATTERN,
                                  example="a field name of letters, digits, spaces, '-' and '_', e.g. My notes"),
          "A field of every note that is the learner's own: empty in the package, shown on the back when filled, "
          "and kept by 'rcc-cards push' (a package import empties it). Set it before learners study the deck."),
    Field("rules", Shape("rules"), "This deck's severity for rules it changes: error, warning or off."),
    Field("drafts_for", Shape("name", pattern=KEY_PATTERN, example="the key of the deck these cards are drafts for"),
          "Marks a drafts file (written by 'rcc-cards draft'): its cards are checked, never built."),
), one_of=("source", "sources"))
CARD = Map("card", "a card", (
    Field("id", Shape("name", pattern=ID_PATTERN, example="letters, digits, '-', '_' and '.', e.g. il2-durable-cr"),
          "Stable identity of the note across rebuilds; unique across all decks built together.", required=True),
    Field("note_type", TEXT, "The Anki note type the card keeps, by name, from the deck's 'note_types' file "
                             "(written by 'rcc-cards import'; its notes are then updated in place)."),
    Field("guid", Shape("name", pattern=GUID_PATTERN,
                        example="an Anki GUID: letters, digits and punctuation, no quotes or spaces"),
          "The note's GUID in Anki, when it is not derived from the deck key and card id (a note made in Anki and "
          "imported by 'rcc-cards import' keeps its own); unique across all decks built together."),
    Field("q", TEXT, "The question.", attr="front"),
    Field("a", TEXT, "The answer.", attr="back"),
    Field("reverse", FLAG, "Also ask answer -> question.", stored=False),
    Field("cloze", Shape("cloze", prose=True), "Text with {{c1::deletions}} (optionally {{c1::answer::hint}}).",
          attr="text"),
    Field("extra", TEXT, "Shown on the back."),
    Field("context", TEXT, "Shown on the back, labelled as not from the source."),
    Field("quote", TEXT, "The source sentence, verbatim ('…' for omitted words)."),
    Field("source", Shape("name", pattern=KEY_PATTERN, example="the key of one of the deck's sources"),
          "The key of the deck source the quote is from, when it is not the deck's first."),
    Field("unsourced", TEXT, "Instead of a quote: why this card is background knowledge the source does not "
                             "state (shown labelled as not from the source; no numbers allowed)."),
    Field("refs", TEXTS, "The source's reference numbers."),
    Field("tags", TAGS),
    Field("image", Shape("image"), "An image beside the deck, shown with the question."),
    Field("audio", Shape("audio"), "A sound beside the deck, played with the question."),
), kind_keys=("q", "a", "reverse", "cloze"))
SECTION = Map("section", "a section", (
    Field("key", Shape("name", pattern=KEY_PATTERN,
                         example="lowercase letters, digits and '_', e.g. cytokine_therapy"), required=True),
    Field("title", TEXT, required=True),
    Field("context", TEXT, "Shown on every card below the section, labelled as not from the source."),
    Field("tags", TAGS),
    Field("cards", Shape("list", ref="card")),
    Field("sections", Shape("list", ref="section")),
))
TOP = Map("top", "the top level of a deck file", (
    Field("deck", Shape("map", ref="deck"), required=True),
    Field("sections", Shape("list", ref="section"), "The deck's sections; each becomes a level of the notes' tags.",
          required=True),
))
MAPS = {m.name: m for m in (TOP, DECK, SOURCE, SKIP, SECTION, CARD)}
_FIELDS = {m.name: {f.key: f for f in m.fields} for m in MAPS.values()}

# Words authors reach for, mapped to the key they meant, the same thing under another name (for "did you
# mean" in messages). A word for something the format does not have belongs in FOREIGN_KEYS instead.
SYNONYMS = {
    "answer": "a", "back": "a", "question": "q", "front": "q", "prompt": "q", "text": "cloze",
    "note": "extra", "notes": "extra", "reference": "refs", "references": "refs",
    "tag": "tags", "subsections": "sections", "card": "cards", "name": "title",
}

# Keys other flashcard tools have for something this format does not have, or does another way: each is
# answered with its own advice, never with a "did you mean" (the nearest key means something else: 'extra'
# shows only on the back, where a hint is of no use).
_NO_HINT = ("There is no hint field ('extra' shows only on the back, after the answer): put the hint in the "
            "question itself, or in a cloze after its answer, {{c1::answer::hint}}")
_NO_KIND = ("There is no field for the card's kind: it follows from the keys (q and a: a question, with "
            "reverse: true for its reverse card too; cloze: a cloze)")
_NO_SCHEDULE = ("Scheduling is Anki's: a deck cannot set it, and an update keeps each learner's reviews; "
                "remove the key")
FOREIGN_KEYS = {
    **dict.fromkeys(("hint", "hints", "clue", "clues", "cue", "tip", "tips"), _NO_HINT),
    **dict.fromkeys(("type", "kind", "model", "notetype", "card_type"), _NO_KIND),
    **dict.fromkeys(("due", "interval", "ease", "difficulty", "stability", "priority"), _NO_SCHEDULE),
}
SUGGEST_SIMILARITY = 0.7  # a misspelling suggested as a key: this close (difflib's ratio), same first letter


# -- the JSON Schema --------------------------------------------------------------------------------------
_TEXT_DEF = {"type": "string", "minLength": 1, "pattern": "\\S"}
_KIND_RULE = [  # the card kinds' key combinations (rcc_cards.kinds.classify), as JSON Schema says it
    {"required": ["q", "a"], "not": {"required": ["cloze"]}},
    {"required": ["cloze"], "not": {"anyOf": [{"required": ["q"]}, {"required": ["a"]}, {"required": ["reverse"]}]}},
]


def _pattern(regex: re.Pattern[str]) -> str:
    return "^" + regex.pattern.removesuffix("\\Z") + "$"


def _value_schema(shape: Shape, rule_ids: list[str]) -> dict[str, Any]:
    if shape.kind in ("text", "cloze", "deck-name", "image", "audio"):
        return {"$ref": "#/$defs/text"}
    if shape.kind == "name":
        assert shape.pattern is not None
        if shape.pattern is KEY_PATTERN:
            return {"$ref": "#/$defs/key"}
        return {"type": "string", "pattern": _pattern(shape.pattern), "maxLength": MAX_ID_LENGTH}
    if shape.kind == "flag":
        return {"type": "boolean"}
    if shape.kind == "texts":
        return {"type": "array", "items": {"type": ["string", "integer"]}}
    if shape.kind == "tags":
        return {"$ref": "#/$defs/tags"}
    if shape.kind == "map":
        return {"$ref": f"#/$defs/{shape.ref}"}
    if shape.kind in ("list", "skips"):
        return {"type": "array", "items": {"$ref": f"#/$defs/{shape.ref}"}}
    if shape.kind == "rules":
        return {"type": "object", "propertyNames": {"enum": rule_ids},
                "additionalProperties": {"enum": list(SETTINGS)}}
    raise ValueError(f"no JSON Schema for the shape {shape.kind!r}")


def _map_schema(spec: Map, rule_ids: list[str]) -> dict[str, Any]:
    properties = {}
    for f in spec.fields:
        value = _value_schema(f.shape, rule_ids)
        properties[f.key] = {**value, "description": f.description} if f.description else value
    out: dict[str, Any] = {"type": "object", "additionalProperties": False, "required": list(spec.required),
                           "properties": properties}
    if spec.kind_keys:
        out["oneOf"] = _KIND_RULE
    if spec.one_of:
        out["oneOf"] = [{"required": [key]} for key in spec.one_of]
    return out


def json_schema(rule_ids: Iterable[str]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a deck file; ``rule_ids`` are the ids a deck's ``rules:`` may name
    (the registry's, :func:`rcc_cards.rules.by_id`: the format does not know the rules)."""
    rule_ids = sorted(rule_ids)
    top = _map_schema(TOP, rule_ids)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:rcc-cards:deck-schema:1",
        "title": "rcc-cards deck",
        "description": "One deck of rcc-cards study cards. `rcc-cards check` applies every rule; this schema lets "
                       "editors complete keys and flag mistakes as you type.",
        **top,
        "$defs": {
            "text": _TEXT_DEF,
            "key": {"type": "string", "pattern": _pattern(KEY_PATTERN),
                    "description": "Lowercase letters, digits and '_'; becomes part of the tags."},
            "tags": {"type": "array", "description": "Topic tags (e.g. topic::dosing): no spaces, levels "
                                                     "separated by '::', none of them empty.",
                     "items": {"type": "string", "pattern": tags.TAG_PATTERN}},
            **{m.name: _map_schema(m, rule_ids) for m in (DECK, SOURCE, SKIP, SECTION, CARD)},
        },
    }


def json_schema_text(rule_ids: Iterable[str]) -> str:
    """:func:`json_schema` as the text of ``deck.schema.json``."""
    import json  # only here: 'check' and 'tags' never need it

    return json.dumps(json_schema(rule_ids), indent=2, ensure_ascii=False) + "\n"


# -- the table of keys of docs/format.md -------------------------------------------------------------------------------
_WHERE = {"top": "top level", "deck": "`deck`", "source": "`deck.source`, or an item of `deck.sources`",
          "skip": "an item of a source's `skip`", "section": "a section", "card": "a card"}


def readme_table() -> str:
    """The table of keys of docs/format.md: required keys in bold, a card's kind keys said as their combinations."""
    rows = ["| where | keys (required in bold) |", "| --- | --- |"]
    for spec in MAPS.values():
        required = [f"**{k}**" for k in spec.required]
        optional = [k for k in spec.keys if k not in spec.required and k not in spec.kind_keys]
        optional = [k for k in optional if k not in spec.one_of]
        if spec.kind_keys:
            keys = (f"{', '.join(required)}; then **q** and **a** (optionally `reverse: true`), or **cloze**; "
                    f"and {', '.join(optional)} (`quote` or `unsourced`, not both)")
        elif spec.one_of:
            keys = ", ".join([*required, " or ".join(f"**{k}**" for k in spec.one_of), *optional])
        else:
            keys = ", ".join(required + optional)
        rows.append(f"| {_WHERE[spec.name]} | {keys} |")
    return "\n".join(rows) + "\n"
