"""An Anki deck read by :mod:`rcc_cards.ankicollection` as an rcc-cards deck (``rcc-cards import``, issue 21): pure
values in, the deck file's text, the media files to copy and what could not be carried out. No I/O.

Subdecks become sections (titles kept, keys derived and unique among their siblings); Anki tags that are
valid rcc-cards tags become the card's ``tags``; Basic -> ``q``/``a``, a note type with a second (reverse)
template -> ``reverse: true`` (an "Add Reverse" field decides, when the note type has one), Cloze ->
``cloze`` with its second field as ``extra``; the first image and the first sound a note references become
``image:`` and ``audio:``. Field HTML becomes plain text (:mod:`rcc_cards.htmltext`). Every note, or part of
one, that is not carried exactly is reported with the reason.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from rcc_cards import cloze, htmltext, render, tags
from rcc_cards.ankicollection import AnkiDeckData, AnkiNote, AnkiNoteType, media_references
from rcc_cards.loader import spec
from rcc_cards.media import AUDIO_SUFFIXES, IMAGE_SUFFIXES, MAX_MEDIA_BYTES
from rcc_cards.templates import Field as TypeField
from rcc_cards.templates import NoteType, Template

SEP = "::"
MAX_ID_WORDS = 6
MAX_ID_CHARS = 48
MAX_KEY_CHARS = 40


class Dropped(NamedTuple):
    """A note, or a part of one, not carried exactly: ``str()`` is the report's line."""

    guid: str
    card_id: str  # "" when the note was not carried at all
    message: str

    def __str__(self) -> str:
        card = f" (card '{self.card_id}')" if self.card_id else ""
        return f"note {self.guid}{card}: {self.message}"


class Card(NamedTuple):
    """A card as it will be written: its texts, plain; ``image``/``audio`` are Anki media names."""

    id: str
    guid: str  # the note's GUID, kept as the card's 'guid' ("" when it cannot be written)
    kind: str  # "basic", "reverse" or "cloze"
    front: str = ""  # q, or the cloze text
    back: str = ""  # a, or the cloze's extra
    tags: tuple[str, ...] = ()
    image: str = ""
    audio: str = ""
    note_type: str = ""  # the name of the Anki note type it keeps ("" -> rcc-cards' own)
    quote: str = ""  # the source sentence it restates ("" -> none found: ``rcc-cards import --source``)
    source: str = ""  # the key of the source it quotes, when the deck has several


class Section(NamedTuple):
    key: str
    title: str
    cards: tuple[Card, ...]
    sections: tuple[Section, ...]


class Adopted(NamedTuple):
    """The deck's content, what each media name becomes, and the report's lines."""

    deck_name: str
    sections: tuple[Section, ...]
    notes_read: int
    dropped: tuple[Dropped, ...]
    note_types: tuple[NoteType, ...] = ()  # the Anki note types the cards keep
    notices: tuple[str, ...] = ()  # what keeping them changes, per note type

    def cards(self) -> list[Card]:
        out: list[Card] = []
        stack = list(reversed(self.sections))
        while stack:
            section = stack.pop()
            out.extend(section.cards)
            stack.extend(reversed(section.sections))
        return out


KIND_LABELS = {"basic": "q/a", "reverse": "q/a with reverse", "cloze": "cloze"}


# -- which deck --------------------------------------------------------------------------------------------
def top_decks(data: AnkiDeckData) -> dict[str, int]:
    """Each top-level deck that holds notes (itself or below), with its number of notes, by name."""
    counts: dict[str, int] = {}
    for note in data.notes:
        for top in dict.fromkeys(deck.split(SEP)[0] for deck in note.decks):
            counts[top] = counts.get(top, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: item[0].casefold()))


def find_deck(data: AnkiDeckData, wanted: str) -> str | None:
    """The full name of the deck ``wanted`` names (ignoring case, as Anki does), if a note is in it or below."""
    names = {part for note in data.notes for deck in note.decks for part in _with_parents(deck)}
    return next((name for name in sorted(names) if name.casefold() == wanted.casefold()), None)


def _with_parents(deck: str) -> list[str]:
    parts = deck.split(SEP)
    return [SEP.join(parts[: i + 1]) for i in range(len(parts))]


def _in(deck: str, top: str) -> bool:
    return deck.casefold() == top.casefold() or deck.casefold().startswith(top.casefold() + SEP)


# -- names ---------------------------------------------------------------------------------------------------
def _words(text: str) -> list[str]:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.findall(r"[a-z0-9]+", ascii_text.lower())


def slug_key(text: str, fallback: str) -> str:
    """A section or deck key (lowercase letters, digits, '_') from a title: ``Cell biology`` -> ``cell_biology``."""
    key = "_".join(_words(text))[:MAX_KEY_CHARS].strip("_")
    return key or fallback


def unique(name: str, used: set[str], joiner: str) -> str:
    """``name``, or ``name`` with ``_2``, ``_3``… (``joiner`` and a number) when it is in ``used``; added to it."""
    found, number = name, 1
    while found.casefold() in used:
        number += 1
        found = f"{name}{joiner}{number}"
    used.add(found.casefold())
    return found


def card_id(front: str, label: str = "") -> str:
    """A readable id from the first words of a front: ``What do <b>mitochondria</b> make?`` ->
    ``what-do-mitochondria-make``; a cloze deletion counts as its answer. ``label``: the deck's shared
    label (:func:`shared_label`), left out of the id when the front starts with it."""
    text = _answered(front)
    found, rest = _label(text)
    words = _words(text[rest:] if label and found == label else text)
    out = ""
    for word in words[:MAX_ID_WORDS]:
        if out and len(out) + 1 + len(word) > MAX_ID_CHARS:
            break
        out = f"{out}-{word}" if out else word[:MAX_ID_CHARS]
    return out or "card"


def _answered(front: str) -> str:
    return cloze.substitute(front, lambda number, answer, hint: answer) if "{{" in front else front


_LABEL = re.compile(r"([^:,]+)[:,](?=.*\S)", re.S)


def _label(text: str) -> tuple[str, int]:
    """The label a labelled front starts with, casefolded, and where the rest begins: ``Stage IV renal cell
    cancer: what …`` and ``Stage IV renal cell cancer, interferon-alpha: what …`` -> ``stage iv renal cell
    cancer``; ("", 0) for a front with no ``:`` or a longer first part."""
    found = _LABEL.match(text) if ":" in text else None
    if found is None or len(found.group(1).split()) > MAX_ID_WORDS:
        return "", 0
    return " ".join(found.group(1).casefold().split()), found.end()


def shared_label(fronts: Sequence[str]) -> str:
    """The label that at least half of ``fronts`` (and three or more) start with, or "": a deck-wide prefix
    such as the deck's subject tells one card from another in no id, so ids leave it out."""
    labels = [_label(_answered(front))[0] for front in fronts]
    counts = {label: labels.count(label) for label in set(labels) if label}
    best = max(counts, key=lambda label: (counts[label], label), default="")
    return best if best and counts[best] >= max(3, (len(fronts) + 1) // 2) else ""


# -- the mapping ---------------------------------------------------------------------------------------------
class _Note(NamedTuple):
    kind: str
    front: str
    back: str
    dropped: list[str]  # messages
    media: list[str]  # media names in field order


def adopt(data: AnkiDeckData, deck: str, used_ids: set[str], media_sizes: Mapping[str, int],
          fronts: Mapping[str, str] | None = None) -> Adopted:
    """The notes of ``deck`` (a full deck name, and its subdecks) as rcc-cards cards in sections.
    ``used_ids``: card ids already taken (casefolded; new ones are added); ``media_sizes``: the file's media
    files by name (a name missing from it is reported as missing); ``fronts``: the project's cards by
    :func:`front_key` (a note whose front reads like one is not carried: ``duplicate-front``)."""
    dropped: list[Dropped] = []
    cards_by_deck: dict[str, list[Card]] = {}
    seen = dict(fronts or {})
    notes = [note for note in data.notes if any(_in(card.deck, deck) for card in note.cards)]
    label = shared_label([htmltext.plain(note.fields[0]).text for note in notes if note.fields])
    for note in notes:
        home = min((card for card in note.cards if _in(card.deck, deck)), key=lambda card: card.ord).deck
        card = _card(note, data.note_type(note.note_type_id), used_ids, media_sizes, seen, dropped, label)
        if card is not None:
            cards_by_deck.setdefault(home, []).append(card)
        if len(note.decks) > 1:
            dropped.append(Dropped(note.guid, card.id if card else "",
                                   f"its cards are in several decks ({', '.join(note.decks)}); it is in the "
                                   f"section of '{home}'"))
    sections = _sections(deck, cards_by_deck)
    kept = adopted_note_types(data, {c.note_type for s in sections for c in _all_cards(s)})
    return Adopted(deck, sections, len(notes), tuple(dropped), kept, tuple(map(_notice, kept)))


def _all_cards(section: Section) -> list[Card]:
    return [*section.cards, *(c for child in section.sections for c in _all_cards(child))]


def adopted_note_types(data: AnkiDeckData, names: set[str]) -> tuple[NoteType, ...]:
    """The note types of ``data`` named in ``names``, as rcc-cards writes them (same ids, fields, templates, css)."""
    return tuple(NoteType(t.id, t.name, tuple(TypeField(f.name, f.id or 0) for f in t.fields),
                          tuple(Template(m.name, m.id or 0, m.qfmt, m.afmt) for m in t.templates),
                          t.kind == "cloze", t.css, adopted=True)
                 for t in sorted(data.note_types, key=lambda t: t.name) if t.name in names)


def _notice(note_type: NoteType) -> str:
    names = [f.name for f in note_type.fields]
    second = "after the answer" if not note_type.is_cloze else ""
    line = (f"note type '{note_type.name}' is kept (same id, fields, card types and styling), so a build updates "
            f"its notes in place; its field '{names[1]}' shows rcc-cards' back matter {second} (extra, context, "
            "source, card id)").replace("  ", " ")
    if not note_type.is_cloze and len(note_type.templates) > 1:
        line += (f" (a reverse card asks with '{names[1]}': there the back matter is folded, closed, under "
                 f"'{render.REVERSE_SUMMARY}')")
    emptied = [name for name in names[2:] if name.casefold() != "add reverse"]
    if emptied:
        line += (f"; WARNING: its field{'s' if len(emptied) > 1 else ''} {', '.join(map(repr, emptied))} "
                 "will be EMPTIED in the learner's notes when a build updates them (rcc-cards carries no text there)")
    return line


def _sections(deck: str, cards_by_deck: Mapping[str, list[Card]]) -> tuple[Section, ...]:
    """The chosen deck's own cards in a first section named like it, then one section per subdeck."""
    title = deck.split(SEP)[-1]
    own = cards_by_deck.get(deck, [])
    own_key = slug_key(title, "cards")
    below = _subsections(deck, cards_by_deck, {own_key.casefold()} if own else set())
    return (Section(own_key, title, tuple(own), ()), *below) if own else below


def _subsections(parent: str, cards_by_deck: Mapping[str, list[Card]], used: set[str]) -> tuple[Section, ...]:
    """A section per child deck of ``parent`` that holds cards (itself or below), by name."""
    depth = parent.count(SEP) + 2
    children = sorted({SEP.join(name.split(SEP)[:depth]) for name in cards_by_deck
                       if name.casefold().startswith(parent.casefold() + SEP)}, key=str.casefold)
    out = []
    for child in children:
        title = child.split(SEP)[-1]
        key = unique(slug_key(title, "section"), used, "_")
        out.append(Section(key, title, tuple(cards_by_deck.get(child, [])), _subsections(child, cards_by_deck, set())))
    return tuple(out)


def _card(note: AnkiNote, note_type: AnkiNoteType, used_ids: set[str], media_sizes: Mapping[str, int],
          fronts: dict[str, str], dropped: list[Dropped], label: str = "") -> Card | None:
    mapped = _fields(note, note_type)
    problem = _refusal(mapped, note_type)
    if problem:
        dropped.append(Dropped(note.guid, "", f"not carried: {problem}"))
        return None
    front = front_key(mapped.front)
    if front in fronts:
        dropped.append(Dropped(note.guid, "", f"not carried: its front reads like the front of card "
                                              f"'{fronts[front]}' (rcc-cards needs every front to differ)"))
        return None
    card_name = unique(card_id(mapped.front, label), used_ids, "-")
    fronts[front] = card_name
    messages = list(mapped.dropped)
    image, audio = _media(mapped.media, media_sizes, messages)
    kept_tags = _tags(note.tags, messages)
    guid = note.guid if spec.GUID_PATTERN.match(note.guid) else ""
    if not guid:
        messages.append("its GUID is not kept (not an Anki GUID rcc-cards can write): Anki will see a new note, "
                        "without this note's reviews")
    elif len(note_type.fields) < 2:  # no field for the back matter: the note type cannot be kept, nor the note
        guid = ""
        messages.append(f"its note type '{note_type.name}' has one field, and rcc-cards needs a second for the "
                        "back (source, card id), so neither the note type nor the note is kept: learners get this "
                        "card as a new note, and their old note keeps its reviews (suspend or delete it in Anki)")
    dropped.extend(Dropped(note.guid, card_name, message) for message in messages)
    kept = note_type.name if guid and len(note_type.fields) >= 2 else ""
    return Card(card_name, guid, mapped.kind, mapped.front, mapped.back, kept_tags, image, audio, kept)


def front_key(front: str) -> str:
    """A front as ``duplicate-front`` compares them: ignoring case and spacing."""
    return " ".join(front.casefold().split())


def _fields(note: AnkiNote, note_type: AnkiNoteType) -> _Note:
    """The note's front and back texts, its kind, and what of its fields is lost."""
    names = note_type.field_names
    messages = []
    fields = list(note.fields)
    for index in (0, 1):
        cut = _BACK_MATTER.search(fields[index]) if index < len(fields) else None
        if cut is not None:
            fields[index] = fields[index][:cut.start()]
            messages.append(f"rcc-cards' back matter in field '{names[index]}' (extra, context, source, card id, "
                            "as a build writes it) is not carried: only the text before it")
    texts = [htmltext.plain(value) for value in fields]
    for name, text in zip(names, texts, strict=False):
        if text.dropped:
            messages.append(f"markup dropped from field '{name}' ({', '.join(text.dropped)}); its text is kept")
    used = [0, 1]
    kind = "cloze" if note_type.kind == "cloze" else "basic"
    if kind == "basic" and len(note_type.templates) >= 2:
        kind = "reverse" if _reversed(note, note_type, used) else "basic"
        messages.extend(f"its card type '{t.name}' is not carried (rcc-cards makes a question and its reverse)"
                        for t in note_type.templates[2:])
    for index in range(len(names)):
        if index not in used and (texts[index].text or note.fields[index].strip()):
            messages.append(f"field '{names[index]}' is not carried (its text: {_short(texts[index].text)})")
    front = texts[0].text if texts else ""
    back = texts[1].text if len(texts) > 1 else ""
    media = [name for value in note.fields[:2] for name in _references(value)]
    moved = [name for name in _references(note.fields[1]) if name not in _references(note.fields[0])] \
        if len(note.fields) > 1 else []
    if moved:
        messages.append(f"media of field '{names[1]}' ({', '.join(moved)}) is shown with the question: an "
                        "rcc-cards card shows its image and sound on both sides")
    if kind != "cloze" and not back and any(_references(v) for v in note.fields[1:2]):
        back = "(see the image)"
        messages.append("its answer is only media: the answer reads '(see the image)', and the media is shown "
                        "with the question")
    return _Note(kind, front, back, messages, media)


_BACK_MATTER = re.compile(r'<(?:div|details) class="rcc-(?:extra|context|source|id|more)"')


def built_by_rcc_cards(note_type: AnkiNoteType) -> bool:
    """Is this one of rcc-cards' own note types (a note a build wrote)?"""
    return note_type.name.startswith("rcc-cards ") and "CardId" in note_type.field_names


def _reversed(note: AnkiNote, note_type: AnkiNoteType, used: list[int]) -> bool:
    folded = [name.casefold() for name in note_type.field_names]
    if "add reverse" in folded:
        index = folded.index("add reverse")
        used.append(index)
        return bool(htmltext.plain(note.fields[index]).text) if index < len(note.fields) else False
    return any(card.ord == 1 for card in note.cards)


def _references(field_html: str) -> tuple[str, ...]:
    return media_references(field_html)


def _short(text: str) -> str:
    one = " ".join(text.split())
    return repr(one if len(one) <= 60 else one[:57] + "...")


def _refusal(mapped: _Note, note_type: AnkiNoteType) -> str:
    """Why the note cannot be a card, or ""."""
    if built_by_rcc_cards(note_type):
        return (f"it was built by rcc-cards (note type '{note_type.name}'): its deck is already kept in YAML; to "
                "bring back fixes made in Anki, use 'rcc-cards pull' in that deck's project")
    first = note_type.field_names[0] if note_type.fields else "first"
    if not mapped.front:
        return f"its field '{first}' has no text (an rcc-cards card needs a front)"
    if mapped.kind == "cloze":
        deletions, errors = cloze.parse(mapped.front)
        if errors:
            return f"its cloze text is not valid in rcc-cards: {errors[0].message}"
        if not deletions:
            return "its cloze text has no {{c1::…}} deletion"
    elif len(note_type.fields) < 2:
        return (f"its note type '{note_type.name}' has only the field '{first}', and a question-and-answer card "
                "needs a second field for its answer")
    elif not mapped.back:
        return f"its field '{note_type.field_names[1]}' has no text (an rcc-cards card needs an answer)"
    return ""


def _media(names: Sequence[str], sizes: Mapping[str, int], messages: list[str]) -> tuple[str, str]:
    image = audio = ""
    for name in dict.fromkeys(names):
        suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        kind = "image" if suffix in IMAGE_SUFFIXES else "audio" if suffix in AUDIO_SUFFIXES else ""
        if not kind:
            messages.append(f"media file {name!r} is not carried: not an image or sound type rcc-cards knows")
        elif name not in sizes:
            messages.append(f"media file {name!r} is not carried: it is not in the file")
        elif sizes[name] > MAX_MEDIA_BYTES:
            messages.append(f"media file {name!r} is not carried: larger than {MAX_MEDIA_BYTES:,} bytes")
        elif kind == "image" and not image:
            image = name
        elif kind == "audio" and not audio:
            audio = name
        else:
            messages.append(f"{kind} {name!r} is not carried: an rcc-cards card has one {kind}")
    return image, audio


# Tags Anki and its add-ons set on a learner's notes, and the one 'rcc-cards push' sets: the learner's own
# state of a note, not a topic of the deck (a deck tag goes to every learner).
LEARNER_TAGS = frozenset({"marked", "leech", "rcc-cards::retired"})


def _tags(anki_tags: Sequence[str], messages: list[str]) -> tuple[str, ...]:
    kept = []
    for tag in anki_tags:
        problem = tags.tag_problem(tag)
        if tag.casefold() in LEARNER_TAGS:
            messages.append(f"tag {tag!r} is not carried: it is a learner's mark in Anki (it would go to every "
                            "learner as a deck tag)")
        elif problem:
            messages.append(f"tag {tag!r} is not carried: {problem}")
        else:
            kept.append(tag)
    return tags.unique(kept)


# -- the deck file's text ------------------------------------------------------------------------------------
# YAML reads these as line breaks or refuses them even inside a double-quoted scalar: written as escapes.
_YAML_UNSAFE = re.compile("[\u0085\u2028\u2029\ufeff\ufffe\uffff\x7f-\x9f\ud800-\udfff]")


def quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar that any YAML reader reads back exactly: a JSON string (whose
    escapes YAML's are a superset of), with YAML's own line breaks and BOM escaped too."""
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


class DeckText(NamedTuple):
    text: str
    card_lines: dict[int, str]  # line number (1-based) -> the card id written there


class SourceEntry(NamedTuple):
    """One of the deck's sources as the deck file names it."""

    key: str
    title: str
    file: str
    as_of: str


class Header(NamedTuple):
    key: str
    name: str
    source_title: str
    source_file: str
    as_of: str
    comments: tuple[str, ...]
    note_types_file: str = ""
    sources: tuple[SourceEntry, ...] = ()  # several: written as 'sources:', each with its key (else the above)


def deck_text(adopted: Adopted, header: Header, media_paths: Mapping[str, str]) -> DeckText:
    """The deck file: ``header`` then the sections; ``media_paths``: each media name -> its path as written."""
    lines = [f"# {comment}" if comment else "#" for comment in header.comments]
    lines += ["deck:", f"  key: {header.key}", f"  name: {quoted(header.name)}", *_source_lines(header)]
    if header.note_types_file:
        lines.append(f"  note_types: {quoted(header.note_types_file)}")
    card_lines: dict[int, str] = {}
    if not adopted.sections:
        lines.append("sections: []")
    else:
        lines.append("sections:")
        for section in adopted.sections:
            _section_lines(section, "  ", lines, card_lines, media_paths)
    return DeckText("\n".join(lines) + "\n", card_lines)


def _source_lines(header: Header) -> list[str]:
    if len(header.sources) <= 1:
        title, file, as_of = header.sources[0][1:] if header.sources else (
            header.source_title, header.source_file, header.as_of)
        return ["  source:", f"    title: {quoted(title)}", f"    file: {quoted(file)}", f"    as_of: {quoted(as_of)}"]
    lines = ["  sources:"]
    for entry in header.sources:
        lines += [f"    - key: {entry.key}", f"      title: {quoted(entry.title)}", f"      file: {quoted(entry.file)}",
                  f"      as_of: {quoted(entry.as_of)}"]
    return lines


def _section_lines(section: Section, indent: str, lines: list[str], card_lines: dict[int, str],
                   media_paths: Mapping[str, str]) -> None:
    lines += [f"{indent}- key: {section.key}", f"{indent}  title: {quoted(section.title)}"]
    if section.cards:
        lines.append(f"{indent}  cards:")
        for card in section.cards:
            start = len(lines) + 1
            lines.extend(f"{indent}    {line}" for line in card_yaml(card, media_paths))
            card_lines.update(dict.fromkeys(range(start, len(lines) + 1), card.id))
    if section.sections:
        lines.append(f"{indent}  sections:")
        for child in section.sections:
            _section_lines(child, indent + "    ", lines, card_lines, media_paths)


def card_yaml(card: Card, media_paths: Mapping[str, str]) -> list[str]:
    """A card's lines, the first starting with ``- ``, the rest indented by two spaces."""
    pairs = [("id", card.id)]
    if card.guid:
        pairs.append(("guid", quoted(card.guid)))
    if card.note_type:
        pairs.append(("note_type", quoted(card.note_type)))
    if card.kind == "cloze":
        pairs.append(("cloze", quoted(card.front)))
        if card.back:
            pairs.append(("extra", quoted(card.back)))
    else:
        pairs += [("q", quoted(card.front)), ("a", quoted(card.back))]
        if card.kind == "reverse":
            pairs.append(("reverse", "true"))
    if card.quote:
        pairs.append(("quote", quoted(card.quote)))
    if card.source:
        pairs.append(("source", card.source))
    if card.image:
        pairs.append(("image", quoted(media_paths[card.image])))
    if card.audio:
        pairs.append(("audio", quoted(media_paths[card.audio])))
    if card.tags:
        pairs.append(("tags", "[" + ", ".join(quoted(tag) for tag in card.tags) + "]"))
    return [("- " if index == 0 else "  ") + f"{key}: {value}" for index, (key, value) in enumerate(pairs)]


def valid_key(key: str) -> bool:
    return bool(spec.KEY_PATTERN.fullmatch(key))


def without(adopted: Adopted, reasons: Mapping[str, str]) -> Adopted:
    """``adopted`` without the cards of the ids in ``reasons``, each reported as not carried, with its reason."""
    dropped = [Dropped(card.guid or "?", "", f"not carried: {reasons[card.id]}") for card in adopted.cards()
               if card.id in reasons]

    def kept(section: Section) -> Section:
        return section._replace(cards=tuple(c for c in section.cards if c.id not in reasons),
                                sections=tuple(kept(child) for child in section.sections))

    return adopted._replace(sections=tuple(kept(s) for s in adopted.sections),
                            dropped=(*adopted.dropped, *dropped))


def with_cards(adopted: Adopted, changed: Mapping[str, Card]) -> Adopted:
    """``adopted`` with each card whose id is in ``changed`` replaced by that card."""

    def replaced(section: Section) -> Section:
        return section._replace(cards=tuple(changed.get(c.id, c) for c in section.cards),
                                sections=tuple(replaced(child) for child in section.sections))

    return adopted._replace(sections=tuple(replaced(s) for s in adopted.sections))
