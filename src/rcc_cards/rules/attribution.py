"""Attribution rules: a deck does not ship while its source's header, which says where the text came from,
is unfinished."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from rcc_cards import reads
from rcc_cards.memo import NO_MEMO, Memo
from rcc_cards.model import Deck, Source
from rcc_cards.rules.base import Hit, decks_rule

MARKER = "TO COMPLETE"  # what 'rcc-cards new' writes in a new source's header for the author to fill in


def unfinished_lines(source: Source) -> list[int]:
    """The 1-based lines of ``source``'s header (its leading ``#`` lines) that still hold :data:`MARKER`
    followed by a colon, as ``rcc-cards new`` and ``rcc-cards import`` write it (so a header quoting a
    banner such as "STEPS TO COMPLETE BEFORE SURGERY" is not taken for one); none when the file cannot
    be read (the grounding rules report that)."""
    reads.before_reading(source.path)
    try:
        with source.path.open(encoding="utf-8") as file:
            found: list[int] = []
            for number, line in enumerate(file, 1):
                if not line.startswith("#") and line.strip():
                    break
                if MARKER + ":" in line:
                    found.append(number)
            return found
    except (OSError, UnicodeDecodeError):
        return []


@decks_rule("source-header-incomplete", "warning", "decks", fixed=True)
def source_header_incomplete(decks: Sequence[Deck], memo: Memo = NO_MEMO) -> Sequence[Hit]:
    """A source's header says who published the text, where, and under what licence, and the deck says its
    title and date: `rcc-cards new` and `rcc-cards import` write `TO COMPLETE:` where the author has yet to
    say it, and `check --strict` fails while one remains (a deck cannot ship with its attribution
    unfinished; the date is on every card's back).

    Fails: `# Source: TO COMPLETE: who published this text, and where (URL or citation)` in the header of
      `sources/widget.txt`
    Passes: `# Source: NCI PDQ, as republished by WebMD (older version)`
    """
    hits: list[Hit] = []
    for deck in decks:
        if deck.drafts_for:
            continue  # a drafts file names its deck's sources; the deck reports them
        for source in deck.sources:
            for key, value in (("title", source.title), ("as_of", source.as_of)):
                if MARKER + ":" in value:
                    hits.append((source.loc, f"source {source.file!r}: its {key} still says {MARKER!r}; write "
                                             f"the source's {'title' if key == 'title' else 'date'} there "
                                             "(learners read it on every card)"))
            lines = memo.get_or_compute("unfinished header", (str(source.path), reads.signature(source.path)),
                                        functools.partial(unfinished_lines, source))
            if lines:
                shown = f"{'lines' if len(lines) > 1 else 'line'} {', '.join(map(str, lines))}"
                hits.append((source.loc, f"source {source.file!r}: its header still says {MARKER!r} ({shown}); say "
                                         "who published the text, where, and the licence or permission to copy it"))
    return hits
