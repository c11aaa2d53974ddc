"""The one memory of a run (rcc_cards.memo), and where it may live: stages take a memo, never a session;
watch mode is a package on top that no stage imports."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO, write_deck
from rcc_cards import builder, project
from rcc_cards.memo import NO_MEMO, Generations, Hashed, Same
from rcc_cards.watch import Session

PACKAGE = REPO / "src" / "rcc_cards"


def test_no_memo_always_computes() -> None:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert [NO_MEMO.get_or_compute("k", 1, compute) for _ in range(3)] == [1, 2, 3]


def test_generations_keep_what_the_last_cycle_used_and_drop_the_rest() -> None:
    memo = Generations()
    calls: list[str] = []

    def ask(key: str) -> str:
        def compute() -> str:
            calls.append(key)
            return key.upper()

        return memo.get_or_compute("k", key, compute)

    assert (ask("a"), ask("b"), ask("a")) == ("A", "B", "A") and calls == ["a", "b"]
    memo.new_cycle()
    assert ask("a") == "A" and calls == ["a", "b"]  # used in the last cycle: kept
    memo.new_cycle()
    memo.new_cycle()  # a cycle that asked for nothing drops nothing
    assert ask("a") == "A" and calls == ["a", "b"]
    assert ask("b") == "B" and calls == ["a", "b", "b"]  # not asked for in a whole cycle: dropped
    assert memo.get_or_compute("other kind", "a", lambda: 1) == 1  # kinds do not share keys


def test_a_run_that_builds_once_keeps_no_per_card_result() -> None:
    from rcc_cards.memo import PER_CARD, one_run

    memo = one_run()
    calls: list[str] = []

    def compute(kind: str) -> str:
        calls.append(kind)
        return kind

    for kind in [*sorted(PER_CARD), "source", *sorted(PER_CARD), "source"]:
        memo.get_or_compute(kind, "key", lambda k=kind: compute(k))  # type: ignore[misc]
    assert calls == [*sorted(PER_CARD), "source", *sorted(PER_CARD)]


def test_same_is_identity_and_holds_its_object() -> None:
    one, other = [1], [1]
    assert Same(one) == Same(one) and hash(Same(one)) == hash(Same(one))
    assert Same(one) != Same(other)  # equal content, another object
    key = Same([2])
    assert key.obj == [2]  # held: its id cannot be reused by another object while the key lives


def test_a_hashed_tuple_is_the_tuple_it_holds() -> None:
    key = Hashed(("a", (1, 2)))
    assert key == ("a", (1, 2)) and hash(key) == hash(("a", (1, 2)))
    by_key: dict[object, int] = {key: 1}
    assert key != ("a", (1, 3)) and by_key[("a", (1, 2))] == 1 and {("a", (1, 2)): 1}[key] == 1


def _imports(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    found = set(re.findall(r"^\s*from (rcc_cards[\w.]*) import ([\w, ]+)", text, re.M))
    names = {f"{module}.{name.strip()}" for module, names in found for name in names.split(",")}
    return names | {module for module, _ in found} | set(re.findall(r"^\s*import (rcc_cards[\w.]*)", text, re.M))


def test_no_stage_imports_watch_mode_or_mentions_a_session() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("watch/") or relative == "cli.py":
            continue
        assert not any(name.startswith("rcc_cards.watch") for name in _imports(path)), relative
        assert not re.search(r"\bsession\b.*(is None|is not None)|\bSession\b", path.read_text(encoding="utf-8")), \
            relative


def test_no_module_keeps_a_cache_of_its_own() -> None:
    """The hand-evicted module dicts are gone; what remains of module-level memory is lru_caches on pure
    functions of strings (grounding.normalize and its kin), each saying so."""
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        caches = set(re.findall(r"^(_[A-Z_]+): (?:dict|list)\[", text, re.M)) - {"_SPECS"}  # kinds: a registry
        assert not caches and ".clear()" not in text, path.name


def test_a_watch_cycle_reports_the_warnings_a_fresh_check_reports(tmp_path: Path) -> None:
    """The per-card rule results a session keeps follow each card's text (the builds' outputs do not show
    warnings, so the cycle-by-cycle property test would not see a stale one)."""
    card = "      - id: c1\n        q: Question one?\n        a: {answer}\n        unsourced: written for this test\n"
    deck = write_deck(tmp_path, card.format(answer="one"), deck_lines="  rules: {sentence-uncovered: off}\n")
    session = Session()
    options = builder.BuildOptions((deck,), tmp_path / "out")
    for answer in ["Answer one", "Yes, it is", "Answer two", "No", "Answer two"]:
        deck.write_text(re.sub(r"(?m)^        a: .*$", f"        a: {answer}", deck.read_text()))
        report = session.build(options)
        fresh = project.load([deck]).problems
        assert [str(p) for p in report.warnings] == [str(p) for p in fresh], answer
        assert any("yes-no-answer" in str(p) for p in fresh) == answer.startswith(("Yes", "No"))


def test_the_cycle_after_the_first_compiles_only_the_edited_decks_package(tmp_path: Path) -> None:
    """What the first cycle wrote is remembered (a memo still empty when the cycle starts included)."""
    card = "      - id: {id}\n        q: Question {id}?\n        a: Answer\n        unsourced: written for this test\n"
    for key in ["a", "b", "c"]:
        write_deck(tmp_path, card.format(id=f"{key}1"), key=key, deck_lines="  rules: {sentence-uncovered: off}\n")
    session = Session()
    options = builder.BuildOptions((tmp_path,), tmp_path / "out")
    session.build(options)
    (tmp_path / "b.yaml").write_text((tmp_path / "b.yaml").read_text().replace("a: Answer", "a: Edited"))
    report = session.build(options)
    assert {w.path.name: w.up_to_date for w in report.written} == {"a.apkg": True, "b.apkg": False, "c.apkg": True}
    assert {item.deck.key: item.reused for item in report.stamped} == {"a": True, "b": False, "c": True}
