"""The ``rcc-cards`` command line. The only module that imports ``click``.

Exit status: 0 success; 1 problems in the input (every one printed as ``path:line:col: severity: message``,
nothing written), or an output that cannot be written (a full disk among them); 2 usage error (Click's); 3
an unexpected error, which is a bug in rcc-cards; 141 the program reading the output closed it early
(``rcc-cards tags | head``), as a shell reports SIGPIPE; 129 and 143 stopped by SIGHUP (a closed terminal)
or SIGTERM (kill, a CI job cancelled), 128 + the signal's number as a shell reports it, after removing every
temporary file as Ctrl-C does.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from rcc_cards import __version__, loader, outputs, project, summary
from rcc_cards.errors import Problem, ProblemsFound, RccCardsError, one_line, shown

if TYPE_CHECKING:
    from rcc_cards import ankicollection, coverage, importdeck
    from rcc_cards.builder import BuildOptions, BuildReport
    from rcc_cards.watch import Session

# Modules that only the writing commands need (builder, and through it the lock file, stamps and,
# when compiling, genanki) are imported inside those commands: 'check' and 'tags' start faster.

EXIT_PROBLEMS = 1
EXIT_BUG = 3
EXIT_BROKEN_PIPE = 141  # as a shell reports a program stopped by SIGPIPE
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)  # stop like Ctrl-C: unwind, removing every temporary file
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})  # the disk's error, never a bug of rcc-cards

_paths = click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))


def _report(problems: Sequence[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _tally(problems: Sequence[Problem]) -> str:
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    files = len({p.path for p in problems})
    return (f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} "
            f"in {files} file{'s' * (files != 1)}")


def _show_problems(problems: Sequence[Problem], wrote_nothing: bool) -> None:
    """Every problem, then the tally line."""
    _report(problems)
    suffix = "; nothing was written" if wrote_nothing else ""
    click.echo(f"rcc-cards: {_tally(problems)}{suffix}", err=True)


class Stopped(BaseException):
    """SIGTERM or SIGHUP arrived. Like KeyboardInterrupt (Ctrl-C), it unwinds through every ``finally``,
    so every temporary file is removed, and no ``except Exception`` stops it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _stop(signum: int, frame: object) -> None:
    for other in (*STOP_SIGNALS, signal.SIGINT):  # the clean-up runs once, to the end
        signal.signal(other, signal.SIG_IGN)
    raise Stopped(signum)


@contextmanager
def _stopping_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Stopped` for the duration (in the main thread, where signals
    are handled); the handlers before are put back afterwards."""
    before = {signum: signal.getsignal(signum) for signum in (*STOP_SIGNALS, signal.SIGINT)}  # _stop changes all
    try:
        for signum in STOP_SIGNALS:
            signal.signal(signum, _stop)
    except ValueError:  # not the main thread (a caller's thread, as in some test runners): signals stay as they are
        before = {}
    try:
        yield
    finally:
        for signum, handler in before.items():
            if handler is not None:  # None: a handler not set from Python, which cannot be put back
                signal.signal(signum, handler)


class _Group(click.Group):
    """The one top-level handler: user errors (and a full disk) become exit 1, usage errors (no deck files,
    filters that select nothing) Click's exit 2, SIGTERM and SIGHUP 128 + the signal's number, and anything
    unexpected is reported as a bug (exit 3)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            with _stopping_on_signals():
                return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Stopped as exc:
            ctx.exit(128 + exc.signum)
        except project.NoDeckFiles as exc:
            raise click.UsageError(str(exc)) from exc
        except project.NothingSelected as exc:
            raise click.BadParameter(str(exc), param_hint="--tag/--exclude-tag") from exc
        except ProblemsFound as exc:
            _show_problems(exc.problems, wrote_nothing=ctx.invoked_subcommand in ("build", "push"))
        except RccCardsError as exc:
            click.echo("rcc-cards: error: " + "\n".join(exc.lines()), err=True)
        except BrokenPipeError:  # the reader of our output went away (| head): nothing more to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(EXIT_BROKEN_PIPE)
        except OSError as exc:
            if exc.errno not in DISK_FULL:
                _bug(ctx, exc)
            _disk_full(exc)
        except Exception as exc:  # noqa: BLE001 - the one top-level handler: anything else is a bug
            _bug(ctx, exc)
        ctx.exit(EXIT_PROBLEMS)


def _bug(ctx: click.Context, exc: Exception) -> None:
    click.echo(f"rcc-cards: internal error (a bug in rcc-cards {__version__}; please report it with the command "
               f"you ran): {type(exc).__name__}: {one_line(str(exc))}", err=True)
    ctx.exit(EXIT_BUG)


def _disk_full(exc: OSError) -> None:
    """A write the disk refused outside the writer (every file it writes is named by its own error):
    standard output redirected to a full disk."""
    where = shown(exc.filename) if exc.filename else "standard output"
    if exc.filename is None:  # what is still buffered for standard output can never be written
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    click.echo(f"rcc-cards: error: cannot write {where}: {exc.strerror}", err=True)


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    # A callback rather than click's version_option: naming the parser imports yaml (about 20 ms),
    # which no other command pays for unless a deck needs it.
    if value and not ctx.resilient_parsing:
        click.echo(f"{ctx.find_root().info_name} {__version__} (YAML parser: {loader.yaml_parser()})")
        ctx.exit()


@click.group(name="rcc-cards", cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version (and the YAML parser in use) and exit.")
def cli() -> None:
    """Compile YAML study decks into tagged, stable Anki packages.

    \b
    Example:
      rcc-cards check            # validate every deck under decks/
      rcc-cards build            # write build/<deck key>.apkg for each deck
      rcc-cards tags             # the tag tree, with note counts
    """


@cli.command()
@_paths
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="A .apkg file (all decks into one package) or a folder (one <deck key>.apkg each). "
                   "Default: build/.")
@click.option("--tag", "include", multiple=True, metavar="TAG",
              help="Keep only notes tagged TAG or a tag below it (repeatable: any of them).")
@click.option("--exclude-tag", "exclude", multiple=True, metavar="TAG",
              help="Drop notes tagged TAG or a tag below it (repeatable).")
@click.option("--locked", is_flag=True,
              help="Fail, writing nothing, if a deck's lock file is out of date (for CI).")
@click.option("--watch", is_flag=True, help="Rebuild whenever a deck, its source or its media change.")
@click.option("--preview", "with_preview", is_flag=True,
              help="Also write the preview page (preview.html beside the packages), in the same build.")
@click.option("--force", is_flag=True, help="Rebuild even when no input changed since the last build.")
def build(paths: tuple[Path, ...], output: Path | None, include: tuple[str, ...],
          exclude: tuple[str, ...], locked: bool, watch: bool, with_preview: bool, force: bool) -> None:
    """Build Anki packages from deck files (default: every deck under decks/).

    Nothing is written unless every deck is free of errors, and nothing is redone when
    no input changed since the last build with the same options. Each deck's lock file
    (key: rcc -> rcc.lock.json) records when each card's content last changed, so only
    changed notes update on import; build updates it, build --locked only checks it.
    A --tag subset keeps each note's identity, so importing the full deck later
    updates the same notes.

    \b
    Examples:
      rcc-cards build
      rcc-cards build decks/rcc.yaml -o rcc.apkg
      rcc-cards build --tag rcc::stage_iv::cytokine_therapy -o cytokines.apkg
      rcc-cards build --watch
    """
    from rcc_cards.builder import BuildOptions

    options = BuildOptions(paths, output, include, exclude, locked, force)
    if watch:
        _watch(options, with_preview)
        return
    _build_once(options, with_preview)


def _tell(report: BuildReport, in_session: bool) -> None:
    """What a build did, for learners and for the author (in a watch session, only what changed)."""
    from rcc_cards import changes

    for item in report.stamped:
        if not item.reused:
            for line in changes.explain(item):
                click.echo(line)
    for key in report.plan.skipped:
        click.echo(f"skipped deck '{key}': no note matches the tag filters")
    for line in report.not_built:
        click.echo(line)
    for written in report.written:
        if written.up_to_date and not in_session:
            click.echo(f"up to date: {shown(written.path)}: {written.counts} (no input changed since it was "
                       "built)")
        elif not written.up_to_date:
            click.echo(f"wrote {shown(written.path)}: {written.counts}")
    for lock in report.locks_written:
        click.echo(f"wrote {shown(lock)}")


def _preview_path(options: BuildOptions) -> Path:
    """Where ``build --preview`` writes the page: beside the packages."""
    return outputs.folder(options.output) / "preview.html"


def _build_once(options: BuildOptions, with_preview: bool = False, session: Session | None = None) -> list[Path]:
    """Build (and write the preview page), print what was done, and return the files the build depends on.
    In a watch ``session``, only what changed is told."""
    from rcc_cards import builder

    started = time.perf_counter()
    files = project.discover(options.paths)
    page = _preview_path(options) if with_preview else None
    with _progress(files) as progress:
        if session is None:
            report = builder.build(options, files, progress=progress, preview=page)
        else:
            report = session.build(options, files, progress=progress, preview=page)
    counts = report.preview
    if page is not None and counts is None:  # up to date: only the page is written
        loaded = project.load(options.paths, files) if session is None else session.load(options.paths, files)
        counts = builder.preview_of(loaded, page, options.include, options.exclude)
    _report(report.warnings)
    _tell(report, in_session=session is not None)
    if page is not None:
        click.echo(f"wrote {shown(page)}: {counts}")
    if session is not None:
        unchanged = sum(w.up_to_date for w in report.written)
        click.echo(f"built in {time.perf_counter() - started:.3f} s ({unchanged} of {len(report.written)} "
                   "packages unchanged)")
    return report.inputs


def _size(path: Path) -> int:
    """The file's size, or 0 when it is gone (its loading reports that)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


PROGRESS_MIN_BYTES = 512 * 1024  # about a thousand cards: below this a build takes well under a second


@contextmanager
def _progress(files: project.DeckFiles) -> Iterator[Callable[[str], None] | None]:
    """A progress bar over the build's steps, on a terminal and for large inputs only."""
    from rcc_cards import builder

    size = sum(_size(p) for p, _ in files)
    if size < PROGRESS_MIN_BYTES or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=len(builder.BUILD_STEPS), label="building", file=sys.stderr,
                           item_show_func=lambda step: step) as bar:
        def advance(step: str) -> None:
            bar.update(1, step)

        yield advance


def _watch(options: BuildOptions, with_preview: bool) -> None:
    """Build, then rebuild whenever a deck, its source, its media or its lock file change, until Ctrl-C.

    Each cycle finds and loads the decks once, and waits for a change of what it read, as it was before it
    read it (:mod:`rcc_cards.watch`): a save during a cycle is built by the next one. A session
    (:mod:`rcc_cards.watch.session`) keeps what did not change between cycles, in memory.
    """
    from rcc_cards import watch

    session = watch.Session()
    try:
        while True:
            with watch.cycle() as seen:
                _watch_cycle(options, with_preview, session)
            click.echo(f"watching {sum(sig is not None for sig in seen.values())} files for changes (Ctrl-C to stop)")
            project.thaw()  # what the build left behind is the collector's again
            watch.wait_for_change(options.paths, seen)
            click.echo("change detected; rebuilding")
    except KeyboardInterrupt:
        click.echo("stopped watching")


def _a_file_name(ctx: click.Context, param: click.Parameter, value: str) -> Path:
    """The page's path: an empty one (which would mean the current folder) or a folder is refused before
    anything is read."""
    if not value:
        raise click.BadParameter("the path is empty; name the page's file, e.g. -o build/preview.html")
    path = Path(value)
    if path.is_dir():
        raise click.BadParameter(f"{shown(path)} is a folder; name the page's file, e.g. -o "
                                 f"{shown(path / 'preview.html')}")
    return path


def _watch_cycle(options: BuildOptions, with_preview: bool, session: Session) -> None:
    """One build of a watch session; its problems are shown, and the session goes on."""
    from rcc_cards import watch

    absent = watch.missing(options.paths)
    if absent:
        click.echo(f"waiting for {', '.join(shown(p) for p in absent)}: not found (a save or a branch switch "
                   "in progress?); building when it is back")
        return
    try:
        _build_once(options, with_preview, session)
    except ProblemsFound as exc:
        _show_problems(exc.problems, wrote_nothing=True)
    except RccCardsError as exc:
        click.echo("rcc-cards: error: " + "\n".join(exc.lines()), err=True)


@cli.command()
@_paths
@click.option("-o", "--output", type=click.Path(), default="build/preview.html", show_default=True,
              callback=_a_file_name, help="Where to write the page (a file).")
@click.option("--tag", "include", multiple=True, metavar="TAG", help="Show only notes tagged TAG or below it.")
@click.option("--exclude-tag", "exclude", multiple=True, metavar="TAG", help="Leave out notes tagged TAG or below.")
def preview(paths: tuple[Path, ...], output: Path, include: tuple[str, ...], exclude: tuple[str, ...]) -> None:
    """Write one self-contained HTML page showing every card, front and back, as Anki will.

    Cards are grouped by section, with a tag filter, a text search and the source quote on
    each back. The page makes no network requests; open it in any browser.

    \b
    Example:
      rcc-cards preview && xdg-open build/preview.html
    """
    from rcc_cards import builder

    warnings, counts = builder.write_preview(paths, output, include, exclude)
    _report(warnings)
    click.echo(f"wrote {shown(output)}: {counts}")


@cli.command(name="new")
@click.argument("key")
@click.option("--source", "source", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The source text (UTF-8) the deck's cards will quote; copied to decks/sources/.")
@click.option("--as-of", "as_of", required=True, metavar="DATE",
              help="When the source was last updated (shown to learners with every card), e.g. 2024-05-01.")
@click.option("--title", default="", help="The source's title (default: its first line).")
@click.option("--name", default="", help="The Anki deck name; '::' nests (default: the title).")
@click.option("--url", default="", help="Where the source is published.")
@click.option("--decks", "decks", type=click.Path(file_okay=False, path_type=Path), default=project.DEFAULT_DECKS,
              show_default=True, help="The folder of deck files.")
def new_command(key: str, source: Path, as_of: str, title: str, name: str, url: str, decks: Path) -> None:
    """Start a deck KEY from a source text: writes decks/KEY.yaml (no cards yet) and a copy of the
    source under decks/sources/ with an attribution header to complete. Never overwrites a file.

    \b
    Example:
      rcc-cards new hot_flashes --source hot-flashes.txt --as-of 2024-05-01
    """
    from rcc_cards import newdeck, writer

    new = newdeck.plan(key, source, decks, as_of, title, name, url)
    with writer.Staged() as staged:  # every file, or none
        for item in new.files:
            staged.add(item.path, item.data, exclusive=True)
        staged.commit()
    for item in new.files:
        click.echo(f"wrote {shown(item.path)}: {item.why}")
    click.echo("next:")
    click.echo(f"  1. complete the attribution header of {shown(new.source)}")
    click.echo(f"  2. rcc-cards draft {shown(new.deck)}     # propose cards for the source's sentences")
    click.echo(f"  3. review the drafts, move them into {shown(new.deck)}, then: rcc-cards check --strict")


@cli.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--deck", "deck", default=None, metavar="NAME",
              help="The Anki deck to import, with its subdecks (default: the file's one top-level deck).")
@click.option("--key", "key", default=None, metavar="KEY",
              help="The new deck's key (default: from the deck's name, unique among the project's decks).")
@click.option("--name", "name", default=None, metavar="NAME",
              help="The Anki deck the new deck's cards go into (default: the imported deck's name; needed when "
                   "that is Anki's 'Default').")
@click.option("--source", "sources", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="TEXTFILE",
              help="A source text of the cards (repeatable): copied into decks/sources/ as the deck's source, "
                   "and each card that restates one of its sentences quotes it.")
@click.option("--decks", "decks", type=click.Path(file_okay=False, path_type=Path), default=project.DEFAULT_DECKS,
              show_default=True, help="The folder of deck files.")
def import_command(file: Path, deck: str | None, key: str | None, name: str | None, sources: tuple[Path, ...],
                   decks: Path) -> None:
    """Make a deck of the project from an Anki file (.apkg, .colpkg or a collection; never modified):
    writes decks/KEY.yaml, a placeholder source decks/sources/KEY.txt to replace (or the --source
    files, copied), and the media under decks/media/KEY/. Never overwrites a file; writes everything
    or nothing; writes no scheduling. Prints what was read and written, every note or part of one not
    carried, with the reason, and, with --source, each card left without a quote.

    \b
    Examples:
      rcc-cards import biology.apkg --deck Biology --key biology
      rcc-cards import biology.apkg --source biology-chapter-1.txt
    """
    import datetime

    from rcc_cards import importdeck

    try:
        report = importdeck.import_file(file, decks, deck, key, today=datetime.date.today().isoformat(),
                                        sources=sources, name=name)
    except importdeck.KeyRefused as exc:  # a usage error: exit 2, as Click's own
        raise click.BadParameter(str(exc).removeprefix(f"--key {key!r} "), param_hint="'--key'") from exc
    _tell_import(report)


def _tell_import(report: importdeck.ImportReport) -> None:
    kinds = ", ".join(f"{count} {kind}" for kind, count in report.cards_by_kind.items()) or "no cards"
    click.echo(f"read {report.notes_read} notes of deck '{report.deck_name}' from {shown(report.source)}")
    click.echo(f"wrote {shown(report.deck_file)}: {sum(report.cards_by_kind.values())} cards ({kinds})")
    for given, target in report.copied:
        click.echo(f"wrote {shown(target)}: the source text, copied from {shown(given)}")
    if not report.copied:
        click.echo(f"wrote {shown(report.source_file)}: a placeholder source, to replace with the cards' source "
                   "text")
    click.echo(f"wrote {shown(report.lock_file)}: each card stamped with its note's time in Anki (a build updates "
               "only the notes that change)")
    if report.media_folder is not None:
        click.echo(f"wrote {report.media_count} media files into {shown(report.media_folder)}")
    if report.note_types_file is not None:
        click.echo(f"wrote {shown(report.note_types_file)}: the Anki note types the cards keep")
        for notice in report.notices:
            click.echo(f"  {notice}")
    if report.dropped:
        click.echo(f"not carried exactly ({len(report.dropped)}):")
        for line in report.dropped:
            click.echo(f"  {line}")
    if report.copied:
        _tell_grounded(report)
    else:
        click.echo(f"next: replace {shown(report.source_file)} with the source text, quote it on each card, "
                   f"then: rcc-cards check {shown(report.deck_file)}")


def _tell_grounded(report: importdeck.ImportReport) -> None:
    click.echo(f"grounded {report.grounded} of {report.grounded + len(report.not_grounded)} cards: each quotes "
               "the source sentence it restates")
    if report.partial:
        click.echo(f"  {len(report.partial)} of them quote only the first part of their sentence (the rest is "
                   "hedged): check that the rest does not qualify what the card states:")
        for card_id, sentence in report.partial:
            click.echo(f"    card '{card_id}': {sentence}")
    if report.not_grounded:
        click.echo(f"not grounded ({len(report.not_grounded)}), each with its best candidate sentence:")
        for card_id, best in report.not_grounded:
            click.echo(f"  card '{card_id}': {best or 'no sentence of the source shares a word with it'}")
        click.echo("next: give each card not grounded the sentence it comes from as its 'quote' (or 'unsourced: "
                   f"<why>'), set each source's as_of, then: rcc-cards check {shown(report.deck_file)}")
    else:
        click.echo(f"next: set each source's as_of, then: rcc-cards check {shown(report.deck_file)}")


def _server_options(command: Callable[..., None]) -> Callable[..., None]:
    """--server, --user, --password-env and --timeout: a sync server and an account on it."""
    for option in reversed([
        click.option("--server", "server_url", metavar="URL",
                     help="A sync server (Anki's own 'python -m anki.syncserver', or AnkiWeb's protocol)."),
        click.option("--user", metavar="NAME", help="The account on the sync server."),
        click.option("--password-env", default=PASSWORD_ENV, show_default=True, metavar="VAR",
                     help="The environment variable holding the password (asked for when it is not set; "
                          "never given on the command line)."),
        click.option("--timeout", default=30, show_default=True, type=click.IntRange(1, 3600),
                     help="Seconds to wait for the server to answer."),
    ]):
        command = option(command)
    return command


PASSWORD_ENV = "RCC_CARDS_SYNC_PASSWORD"


def _server(server_url: str | None, user: str | None, password_env: str,
            timeout: int) -> ankicollection.Server | None:
    """The sync server the options name, or None without --server."""
    from rcc_cards import ankicollection

    if server_url is None:
        if user is not None:
            raise click.UsageError("--user needs --server")
        return None
    if not server_url.startswith(("http://", "https://")):
        raise click.BadParameter(f"expected a URL such as http://127.0.0.1:8080/; found {server_url!r}",
                                 param_hint="--server")
    if not user:
        raise click.UsageError("--server needs --user NAME (the account on the sync server)")
    password = os.environ.get(password_env)
    if password is None:
        password = click.prompt(f"password of {user} on {server_url}", hide_input=True, err=True)
    return ankicollection.Server(server_url, user, password, timeout)


@cli.command(name="pull")
@click.argument("source", required=False, type=click.Path(path_type=Path))
@_server_options
@click.option("--decks", "decks", type=click.Path(path_type=Path), default=project.DEFAULT_DECKS,
              show_default=True, help="The deck files or folder to compare.")
def pull_command(source: Path | None, server_url: str | None, user: str | None, password_env: str,
                 timeout: int, decks: Path) -> None:
    """Find the fixes learners made in Anki to the project's notes, and write them as proposals beside
    each deck (decks/KEY.proposals.json: never built, listed by check, each checked by the deck's
    rules). SOURCE is an exported .apkg or .colpkg, or a collection file (only read); or read the
    collection of a sync server with --server and --user (the password from $RCC_CARDS_SYNC_PASSWORD,
    or asked for). Notes missing or suspended in Anki, and tags added there, are reported, not applied.

    \b
    Examples:
      rcc-cards pull phone-export.apkg
      rcc-cards pull --server http://127.0.0.1:8080/ --user me
    """
    from rcc_cards import ankicollection, proposals

    if (source is None) == (server_url is None):
        raise click.UsageError("give one SOURCE file (.apkg, .colpkg, collection) or --server URL, not both")
    server = _server(server_url, user, password_env, timeout)
    if server is not None:
        data, where = ankicollection.read_server(server), server.url
    else:
        assert source is not None
        data, where = ankicollection.read(source), shown(source)
    results = proposals.pull([decks], data, where)
    click.echo(f"read {len(data.notes)} notes from {where}")
    if not results:
        click.echo(f"no note of the project's decks is in {where}")
    for result in results:
        pulled = result.pulled
        if result.written is None:
            click.echo(f"{pulled.deck.key}: {pulled.found} notes, nothing to propose")
        else:
            n = len(pulled.proposals)
            click.echo(f"{pulled.deck.key}: {n} proposal{'s' * (n != 1)} written to {shown(result.written)} "
                       f"(review, then: rcc-cards accept {shown(result.written)})")
        for line in proposals.summary_lines(pulled, where):
            click.echo(line)
        for owner, problem in result.problems:
            click.echo(f"  proposal for {owner.card} ({owner.key}) breaks a rule: {problem.message}")


@cli.command(name="accept")
@click.argument("proposals_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--card", "cards", multiple=True, metavar="ID", help="Accept only this card's proposals "
              "(repeatable; default: every proposal in the file).")
def accept_command(proposals_file: Path, cards: tuple[str, ...]) -> None:
    """Write proposals made by 'rcc-cards pull' into their deck file, changing only those values:
    every other byte of the file stays (comments, order, quoting, blank lines). Refused, writing
    nothing, when the deck file changed since the pull, or a proposal breaks an error rule. Accepted
    proposals leave the file (deleted when none remain); the next build updates those notes.

    \b
    Examples:
      rcc-cards accept decks/rcc.proposals.json
      rcc-cards accept decks/rcc.proposals.json --card il2-optimum-dose
    """
    from rcc_cards import proposals

    done = proposals.accept(proposals_file, cards)
    for proposal in done.accepted:
        click.echo(f"accepted {proposal.card} ({proposal.key})")
    left = f"; {done.left} left in {shown(proposals_file)}" if done.left else f"; {shown(proposals_file)} deleted"
    click.echo(f"wrote {shown(done.deck_file)}: {len(done.accepted)} value(s) changed{left}")
    click.echo("next: rcc-cards build (or push): it updates those notes for every learner (those who made the "
               "fix get the same text)")


@cli.command(name="push")
@_paths
@click.option("--collection", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH",
              help="A collection file (collection.anki2 of an Anki profile); refused while Anki has it open.")
@click.option("--update-touched", is_flag=True,
              help="Also update the notes that differ from the build but were changed in Anki after it (a tag, "
                   "a personal note, an edit), which Anki keeps as they are: their tags and personal field are "
                   "kept, a text edit made in Anki is replaced (run 'rcc-cards pull' first).")
@_server_options
def push_command(paths: tuple[Path, ...], collection: Path | None, update_touched: bool, server_url: str | None,
                 user: str | None, password_env: str, timeout: int) -> None:
    """Build, then deliver the packages without File > Import: into a collection file (--collection;
    refused, writing nothing, while Anki has it open), or to a sync server (--server and --user: the
    collection there is downloaded, updated and synced back; the learner's devices get it on their next
    sync). Only notes whose content changed are updated and every review is kept, as with a package;
    besides, updated notes keep the tags learners added, removed cards are tagged rcc-cards::retired
    (nothing is deleted), and note types are merged.

    \b
    Examples:
      rcc-cards push --collection ~/.local/share/Anki2/User\\ 1/collection.anki2
      RCC_CARDS_SYNC_PASSWORD=... rcc-cards push --server http://127.0.0.1:8080/ --user me
    """
    from rcc_cards import ankicollection, push

    if user is not None and server_url is None:
        raise click.UsageError("--user needs --server")
    if (collection is None) == (server_url is None):
        raise click.UsageError("give --collection PATH or --server URL (with --user), one of them")
    server = _server(server_url, user, password_env, timeout)
    if server is not None:
        opened = ankicollection.server_target(server)
    else:
        assert collection is not None
        opened = ankicollection.collection_target(collection)
    with opened as target:
        report, done = push.push(paths, target, update_touched)
    _report(report.warnings)
    from rcc_cards import changes

    for item in report.stamped:
        for line in changes.explain(item):
            click.echo(line)
    for lock in report.locks_written:
        click.echo(f"wrote {shown(lock)}")
    for package in done:
        p = package.pushed
        click.echo(f"pushed {shown(package.package)} to {target.where}: {p.new} new, {p.updated} updated "
                   f"({p.kept_tags} keeping tags added in Anki), {p.unchanged} unchanged, {p.conflicting} "
                   f"conflicting; {p.retired} removed card(s) tagged {ankicollection.RETIRED_TAG}")
        if p.forced:
            click.echo(f"  {p.forced} of the updated notes had been changed in Anki after the build (updated as "
                       "asked by --update-touched)")
        if package.touched:
            n = len(package.touched)
            click.echo(f"  {n} note(s) differ from this build but were changed in Anki after it (a tag, a note "
                       f"or an edit there), so Anki kept them as they are: {', '.join(package.touched)}")
            click.echo("  to update them too: rcc-cards pull (to see any edit made there), then rcc-cards push "
                       "--update-touched (tags and personal notes are kept)")


@cli.command(name="draft")
@click.argument("deck_file", metavar="DECK", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def draft_command(deck_file: Path) -> None:
    """Propose cards for the sentences of DECK's source that no card covers yet, into DECK's drafts
    file (decks/KEY.drafts.yaml beside it), which is checked but never built. Never overwrites a file.

    A sentence with numbers gets a cloze with a deletion on each number and its unit; any other
    sentence a question/answer skeleton to write. Each draft quotes its sentence and cites its refs.

    \b
    Example:
      rcc-cards draft decks/hot_flashes.yaml
    """
    from rcc_cards import drafts

    try:
        written = drafts.write_drafts(deck_file)
    except drafts.DraftsFileGiven as exc:
        raise click.BadParameter(str(exc), param_hint="DECK") from exc
    if written.path is None:
        click.echo(f"{written.deck_key}: every sentence of its source is covered or excused; nothing to draft")
        return
    click.echo(f"wrote {shown(written.path)}: {written.drafts} drafts for as many sentences: {written.clozes} cloze "
               f"({written.deletions} deletions), {written.drafts - written.clozes} question/answer to write")
    click.echo(f"next: review each draft against its quote, move it into {shown(deck_file)} (or delete it), and "
               f"delete {shown(written.path.name)} when empty; 'rcc-cards check' lists what is left")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the deck format, for editors.

    Point your editor's YAML support at it, e.g. with a first line in the deck file:
    '# yaml-language-server: $schema=deck.schema.json'.

    \b
    Example:
      rcc-cards schema > decks/deck.schema.json
    """
    from rcc_cards import rules
    from rcc_cards.loader import spec

    click.echo(spec.json_schema_text(rules.by_id()), nl=False)


@cli.command()
@_paths
@click.option("--locked", is_flag=True, help="Exit 1 if any lock file is out of date (for pre-commit and CI).")
def diff(paths: tuple[Path, ...], locked: bool) -> None:
    """Show what a build would change for learners, without writing anything.

    Lists the cards added, changed and removed since each deck's lock file, the Anki
    search that finds removed cards, and note-type changes with the import options they need.

    \b
    Examples:
      rcc-cards diff
      rcc-cards diff --locked     # exit 1 when a lock file needs 'rcc-cards build'
    """
    from rcc_cards import builder, changes

    _, stamped = builder.prepare(paths, locked)
    for item in stamped:
        for line in changes.explain(item):
            click.echo(line)


@cli.command()
@_paths
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
def check(paths: tuple[Path, ...], strict: bool) -> None:
    """Validate deck files and print every problem; exit 1 if any is an error.

    \b
    Examples:
      rcc-cards check
      rcc-cards check --strict decks/rcc.yaml
    """
    from rcc_cards import places

    loaded = project.load(paths)
    pending: list[Problem] = []
    if any(places.proposals_file(deck.file, deck.key).is_file() for deck in loaded.studied):
        from rcc_cards import proposals  # json, the YAML editor: only for a project with proposals

        pending = [p for deck in loaded.studied for p in proposals.check_problems(deck)]
    if not loaded.ok or (strict and (loaded.problems or pending)):
        raise ProblemsFound(loaded.problems + pending)
    _report(loaded.problems + pending)
    from rcc_cards import coverage

    studied = loaded.studied
    counts = summary.counts((d, d.cards()) for d in studied)
    decks = len(studied)
    background = summary.background_cards(studied)
    also = f"; {background} background card{'s' * (background != 1)} (unsourced)" if background else ""
    covered = coverage.totals([c for d in studied for c in coverage.of_deck(d, loaded.memo)])
    click.echo(f"ok: {decks} deck{'s' * (decks != 1)}, {counts}{also}; {covered}")
    for deck in studied:
        if not deck.built:
            click.echo(f"{deck.key}: no cards yet; 'rcc-cards draft {shown(deck.loc.path)}' proposes cards for the "
                       "sentences of its source")
    for deck in loaded.drafts:
        n = sum(1 for _ in deck.cards())
        click.echo(f"{deck.key}: {n} draft{'s' * (n != 1)} for deck '{deck.drafts_for}' to review in "
                   f"{shown(deck.loc.path)} (never built; 'check --strict' fails until none remain)")


@cli.command(name="coverage")
@_paths
def coverage_command(paths: tuple[Path, ...]) -> None:
    """List every sentence of each deck's source with the cards that quote it.

    Uncovered sentences are marked with their line in the source file; a deck excuses one
    with 'source: skip:' and a reason. Exit 1 while a sentence is neither covered nor excused.

    \b
    Example:
      rcc-cards coverage decks/rcc.yaml
    """
    from rcc_cards import coverage

    loaded = project.load(paths)
    if not loaded.ok:
        raise ProblemsFound(loaded.problems)
    found = [c for d in loaded.studied for c in coverage.of_deck(d, loaded.memo)]
    for item in found:
        click.echo(f"{item.deck.key}: {shown(item.source_file)} ({item.source.title})")
        for line in item.lines:
            click.echo(_coverage_line(line))
        click.echo(f"{item.deck.key}: {item.summary()}")
    uncovered = sum(1 for item in found for line in item.lines if line.uncovered)
    if uncovered:
        click.echo(f"rcc-cards: {uncovered} sentence{'s' * (uncovered != 1)} neither covered nor excused "
                   "(add a card that quotes each, or excuse it under 'source: skip:')", err=True)
        raise SystemExit(EXIT_PROBLEMS)


def _coverage_line(line: coverage.Line) -> str:
    text = line.sentence.text if len(line.sentence.text) <= 70 else line.sentence.text[:69] + "…"
    status = line.status.upper() if line.uncovered else line.status
    detail = {"covered": ", ".join(line.cards), "excused": f"why: {line.excused}"}.get(status, "")
    return f"  {line.sentence.line:>4}  {status:<9}  {text}" + (f"\n{'':17}{detail}" if detail else "")


@cli.command(name="tags")
@_paths
def tags_command(paths: tuple[Path, ...]) -> None:
    """Print the tag tree with the number of notes at or below each tag.

    Any tag shown works with 'build --tag'.

    \b
    Example:
      rcc-cards tags decks/rcc.yaml
    """
    loaded = project.load(paths)
    if not loaded.ok:
        raise ProblemsFound(loaded.problems)
    _report(loaded.problems)
    tree = summary.tag_tree((d, d.cards()) for d in loaded.built)
    width = max((len(t) + 2 * t.count("::") for t, _ in tree), default=0)
    digits = max((len(str(n)) for _, n in tree), default=1)
    for tag, count in tree:
        indent = "  " * tag.count("::")
        click.echo(f"{indent}{tag}".ljust(width) + f"  {count:>{digits}}")


main = cli
