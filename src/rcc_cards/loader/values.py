"""Reading values: a mapping's keys, and each value by the shape the spec declares (:class:`.spec.Shape`).

Every value is text until the spec says otherwise; nothing is guessed. Texts are checked (not empty, no
control character, not cut by a comment), names against their pattern, tags by the tag rules, cloze
markup by :mod:`rcc_cards.cloze`, media files by :mod:`rcc_cards.media`; a deck's ``rules:`` is read as
written (the rules judge it). A value that is wrong is reported, and read as :data:`BAD`.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from rcc_cards import cloze, media, tags
from rcc_cards.errors import Problem
from rcc_cards.loader import didyoumean, spec
from rcc_cards.loader.nodes import Mapping, Node, Scalar, Sequence
from rcc_cards.loader.report import Reporter, shape_of
from rcc_cards.loader.spec import MAX_ID_LENGTH, Field, Map, Shape
from rcc_cards.model import RuleSetting, Skip

_ONE_LINE_STYLES = (None, "'", '"')  # values used exactly as written (blocks lose their final newline)
_BAD_TEXT_CHAR = "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]"  # compiled when a text is not printable
BAD = object()  # a value that was reported, or stands in for something already reported
MAX_CLOZE_PROBLEMS = 10  # per text: the rest are counted in one line (and each is placed in linear time)


class ValueReader(Reporter):
    """Reads the values of one file; ``deck_dir`` is the deck file's folder (media paths are relative to it)."""

    def __init__(self, path: str, deck_dir: Path, text: str = "") -> None:
        super().__init__(path, text)
        self.deck_dir = deck_dir
        self.meant_keys: set[str] = set()  # what the unknown keys of the mapping read last probably meant

    def mapping(self, node: Node, ctx: str, spec_map: Map,
                report_missing: bool = True) -> dict[str, tuple[Scalar, Node]] | None:
        """The keys of a mapping node, after reporting unknown and (``report_missing``) missing ones."""
        allowed = spec_map.keys
        if not isinstance(node, Mapping):
            self.wrong_shape(node, ctx, f"expected {spec_map.what} with keys {', '.join(allowed)}")
            return None
        found: dict[str, tuple[Scalar, Node]] = {}
        allowed_set = _as_set(allowed)
        self.meant_keys = set()
        for key, value in node.pairs:
            if key.value in allowed_set:
                found[key.value] = (key, value)
            else:
                meant = didyoumean.meant_key(key.value, allowed)
                self.report(key, ctx, didyoumean.unknown_key(key.value, allowed, meant))
                if meant:
                    self.meant_keys.add(meant)
        required = list(spec_map.required)
        missing = [f"'{k}'" for k in required if k not in found and k not in self.meant_keys]
        if spec_map.one_of:  # exactly one of these
            required.append(" or ".join(spec_map.one_of))
            if not any(k in found or k in self.meant_keys for k in spec_map.one_of):
                missing.append(" or ".join(f"'{k}'" for k in spec_map.one_of))
        if missing and report_missing:
            self.report(node, ctx, f"{spec_map.what} is missing {' and '.join(missing)} "
                                   f"(required keys: {', '.join(required)})")
        return found

    def value(self, node: Node, ctx: str, field: Field) -> Any:
        """The value of ``field`` read from ``node`` by its shape, or ``BAD`` (reported) ."""
        shape, key = field.shape, field.key
        reader = _VALUE_READERS.get(shape.kind)
        if reader is None:
            raise ValueError(f"the loader cannot read the shape {shape.kind!r} of '{key}' here")
        value = reader(self, node, ctx, key, shape)
        return BAD if value is None else value

    def read_values(self, found: dict[str, tuple[Scalar, Node]], ctx: str, spec_map: Map,
                skip: tuple[str, ...] = ()) -> dict[str, Any] | None:
        """Each found key's value, read by its shape (``skip``: keys read elsewhere); None if any was bad."""
        values = {k: self.value(v, ctx, spec_map.field(k)) for k, (_, v) in found.items() if k not in skip}
        return None if any(v is BAD for v in values.values()) else values

    def text(self, node: Node, ctx: str, key: str, empty: str = "", prose: bool = True) -> str | None:
        """A text value: a scalar, not empty, no control characters; block scalars lose their final newline.

        ``prose`` values (card and deck text) may not be followed by a ' #' comment: YAML would have cut
        the text there. Ids, keys, flags and tags may carry a trailing comment.
        """
        clean = clean_text(node)  # the common case, decided without preparing any message
        if clean is not None:
            return clean
        if not isinstance(node, Scalar):
            self.report(node, ctx, f"'{key}' must be text; found {shape_of(node)}. "
                                   "Put the text on the line after the key, or quote it")
            return None
        if node.bad:
            return None
        value = node.value.rstrip("\n") if node.style in ("|", ">") else node.value
        problems = [_empty(key, empty) if not value.strip() else "", _bad_character(key, value),
                    _cut_by_comment(key, value) if prose and node.comment_after else ""]
        for message in filter(None, problems):
            self.report(node, ctx, message)
        return None if any(problems) else value

    def _read_text(self, node: Node, ctx: str, key: str, shape: Shape) -> str | None:
        return self.text(node, ctx, key, prose=shape.prose)

    def _read_name(self, node: Node, ctx: str, key: str, shape: Shape) -> str | None:
        value = self.text(node, ctx, key, prose=False)
        if value is None:
            return None
        if len(value) > MAX_ID_LENGTH or shape.pattern is None or not shape.pattern.match(value):
            meant = didyoumean.valid_form(value, shape.pattern)
            hint = f". Did you mean '{meant}'?" if meant else ""
            self.report(node, ctx, f"{key} {value!r} is not valid: use {shape.example} "
                                   f"(at most {MAX_ID_LENGTH} characters){hint}")
            return None
        return value

    def _read_deck_name(self, node: Node, ctx: str, key: str, shape: Shape) -> str | None:
        name = self.text(node, ctx, key, prose=shape.prose)
        if name is not None and (why := tags.deck_name_problem(name)):
            self.report(node, ctx, why)
            return None
        return name

    def _read_flag(self, node: Node, ctx: str, key: str, shape: Shape) -> str | None:
        flag = self.text(node, ctx, key, prose=False)
        if flag is not None and flag not in ("true", "false"):
            self.report(node, ctx, f"'{key}' must be true or false; found {flag!r}")
            return None
        return flag

    def _read_cloze(self, node: Node, ctx: str, key: str, shape: Shape) -> str | None:
        text = self.text(node, ctx, key)
        if text is None:
            return None
        _, errors = cloze.parse(text)
        if len(errors) > MAX_CLOZE_PROBLEMS:
            self.report(node, ctx, f"{len(errors) - MAX_CLOZE_PROBLEMS:,} more problems with the cloze markup of "
                                   "this text after the ones above; fix those first")
            errors = errors[:MAX_CLOZE_PROBLEMS]
        for error in errors:
            line, col = self.inside(node, text, error.offset)
            message = error.message
            if error.opened is not None:
                opened_line, opened_col = self.inside(node, text, error.opened)
                message = message.replace("{opened}", f"line {opened_line}, column {opened_col}")
            self.problems.append(Problem(self.path, line, col, f"{ctx}: {message}" if ctx else message))
        return None if errors else text

    def _read_media(self, node: Node, ctx: str, key: str, shape: Shape) -> object | None:
        written = self.text(node, ctx, key, prose=False)
        if written is None:
            return None
        resolved, why = media.resolve(self.deck_dir, written, shape.kind)
        if resolved is None:
            self.report(node, ctx, why)
        return resolved

    def text_list(self, node: Node, ctx: str, key: str, empty: str = "") -> list[tuple[Scalar, str]]:
        if not isinstance(node, Sequence):
            self.wrong_shape(node, ctx, f"'{key}' must be a list, e.g. {key}: [a, b]")
            return []
        out = []
        for item in node.items:
            value = self.text(item, ctx, key, empty, prose=False)
            if value is not None and isinstance(item, Scalar):
                out.append((item, value))
        return out

    def _read_texts(self, node: Node, ctx: str, key: str, shape: Shape) -> tuple[str, ...]:
        return tuple(v for _, v in self.text_list(node, ctx, key))

    def _read_tags(self, node: Node, ctx: str, key: str, shape: Shape) -> tuple[str, ...]:
        valid: list[str] = []
        for item, value in self.text_list(node, ctx, key, empty=str(tags.tag_problem(""))):
            why = tags.tag_problem(value)
            if why:
                self.report(item, ctx, why)
            else:
                valid.append(value)
        return tags.unique(valid)

    def _read_skips(self, node: Node, ctx: str, key: str, shape: Shape) -> tuple[Skip, ...] | None:
        """``skip: [{sentence: …, why: …}, …]``: each item a mapping with both keys."""
        if not isinstance(node, Sequence):
            self.wrong_shape(node, ctx, f"'{key}' must be a list of '- sentence: …' items, each with its 'why'")
            return None
        out: list[Skip] = []
        ok = True
        for item in node.items:
            found = self.mapping(item, ctx, spec.SKIP)
            values = self.read_values(found, ctx, spec.SKIP) if found is not None else None
            if values is None or set(values) != {"sentence", "why"}:
                ok = False
                continue
            out.append(Skip(values["sentence"], values["why"], self.loc(item)))
        return tuple(out) if ok else None

    def _read_rules(self, node: Node, ctx: str, key: str, shape: Shape) -> tuple[RuleSetting, ...] | None:
        """``rules: {rule-id: setting}``: each rule id and its setting as text, where they were written.
        Which ids and settings a deck may use is the rules' to judge (:mod:`rcc_cards.rules.settings`)."""
        if not isinstance(node, Mapping):
            self.wrong_shape(node, ctx, f"'{key}' must be a mapping of rule ids to error, warning or off, e.g. "
                                        f"'{key}: {{answer-too-long: off}}'")
            return None
        return tuple(RuleSetting(rule_key.value, self.text(value_node, ctx, rule_key.value, prose=False),
                                 self.loc(value_node), self.loc(rule_key)) for rule_key, value_node in node.pairs)


_VALUE_READERS = {
    "text": ValueReader._read_text, "name": ValueReader._read_name, "deck-name": ValueReader._read_deck_name,
    "flag": ValueReader._read_flag, "cloze": ValueReader._read_cloze, "image": ValueReader._read_media,
    "audio": ValueReader._read_media, "texts": ValueReader._read_texts, "tags": ValueReader._read_tags,
    "rules": ValueReader._read_rules, "skips": ValueReader._read_skips,
}


def _empty(key: str, message: str) -> str:
    return message or f"'{key}' is empty; write the text, or remove the key if it is optional"


def _bad_character(key: str, value: str) -> str:
    bad = re.search(_BAD_TEXT_CHAR, value)
    if bad is None:
        return ""
    code = f"U+{ord(bad.group()):04X}"
    what = "an invalid character (a lone surrogate)" if "\ud800" <= bad.group() <= "\udfff" else "a control character"
    return (f"'{key}' contains {what} {code}; control characters are not allowed (U+001F in a field makes Anki "
            "reject the whole import). Remove it")


def _cut_by_comment(key: str, value: str) -> str:
    return (f"'{key}' is cut short at ' #': YAML reads the rest of the line as a comment, so the text is only "
            f"{value!r}. Put the whole text in quotes, e.g. 'C# is #1', or move the comment to a line of its own")


def clean_text(node: Node) -> str | None:
    """A text value :meth:`ValueReader.text` would accept without a word (prose or not), or None."""
    if type(node) is not Scalar or node.bad or node.comment_after:
        return None
    value = node.value if node.style in _ONE_LINE_STYLES else node.value.rstrip("\n")
    if not value or value.isspace():
        return None
    # Printable text has no control character, surrogate or noncharacter: a quicker test than the search.
    return value if value.isprintable() or re.search(_BAD_TEXT_CHAR, value) is None else None


@functools.cache  # called with the keys of the few maps of the spec
def _as_set(keys: tuple[str, ...]) -> frozenset[str]:
    return frozenset(keys)
