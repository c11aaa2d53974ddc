"""rcc-cards: compile YAML study decks into stable, tagged Anki packages."""

__version__ = "0.1.0"
