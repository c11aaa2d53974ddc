"""Watch mode, on top of the build: the polling loop (:mod:`.loop`), the session that remembers what did not
change between cycles (:mod:`.session`) and its single-card re-read of an edited deck file (:mod:`.patch`).
No other module of the package imports it but the CLI."""

from __future__ import annotations

from rcc_cards.watch.loop import changed, cycle, missing, wait_for_change
from rcc_cards.watch.session import Session

__all__ = ["Session", "changed", "cycle", "missing", "wait_for_change"]
