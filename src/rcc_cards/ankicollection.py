"""Anki's files and sync server: reading an Anki deck (``.apkg``, ``.colpkg``, a collection file or a sync
server's collection) into plain frozen values, for ``rcc-cards import`` (issue 21) and ``pull`` (issue 22);
writing a built package into a collection file or a sync server's collection (``push``, issue 22); syncing a
collection file with a sync server. The only module that imports ``anki``, and only inside functions:
``import rcc_cards.ankicollection`` stays cheap, and without the optional extra :class:`AnkiMissing` says what to
install.

The file read is never modified. A package is imported with Anki's own importer into a fresh collection in
a temporary folder; a ``.colpkg`` is unpacked there by Anki's collection-package import; a collection file
(and its ``-wal``) is copied there and the copy opened, so a collection Anki holds open can be read too.
The temporary folder is removed when reading ends, also on error.

What survives Anki's package import, and so what is reported: note GUIDs, fields, tags, note-type ids,
names, fields, templates and CSS, deck names, card ordinals and suspension. A package's deck ids are not
(Anki matches decks by name and gives new ones their own id), so :attr:`AnkiDeck.id` is ``None`` for an
``.apkg``.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import sqlite3
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from rcc_cards.errors import RccCardsError, shown

if TYPE_CHECKING:
    from anki.collection import Collection
    from anki.models import NotetypeDict

INSTALL_HINT = "install with `pip install 'rcc-cards[anki]'`"
COLLECTION_NAMES = ("collection.anki21b", "collection.anki21", "collection.anki2")
_ZIP_MAGIC = b"PK\x03\x04"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_SUSPENDED = -1  # cards.queue
_CLOZE = 1  # notetypes' "type"


class AnkiMissing(RccCardsError):
    """The ``anki`` package, needed to read Anki files, is not installed."""


class NotAnAnkiFile(RccCardsError):
    """The file is neither an Anki package nor an Anki collection."""


class DamagedFile(RccCardsError):
    """The file looks like an Anki package or collection but cannot be read (truncated, corrupt)."""


class TooNew(RccCardsError):
    """The file was written by a newer Anki than the installed backend understands."""


class EmptyDeck(RccCardsError):
    """The package or collection holds no notes."""


class MediaNotFound(RccCardsError):
    """A media file asked for by name is not in the package or collection."""


@dataclass(frozen=True)
class AnkiDeck:
    """A deck; ``name`` is the full name with ``::`` between levels. ``id`` is ``None`` for an ``.apkg``,
    whose deck ids Anki's importer does not keep."""

    id: int | None
    name: str


@dataclass(frozen=True)
class AnkiField:
    """A note type's field, in order; ``id`` is the stable id Anki keeps in the note type, if any."""

    name: str
    id: int | None


@dataclass(frozen=True)
class AnkiTemplate:
    """A card template: its name, front (``qfmt``) and back (``afmt``), and stable id if any."""

    name: str
    qfmt: str
    afmt: str
    id: int | None


@dataclass(frozen=True)
class AnkiNoteType:
    """A note type used by at least one note."""

    id: int
    name: str
    kind: Literal["basic", "cloze"]
    fields: tuple[AnkiField, ...]
    templates: tuple[AnkiTemplate, ...]
    css: str

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)


@dataclass(frozen=True)
class AnkiCard:
    """One card of a note: its ordinal (the template's, or the cloze number minus one), the template's
    name, its home deck's full name (a card in a filtered deck counts in its home deck) and whether it is
    suspended. No other scheduling is read."""

    ord: int
    template: str
    deck: str
    suspended: bool


@dataclass(frozen=True)
class AnkiNote:
    """A note: its GUID (the identity a later import must keep), note type, field values (HTML, in the
    note type's field order), tags as stored, cards by ordinal and the media names its fields reference."""

    guid: str
    note_type_id: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    cards: tuple[AnkiCard, ...]
    media: tuple[str, ...]
    mod: int = 0  # when the note last changed (seconds since 1970): what a later import compares

    @property
    def decks(self) -> tuple[str, ...]:
        """The deck names of the note's cards, sorted, each once."""
        return tuple(sorted({card.deck for card in self.cards}))


@dataclass(frozen=True)
class AnkiDeckData:
    """Everything read from one file: decks (sorted by name; the ``Default`` deck only if it holds cards),
    the note types the notes use (by id), notes (in creation order) and the names of the media files
    present (sorted)."""

    path: Path
    decks: tuple[AnkiDeck, ...]
    note_types: tuple[AnkiNoteType, ...]
    notes: tuple[AnkiNote, ...]
    media_names: tuple[str, ...]

    def note_type(self, note_type_id: int) -> AnkiNoteType:
        """The note type of that id (a ``KeyError`` if no note uses one)."""
        for note_type in self.note_types:
            if note_type.id == note_type_id:
                return note_type
        raise KeyError(note_type_id)


@dataclass(frozen=True)
class OpenedDeck:
    """What :func:`opened` yields: the values, and the media folder they came with (valid until the
    ``with`` block ends)."""

    data: AnkiDeckData
    media_dir: Path

    def media(self, name: str) -> bytes:
        """The bytes of the media file ``name`` (a name as fields reference it, e.g. from
        :attr:`AnkiNote.media`). Raises :class:`MediaNotFound` for a missing file or a name that is not a
        plain file name."""
        plain = name not in ("", ".", "..") and not any(c in name for c in "/\\\x00")
        try:
            if plain:
                return (self.media_dir / name).read_bytes()
        except OSError:
            pass
        raise MediaNotFound(f"{shown(self.data.path)}: no media file named {name!r} in it")


def read(path: Path) -> AnkiDeckData:
    """The decks, note types, notes and media names of an Anki file; the file itself is never changed.
    For media bytes use :func:`opened`."""
    with opened(path) as deck:
        return deck.data


@contextmanager
def opened(path: Path) -> Iterator[OpenedDeck]:
    """Read ``path`` as :func:`read` does and keep its media reachable inside the ``with`` block::

        with ankicollection.opened(Path("biology.apkg")) as deck:
            for name in deck.data.notes[0].media:
                image = deck.media(name)
    """
    _anki()
    kind = _file_kind(path)
    with tempfile.TemporaryDirectory(prefix="rcc-cards-read-") as tmp:
        if kind == "collection":
            col, media_dir = _open_collection_file(path, Path(tmp)), _sibling_media(path)
        else:
            col = _open_package(path, Path(tmp), kind)
            media_dir = Path(col.media.dir())
        try:
            data = _collect(col, path, keeps_deck_ids=kind != "package", media_dir=media_dir)
        finally:
            col.close()
        if not data.notes:
            raise EmptyDeck(f"{shown(path)}: it holds no notes; export a deck that has cards")
        yield OpenedDeck(data, media_dir)


def _anki() -> None:
    """Fail early and clearly when the optional ``anki`` package is not installed."""
    try:
        import anki.collection  # noqa: F401
    except ImportError as err:
        raise AnkiMissing(f"reading Anki files needs the anki package; {INSTALL_HINT}") from err


FileKind = Literal["package", "collection-package", "collection"]


def _file_kind(path: Path) -> FileKind:
    """What the file's first bytes say it is (a ``.colpkg`` is a zip like an ``.apkg``: its name tells)."""
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):  # a pipe or a device would hang the read
            what = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
            hint = " (an Anki profile folder holds collection.anki2)" if stat.S_ISDIR(mode) else ""
            raise NotAnAnkiFile(f"{shown(path)}: {what}; give an exported .apkg or .colpkg, or a collection "
                                f"file (.anki2){hint}")
        with path.open("rb") as file:
            head = file.read(len(_SQLITE_MAGIC))
    except OSError as err:
        raise NotAnAnkiFile(f"{shown(path)}: cannot read it ({err.strerror}); check the path") from err
    if head.startswith(_ZIP_MAGIC):
        _check_package(path)
        return "collection-package" if path.suffix.lower() == ".colpkg" else "package"
    if head == _SQLITE_MAGIC:
        return "collection"
    found = "an empty file" if not head else "a text file" if _looks_like_text(head) else "another kind of file"
    raise NotAnAnkiFile(f"{shown(path)}: not an Anki package (.apkg, .colpkg: a zip) or collection (.anki2: an "
                        f"SQLite file), but {found}; export the deck from Anki with File > Export")


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


def _check_package(path: Path) -> None:
    """A zip holding an Anki collection, from an Anki this backend understands (its ``meta`` entry)."""
    from anki.import_export_pb2 import PackageMetadata
    from google.protobuf.message import DecodeError  # type: ignore[import-untyped]  # anki's dependency

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            meta = archive.read("meta") if "meta" in names else b""
        version = PackageMetadata.FromString(meta).version
    except (zipfile.BadZipFile, zlib.error, OSError, DecodeError) as err:
        raise DamagedFile(f"{shown(path)}: a damaged or truncated zip file ({err}); "
                          "copy or export it again") from err
    if not names.intersection(COLLECTION_NAMES):
        raise NotAnAnkiFile(f"{shown(path)}: a zip file without an Anki collection in it; "
                            "export the deck from Anki with File > Export")
    if version > PackageMetadata.VERSION_LATEST:
        raise TooNew(f"{shown(path)}: written by a newer Anki (package version {version}) than this "
                     "backend reads; upgrade anki (pip install -U anki) or export with "
                     "'Support older Anki versions' ticked")


def _open_package(path: Path, tmp: Path, kind: FileKind) -> Collection:
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.errors import BackendError

    col_path = tmp / "collection.anki2"
    if kind == "collection-package":
        return _unpack_collection_package(path, col_path)
    col = Collection(str(col_path))
    try:
        _rename_stock_note_types(col)
        # Scheduling is imported only to see suspension (without it every card comes back new).
        col.import_anki_package(ImportAnkiPackageRequest(
            package_path=str(path), options=ImportAnkiPackageOptions(with_scheduling=True)))
    except BackendError as err:
        col.close()
        raise DamagedFile(f"{shown(path)}: Anki cannot import it ({err}); export it again") from err
    return col


def _rename_stock_note_types(col: Collection) -> None:
    """A fresh collection's stock note types would make the package's own "Basic" import as "Basic+"."""
    from anki.models import NotetypeId

    for entry in col.models.all_names_and_ids():
        notetype = col.models.get(NotetypeId(entry.id))
        assert notetype is not None
        notetype["name"] = f"rcc-cards unused {entry.id}"
        col.models.update_dict(notetype)


def _unpack_collection_package(path: Path, col_path: Path) -> Collection:
    from anki._backend import RustBackend
    from anki.collection import Collection
    from anki.errors import BackendError
    from anki.media import media_paths_from_col_path

    backend = RustBackend()
    media_folder, media_db = media_paths_from_col_path(str(col_path))
    try:
        backend.import_collection_package(col_path=str(col_path), backup_path=str(path),
                                          media_folder=media_folder, media_db=media_db)
        return Collection(str(col_path), backend=backend)
    except BackendError as err:
        raise DamagedFile(f"{shown(path)}: Anki cannot read this collection package ({err}); "
                          "export it again") from err


def _open_collection_file(path: Path, tmp: Path) -> Collection:
    from anki.collection import Collection
    from anki.errors import BackendError, DBError

    copy = tmp / "collection.anki2"
    try:
        shutil.copyfile(path, copy)
        wal = path.with_name(path.name + "-wal")
        if wal.is_file():
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
    except OSError as err:
        raise NotAnAnkiFile(f"{shown(path)}: cannot copy it ({err.strerror}); check the path") from err
    _check_collection(path, copy)
    try:
        return Collection(str(copy))
    except DBError as err:
        if "FileTooNew" in str(err):
            raise TooNew(f"{shown(path)}: written by a newer Anki than this backend reads; "
                         "upgrade anki (pip install -U anki)") from err
        raise DamagedFile(f"{shown(path)}: Anki cannot open this collection ({err}); "
                          "check it in Anki with Tools > Check Database") from err
    except BackendError as err:
        raise DamagedFile(f"{shown(path)}: Anki cannot open this collection ({err}); "
                          "check it in Anki with Tools > Check Database") from err


def _check_collection(path: Path, copy: Path) -> None:
    """SQLite with Anki's ``col`` table (Anki would turn any other SQLite file into an empty collection)."""
    try:
        with sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True, timeout=0) as db:
            found = db.execute("select count(*) from sqlite_master where type='table' and name in "
                               "('col', 'notes', 'cards')").fetchone()[0]
        db.close()
    except sqlite3.DatabaseError as err:
        if "locked" in str(err):  # another process holds it in exclusive mode: Anki's backend does
            raise CollectionInUse(_IN_USE_MESSAGE.format(shown(path))) from err
        raise DamagedFile(f"{shown(path)}: a damaged SQLite file ({err}); "
                          "check it in Anki with Tools > Check Database") from err
    if found != 3:
        raise NotAnAnkiFile(f"{shown(path)}: an SQLite file but not an Anki collection; "
                            "give a collection.anki2 or an exported .apkg")


def _sibling_media(path: Path) -> Path:
    """A collection file's media folder: ``collection.media`` beside ``collection.anki2``."""
    return path.with_name(path.stem + ".media")


def _collect(col: Collection, path: Path, *, keeps_deck_ids: bool, media_dir: Path) -> AnkiDeckData:
    assert col.db is not None
    # Filtered decks are left out: a card in one is reported in its home deck (cards.odid).
    deck_names = {int(entry.id): entry.name for entry in col.decks.all_names_and_ids(include_filtered=False)}
    cards: dict[int, list[tuple[int, int, int]]] = {}
    for nid, ordinal, did, odid, queue in col.db.execute("select nid, ord, did, odid, queue from cards "
                                                          "order by nid, ord"):
        cards.setdefault(nid, []).append((ordinal, odid or did, queue))
    rows = col.db.all("select id, guid, mid, flds, tags, mod from notes order by id")
    note_types = {mid: _note_type(col, mid) for mid in sorted({row[2] for row in rows})}
    notes = tuple(_note(row, note_types[row[2]], cards.get(row[0], []), deck_names) for row in rows)
    used_decks = {card.deck for note in notes for card in note.cards}
    decks = tuple(AnkiDeck(did if keeps_deck_ids else None, name)
                  for did, name in sorted(deck_names.items(), key=lambda item: item[1])
                  if did != 1 or name in used_decks)
    return AnkiDeckData(path, decks, tuple(note_types.values()), notes, _media_names(media_dir))


def _note(row: Sequence[object], note_type: AnkiNoteType, cards: list[tuple[int, int, int]],
          deck_names: dict[int, str]) -> AnkiNote:
    _nid, guid, mid, flds, tags, mod = row
    assert isinstance(guid, str) and isinstance(mid, int) and isinstance(flds, str) and isinstance(tags, str)
    assert isinstance(mod, int)
    fields = tuple(flds.split("\x1f"))
    names = [t.name for t in note_type.templates]
    return AnkiNote(
        guid=guid, note_type_id=mid, fields=fields, tags=tuple(tags.split()), mod=mod,
        cards=tuple(AnkiCard(ordinal, names[0] if note_type.kind == "cloze" else names[ordinal],
                             deck_names[did], queue == _SUSPENDED) for ordinal, did, queue in cards),
        media=_unique(name for field in fields for name in media_references(field)))


def _note_type(col: Collection, mid: int) -> AnkiNoteType:
    from anki.models import NotetypeId

    notetype = col.models.get(NotetypeId(mid))
    assert notetype is not None, mid
    return _note_type_value(notetype)


def _note_type_value(notetype: NotetypeDict) -> AnkiNoteType:
    return AnkiNoteType(
        id=int(notetype["id"]), name=str(notetype["name"]),
        kind="cloze" if notetype["type"] == _CLOZE else "basic",
        fields=tuple(AnkiField(str(f["name"]), _stable_id(f)) for f in notetype["flds"]),
        templates=tuple(AnkiTemplate(str(t["name"]), str(t["qfmt"]), str(t["afmt"]), _stable_id(t))
                        for t in notetype["tmpls"]),
        css=str(notetype["css"]))


def _stable_id(entry: dict[str, object]) -> int | None:
    value = entry.get("id")
    return value if isinstance(value, int) and value else None


def _media_names(media_dir: Path) -> tuple[str, ...]:
    try:
        return tuple(sorted(entry.name for entry in media_dir.iterdir() if entry.is_file()))
    except OSError:  # no media folder: no media
        return ()


# Anki's own patterns (anki/media.py): [sound:NAME], and src= of <img>, <audio>, <source> or data= of
# <object>, in double, single or no quotes.
_MEDIA_RE = re.compile(
    r"\[sound:(?P<sound>[^]]+)\]"
    r"|<(?:img|audio|source)\b[^>]*?\ssrc=(?:\"(?P<dq>[^\">]+)\"|'(?P<sq>[^'>]+)'|(?P<nq>[^\s\"'>]+))"
    r"|<object\b[^>]*?\sdata=(?:\"(?P<odq>[^\">]+)\"|'(?P<osq>[^'>]+)'|(?P<onq>[^\s\"'>]+))",
    re.IGNORECASE)
_REMOTE_RE = re.compile(r"(?i)(?:https?|ftp|data):")


def media_references(field_html: str) -> tuple[str, ...]:
    """The local media file names a field references, in order, each once, with HTML entities decoded:
    ``<img src="a&amp;b.png">`` references ``a&b.png``. Remote URLs (``http:``, ``https:``, ``ftp:``,
    ``data:``) are not media files."""
    names = (html.unescape(next(group for group in match.groups() if group is not None))
             for match in _MEDIA_RE.finditer(field_html))
    return _unique(name for name in names if not _REMOTE_RE.match(name))


def _unique(names: Iterator[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


# --- Collections written, and sync servers (issue 22) ------------------------------------------------------


class CollectionInUse(RccCardsError):
    """The collection is open in Anki (or another program): nothing may write it now."""


class SyncFailed(RccCardsError):
    """The sync server could not be used: down, too slow, wrong password, interrupted, or a change it needs
    the learner to settle in Anki (a full sync). Nothing was changed, locally or on the server."""


@dataclass(frozen=True)
class Server:
    """A sync server (Anki's own ``python -m anki.syncserver``, or one speaking its protocol) and an account
    on it. ``timeout``: seconds without an answer before giving up (each request, and the login)."""

    url: str
    user: str
    password: str = field(repr=False)
    timeout: int = 30

    @property
    def endpoint(self) -> str:
        return self.url if self.url.endswith("/") else self.url + "/"


_IN_USE = "Anki already open"  # the backend's DBError while another process holds the collection's lock
_IN_USE_MESSAGE = ("{}: Anki has this collection open (or is syncing its media); close Anki (or switch to another "
                   "profile), then run the command again")


def _open_writable(path: Path) -> Collection:
    """The collection file itself, opened for writing. Refused while Anki (or any program using Anki's
    backend) has it open: the backend opens a collection in SQLite's exclusive locking mode, so a second
    open fails at once with ``DBError: Anki already open, or media currently syncing.``"""
    from anki.collection import Collection
    from anki.errors import DBError

    _anki()
    if _file_kind(path) != "collection":
        raise NotAnAnkiFile(f"{shown(path)}: not an Anki collection; give the collection.anki2 of a profile "
                            "(in Anki: Help > About shows the profile folder)")
    _check_collection(path, path)
    try:
        return Collection(str(path))
    except DBError as err:
        if _IN_USE in str(err):
            raise CollectionInUse(_IN_USE_MESSAGE.format(shown(path))) from err
        if "FileTooNew" in str(err):
            raise TooNew(f"{shown(path)}: written by a newer Anki than this backend reads; "
                         "upgrade anki (pip install -U anki)") from err
        raise DamagedFile(f"{shown(path)}: Anki cannot open this collection ({err}); "
                          "check it in Anki with Tools > Check Database") from err


SENDING = "sending the changes"


@contextmanager
def _sync_errors(server: Server, doing: str) -> Iterator[None]:
    """The backend's sync and network errors as :class:`SyncFailed`, each saying what to do."""
    from anki.errors import Interrupted, NetworkError, SyncError, SyncErrorKind

    where = f"sync server {server.url}"
    try:
        yield
    except SyncError as err:
        if err.kind is SyncErrorKind.AUTH:
            raise SyncFailed(f"{where}: the user name or password was refused ({doing}); check --user and the "
                             "password (asked for, or from the environment variable given)") from err
        raise SyncFailed(f"{where}: {doing} failed: {err}") from err
    except Interrupted as err:
        raise SyncFailed(f"{where}: no answer within {server.timeout} s ({doing}); is the server overloaded? "
                         "try again, or give a longer --timeout") from err
    except NetworkError as err:
        reason = str(err).splitlines()[0]
        if doing == SENDING:
            raise SyncFailed(f"{where}: the connection was lost while {doing} ({reason}); the server keeps the "
                             "collection it had (it applies a sync whole or not at all): push again") from err
        if "timed out" in reason:
            raise SyncFailed(f"{where}: no answer within {server.timeout} s ({doing}); try again, or give a "
                             "longer --timeout") from err
        raise SyncFailed(f"{where}: cannot reach it ({doing}: {reason}); is the server running and the URL "
                         "right?") from err


def _login(col: Collection, server: Server) -> Any:
    """The session key of ``server``'s account; the login is aborted after ``server.timeout`` seconds
    (the backend's login has no timeout of its own: measured, a server that never answers holds it)."""
    import threading

    from anki.sync import SyncAuth

    timer = threading.Timer(server.timeout, col.abort_sync)
    timer.start()
    try:
        with _sync_errors(server, "logging in"):
            auth = col.sync_login(server.user, server.password, server.endpoint)
    finally:
        timer.cancel()
    return SyncAuth(hkey=auth.hkey, endpoint=auth.endpoint or server.endpoint, io_timeout_secs=server.timeout)


Full = Literal["upload", "download"]


def _sync(col: Collection, auth: Any, server: Server, full: Full | None = None) -> str:
    """One sync of ``col`` with the server: a normal sync, or the full upload or download the server asks
    for when one side is empty. A full sync both sides would lose by (each has changes) needs ``full``."""
    from anki.sync import SyncOutput

    with _sync_errors(server, "syncing"):
        out = col.sync_collection(auth, sync_media=False)
        if out.new_endpoint:
            auth.endpoint = out.new_endpoint
        required = out.required
        if required in (SyncOutput.NO_CHANGES, SyncOutput.NORMAL_SYNC):
            return "normal"
        if required == SyncOutput.FULL_SYNC and full is None:
            raise SyncFailed(f"sync server {server.url}: the collection there and this one both changed in a way "
                             "only a full sync can settle (one side replaces the other); open Anki, sync, and "
                             "choose which to keep")
        upload = required == SyncOutput.FULL_UPLOAD or (required == SyncOutput.FULL_SYNC and full == "upload")
        col.close_for_full_sync()
        try:
            col.full_upload_or_download(auth=auth, server_usn=out.server_media_usn, upload=upload)
        finally:
            col.reopen(after_full_sync=True)
        return "full upload" if upload else "full download"


def sync_file(path: Path, server: Server, full: Full | None = None) -> str:
    """Sync the collection file ``path`` with ``server`` as Anki's Sync button does (refused while Anki has it
    open); what was done: ``"normal"``, ``"full upload"`` or ``"full download"``."""
    col = _open_writable(path)
    try:
        auth = _login(col, server)
        done = _sync(col, auth, server, full)
        _sync_media(col, auth, server)
        return done
    finally:
        col.close()


def _sync_media(col: Collection, auth: Any, server: Server) -> None:
    """The media files both ways, as Anki does after a sync (it runs in the backend's own thread; waited for
    here, at most ten times the timeout)."""
    import time as clock

    with _sync_errors(server, "syncing media"):
        col.sync_media(auth)
        deadline = clock.monotonic() + 10 * server.timeout
        while col.media_sync_status().active:  # raises what made it fail
            if clock.monotonic() > deadline:
                col.abort_media_sync()
                raise SyncFailed(f"sync server {server.url}: media files still syncing after {10 * server.timeout} "
                                 "s; the notes are synced, the media follow with the next sync")
            clock.sleep(0.05)


def _full_download(col: Collection, auth: Any, server: Server) -> bool:
    """Replace the new, empty ``col`` by the server's collection; an empty server leaves it empty (nothing
    is ever uploaded from here). Whether there was a collection to download."""
    from anki.sync import SyncStatus

    with _sync_errors(server, "downloading"):
        out = col.sync_status(auth)  # a new collection: no changes (the server is empty too) or a full sync
        if out.new_endpoint:
            auth.endpoint = out.new_endpoint
        if out.required == SyncStatus.NO_CHANGES:
            return False
        col.close_for_full_sync()
        try:
            col.full_upload_or_download(auth=auth, server_usn=None, upload=False)
        finally:
            col.reopen(after_full_sync=True)
        return True


@contextmanager
def _downloaded(server: Server) -> Iterator[tuple[Collection, Any, bool]]:
    """A copy of the server's collection in a temporary folder (a full download), the session key, and
    whether the server had a collection (else the copy is a new, empty one)."""
    from anki.collection import Collection

    _anki()
    with tempfile.TemporaryDirectory(prefix="rcc-cards-sync-") as tmp:
        col = Collection(str(Path(tmp) / "collection.anki2"))
        try:
            auth = _login(col, server)
            yield col, auth, _full_download(col, auth, server)
        finally:
            col.close()


def read_server(server: Server) -> AnkiDeckData:
    """The decks, note types and notes of the collection on ``server`` (downloaded into a temporary
    folder; nothing on the server changes)."""
    with _downloaded(server) as (col, _auth, _had):
        data = _collect(col, Path(server.url), keeps_deck_ids=True, media_dir=Path(col.media.dir()))
    if not data.notes:
        raise EmptyDeck(f"sync server {server.url}: the collection of '{server.user}' holds no notes")
    return data


# --- Pushing a build into a collection ---------------------------------------------------------------------

RETIRED_TAG = "rcc-cards::retired"


@dataclass(frozen=True)
class Pushed:
    """What one push did to the collection: notes added, updated (their content changed in the deck), left
    alone (unchanged, or changed in Anki since), conflicting (a note type Anki could not merge), notes
    tagged retired, and how many updated notes kept tags a learner had added."""

    new: int
    updated: int
    unchanged: int
    conflicting: int
    retired: int
    kept_tags: int
    touched: tuple[str, ...] = ()  # GUIDs of notes that differ from the package, changed in Anki after it: kept
    forced: int = 0  # such notes updated all the same (update_touched)


@dataclass(frozen=True)
class Owned:
    """The tags rcc-cards gives notes (every other tag on a note is the learner's): exact tags, and tags
    at or below a prefix (a deck's key)."""

    tags: frozenset[str]
    roots: frozenset[str]

    def __contains__(self, tag: object) -> bool:
        if not isinstance(tag, str):
            return False
        folded = tag.casefold()
        return folded in self.tags or folded == RETIRED_TAG or any(
            folded == root or folded.startswith(root + "::") for root in self.roots)


class Target:
    """A collection open for a push: a collection file (held open, so Anki cannot open it meanwhile), or a
    copy of a sync server's collection, sent back when the ``with`` block ends without an error."""

    def __init__(self, col: Collection, where: str) -> None:
        self.col = col
        self.where = where
        self.results: list[Pushed] = []
        self.media = False  # a package brought media files

    def apply(self, package: Path, owned: Owned, retire: Sequence[str], personal: frozenset[str] = frozenset(),
              update_touched: bool = False) -> Pushed:
        """Import ``package`` as Anki's importer does (only notes newer in the package are updated; every
        review, flag and suspension kept; note types merged, which a learner's File > Import does not do
        unless asked), with each updated note keeping the tags its learner added and what they wrote in a
        field named in ``personal`` (a deck's ``personal_field``; the package is rewritten with them first,
        so it is one transaction); then tag the notes of ``retire`` (GUIDs) retired.

        A note that differs from the package but was changed in Anki after the package's stamp for it (a tag,
        a personal note, an edit) is one Anki's importer keeps as it is: it is reported (``touched``), and
        with ``update_touched`` given the package's time just after the collection's, so it updates (its
        tags and personal field kept as above; a text edit made in Anki is replaced)."""
        notes = self._notes()
        with tempfile.TemporaryDirectory(prefix="rcc-cards-push-") as tmp:
            copy, kept, touched, names = _with_learners_additions(
                package, Path(tmp), notes, owned, self._personal_values(notes, personal), update_touched)
            log = self._import(copy)
        self.media = self.media or any(name not in ("collection.anki2", "media") for name in names)
        retired = self._retire(retire, notes)
        updated = {note.id.nid for note in log.updated}
        done = Pushed(len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting), retired,
                      sum(notes[guid].nid in updated for guid in kept),
                      () if update_touched else tuple(touched), len(touched) if update_touched else 0)
        self.results.append(done)
        return done

    def _notes(self) -> dict[str, _InCollection]:
        """Every note of the collection, by GUID (one scan, for all a push asks of them)."""
        assert self.col.db is not None
        return {guid: _InCollection(nid, mid, mod, tags, flds) for nid, guid, mid, mod, tags, flds
                in self.col.db.execute("select id, guid, mid, mod, tags, flds from notes")}

    def _personal_values(self, notes: Mapping[str, _InCollection], names: frozenset[str]
                         ) -> dict[tuple[str, str], str]:
        """What the learner wrote in each field named in ``names``: (GUID, field name) -> its text, for the
        notes whose note type has such a field and where it is not empty."""
        if not names:
            return {}
        from anki.models import NotetypeId

        fields_of: dict[int, list[str]] = {}
        out: dict[tuple[str, str], str] = {}
        for guid, note in notes.items():
            if note.mid not in fields_of:
                notetype = self.col.models.get(NotetypeId(note.mid))
                fields_of[note.mid] = [f["name"] for f in notetype["flds"]] if notetype else []
            for name, value in zip(fields_of[note.mid], note.flds.split("\x1f"), strict=False):
                if name in names and value:
                    out[(guid, name)] = value
        return out

    def _import(self, package: Path) -> Any:
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
        from anki.errors import BackendError

        # with_scheduling: without it Anki's importer strips the tags 'marked' and 'leech' from every note it
        # updates, even when the package has them (measured, anki 26.9.3); existing cards' scheduling is never
        # touched either way (an import only adds cards), and the package's new cards are new.
        try:
            return self.col.import_anki_package(ImportAnkiPackageRequest(
                package_path=str(package), options=ImportAnkiPackageOptions(merge_notetypes=True,
                                                                            with_scheduling=True))).log
        except BackendError as err:
            raise DamagedFile(f"{self.where}: Anki refused the package ({err}); nothing was changed") from err

    def _retire(self, guids: Sequence[str], notes: Mapping[str, _InCollection]) -> int:
        """Tag the notes of ``guids`` retired (``notes``: the collection's, as read before the import, which
        does not touch them: they are not in the package)."""
        nids = [notes[guid].nid for guid in dict.fromkeys(guids)
                if guid in notes and RETIRED_TAG not in notes[guid].tags.split()]
        if nids:
            from anki.notes import NoteId

            self.col.tags.bulk_add([NoteId(n) for n in nids], RETIRED_TAG)
        return len(nids)


class _InCollection(NamedTuple):
    """A note of the collection a push goes into, as its rows hold it."""

    nid: int
    mid: int
    mod: int
    tags: str
    flds: str


def _with_learners_additions(package: Path, tmp: Path, notes: Mapping[str, _InCollection], owned: Owned,
                             personal: Mapping[tuple[str, str], str], update_touched: bool
                             ) -> tuple[Path, list[str], list[str], list[str]]:
    """A copy of ``package`` whose notes carry, besides their own tags, the tags the learner added to the
    same note in the collection (``notes``; tags not ``owned``), and in each personal field the learner's
    text (``personal``: (GUID, field name) -> text). Returns the copy; the GUIDs of the notes that got tags;
    those of the notes that differ from the collection's but are older than it there (with
    ``update_touched``, those get the collection's time plus one second, so they update); and the
    package's entry names."""
    scratch = tmp / "collection.anki2"
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        scratch.write_bytes(archive.read("collection.anki2"))
        kept: list[str] = []
        touched: list[str] = []
        with sqlite3.connect(scratch) as db:
            fields_of = _package_fields(db) if personal else {}
            for nid, guid, tags, mid, flds, mod in db.execute(
                    "select id, guid, tags, mid, flds, mod from notes").fetchall():
                theirs = notes.get(guid)
                if theirs is None:
                    continue  # a new note: nothing of the learner's to keep
                ours = tags.split()
                added = [t for t in theirs.tags.split() if t not in owned and t not in ours]
                if added:
                    kept.append(guid)
                    db.execute("update notes set tags = ? where id = ?", (" " + " ".join(ours + added) + " ", nid))
                mine = _with_personal(flds, fields_of.get(mid, []), guid, personal)
                if mine != flds:
                    db.execute("update notes set flds = ? where id = ?", (mine, nid))
                if theirs.mod > mod and theirs.flds != mine:
                    touched.append(guid)
                    if update_touched:
                        db.execute("update notes set mod = ? where id = ?", (theirs.mod + 1, nid))
        db.close()
        out = tmp / "package.apkg"
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
            for name in names:
                if name == "collection.anki2":
                    copy.write(scratch, name)
                else:
                    copy.writestr(name, archive.read(name))
    return out, kept, touched, names


def _with_personal(flds: str, field_names: Sequence[str], guid: str, personal: Mapping[tuple[str, str], str]) -> str:
    """A package note's fields with the learner's text in each of its personal fields (as ``personal`` has it)."""
    values = flds.split("\x1f")
    for index, name in enumerate(field_names[:len(values)]):
        if (guid, name) in personal:
            values[index] = personal[(guid, name)]
    return "\x1f".join(values)


def _package_fields(db: sqlite3.Connection) -> dict[int, list[str]]:
    """Each note type of a package's collection (its id) -> its field names, in order."""
    (models,) = db.execute("select models from col").fetchone()
    return {int(mid): [f["name"] for f in model["flds"]] for mid, model in json.loads(models).items()}


@contextmanager
def collection_target(path: Path) -> Iterator[Target]:
    """The collection file ``path``, open for a push; refused (:class:`CollectionInUse`) while Anki has it
    open. Each import is one transaction of Anki's: a push stopped half-way leaves every note as it was, or
    as the package has it."""
    col = _open_writable(path)
    try:
        yield Target(col, shown(path))
    finally:
        col.close()


@contextmanager
def server_target(server: Server) -> Iterator[Target]:
    """A copy of ``server``'s collection (downloaded, so a server that is down or refuses the login fails
    before anything is built), sent back with a normal sync when the ``with`` block ends without an error:
    the learner's devices get the changes on their next sync. A sync is the server's to apply whole: stopped
    half-way, the server keeps the collection it had (tested by killing the client mid-push)."""
    with _downloaded(server) as (col, auth, had_collection):
        target = Target(col, f"sync server {server.url}")
        yield target
        if target.results:
            _sync_up(col, auth, server, first=not had_collection)
        if target.media:  # the copy's media folder starts empty: this also fetches the server's media
            _sync_media(col, auth, server)


def _sync_up(col: Collection, auth: Any, server: Server, first: bool) -> None:
    """Send the changes made to the downloaded copy with a normal sync. If the server's collection changed
    since the download, the sync merges both (Anki's rule: the newer change of each note wins). A change
    only a full sync can carry (the server's collection was replaced meanwhile, or a note type's fields
    changed) is refused rather than overwriting what learners did; so is any full sync, but the first upload
    to an account that had no collection (``first``) while it still has none."""
    from anki.sync import SyncOutput

    with _sync_errors(server, SENDING):
        out = col.sync_collection(auth, sync_media=False)
        if first and out.required == SyncOutput.FULL_UPLOAD:  # the server says it is still empty
            col.close_for_full_sync()
            try:
                col.full_upload_or_download(auth=auth, server_usn=out.server_media_usn, upload=True)
            finally:
                col.reopen(after_full_sync=True)
            return
        if out.required not in (SyncOutput.NO_CHANGES, SyncOutput.NORMAL_SYNC):
            raise SyncFailed(f"sync server {server.url}: this push needs a full sync (the collection there was "
                             "replaced since it was read, or a note type's fields changed), which would replace "
                             "the learner's collection; nothing was sent. Sync in Anki, then push again; for a "
                             "note-type change, learners import the package instead (docs/updates.md)")
