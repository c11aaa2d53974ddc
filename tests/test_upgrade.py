"""A learner who studied the deck the educator reviewed (tests/previous_deck: decks/rcc.yaml at 701c426, with its
lock file) imports the deck rewritten to the review (issue 23), in a real Anki collection: the notes whose ids are
kept are updated in place with every card's scheduling and every review kept; the retired notes stay, with their
reviews, and the build lists them with the search that finds exactly them; the new notes arrive."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from anki.collection import Collection

from conftest import NO_COVERAGE, REPO, import_apkg, notes_by_card_id, run, write_deck
from rcc_cards import tags

PREVIOUS = REPO / "tests" / "previous_deck"
RETIRED = {"cyto-objective-responses", "il2-abbreviation", "ifn-selection-bulk", "ifn-selection-sites",
           "ifn-selection-performance-status", "ifn-selection-weight", "ifn-cochrane-trials",
           "ifn-cochrane-confidence-interval", "ifn-level-of-evidence", "il2-optimum-dose-unknown",
           "il2-outpatient-benefit-unclear", "il2-ld-activity", "il2-outpatient-responses"}  # these two: their
# deletions ask other things now
ADDED = {"cyto-which-cytokines", "ifn-selection-profile", "bg-what-displaced-cytokines", "bg-durable-responses-since",
         "il2-ld-inpatient-hypotension", "il2-outpatient-unclear-benefit"}


def _study_everything(col: Collection, name: str = "Oncology::Renal cell cancer::Stage IV and recurrent") -> int:
    """Answer every card of the deck ``name`` once ("easy": each graduates at once), new-card limits lifted;
    how many were answered."""
    deck_id = col.decks.id(name)
    assert deck_id is not None
    config = col.decks.config_dict_for_deck_id(deck_id)
    config["new"]["perDay"] = 9999
    col.decks.update_config(config)
    col.decks.select(deck_id)
    answered = 0
    while (card := col.sched.getCard()) is not None and answered < 200:
        col.sched.answerCard(card, 4)
        answered += 1
    return answered


def _scheduling(col: Collection) -> dict[tuple[str, int], tuple[object, ...]]:
    """Every card's scheduling, by its note's card id and its ordinal."""
    assert col.db is not None
    rows = col.db.all("select n.flds, c.ord, c.type, c.queue, c.due, c.ivl, c.factor, c.reps, c.lapses "
                      "from cards c join notes n on n.id = c.nid")
    ids = {note.id: card_id for card_id, note in notes_by_card_id(col).items()}
    out: dict[tuple[str, int], tuple[object, ...]] = {}
    for nid, card_id in ids.items():
        for card in col.get_note(nid).cards():
            out[(card_id, card.ord)] = (card.type, card.queue, card.due, card.ivl, card.factor, card.reps,
                                        card.lapses)
    assert len(out) == len(rows)
    return out


def _revlog(col: Collection) -> list[tuple[object, ...]]:
    assert col.db is not None
    return [tuple(r) for r in col.db.all("select id, cid, ease, ivl, lastIvl, type from revlog order by id")]


def test_a_learner_of_the_reviewed_deck_keeps_every_review_and_is_told_what_was_retired(
        tmp_path: Path, col: Collection) -> None:
    project = tmp_path / "project"
    shutil.copytree(PREVIOUS, project / "decks")
    old = run(["build", "decks/rcc.yaml", "-o", "old.apkg"], cwd=project)
    assert old.exit_code == 0 and "rcc: no changes since decks/rcc.lock.json\n" in old.stdout, old.stderr
    assert len(import_apkg(col, project / "old.apkg").new) == 28
    answered = _study_everything(col)
    assert answered == 38  # every card of the old deck reviewed once
    scheduling, revlog = _scheduling(col), _revlog(col)
    assert len(revlog) == 38

    # the rewrite, built against the lock file the learner's package came from
    shutil.copy(REPO / "decks" / "rcc.yaml", project / "decks" / "rcc.yaml")
    shutil.copy(REPO / "decks" / "sources" / "rcc_stage_iv.txt", project / "decks" / "sources" / "rcc_stage_iv.txt")
    new = run(["build", "decks/rcc.yaml", "-o", "new.apkg"], cwd=project)
    assert new.exit_code == 0, new.stderr
    lines = new.stdout.splitlines()
    assert lines[0] == "rcc: 6 added, 15 changed, 13 removed since decks/rcc.lock.json"
    assert {line.split()[1] for line in lines if line.startswith("  removed  ")} == RETIRED
    assert {line.split()[1] for line in lines if line.startswith("  added  ")} == ADDED
    search = tags.card_id_search("rcc", sorted(RETIRED))
    assert f"find them in Anki with: {search}" in new.stdout
    # the lock it writes records exactly the content of the committed one (the stamps are this build's)
    written = json.loads((project / "decks" / "rcc.lock.json").read_text(encoding="utf-8"))
    committed = json.loads((REPO / "decks" / "rcc.lock.json").read_text(encoding="utf-8"))
    assert {k: v["hash"] for k, v in written["cards"].items()} == \
        {k: v["hash"] for k, v in committed["cards"].items()}
    assert set(written["removed"]) == set(committed["removed"]) >= RETIRED  # with the ids retired before

    log = import_apkg(col, project / "new.apkg")
    assert (len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting)) == (6, 15, 0, 0)
    assert _revlog(col) == revlog  # not one review lost
    after = _scheduling(col)
    assert {key: after[key] for key in scheduling} == scheduling  # every studied card kept as it was
    new_cards = set(after) - set(scheduling)
    assert {card_id for card_id, _ in new_cards} == ADDED | {"il2-hd-response-vs-toxicity"}  # its new c3
    notes = notes_by_card_id(col)
    assert set(notes) == set(written["cards"]) | RETIRED  # the retired notes stay in the learner's collection
    assert {col.get_note(n)["CardId"] for n in col.find_notes(search)} == RETIRED  # the search finds just them
    assert "in the {{c1::intermediate}} range" in notes["ifn-dose-range"]["Text"]  # kept ids show the rewrite
    assert "against their control arms" in notes["ifn-cochrane-hazard-ratio"]["Front"]


def test_a_deletion_removed_from_a_studied_cloze_leaves_its_card_empty_until_empty_cards(tmp_path: Path) -> None:
    """Measured for docs/updates.md: a cloze note studied with three deletions, rebuilt with two under the
    same id, is updated in place; the third card keeps its reviews and Anki shows it empty ("No cloze 3
    found on card") until the learner runs Tools > Empty Cards. Hence the shipped rewrite gave the one cloze
    whose deletions changed a new id instead."""
    quote = "quote: A cloze with two deletions.\n"
    three = ("      - id: c\n        cloze: \"{{c1::A}} {{c2::cloze}} with two {{c3::deletions}}\"\n        " + quote)
    deck = write_deck(tmp_path / "p" / "decks", three, deck_lines=NO_COVERAGE)
    assert run(["build"], cwd=tmp_path / "p").exit_code == 0
    col = Collection(str(tmp_path / "c.anki2"))
    try:
        import_apkg(col, tmp_path / "p" / "build" / "t.apkg")
        assert _study_everything(col, "Test deck") == 3
        revlog = _revlog(col)
        deck.write_text(deck.read_text(encoding="utf-8").replace("with two {{c3::deletions}}", "with two deletions"),
                        encoding="utf-8")
        assert run(["build"], cwd=tmp_path / "p").exit_code == 0
        log = import_apkg(col, tmp_path / "p" / "build" / "t.apkg")
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
        assert _revlog(col) == revlog
        emptied = [card for card in notes_by_card_id(col)["c"].cards() if card.ord == 2]
        assert len(emptied) == 1 and "No cloze \u20683\u2069 found on card" in emptied[0].question()
        assert "1\u2069 of \u20683\u2069 cards empty" in col.get_empty_cards().report
    finally:
        col.close()

