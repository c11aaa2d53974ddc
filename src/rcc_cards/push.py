"""``rcc-cards push`` (issue 22): a build delivered into a collection without *File → Import*, with what a
package import cannot do. Deciding what to push is here; talking to Anki is :mod:`rcc_cards.ankicollection`.

A push builds as ``build`` does (packages and lock files), then imports each package with Anki's own importer
into the target (a collection file, or a copy of a sync server's collection sent back by a normal sync): so
the update rules are the package's (a note is updated only when its content changed in the deck, every
review kept), and besides:

- the tags a learner added to an updated note are kept (an import replaces all of a note's tags): every tag
  rcc-cards does not give (:func:`owned`) is the learner's;
- cards removed from the deck are tagged ``rcc-cards::retired`` in the collection (their notes, reviews and
  scheduling stay; the learner finds them with ``tag:rcc-cards::retired`` and suspends, deletes or keeps
  them; the tag goes again if the card comes back);
- what a learner wrote in the deck's ``personal_field`` stays (a package import empties it);
- note types are merged (``merge_notetypes``, which a learner's *File → Import* leaves off), so a field added
  to a note type does not leave the notes conflicting (not yet tested through a push).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from rcc_cards import builder, compiler, stamps
from rcc_cards.ankicollection import Owned, Pushed, Target
from rcc_cards.tags import note_tags


class PackagePush(NamedTuple):
    package: Path
    decks: tuple[str, ...]
    pushed: Pushed
    touched: tuple[str, ...] = ()  # card ids of the notes Anki kept as they are (see Target.apply)


def owned(builds: Sequence[compiler.DeckBuild]) -> Owned:
    """The tags rcc-cards gives the notes of these decks: each card's tags, and every tag at or below a
    deck's key (its section tags)."""
    tags = frozenset(tag.casefold() for build in builds for card in build.deck.cards()
                     for tag in note_tags(build.deck, card))
    return Owned(tags, frozenset(build.deck.key.casefold() for build in builds))


def retired(item: stamps.Stamped) -> list[str]:
    """The GUIDs of the cards removed from the deck (every one its lock file remembers)."""
    return sorted(compiler.note_guid(item.deck.key, card_id) for card_id in item.lock.removed)


def push(paths: Sequence[Path], target: Target, update_touched: bool = False
         ) -> tuple[builder.BuildReport, list[PackagePush]]:
    """Build every deck of ``paths`` (as ``build`` does; always compiled) and import each package into
    ``target``; ``update_touched``: also update the notes changed in Anki after the build that differ
    from it (:meth:`~rcc_cards.ankicollection.Target.apply`)."""
    report = builder.build(builder.BuildOptions(tuple(paths), force=True))
    by_deck = {id(item.deck): item for item in report.stamped}
    done = []
    for package, builds in report.plan.packages.items():
        retire = [guid for build in builds for guid in retired(by_deck[id(build.deck)])]
        personal = frozenset(build.deck.personal_field for build in builds if build.deck.personal_field)
        pushed = target.apply(package, owned(builds), retire, personal, update_touched)
        ids = {card.guid or compiler.note_guid(build.deck.key, card.id): card.id for build in builds
               for card in build.cards}
        done.append(PackagePush(package, tuple(build.deck.key for build in builds), pushed,
                                tuple(sorted(ids.get(guid, guid) for guid in pushed.touched))))
    return report, done
