"""A deck's ``note_types`` file: the Anki note types its imported cards keep (``rcc-cards import`` writes it),
as JSON, read strictly into :class:`~rcc_cards.templates.NoteType` values. ``json`` is imported only for a
deck that has one."""

from __future__ import annotations

from typing import Any

from rcc_cards.templates import Field, NoteType, Template

MAX_BYTES = 4 * 1024 * 1024


class _Bad(ValueError):
    """A note types file that is not as expected: the message says where and what."""


def parse(text: str) -> tuple[tuple[NoteType, ...], str]:
    """The note types in ``text``, or () and why it cannot be read."""
    import json

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return (), f"not valid JSON ({exc.msg}, line {exc.lineno})"
    try:
        types = tuple(_note_type(entry, f"note type {i}") for i, entry in enumerate(_list(data, "the file"), 1))
    except _Bad as exc:
        return (), str(exc)
    names = [t.name for t in types]
    if len(set(names)) != len(names) or len({t.id for t in types}) != len(types):
        return (), "two note types have one name or one id; each needs its own"
    return types, ""


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Bad(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _get(entry: Any, key: str, kind: type, where: str, optional: bool = False) -> Any:
    if not isinstance(entry, dict):
        raise _Bad(f"{where}: expected an object, got {type(entry).__name__}")
    value = entry.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or isinstance(value, bool) or (kind is str and key == "name" and not value):
        expected = {int: "a number", str: "a text", list: "a list"}[kind]
        raise _Bad(f"{where}: '{key}' must be {expected}, got {value!r}")
    return value


def _note_type(entry: Any, where: str) -> NoteType:
    kind = _get(entry, "kind", str, where)
    if kind not in ("basic", "cloze"):
        raise _Bad(f"{where}: 'kind' must be 'basic' or 'cloze', got {kind!r}")
    name = _get(entry, "name", str, where)
    where = f"{where} ({name!r})"
    fields = tuple(Field(_get(f, "name", str, f"{where} > field"), _get(f, "id", int, f"{where} > field", True) or 0)
                   for f in _list(_get(entry, "fields", list, where), where))
    templates = tuple(Template(_get(t, "name", str, f"{where} > template"),
                               _get(t, "id", int, f"{where} > template", True) or 0,
                               _get(t, "qfmt", str, f"{where} > template"), _get(t, "afmt", str, f"{where} > template"))
                      for t in _list(_get(entry, "templates", list, where), where))
    if len(fields) < 2 or not templates:
        raise _Bad(f"{where}: needs at least two fields and one card template")
    return NoteType(_get(entry, "id", int, where), name, fields, templates, kind == "cloze",
                    _get(entry, "css", str, where), adopted=True)


def text(types: tuple[NoteType, ...]) -> str:
    """The file's text for ``types`` (what :func:`parse` reads back)."""
    import json

    def nonzero(value: int) -> int | None:
        return value or None

    data = [{"id": t.id, "name": t.name, "kind": "cloze" if t.is_cloze else "basic",
             "fields": [{"name": f.name, "id": nonzero(f.id)} for f in t.fields],
             "templates": [{"name": m.name, "id": nonzero(m.id), "qfmt": m.front, "afmt": m.back} for m in t.templates],
             "css": t.css} for t in types]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
