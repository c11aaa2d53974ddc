"""Fixes made in Anki, proposed for the deck (``rcc-cards pull``) and written into it (``rcc-cards accept``),
issue 22.

Decided: a note's text counts as changed in Anki when the note is newer there than the stamp its deck's lock
file gives it (the time of the build that last changed it) and a field that comes from the deck (``q``,
``a``, ``cloze``, ``extra``) reads, as plain text (:mod:`rcc_cards.htmltext`), differently from the deck's
value. A learner who only studied has nothing to propose; a card changed in the deck since has a newer stamp,
so the learner's old copy proposes nothing either. Proposals go to a file of their own beside the deck,
``KEY.proposals.json``, never built, listed by ``check``; each gives the card, the key, the text in the deck
and the text in Anki, which the author may edit before accepting. Each is checked by the same rules as the
deck's cards (the deck with that value in place, against the deck without it): a fix that drops a hedge or
adds a number the quote lacks is reported as such, and ``accept`` refuses it while it breaks an error rule.
``accept`` changes only those values of the deck file (:mod:`rcc_cards.loader.edit`), reads the result back
with the loader and writes it only when it is exactly the intended deck, atomically; it refuses a deck file
that changed since the proposals were made (the file's SHA-256 is in the proposals file).

Cards that keep a note type from Anki (``rcc-cards import``) are compared too: there the second field holds
the answer and then rcc-cards' back matter, which is set aside first (:func:`_adopted_values`).

Notes missing from the file read, suspended cards and tags added in Anki are reported, never applied: they
are the learner's.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from rcc_cards import kinds, lockfile, places, project, render, rules
from rcc_cards.errors import Problem, RccCardsError, shown
from rcc_cards.loader import decode, edit, load_text
from rcc_cards.memo import one_run
from rcc_cards.model import Card, Deck, Kind, Section
from rcc_cards.tags import note_tags

if TYPE_CHECKING:
    from rcc_cards.ankicollection import AnkiDeckData, AnkiNote

SUFFIX = places.PROPOSALS_SUFFIX
FORMAT = 1
# rcc-cards' own note types: the field a learner can fix, and the deck key it comes from
KEY_OF_FIELD = {"Front": "q", "Back": "a", "Text": "cloze", "Extra": "extra"}
ATTRIBUTE = {"q": "front", "a": "back", "cloze": "text", "extra": "extra"}


class Proposal(NamedTuple):
    card: str
    key: str  # the deck key of the value: q, a, cloze or extra
    deck_text: str
    anki_text: str
    dropped: tuple[str, ...] = ()  # markup of the Anki field that plain text cannot carry (b, i, ...)
    anki_mod: int = 0  # when the note last changed in Anki (seconds since 1970)


class DeckPull(NamedTuple):
    """What a file or server read says about one deck."""

    deck: Deck
    proposals: tuple[Proposal, ...]
    missing: tuple[str, ...]  # cards the lock says were built, with no note in what was read
    suspended: tuple[str, ...]
    tags_added: tuple[tuple[str, tuple[str, ...]], ...]  # card id, tags the note has that the deck does not give
    found: int  # notes of the deck in what was read


class ProposalsFile(NamedTuple):
    path: Path
    deck_file: Path
    digest: str
    source: str
    proposals: tuple[Proposal, ...]


class Refused(RccCardsError):
    """``accept`` would not write: the deck changed, a proposal breaks a rule, or the file is damaged."""


def path_of(deck: Deck) -> Path:
    """Where a deck's proposals are: ``KEY.proposals.json`` beside the deck file."""
    return places.proposals_file(deck.file, deck.key)


def find(deck: Deck, lock: lockfile.Lock | None, data: AnkiDeckData) -> DeckPull:
    """The changes to ``deck``'s notes in ``data`` (see the module's docstring)."""
    from rcc_cards.compiler import note_guid  # genanki: loaded only when a pull needs it, not by 'check'

    by_guid = {note.guid: note for note in data.notes}
    proposals: list[Proposal] = []
    missing: list[str] = []
    suspended: list[str] = []
    tags_added: list[tuple[str, tuple[str, ...]]] = []
    found = 0
    for card in deck.cards():
        note = by_guid.get(card.guid or note_guid(deck.key, card.id))
        stamp = lock.cards.get(card.id) if lock is not None else None
        if note is None:
            if stamp is not None:
                missing.append(card.id)
            continue
        found += 1
        if any(c.suspended for c in note.cards):
            suspended.append(card.id)
        ours = {tag.casefold() for tag in note_tags(deck, card)}
        added = tuple(tag for tag in note.tags if tag.casefold() not in ours)
        if added:
            tags_added.append((card.id, added))
        if stamp is not None and note.mod > stamp.changed:
            proposals += _adopted_values(deck, card, note) if card.note_type else _changed_values(card, note, data)
    return DeckPull(deck, tuple(proposals), tuple(missing), tuple(suspended), tuple(tags_added), found)


def _changed_values(card: Card, note: AnkiNote, data: AnkiDeckData) -> list[Proposal]:
    names = data.note_type(note.note_type_id).field_names
    out = []
    for name, value in zip(names, note.fields, strict=False):
        key = KEY_OF_FIELD.get(name)
        if key is None:
            continue
        ours = getattr(card, ATTRIBUTE[key])
        if value == render.to_html(ours) or (key not in card.key_locs and not value.strip()):
            continue
        found = _proposal(card, key, value, note.mod)
        if found is not None:
            out.append(found)
    return out


def _proposal(card: Card, key: str, value: str, mod: int) -> Proposal | None:
    """The proposal of an Anki field's HTML ``value`` for the card's ``key``, when it reads, as plain text,
    differently from the deck's value (None when it reads the same)."""
    from rcc_cards import htmltext  # html's entity tables: loaded by a pull, not by 'check'

    ours = getattr(card, ATTRIBUTE[key])
    plain = htmltext.plain(value.replace("&#91;", "["))  # the escape of render.to_html, undone
    text = unicodedata.normalize("NFC", plain.text)
    if text == unicodedata.normalize("NFC", ours.strip()):
        return None
    return Proposal(card.id, key, ours, text, plain.dropped, mod)


def _adopted_values(deck: Deck, card: Card, note: AnkiNote) -> list[Proposal]:
    """The changes to a card of a note type kept from Anki (``note_type:``): its first field is the
    front (and the card's media), its second the answer followed by rcc-cards' back matter
    (:func:`rcc_cards.render.adopted_fields`). A field as a build wrote it, or holding the back matter with
    its text changed, proposes nothing (which part the learner meant cannot be told); one without it (the
    learner's note as it came into the repository, never updated since) is read whole."""
    note_type = kinds.note_type(deck, card)
    written = render.adopted_fields(note_type, card, render.note_fields(deck, card))
    keys = ["cloze"] if card.kind is Kind.CLOZE else ["q", "a"]
    out = []
    for index, key in enumerate(keys):
        value = note.fields[index] if index < len(note.fields) else ""
        ours = getattr(card, ATTRIBUTE[key])
        own = render.to_html(ours)
        suffix = written[index][len(own):] if written[index].startswith(own) else ""
        if value == written[index]:
            continue
        if suffix and value.endswith(suffix):
            value = value[:-len(suffix)]
        elif 'class="rcc-source"' in value or 'class="rcc-id"' in value:
            continue
        found = _proposal(card, key, value, note.mod)
        if found is not None and found.anki_text:  # nothing but the back matter: no text of the learner's
            out.append(found)
    return out


def with_proposals(deck: Deck, proposals: Sequence[Proposal]) -> Deck:
    """``deck`` with each proposal's text in place of its value (locations unchanged)."""
    changes: dict[str, dict[str, Any]] = {}
    for proposal in proposals:
        changes.setdefault(proposal.card, {})[ATTRIBUTE[proposal.key]] = proposal.anki_text

    def card(old: Card) -> Card:
        wanted = changes.get(old.id)
        return old._replace(**wanted) if wanted else old

    def section(old: Section) -> Section:
        return old._replace(cards=tuple(map(card, old.cards)), sections=tuple(map(section, old.sections)))

    return deck._replace(sections=tuple(map(section, deck.sections)))


def rule_problems(deck: Deck, proposals: Sequence[Proposal]) -> list[tuple[Proposal, Problem]]:
    """The problems the deck's rules find with the proposals in place that they do not find without them,
    each with the proposal of the card it is on."""
    changed = with_proposals(deck, proposals)
    before = {str(p) for p in rules.check_decks([deck], [deck], one_run())}
    by_card = {p.card: p for p in proposals}
    lines = {}
    for card in changed.cards():
        if card.id in by_card:
            lines.update({line: by_card[card.id] for line, _ in card.key_locs.values()})
            lines[card.loc.line] = by_card[card.id]
    out = []
    for problem in rules.check_decks([changed], [changed], one_run()):
        owner = lines.get(problem.line)
        if str(problem) not in before and owner is not None:
            out.append((owner, problem))
    return out


# --- the proposals file --------------------------------------------------------------------------------------


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_text(deck: Deck, deck_bytes: bytes, source: str, proposals: Sequence[Proposal]) -> str:
    """The proposals file: one proposal per entry, the deck file's digest, where they were read."""
    entries = [{"card": p.card, "key": p.key, "deck": p.deck_text, "anki": p.anki_text, "anki_mod": p.anki_mod,
                **({"markup_dropped": list(p.dropped)} if p.dropped else {})} for p in proposals]
    head = {"proposals_for": deck.key, "deck_file": deck.file.name, "deck_sha256": digest(deck_bytes),
            "from": source, "format": FORMAT}
    body = ",\n".join("    " + json.dumps(entry, ensure_ascii=False) for entry in entries)
    text = json.dumps(head, ensure_ascii=False, indent=2)[:-2]
    return text + ',\n  "proposals": [\n' + body + "\n  ]\n}\n"


def line_of(text: str, card_id: str) -> int:
    needle = '"card": ' + json.dumps(card_id, ensure_ascii=False)
    return next((n for n, line in enumerate(text.splitlines(), 1) if needle in line), 1)


def read(path: Path) -> ProposalsFile:
    """A proposals file, strictly; a damaged one is :class:`Refused` naming the fix."""
    name = shown(path)
    if not path.name.endswith(SUFFIX):
        raise Refused(f"{name}: expected a proposals file, KEY{SUFFIX} beside a deck (written by 'rcc-cards pull'); "
                      f"this file's name does not end with {SUFFIX}. Give the proposals file, e.g. rcc-cards accept "
                      f"decks/KEY{SUFFIX}")
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
        entries = value["proposals"]
        proposals = tuple(Proposal(str(e["card"]), str(e["key"]), str(e["deck"]), str(e["anki"]),
                                   tuple(map(str, e.get("markup_dropped", ()))), int(e.get("anki_mod", 0)))
                          for e in entries)
        found = ProposalsFile(path, path.parent / str(value["deck_file"]), str(value["deck_sha256"]),
                              str(value["from"]), proposals)
    except OSError as err:
        raise Refused(f"{name}: cannot read it ({err.strerror or err})") from err
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as err:
        what = "not JSON" if isinstance(err, ValueError) and not isinstance(err, UnicodeDecodeError) else \
            "not UTF-8" if isinstance(err, UnicodeDecodeError) else f"no {err} in it" if isinstance(err, KeyError) \
            else "a value of the wrong type in it"
        raise Refused(f"{name}: not a proposals file as 'rcc-cards pull' writes them ({what}); if it is one that "
                      "was edited by hand, restore it from the editor's history; otherwise delete it and pull "
                      "again (the deck file is not touched)") from err
    bad = [p.key for p in proposals if p.key not in ATTRIBUTE]
    if bad:
        raise Refused(f"{name}: unknown key '{bad[0]}' in a proposal; allowed keys: {', '.join(ATTRIBUTE)}")
    return found


def check_problems(deck: Deck) -> list[Problem]:
    """For ``check``: one warning per pending proposal of ``deck`` (in its proposals file, at its line), and
    each problem a proposal would bring into the deck, at its line too."""
    path = path_of(deck)
    if not path.is_file():
        return []
    try:
        pending = read(path)
        text = path.read_text(encoding="utf-8")
    except (Refused, OSError, UnicodeDecodeError) as err:
        return [Problem(str(path), 1, 1, str(err))]
    name = str(path)
    out = [Problem(name, line_of(text, p.card), 1, f"proposal from Anki for card '{p.card}' ({p.key}): "
                   f"{_quoted(p.deck_text)} -> {_quoted(p.anki_text)}; 'rcc-cards accept {shown(path)}' writes "
                   "it into the deck, or delete its entry", "warning") for p in pending.proposals]
    out += [Problem(name, line_of(text, owner.card), 1, f"proposal for card '{owner.card}' ({owner.key}) would "
                    f"bring: {problem.message}", problem.severity if problem.severity == "warning" else "warning")
            for owner, problem in rule_problems(deck, _current(deck, pending.proposals))]
    return out


def _current(deck: Deck, proposals: Sequence[Proposal]) -> list[Proposal]:
    """The proposals whose card is still in the deck."""
    ids = {card.id for card in deck.cards()}
    return [p for p in proposals if p.card in ids]


def _quoted(text: str) -> str:
    return json.dumps(text if len(text) <= 60 else text[:59] + "…", ensure_ascii=False)


class Accepted(NamedTuple):
    deck_file: Path
    accepted: tuple[Proposal, ...]
    left: int  # proposals still in the file (none: the file was deleted)


def accept(path: Path, cards: Sequence[str] = ()) -> Accepted:
    """Write the proposals of ``path`` (those of ``cards``, or all) into their deck file, changing only
    those values; refused, writing nothing, when the deck file changed since the proposals were made, a
    proposal's card or text is no longer in the deck, or a proposal breaks an error rule."""
    from rcc_cards import writer  # the writing commands' modules: not loaded by 'check'

    pending = read(path)
    chosen = [p for p in pending.proposals if not cards or p.card in cards]
    unknown = sorted(set(cards) - {p.card for p in pending.proposals})
    if unknown:
        raise Refused(f"{shown(path)}: no proposal for card '{unknown[0]}'; proposals are for: "
                      f"{', '.join(sorted({p.card for p in pending.proposals}))}")
    deck_file = pending.deck_file
    try:
        data = deck_file.read_bytes()
    except OSError as err:
        raise Refused(f"{shown(deck_file)}: cannot read it ({err.strerror}); proposals in {shown(path)}") from err
    if digest(data) != pending.digest:
        raise Refused(f"{shown(deck_file)} changed since 'rcc-cards pull' wrote {shown(path)}; nothing was "
                      "written. Pull again (the proposals are then made against the deck as it is now)")
    deck = _load(deck_file, data)
    new_text = edit.edited(data.decode("utf-8"), _edits(deck, chosen, path))
    _verify(deck, chosen, deck_file, new_text)
    left = [p for p in pending.proposals if p not in chosen]
    with writer.Staged() as staged:  # the deck and the proposals left: both, or neither
        staged.add(deck_file, new_text.encode("utf-8"))
        if left:
            staged.add(path, file_text(deck, new_text.encode("utf-8"), pending.source, left).encode("utf-8"))
        staged.commit()
    if not left:
        path.unlink()
    return Accepted(deck_file, tuple(chosen), len(left))


def _load(deck_file: Path, data: bytes) -> Deck:
    name = str(deck_file)
    text, problems = decode.decode(name, data)
    deck, problems = load_text(name, deck_file, text, problems) if text is not None else (None, problems)
    if deck is None or any(p.is_error for p in problems):
        raise Refused(f"{shown(deck_file)}: has errors ('rcc-cards check' lists them); fix them, then accept")
    return deck


def _edits(deck: Deck, chosen: Sequence[Proposal], path: Path) -> list[edit.Edit]:
    cards = {card.id: card for card in deck.cards()}
    edits = []
    for proposal in chosen:
        card = cards.get(proposal.card)
        if card is None:
            raise Refused(f"{shown(path)}: card '{proposal.card}' is no longer in the deck; delete that proposal")
        if proposal.key not in card.key_locs:
            raise Refused(f"{shown(path)}: card '{proposal.card}' has no '{proposal.key}' to change (text added in "
                          f"Anki to a field the card leaves empty); add '{proposal.key}:' to the card yourself if "
                          "you want it, and delete that proposal")
        if getattr(card, ATTRIBUTE[proposal.key]) != proposal.deck_text:
            raise Refused(f"{shown(path)}: card '{proposal.card}' ({proposal.key}) no longer reads as the "
                          "proposal says; pull again")
        if not proposal.anki_text.strip():
            raise Refused(f"{shown(path)}: the proposal for card '{proposal.card}' ({proposal.key}) is empty")
        edits.append(edit.Edit(*card.key_locs[proposal.key], proposal.anki_text))
    broken = [(o, p) for o, p in rule_problems(deck, chosen) if p.is_error]
    if broken:
        owner, problem = broken[0]
        raise Refused(f"{shown(path)}: the proposal for card '{owner.card}' ({owner.key}) breaks a rule: "
                      f"{problem.message}; nothing was written. Correct its \"anki\" text in the file, or delete "
                      "the proposal")
    return edits


def _verify(deck: Deck, chosen: Sequence[Proposal], deck_file: Path, new_text: str) -> None:
    """The edited text reads as exactly the deck with the proposals in place, or nothing is written."""
    expected = with_proposals(deck, chosen)
    got = _load(deck_file, new_text.encode("utf-8"))
    if [c[:-2] for c in got.cards()] != [c[:-2] for c in expected.cards()] or \
            got._replace(sections=()) != expected._replace(sections=()):
        raise Refused(f"{shown(deck_file)}: the new values would not read back exactly (a bug in rcc-cards); "
                      "nothing was written")


def summary_lines(pulled: DeckPull, source: str) -> list[str]:
    """What ``pull`` tells about one deck, besides the proposals' own problems."""
    key = pulled.deck.key
    out = [f"  {p.card} ({p.key}): {_quoted(p.deck_text)} -> {_quoted(p.anki_text)}"
           + (f" (markup dropped: {', '.join(p.dropped)})" if p.dropped else "") for p in pulled.proposals]
    if pulled.missing:
        out.append(f"{key}: {len(pulled.missing)} note(s) not in {source} (deleted in Anki, or not exported with "
                   f"it): {', '.join(pulled.missing)}; nothing done")
    if pulled.suspended:
        out.append(f"{key}: suspended in Anki: {', '.join(pulled.suspended)}; nothing done")
    for card_id, tags in pulled.tags_added:
        out.append(f"{key}: tags added in Anki on {card_id}: {' '.join(tags)} (kept by 'rcc-cards push'; a "
                   "package import replaces them)")
    return out



class PullResult(NamedTuple):
    pulled: DeckPull
    written: Path | None  # the proposals file, when there were proposals
    problems: tuple[tuple[Proposal, Problem], ...]  # what the proposals would bring into the deck


def pull(paths: Sequence[Path], data: AnkiDeckData, source: str) -> list[PullResult]:
    """Compare every studied deck of ``paths`` with ``data`` (read from ``source``) and write each deck's
    proposals file. Refused, writing nothing, when a deck has errors or a proposals file is still there."""
    from rcc_cards import writer

    loaded = project.load(paths)
    if not loaded.ok:
        from rcc_cards.errors import ProblemsFound

        raise ProblemsFound(loaded.problems, inputs=loaded.inputs)
    decks = [deck for deck in loaded.studied if deck.built]
    keys = {deck.key for deck in decks}
    results = []
    for deck in decks:
        lock, _, problems = lockfile.find_lock(deck, keys)
        if problems:
            from rcc_cards.errors import ProblemsFound

            raise ProblemsFound(problems, inputs=loaded.inputs)
        pulled = find(deck, lock, data)
        if pulled.found and lock is None:
            raise Refused(f"{shown(lockfile.lock_path(deck))} is missing: a pull compares the notes in Anki with "
                          "the build the lock file records (which notes changed there since). Restore it from git "
                          "(git checkout -- <it>); nothing was written")
        if pulled.found:
            results.append(pulled)
    pending = [path_of(r.deck) for r in results if r.proposals and path_of(r.deck).exists()]
    if pending:
        raise Refused(f"{shown(pending[0])} is still there: accept its proposals ('rcc-cards accept "
                      f"{shown(pending[0])}') or delete it, then pull again; nothing was written")
    out = []
    with writer.Staged() as staged:
        for pulled in results:
            target = None
            if pulled.proposals:
                target = path_of(pulled.deck)
                text = file_text(pulled.deck, pulled.deck.file.read_bytes(), source, pulled.proposals)
                staged.add(target, text.encode("utf-8"))
            out.append(PullResult(pulled, target, tuple(rule_problems(pulled.deck, pulled.proposals))))
        staged.commit()
    return out
