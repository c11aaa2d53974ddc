"""The note types as plain data: fixed ids, fields and card templates, and the shared CSS. Which card
kind uses which note type is said in :mod:`rcc_cards.kinds`.

Ids are hard-coded and must never change: Anki matches note types by id, and fields and templates by
their own ``id`` so a later rename updates learners' note types instead of stranding their notes.
"""

from __future__ import annotations

from typing import NamedTuple


class Field(NamedTuple):
    name: str
    id: int


class Template(NamedTuple):
    name: str
    id: int
    front: str
    back: str


class NoteType(NamedTuple):
    id: int
    name: str
    fields: tuple[Field, ...]  # an adopted note type's field ids may be 0: Anki kept none
    templates: tuple[Template, ...]
    is_cloze: bool
    css: str = ""  # "" -> rcc-cards' own :data:`CSS` (an adopted note type's own, as Anki had it)
    adopted: bool = False  # a note type made in Anki, carried with an imported deck (``note_types:``)

    @property
    def style(self) -> str:
        return self.css if self.adopted else (self.css or CSS)


_BACK_FOOTER = (
    '{{#Extra}}<div class="rcc-extra">{{Extra}}</div>{{/Extra}}'
    '{{#Context}}{{Context}}{{/Context}}'
    '<div class="rcc-source">{{Source}}</div>'
    '<div class="rcc-id">{{CardId}}</div>'
)
_MEDIA = '{{#Media}}<div class="rcc-media">{{Media}}</div>{{/Media}}'
_QA_FIELDS = (
    Field("Front", 7_301_554_120_001),
    Field("Back", 7_301_554_120_002),
    Field("Media", 7_301_554_120_007),
    Field("Extra", 7_301_554_120_003),
    Field("Context", 7_301_554_120_006),
    Field("Source", 7_301_554_120_004),
    Field("CardId", 7_301_554_120_005),
)
# Card text is plain text, shown as written: every side sits in an element that MathJax skips (the class
# MathJax 3 ignores by default, and the one of MathJax 2 configurations), so '\(' in a card never typesets.
# (Anki's sound and LaTeX syntax, which start with '[', is escaped in the fields themselves: rcc_cards.render.)
_TEXT = '<div class="rcc-card mathjax_ignore tex2jax_ignore">'


def _side(html: str) -> str:
    return _TEXT + html + "</div>"


_FORWARD = Template(
    "Question → answer", 7_301_554_121_001,
    _side('<div class="rcc-q">{{Front}}</div>' + _MEDIA),
    _side('{{FrontSide}}<hr id="answer"><div class="rcc-a">{{Back}}</div>' + _BACK_FOOTER),
)
_BACKWARD = Template(
    "Answer → question", 7_301_554_121_002,
    _side('<div class="rcc-q">{{Back}}</div>'),
    _side('{{FrontSide}}<hr id="answer"><div class="rcc-a">{{Front}}</div>' + _MEDIA + _BACK_FOOTER),
)
_CLOZE = Template(
    "Cloze", 7_301_554_121_003,
    _side('<div class="rcc-cloze">{{cloze:Text}}</div>' + _MEDIA),
    _side('<div class="rcc-cloze">{{cloze:Text}}</div>' + _MEDIA + _BACK_FOOTER),
)

BASIC = NoteType(1_738_240_101, "rcc-cards Q/A", _QA_FIELDS, (_FORWARD,), False)
REVERSE = NoteType(1_738_240_102, "rcc-cards Q/A + reverse", _QA_FIELDS, (_FORWARD, _BACKWARD), False)
CLOZE = NoteType(
    1_738_240_103, "rcc-cards cloze",
    (
        Field("Text", 7_301_554_120_011),
        Field("Media", 7_301_554_120_016),
        Field("Extra", 7_301_554_120_012),
        Field("Context", 7_301_554_120_015),
        Field("Source", 7_301_554_120_013),
        Field("CardId", 7_301_554_120_014),
    ),
    (_CLOZE,), True,
)

PERSONAL_LABEL = "(your notes; not from the source, and never changed by the deck)"


def with_personal(base: NoteType, field: str) -> NoteType:
    """``base`` with one more field, ``field``, the learner's own (a deck's ``personal_field``): shown at the
    end of every back, labelled as the learner's and not from the source, only when it holds something.
    A note type of its own, with ids derived from ``base``'s and the field's name (stable across builds),
    so rcc-cards' released note types never change; ``rcc-cards push`` keeps what learners write there."""
    import hashlib  # only for a deck with a personal field: not a cost of every start-up

    digest = hashlib.sha256(f"{base.id}\0{field}".encode()).digest()
    type_id = 1_000_000_000_000 + int.from_bytes(digest[:6], "big") % 8_000_000_000_000
    block = (f'{{{{#{field}}}}}<div class="rcc-personal"><span class="rcc-label">{field}</span> '
             f'<span class="rcc-personal-note">{PERSONAL_LABEL}</span><div>{{{{{field}}}}}</div></div>'
             f'{{{{/{field}}}}}')
    templates = tuple(t._replace(back=t.back[:-len("</div>")] + block + "</div>") for t in base.templates)
    return base._replace(id=type_id, name=f"{base.name} + {field}",
                         fields=(*base.fields, Field(field, type_id + 1)), templates=templates,
                         css=CSS + _PERSONAL_CSS)


_PERSONAL_CSS = """\
.rcc-personal { margin-top: 0.9em; padding: 0.5em 0.7em; border: 1px solid #888; font-size: 0.85em; }
.rcc-personal-note { font-size: 0.85em; color: #666; }
"""


CSS = """\
.card {
  font-family: -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif;
  font-size: 20px; line-height: 1.45; text-align: left;
  color: #1d1d1f; background: #fdfdfd;
  max-width: 40em; margin: 0 auto; padding: 0.8em;
}
.rcc-q, .rcc-cloze { font-size: 1.05em; }
.rcc-a { font-weight: 600; margin-top: 0.4em; }
.cloze { font-weight: 700; color: #0b57d0; }
.rcc-extra { margin-top: 0.9em; padding: 0.5em 0.7em; border-left: 3px solid #b08900;
  background: #fff8e1; font-size: 0.9em; }
.rcc-media { margin-top: 0.6em; text-align: center; }
.rcc-media img { max-width: 100%; height: auto; }
.rcc-context { margin-top: 0.9em; padding: 0.5em 0.7em; border: 1px dashed #888; font-size: 0.85em; }
.rcc-context-label, .rcc-label { font-weight: 600; }
.rcc-background, .rcc-unquoted { margin: 0.4em 0; padding: 0.3em 0.7em; border: 1px dashed #888; font-size: 0.95em; }
.rcc-source { margin-top: 1.2em; font-size: 0.78em; color: #555; }
.rcc-path { font-variant: small-caps; letter-spacing: 0.02em; }
.rcc-quote { margin: 0.4em 0; padding: 0.3em 0.8em; border-left: 3px solid #bbb; font-style: italic; }
.rcc-cite { margin-top: 0.3em; }
.rcc-id { margin-top: 0.8em; font-size: 0.65em; color: #999; font-family: ui-monospace, monospace; }
hr#answer { border: 0; border-top: 1px solid #ccc; margin: 0.8em 0; }
@media (max-width: 480px) { .card { font-size: 18px; padding: 0.4em; } }
.nightMode.card, .night_mode .card { color: #e8e8e8; background: #1e1e1e; }
.nightMode .cloze, .night_mode .cloze { color: #8ab4f8; }
.nightMode .rcc-extra, .night_mode .rcc-extra { background: #3a3000; border-left-color: #e0b000; }
.nightMode .rcc-source, .night_mode .rcc-source { color: #aaa; }
.nightMode .rcc-quote, .night_mode .rcc-quote { border-left-color: #666; }
.nightMode hr#answer, .night_mode hr#answer { border-top-color: #555; }
"""
