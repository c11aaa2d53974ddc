"""What a rebuild means for learners, in words: the lines ``build`` prints for each deck it stamped
(cards added, changed and removed since the lock file; a renamed deck; a moved lock file; note types whose
change needs learners to import with 'Merge note types')."""

from __future__ import annotations

from pathlib import Path

from rcc_cards import tags
from rcc_cards.errors import shown
from rcc_cards.lockfile import lock_name
from rcc_cards.stamps import Stamped


def explain(item: Stamped) -> list[str]:
    """What a rebuild of one deck means for learners, in words: what ``build`` prints for it."""
    key, lock = item.deck.key, shown(lock_name(item.deck))
    if item.first_build:
        return [f"{key}: first build; every card is new to {lock}"]
    notes = []
    if item.renamed_from:
        notes.append(f"  deck name changed from '{item.renamed_from}' to '{item.deck.name}': an import puts new cards "
                     f"in '{item.deck.name}' but leaves learners' existing cards in '{item.renamed_from}' (Anki "
                     "never moves a card on import); learners move them with Browse, 'Change Deck', or keep the "
                     "old name")
    if item.lock_moved_from:
        same_folder = Path(lock_name(item.deck)).parent == Path(item.lock_moved_from).parent
        why = "named after the deck key" if same_folder else "beside the deck, which was moved"
        moved_from = shown(item.lock_moved_from)
        notes.append(f"  the lock file is now {lock} ({why}; it was {moved_from}): "
                     f"commit {lock} and delete {moved_from}")
    if not item.has_changes:
        return [f"{key}: no changes since {lock}", *notes]
    lines = [f"{key}: {len(item.added)} added, {len(item.changed)} changed, {len(item.removed)} removed "
             f"since {lock}", *notes]
    lines += [f"  added    {c.id}" for c in item.added]
    lines += [f"  changed  {c.id}" for c in item.changed]
    lines += [f"  removed  {card_id}" for card_id in item.removed]
    if item.removed:
        lines.append("  removed cards stay in learners' collections (an import never deletes); "
                     f"find them in Anki with: {tags.card_id_search(key, item.removed)}")
    if item.changed:
        n = len(item.changed)
        lines.append(f"  {n} changed note{'s' * (n != 1)}: a package import replaces the tags learners added to "
                     f"{'them' if n != 1 else 'it'} in Anki (marked, leech, their own); 'rcc-cards push' keeps them")
        if item.deck.personal_field:
            lines.append(f"  a package import also empties the field '{item.deck.personal_field}' (the learner's "
                         f"own) of {'those notes' if n != 1 else 'that note'}; 'rcc-cards push' keeps it")
    if item.removed and item.added:
        lines.append("  if a card id was renamed, learners get the card twice: keep ids stable, and rename "
                     "only cards nobody has studied yet")
    for change in item.type_changes:
        if change.schema_changed:
            lines.append(f"  note type '{change.name}': fields or card templates were added, removed or "
                         "renamed; learners must import with 'Merge note types' checked and 'Update notes: "
                         "Always', or their notes of this type will not update")
        else:
            lines.append(f"  note type '{change.name}': templates or styling changed; learners' copies "
                         "update on import")
    return lines
