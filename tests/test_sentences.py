"""The sentence splitter on the layouts of real medical prose: abbreviations judged by the whole word,
one-letter words, capitals of any script, lists, tables, headings, citation brackets
(:mod:`rcc_cards.sentences`); and on real public-domain passages kept under ``tests/sources/``."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO
from rcc_cards import grounding, sentences


def _texts(raw: str) -> list[str]:
    return [s.raw for s in grounding.split_sentences(raw)]


@pytest.mark.parametrize("raw,expected", [
    # a word that merely ends like an abbreviation ends its sentence
    ("It is common in Africa. Cases are rising.", ["It is common in Africa.", "Cases are rising."]),
    ("He worked at a casino. Then he stopped.", ["He worked at a casino.", "Then he stopped."]),
    ("It was a piano. Then a violin.", ["It was a piano.", "Then a violin."]),
    # the abbreviation itself does not
    ("It was found ca. 1990 in Africa. Next.", ["It was found ca. 1990 in Africa.", "Next."]),
    ("Smith et al. Reported it first. Then more.", ["Smith et al. Reported it first.", "Then more."]),
    ("Several drugs, e.g. IL-2, were tried. Next.", ["Several drugs, e.g. IL-2, were tried.", "Next."]),
    ("Results vs. Placebo were poor. Next.", ["Results vs. Placebo were poor.", "Next."]),
    # "No." and "Fig." are abbreviations before a number only
    ("See Fig. 3 and No. 12 here. The answer was no. Then yes.",
     ["See Fig. 3 and No. 12 here.", "The answer was no.", "Then yes."]),
    ("It is shown in the fig. The next part.", ["It is shown in the fig.", "The next part."]),
    # one letter before a full stop is a word, not an initial
    ("Patients had hepatitis C. Others had none.", ["Patients had hepatitis C.", "Others had none."]),
    ("Levels of vitamin A. Levels of vitamin D. Both fell.",
     ["Levels of vitamin A.", "Levels of vitamin D.", "Both fell."]),
    ("It is type B. The other is type A.", ["It is type B.", "The other is type A."]),
    ("Vitamin A. Levels fell.", ["Vitamin A.", "Levels fell."]),
    # ... except in a chain of initials, or in a name set off by commas (a list of authors)
    ("J. R. Smith reported it. Next.", ["J. R. Smith reported it.", "Next."]),
    ("Joseph D. Forrester, MD, Satish K. Pillai, MD, M. Allison Arwady, MD. Next.",
     ["Joseph D. Forrester, MD, Satish K. Pillai, MD, M. Allison Arwady, MD.", "Next."]),
    # a numbered label begins its title; elsewhere the number ends the sentence
    ("Table 1. Definition of Terms", ["Table 1. Definition of Terms"]),
    ("It is shown in Table 1. The next part.", ["It is shown in Table 1.", "The next part."]),
    # dotted initialisms
    ("It was approved in the U.S. Food and Drug Administration trials. Next.",
     ["It was approved in the U.S. Food and Drug Administration trials.", "Next."]),
    ("Se aprobó en los EE. UU. En 2020 se amplió.", ["Se aprobó en los EE. UU. En 2020 se amplió."]),
    # capitals of any script
    ("Él dijo que sí. Éste es otro. Ölçüm yok. Ženy také. Ωμέγα τέλος.",
     ["Él dijo que sí.", "Éste es otro.", "Ölçüm yok.", "Ženy také.", "Ωμέγα τέλος."]),
    ("¿Qué es el cáncer? ¡Es tratable! «Siempre» no. Fin.",
     ["¿Qué es el cáncer?", "¡Es tratable!", "«Siempre» no.", "Fin."]),
    ("癌症是一种疾病。它可以治疗！真的吗？是的。", ["癌症是一种疾病。", "它可以治疗！", "真的吗？", "是的。"]),
    # citation brackets stay with the sentence before, after a space too
    ("Survival improved. [12] Even more.", ["Survival improved. [12]", "Even more."]),
    ("Survival improved. [4,5] Even more.", ["Survival improved. [4,5]", "Even more."]),
    ("It improved.[11] [Level of evidence: 1iiA] Next.", ["It improved.[11] [Level of evidence: 1iiA]", "Next."]),
    ("It improved in patients [12]. Next.", ["It improved in patients [12].", "Next."]),
    # a bracket after a space that is not a citation begins the next sentence
    ("It improved. [Editor's note: a remark.] Next.", ["It improved.", "[Editor's note: a remark.]", "Next."]),
    # decimals, ranges and a lower-case word after a stop do not end a sentence
    ("It gained 2.6 months (0.67–0.90). e.g. more. Next.", ["It gained 2.6 months (0.67–0.90). e.g. more.", "Next."]),
])
def test_sentence_ends(raw: str, expected: list[str]) -> None:
    assert _texts(raw) == expected


def test_list_items_are_sentences_without_their_markers() -> None:
    raw = ("Treatment options include:\n"
           "- surgery to remove the kidney\n"
           "* radiation therapy. It may relieve pain.\n"
           "• chemotherapy, given\n"
           "  over several months\n"
           "1. a first step\n"
           "2) a second step\n"
           "(3) a third step\n"
           "a. a lettered item\n"
           "iv. a roman item\n")
    found = grounding.split_sentences(raw)
    assert [(s.line, s.heading, s.raw) for s in found] == [
        (1, True, "Treatment options include:"),
        (2, False, "surgery to remove the kidney"),
        (3, False, "radiation therapy."),
        (3, False, "It may relieve pain."),
        (4, False, "chemotherapy, given over several months"),
        (6, False, "a first step"),
        (7, False, "a second step"),
        (8, False, "a third step"),
        (9, False, "a lettered item"),
        (10, False, "a roman item"),
    ]


def test_prose_lines_that_only_look_like_markers_are_prose() -> None:
    raw = "Doses rose from 2\n-3 units, as in stage\n2.5 of the study, i.e. late. Next.\n"
    assert _texts(raw) == ["Doses rose from 2 -3 units, as in stage 2.5 of the study, i.e. late.", "Next."]


@pytest.mark.parametrize("raw,heading", [
    ("Cytokine Therapy", True),  # one line, no end punctuation
    ("Treatment options for stage IV disease:", True),  # one line ending in ':'
    ("Treatment (stage IV)", False),  # a closing bracket ends a sentence-like line
    ("It is one sentence.", False),
    ("Two lines of a paragraph that ends\nin a colon:", False),
])
def test_headings(raw: str, heading: bool) -> None:
    found = grounding.split_sentences(raw)
    assert len(found) == 1 and found[0].heading is heading


def test_a_line_of_several_sentences_is_no_heading() -> None:
    found = grounding.split_sentences("It is safe. Learn more\n")
    assert [(s.raw, s.heading) for s in found] == [("It is safe.", False), ("Learn more", False)]
    found = grounding.split_sentences("It is common. Testing is advised for:\n- adults\n")
    assert [(s.raw, s.heading) for s in found] == [("It is common.", False), ("Testing is advised for:", True),
                                                   ("adults", False)]


def test_a_lead_in_is_a_heading_only_before_a_list() -> None:
    assert [s.heading for s in grounding.split_sentences("Note:\n- one\n- two\n")] == [True, False, False]
    assert [s.heading for s in grounding.split_sentences("Note: it is so.\n")] == [False]


def test_table_rows_are_one_sentence_each_and_separators_none() -> None:
    raw = ("Drug | Dose | Response\n"
           "|---|:---:|---|\n"
           "IL-2 | high | 15% in selected patients. Durable in a few.\n"
           "Name\tDose\n"
           "IFN\t6–20 MU\n")
    assert [(s.line, s.raw) for s in grounding.split_sentences(raw)] == [
        (1, "Drug | Dose | Response"), (3, "IL-2 | high | 15% in selected patients. Durable in a few."),
        (4, "Name Dose"), (5, "IFN 6–20 MU")]


def test_paragraphs_lines_and_the_header() -> None:
    raw = "# Title\n# Source: x\n\nOne. Two\nstill two.\n\n\nThree.\n"
    assert [(s.line, s.raw) for s in grounding.split_sentences(raw)] == [
        (4, "One."), (4, "Two still two."), (8, "Three.")]


# --- Real layouts: public-domain passages with the sentences a careful reader lists, by hand ---------------

SOURCES = Path(__file__).parent / "sources"


def _expected(path: Path) -> list[tuple[int, bool, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            number, kind, text = line.split("\t", 2)
            out.append((int(number), kind == "heading", text))
    return out


@pytest.mark.parametrize("passage", sorted(SOURCES.glob("*.txt")), ids=lambda p: p.stem)
def test_real_public_domain_layouts(passage: Path) -> None:
    found = [(p.line, p.heading, " ".join(p.text.split())) for p in sentences.split(passage.read_text("utf-8"))]
    assert found == _expected(passage.with_suffix(".expected"))


def test_the_real_layouts_are_kept_with_attribution() -> None:
    passages = sorted(SOURCES.glob("*.txt"))
    assert len(passages) >= 8
    attribution = (SOURCES / "ATTRIBUTION.md").read_text(encoding="utf-8")
    for passage in passages:
        head = passage.read_text(encoding="utf-8").splitlines()[:6]
        assert passage.name in attribution and any(line.startswith("# Source: http") for line in head), passage


@pytest.mark.parametrize("raw,sentences", [
    ("Doses were high, e.g. 20 units. Then lower.", ["Doses were high, e.g. 20 units.", "Then lower."]),
    ("It gained 2.6 months. It was modest.", ["It gained 2.6 months.", "It was modest."]),
    ("A HR of 0.78 (CI, 0.67–0.90) was found. Next.", ["A HR of 0.78 (CI, 0.67-0.90) was found.", "Next."]),
    ("Prolonged survival.[4,5,6] Even brain metastases.[10] End.",
     ["Prolonged survival.", "Even brain metastases.", "End."]),
    ("It was 2.6 months.[11][Level of evidence: 1iiA] High-dose IL-2 next.",
     ["It was 2.6 months.[Level of evidence: 1iiA]", "High-dose IL-2 next."]),
    ("Low doses (about 5%) helped. (A remark in brackets.) Then more.",
     ["Low doses (about 5%) helped.", "(A remark in brackets.)", "Then more."]),
    ("A sentence split\nover two lines. And another.", ["A sentence split over two lines.", "And another."]),
    ("Smith et al. reported it. Dr. Jones agreed.", ["Smith et al. reported it.", "Dr. Jones agreed."]),
    ("First paragraph without end\n\nSecond paragraph. Two.",
     ["First paragraph without end", "Second paragraph.", "Two."]),
])
def test_the_splitter_on_hard_cases(raw: str, sentences: list[str]) -> None:
    assert [s.text for s in grounding.split_sentences(raw)] == sentences  # normalized: citations removed


def test_headings_and_lines_and_the_header_of_a_source_file() -> None:
    raw = "# Header line\n# more header\n\nOne. Two.\n\nA Heading\n\nThree\nfour.\n"
    found = grounding.split_sentences(raw)
    assert [(s.text, s.line, s.heading) for s in found] == [
        ("One.", 4, False), ("Two.", 4, False), ("A Heading", 6, True), ("Three four.", 8, False)]


def test_the_splitter_on_the_shipped_source() -> None:
    raw = (REPO / "decks" / "sources" / "rcc_stage_iv.txt").read_text(encoding="utf-8")
    found = grounding.split_sentences(raw)
    assert len(found) == 17 and [s.text for s in found if s.heading] == ["Cytokine Therapy"]
    assert found[0].text.startswith("Selected patients with solitary") and found[0].line == 7
    cochrane = next(s for s in found if s.text.startswith("A Cochrane analysis"))
    # numeric citations are removed; the level of evidence stays with its sentence
    assert cochrane.text.endswith("improvement in survival of 2.6 months.[Level of evidence: 1iiA]")
    assert found[-1].text == ("Combinations of IL-2 and interferon-alpha have been studied, but outcomes have not "
                              "been better with high-dose or low-dose IL-2 alone.")
