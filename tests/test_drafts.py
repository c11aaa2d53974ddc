"""``rcc-cards draft`` output never breaks the project: ids unique across every deck built together, labels
(list markers, figure and table numbers, p-values, phase numerals) never deleted as facts, hints only a
measure's abbreviation, and ids that carry numbers whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run
from rcc_cards import drafts

SOURCE = "Examplumab slowed growth in 48 patients. The usual dose is 3 mg/kg every 2 weeks.\n"


def test_draft_ids_are_unique_across_every_deck_built_together(tmp_path: Path) -> None:
    """Two decks from one source, in sibling folders: the second deck's drafts get other ids than the first's,
    though the first's drafts file is not in the second deck's folder."""
    (tmp_path / "text.txt").write_text(SOURCE, encoding="utf-8")
    for key, title in (("one", "Examplumab trial"), ("two", "Examplumab trial notes")):  # ids from 2 words
        made = run(["new", key, "--source", "text.txt", "--as-of", "2026", "--title", title,
                    "--decks", f"decks/{key}"], cwd=tmp_path)
        assert made.exit_code == 0, made.stderr
        drafted = run(["draft", f"decks/{key}/{key}.yaml"], cwd=tmp_path)
        assert drafted.exit_code == 0, drafted.stderr
    ids = {key: [line.split("id: ")[1] for line in (tmp_path / "decks" / key / f"{key}.drafts.yaml")
                 .read_text(encoding="utf-8").splitlines() if line.startswith("      - id: ")]
           for key in ("one", "two")}
    assert ids == {"one": ["examplumab-trial-slowed-growth", "examplumab-trial-usual-dose-every"],
                   "two": ["examplumab-trial-slowed-growth-2", "examplumab-trial-usual-dose-every-2"]}
    checked = run(["check"], cwd=tmp_path)
    assert (checked.exit_code, [line for line in checked.stderr.splitlines() if ": error: " in line]) == (0, [])


@pytest.mark.parametrize("sentence,deleted", [
    ("1. Surgery removed 15% of tumours.", ["15%"]),
    ("2) Radiation helped 12 patients.", ["12 patients"]),
    ("Options were (1) surgery and (2) radiation, in 30% of cases.", ["30%"]),
    ("As shown in Figure 2 and Table 3, 40 patients responded.", ["40 patients"]),
    ("See Tables 2, 3 and 4 and Fig. 5-6; 7 patients died.", ["7 patients"]),
    ("The difference was significant (P = .03) in 12 patients.", ["12 patients"]),
    ("Survival improved (p < 0.001; HR 0.78).", ["0.78::HR"]),
    ("In a phase 3 trial, 963 patients were enrolled.", ["963 patients"]),
    ("Phase 1/2 trials and grade 3 or 4 toxicity in 12% of patients.", ["12%"]),
])
def test_labels_are_never_deleted_as_facts(sentence: str, deleted: list[str]) -> None:
    draft = drafts.draft_for(sentence, "Title", "title", "", set())
    found = [chunk.split("}}")[0] for chunk in draft.text.split("{{c")[1:]]
    assert [f.split("::", 1)[1] for f in found] == deleted
    assert drafts.numbers_outside_deletions(draft) == set()


def test_a_sentence_whose_only_numbers_are_labels_is_a_question_to_write() -> None:
    draft = drafts.draft_for("Results are shown in Table 2 (P = .04).", "Title", "title", "", set())
    assert (draft.text, draft.deletions, drafts.numbers_outside_deletions(draft)) == ("", 0, set())


@pytest.mark.parametrize("sentence,deletion", [
    ("Patients with RCC had a median survival of 12.", "12"),  # RCC is the disease, not what 12 measures
    ("The ECOG score and the PFS of 8 were recorded.", "8::PFS"),
    ("The HR was 0.7 and, in the IL-2 group, 0.9.", "0.9"),  # another number between: not HR's
])
def test_a_hint_is_a_measure_never_a_neighbouring_acronym(sentence: str, deletion: str) -> None:
    draft = drafts.draft_for(sentence, "Title", "title", "", set())
    assert f"::{deletion}}}}}" in draft.text


@pytest.mark.parametrize("sentence,card_id", [
    ("A total of 1,500 patients enrolled.", "title-total-1500-enrolled"),
    ("It lasted 2.6 months on average.", "title-lasted-2.6-months"),
    ("Doses of 1,5 mg were given.", "title-doses-given"),  # a decimal comma: not cut into "1" and "5"
])
def test_an_id_carries_a_number_whole_or_not_at_all(sentence: str, card_id: str) -> None:
    assert drafts.draft_for(sentence, "Title", "title", "", set()).id == card_id


def test_a_draft_never_repeats_a_front_another_deck_shows(tmp_path: Path) -> None:
    """The same sentence under the same title in two decks: the second deck's cloze draft names its deck
    after the title, so rule duplicate-front has nothing to say."""
    (tmp_path / "text.txt").write_text(SOURCE, encoding="utf-8")
    for key in ("one", "two"):
        made = run(["new", key, "--source", "text.txt", "--as-of", "2026", "--title", "Examplumab", "--name",
                    f"Deck {key}", "--decks", f"decks/{key}"], cwd=tmp_path)
        assert made.exit_code == 0, made.stderr
        assert run(["draft", f"decks/{key}/{key}.yaml"], cwd=tmp_path).exit_code == 0
    clozes = {key: [line.split("cloze: ")[1] for line in (tmp_path / "decks" / key / f"{key}.drafts.yaml")
                    .read_text(encoding="utf-8").splitlines() if line.startswith("        cloze: ")]
              for key in ("one", "two")}
    assert clozes == {
        "one": ['"Examplumab: Examplumab slowed growth in {{c1::48 patients}}."',
                '"Examplumab: The usual dose is {{c1::3 mg/kg}} every {{c2::2 weeks}}."'],
        "two": ['"Examplumab (Deck two): Examplumab slowed growth in {{c1::48 patients}}."',
                '"Examplumab (Deck two): The usual dose is {{c1::3 mg/kg}} every {{c2::2 weeks}}."']}
    checked = run(["check"], cwd=tmp_path)
    assert (checked.exit_code, [line for line in checked.stderr.splitlines() if ": error: " in line]) == (0, [])
