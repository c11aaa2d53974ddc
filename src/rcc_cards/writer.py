"""Output, all of it: a file is either the old one or the complete new one, several files change together
or not at all, and no command overwrites one of its inputs.

- **What may be overwritten** is decided in one place, :func:`refuse_inputs`: every command that writes
  names its outputs and its inputs (deck files, sources, media, lock files), and an output that is an
  input (the same file by any path, link or case) is refused before anything is written.
- **Atomic files.** New content goes to a temporary file beside the target (``.<name>.<random>.tmp``), is
  flushed to disk and checked, then renamed over the target.
- **All or nothing** (:class:`Staged`): a build stages every package, lock file and build record first;
  only when all are complete are they renamed into place. If one cannot be written, none is; if a rename
  fails part-way, the files already replaced are put back, so exit 1 means nothing changed.
- **Concurrent runs.** Each temporary file's name carries its writer's process id, and the writer holds a
  lock (``flock``) on it for as long as it exists. Leftovers of a killed run are removed by the next run
  that writes the same target, but never a live process's: two builds of one output both succeed (the
  later rename wins), and neither deletes the other's work.
- A new file that must not exist (:func:`write_new`) is linked into place, which refuses an existing name.
- **Stop signals** (Ctrl-C; SIGTERM and SIGHUP, which the CLI turns into an exception like Ctrl-C's) are
  held while files are renamed into place and while a temporary file is made and registered, so a run
  stops before or after, and leaving the ``with`` block removes every temporary file.
- **Written aside** (:class:`Aside`): a build may have its packages written by a forked child process
  while it runs its checks on the other core. The temporary files are made and registered here first, so
  they are this process's to remove whatever happens; the child only fills them (and its scratch files,
  which this process removes too, after the child has ended, however it ended). Nothing is committed until
  the child has reported every file complete and checked; a failing check, a signal or an error kills it.
- A full disk, an unwritable folder or a target that is a folder: ``cannot write PATH: reason``, exit 1.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import signal
import sys
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from rcc_cards.errors import OutputError, shown

Produce = Callable[[BinaryIO, Path], object]
STALE_SCRATCH_SECONDS = 3600  # a live process id's temporary file older than this, unlocked: the id was reused
# Signals that stop a run (Ctrl-C, kill, a closed terminal): held while files are renamed into place or a
# temporary file is made and registered, so a run stops before or after those steps, never half-way.
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold the stop signals for the duration: one that arrives meanwhile is delivered at the end."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def cannot_write(target: Path, exc: OSError) -> OutputError:
    """The error for a file that could not be written, naming it and the reason."""
    return OutputError(f"cannot write {shown(target)}: {exc.strerror or exc}")


def refuse_inputs(outputs: Iterable[Path], inputs: Iterable[Path], command: str) -> None:
    """Refuse to write any of ``outputs`` that is one of ``inputs`` (compared as the same file on disk)."""
    def identity(path: Path) -> tuple[int, int] | str:
        try:
            info = path.stat()
            return (info.st_dev, info.st_ino)
        except OSError:
            return str(path.resolve()).casefold()

    taken = {identity(p): p for p in inputs}
    for output in outputs:
        source = taken.get(identity(output))
        if source is not None:
            raise OutputError(f"{command} would overwrite {shown(output)}, which is one of its inputs "
                              f"({shown(source)}); choose another output path (-o)")


def write_atomic(target: Path, data: bytes, verify: Callable[[Path], None] | None = None) -> None:
    """Write ``data`` to ``target`` atomically; ``verify`` may raise OSError to refuse the new file."""
    with Staged() as staged:
        staged.add_with(target, lambda out, scratch: out.write(data), verify)
        staged.commit()


class _Ready:
    def __init__(self, target: Path, tmp: Path, lock_fd: int, exclusive: bool) -> None:
        self.target, self.tmp, self.lock_fd, self.exclusive = target, tmp, lock_fd, exclusive


class Staged:
    """Files written together: :meth:`add_with` writes each one's new content beside it, :meth:`commit`
    puts them all in place; leaving the ``with`` block without committing removes every temporary file, and
    every folder made for them. An ``exclusive`` file must not exist: it is linked into place, which refuses
    an existing name (see :func:`write_new`)."""

    def __init__(self) -> None:
        self.ready: list[_Ready] = []
        self.made: list[Path] = []  # the folders made for the files, removed again unless committed
        self.committed = False

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._release()

    def add(self, target: Path, data: bytes, durable: bool = True, exclusive: bool = False) -> Path:
        return self.add_with(target, lambda out, scratch: out.write(data), durable=durable, exclusive=exclusive)

    def add_with(self, target: Path, produce: Produce, verify: Callable[[Path], None] | None = None,
                 durable: bool = True, exclusive: bool = False) -> Path:
        """Let ``produce(out, scratch)`` write the new content of ``target`` into ``out`` (``scratch``: a path it
        may use for a working file, removed afterwards); returns the finished temporary file. A ``durable``
        file is flushed to disk before it is renamed into place (not needed for a record that is checked
        against digests before any use, such as the build record)."""
        fd, tmp = self._reserve(target, exclusive)
        _produce(target, fd, tmp, produce, verify, durable)
        return tmp

    def _reserve(self, target: Path, exclusive: bool = False) -> tuple[int, Path]:
        """A new temporary file for ``target``, registered for removal and locked: its descriptor (open for
        writing) and path."""
        try:
            _refuse_folder(target)
            _make_folder(target.parent, self.made)
            _remove_leftovers(target)
            with signals_held():  # a temporary file is never made without being registered for removal
                fd, tmp = _new_temporary(target)
                lock_fd = os.open(tmp, os.O_RDONLY)
                self.ready.append(_Ready(target, tmp, lock_fd, exclusive))
            fcntl.flock(lock_fd, fcntl.LOCK_EX)  # ours until it is renamed or removed (see _remove_leftovers)
        except OSError as exc:
            raise cannot_write(target, exc) from exc
        return fd, tmp

    def aside(self, jobs: Sequence[tuple[Path, Callable[[BinaryIO, Path], object], Callable[[Path], None] | None]]
              ) -> Aside:
        """Stage each ``(target, produce, verify)`` of ``jobs`` as :meth:`add_with` would, but have a forked
        child process write them (see :class:`Aside`), while this process goes on."""
        reserved = [(target, *self._reserve(target), produce, verify) for target, produce, verify in jobs]
        return Aside(reserved)

    def temporary(self, target: Path) -> Path | None:
        """The finished temporary file staged for ``target`` (what it will hold), if any."""
        return next((r.tmp for r in self.ready if r.target == target), None)

    def commit(self) -> None:
        """Rename every staged file into place; on any failure put back what was already replaced. A stop
        signal waits until the renames are done (or undone)."""
        with signals_held():
            self._commit()

    def _commit(self) -> None:
        done: list[tuple[Path, Path | None]] = []  # target, and the backup of what it held
        item = None
        try:
            for item in self.ready:
                if item.exclusive:
                    os.link(item.tmp, item.target)
                    done.append((item.target, None))
                    continue
                backup = _backup(item.target)
                done.append((item.target, backup))
                os.replace(item.tmp, item.target)
        except FileExistsError as exc:
            _put_back(done)
            raise OutputError(f"{shown(Path(exc.filename2 or exc.filename))} already exists; rcc-cards never "
                              "overwrites it. Move it away or pick another name; every file was left as it "
                              "was") from exc
        except OSError as exc:
            _put_back(done)
            raise OutputError(f"cannot write {shown(item.target) if item else '?'}: {exc.strerror or exc}; every "
                              "file was left as it was") from exc
        self.committed = True
        for _, backup in done:
            if backup is not None:
                backup.unlink(missing_ok=True)

    def _release(self) -> None:
        with signals_held():  # every temporary file goes, even if a second signal arrives
            for item in self.ready:
                item.tmp.unlink(missing_ok=True)
                os.close(item.lock_fd)
            self.ready = []
        if not self.committed:
            for folder in sorted(self.made, key=lambda p: len(p.parts), reverse=True):
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only when empty: a file that appeared meanwhile keeps its folder
        self.made = []


def _scratch(tmp: Path) -> Path:
    return tmp.with_name(tmp.name[: -len(".tmp")] + ".scratch.tmp")


def _produce(target: Path, fd: int, tmp: Path, produce: Callable[[BinaryIO, Path], object],
             verify: Callable[[Path], None] | None, durable: bool = True) -> object:
    """Fill the temporary file ``tmp`` (open as ``fd``) with ``produce(out, scratch)`` and verify it; returns
    what ``produce`` returned."""
    scratch = _scratch(tmp)
    result: list[object] = []
    try:
        _fill(fd, tmp, lambda out: result.append(produce(out, scratch)), durable)
        if verify is not None:
            verify(tmp)
    except OSError as exc:
        raise cannot_write(target, exc) from exc
    finally:
        scratch.unlink(missing_ok=True)
    return result[0]


class Aside:
    """Staged files written by a forked child process (:meth:`Staged.aside`): :meth:`results` waits for it
    and gives what each ``produce`` returned (JSON values), or raises the child's error as this process
    would have (``cannot write PATH: reason``); :meth:`stop` (also on leaving the ``with`` block) kills a
    child still at work and removes its scratch files. The temporary files stay the :class:`Staged`'s."""

    def __init__(self, reserved: list[tuple[Path, int, Path, Callable[[BinaryIO, Path], object],
                                            Callable[[Path], None] | None]]) -> None:
        self.scratch = [_scratch(tmp) for _, _, tmp, _, _ in reserved]
        read_end, write_end = os.pipe()
        with signals_held():  # the child starts with the stop signals as the OS has them, before any arrives
            self.pid = os.fork()
            if self.pid == 0:
                _child(write_end, reserved)  # never returns
        os.close(write_end)
        for _, fd, _, _, _ in reserved:
            os.close(fd)  # the child's to fill
        self.reading = os.fdopen(read_end, "rb")
        self.done = False

    def __enter__(self) -> Aside:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def results(self) -> list[object]:
        report = self.reading.read()
        self._wait()
        outcome = json.loads(report) if report else {"bug": "it ended without a report"}
        if "written" in outcome:
            return list(outcome["written"])
        if "cannot" in outcome:
            raise OutputError(outcome["cannot"])
        raise RuntimeError(f"the process writing the packages failed: {outcome['bug']}")

    def stop(self) -> None:
        with signals_held():
            if not self.done:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
                self._wait()
            self.reading.close()
            for scratch in self.scratch:
                scratch.unlink(missing_ok=True)

    def _wait(self) -> None:
        if not self.done:
            os.waitpid(self.pid, 0)
            self.done = True


def _child(report: int, reserved: list[tuple[Path, int, Path, Callable[[BinaryIO, Path], object],
                                              Callable[[Path], None] | None]]) -> None:
    """The forked writer: fill each file, report, exit, whatever happens (never back into the caller's code:
    an unexpected error ends it too, and the parent reports that as a bug)."""
    outcome: dict[str, object] = {}
    try:
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_DFL)  # stopped, it just ends: the parent removes the files
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        try:
            outcome["written"] = [_produce(target, fd, tmp, produce, verify)
                                  for target, fd, tmp, produce, verify in reserved]
        except OutputError as exc:  # a full disk, ...: the message this process would have given
            outcome["cannot"] = str(exc)
    finally:
        unexpected = sys.exc_info()[1]
        if unexpected is not None:
            outcome = {"bug": f"{type(unexpected).__name__}: {unexpected}"}
        with contextlib.suppress(OSError), os.fdopen(report, "wb") as out:
            out.write(json.dumps(outcome).encode())
        os._exit(0 if "written" in outcome else 1)


def _put_back(done: list[tuple[Path, Path | None]]) -> None:
    """Undo a commit part-way: each target replaced gets its backup back, each new one is removed."""
    for target, backup in reversed(done):
        if backup is not None:
            os.replace(backup, target)  # a no-op when the target was never replaced (same file) ...
            backup.unlink(missing_ok=True)  # ... so the link is removed here
        else:
            target.unlink(missing_ok=True)


def _make_folder(folder: Path, made: list[Path]) -> None:
    """Make ``folder`` and the folders above it that are missing, adding each one made to ``made``."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        try:
            new.mkdir()
        except FileExistsError:
            if new.is_dir():
                continue  # made meanwhile by someone else: theirs, never removed
            raise
        made.append(new)


def _refuse_folder(target: Path) -> None:
    """A folder (or an empty path, which means the current folder) is never a file to write."""
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "it is a folder, not a file; name a file to write")


def _backup(target: Path) -> Path | None:
    """A hard link (or copy) of ``target``'s current content, to put back if the commit fails."""
    if not target.exists():
        return None
    backup = target.with_name(f".{target.name}.{os.getpid()}.{time.monotonic_ns()}.bak.tmp")  # see _remove_leftovers
    try:
        os.link(target, backup)
    except OSError:
        shutil.copy2(target, backup)
    return backup


def _new_temporary(target: Path) -> tuple[int, Path]:
    """A new, empty temporary file beside ``target``, named ``.<name>.<pid>.<random>.tmp``, opened for
    writing (made here rather than with ``tempfile``, which costs every start a few milliseconds)."""
    for _ in range(100):
        path = target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600), path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")


def _fill(fd: int, tmp: Path, produce: Callable[[BinaryIO], object], durable: bool) -> None:
    """Write a new temporary file (open as ``fd``) with ``produce(out)``: readable as the umask allows, and,
    when ``durable``, flushed to disk."""
    os.chmod(tmp, 0o666 & ~_umask())
    with os.fdopen(fd, "wb") as out:
        produce(out)
        out.flush()
        if durable:
            os.fsync(out.fileno())


def write_new(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target``, which must not exist: a file that appeared meanwhile is never replaced
    (the complete file is linked into place, and linking refuses an existing name)."""
    with Staged() as staged:  # the temporary file is removed however this ends
        tmp = staged.add(target, data)
        try:
            os.link(tmp, target)
        except FileExistsError as exc:
            raise OutputError(f"{shown(target)} already exists; rcc-cards never overwrites it. Move it away or "
                              "pick another name") from exc
        except OSError as exc:
            raise cannot_write(target, exc) from exc


def _remove_leftovers(target: Path) -> None:
    """Remove the temporary files of runs that died while writing ``target``.

    Every temporary name carries its writer's process id (``.<name>.<pid>.<random>.tmp``): a file whose
    process is gone is a leftover. A live process's files are left alone, unless the process id was reused
    by another program: then the file is old and its lock (held by the writer for as long as it exists) is
    free.
    """
    prefix = f".{target.name}."
    for leftover in target.parent.glob(f"{prefix}*.tmp"):
        pid = leftover.name[len(prefix):].split(".", 1)[0]
        live = pid.isdigit() and _alive(int(pid))
        if live and (_age(leftover) < STALE_SCRATCH_SECONDS or not _lock_is_free(leftover)):
            continue
        leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


def _lock_is_free(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def verify_zip(path: Path) -> None:
    """Refuse a package that is not a complete zip file."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except zipfile.BadZipFile as exc:
        raise OSError(f"the written package is not a valid zip file ({exc})") from exc
    if bad is not None:
        raise OSError(f"the written package is corrupt (member {bad})")
