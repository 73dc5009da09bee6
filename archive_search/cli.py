"""The archive-search command line: parse options, call the library, render, map errors to exit codes.

Heavy modules (Whoosh, Rich) are imported inside the commands that need them,
so that `--help` and quick searches start fast.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import io
import os
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Callable, Iterator, List, Optional

import typer

from . import __version__
from ._entry import exit_without_teardown
from .errors import ArchiveSearchError, ArticleNotFoundError, OutputError, UsageError
from .render import (
    ARTICLE_FORMATS,
    HIT_FORMATS,
    STATS_FORMATS,
    ColorMode,
    OutputFormat,
    ProgressBar,
    Terminal,
    check_format,
    escaped,
    index_summary,
    remove_summary,
)
from .status import ExitStatus, status_for
from .streams import drop_stdout

if TYPE_CHECKING:
    from .archive import Archive


class CopyTier(str, enum.Enum):
    story = "story"
    article = "article"


class SortOrder(str, enum.Enum):
    relevance = "relevance"
    newest = "newest"
    oldest = "oldest"


_APP_SETTINGS = dict(
    name="archive-search",
    help=(
        "Index a news archive (DNAinfo text, JSON/JSONL, HTML pages, Reuters SGML) and search it.\n\n"
        "Example: archive-search index data/ && archive-search search 'bike lane'"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app = typer.Typer(**_APP_SETTINGS)

# The one place that looks at the streams; tests replace it.
terminal: Terminal | None = None


def _terminal() -> Terminal:
    return terminal if terminal is not None else Terminal.detect()


# Where a command gets its archive: None opens the index directory afresh; a resident
# server (resident/server.py) sets it to hand out the archives it keeps open.
archives: Callable[[Path], Archive] | None = None


def open_archive(index: Path | None) -> Archive:
    """The archive of --index (else $ARCHIVE_SEARCH_INDEX, else the default directory)."""
    from .store import default_index_dir

    path = default_index_dir(index)
    if archives is not None:
        return archives(path)
    from .archive import Archive

    return Archive(path)


def err(message: str) -> None:
    """A diagnostic on stderr: one line whatever it quotes (newlines and controls escaped).

    A diagnostic that cannot be written is dropped: there is nowhere left to report it,
    and the exit status still tells."""
    try:
        sys.stderr.write(escaped(message) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


# Whoosh's writer uses one core; with --jobs 2 a helper process writes a segment of its own
# (archive_search/whoosh_ext/parallel.py). Helpers are POSIX-only (their pipes are polled with select).
DEFAULT_JOBS = min(2, os.cpu_count() or 1) if os.name == "posix" else 1


def handles_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Map the library's exceptions, Ctrl-C and a closed pipe to messages and exit statuses."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ArticleNotFoundError as exc:  # not a failure: nothing matched the id, as show says it
            err(f"archive-search: {exc}")
            raise typer.Exit(status_for(exc)) from None
        except ArchiveSearchError as exc:
            err(f"archive-search: error: {exc}")
            raise typer.Exit(status_for(exc)) from None
        except KeyboardInterrupt:
            err("archive-search: interrupted")
            raise typer.Exit(ExitStatus.INTERRUPTED) from None
        except BrokenPipeError:
            raise typer.Exit(_broken_pipe()) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug: one line, not a traceback, unless asked for
            if os.environ.get("ARCHIVE_SEARCH_DEBUG"):
                raise
            err(
                f"archive-search: internal error: {type(exc).__name__}: {exc} "
                "(set ARCHIVE_SEARCH_DEBUG=1 for the traceback, and please report it)"
            )
            raise typer.Exit(ExitStatus.ERROR) from None

    return wrapper


@contextlib.contextmanager
def writing_output() -> Iterator[None]:
    """Output that cannot be written (a full disk) is the user's error to hear of, not a bug.

    A reader that went away (`| head -1`) ends the output quietly, and the command goes on
    to the status it would have had, as grep does: 0 when something matched."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        drop_stdout()
    except OSError as exc:
        drop_stdout()  # what is left in its buffer cannot be written either
        raise OutputError(exc) from None


@contextlib.contextmanager
def output(term: Terminal, *, pager: bool = True) -> Iterator[IO[str]]:
    """Where a command writes its data: stdout, or a buffer paged when the command is done if
    stdout is a terminal (Terminal.pager decides); failures to write as in writing_output."""
    command = term.pager(pager)
    if command is None:
        with writing_output():
            yield sys.stdout
        return
    buffer = io.StringIO()
    yield buffer
    from .pager import deliver

    with writing_output():
        problem = deliver(buffer.getvalue(), command, sys.stdout, env=term.env, width=term.width, height=term.height)
    if problem:
        err(f"archive-search: warning: {problem}")


def print_notes(result) -> None:
    """The library's notes on a search ("note: ..."), on stderr after the program's name."""
    for note in result.notes:
        err(note if note.startswith("archive-search: ") else f"archive-search: {note}")


def no_matches(term: Terminal, result) -> None:
    """Say that nothing matched: with a suggestion always, else only to a person (stdout a
    terminal); a script in a pipe has the exit status, as with grep."""
    if getattr(result, "suggestion", None):
        err(f"archive-search: no matches; did you mean: {result.suggestion}")
    elif term.stdout_tty:
        err("archive-search: no matches")


def reads_only(command: Callable[..., None]) -> Callable[..., None]:
    """Mark a command that only reads the index: its process may skip Python's teardown."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        exit_without_teardown()
        return command(*args, **kwargs)

    return wrapper


def _broken_pipe() -> int:
    """The reader went away (`| head -1`): stop quietly, as grep does."""
    drop_stdout()
    return ExitStatus.OK


INDEX_HELP = "Index directory [default: $ARCHIVE_SEARCH_INDEX, else $XDG_DATA_HOME/archive-search/index]."
IndexOption = typer.Option(None, "--index", "-i", help=INDEX_HELP, show_default=False)


def cluster_option(help: str):
    """--cluster (else $ARCHIVE_SEARCH_CLUSTER): a Dask scheduler's address, for index, search and serve."""
    return typer.Option(
        None, "--cluster", metavar="tcp://HOST:PORT", envvar="ARCHIVE_SEARCH_CLUSTER", show_envvar=True, help=help
    )


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"archive-search {__version__}\n")  # failures are main()'s to report
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Index a news archive and search it from the terminal or from scripts.

    Example: archive-search index data/ && archive-search search "bike lanes"
    """


@app.command()
@handles_errors
def index(
    paths: Optional[List[str]] = typer.Argument(
        None, help="Files or directories to index; - reads JSON Lines from stdin.", show_default=False
    ),
    index: Optional[Path] = IndexOption,
    rebuild: bool = typer.Option(False, "--rebuild", help="Start a new index from scratch (swapped in when complete)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress and no summary; problems are still reported."),
    wait: bool = typer.Option(
        False, "--wait", help="If another indexer is running, wait for it instead of exiting 75."
    ),
    commit_every: int = typer.Option(
        50_000,
        "--commit-every",
        min=1,
        help="Commit after this many articles: an interrupted run keeps what was committed.",
    ),
    jobs: int = typer.Option(
        DEFAULT_JOBS,
        "--jobs",
        "-j",
        min=1,
        help="Processes writing the index (large runs only; 1 = this process alone).",
        show_default="2 with two or more cores, else 1",  # the same help on every machine
    ),
    follow_symlinks: bool = typer.Option(
        False,
        "--follow-symlinks",
        "-L",
        help="Follow symbolic links met in directories (they may lead outside the trees named).",
    ),
    prune: bool = typer.Option(
        False, "--prune", help="Also remove the articles of files gone from anywhere (PATHS optional then)."
    ),
    files_from: Optional[str] = typer.Option(
        None, "--files-from", metavar="FILE", help="Also index the paths listed in FILE, one a line (- = stdin)."
    ),
    null: bool = typer.Option(False, "--null", "-0", help="With --files-from: the paths end with NUL (find -print0)."),
    exclude: Optional[List[str]] = typer.Option(
        None,
        "--exclude",
        metavar="GLOB",
        help="Leave out of directory walks the files and directories matching GLOB (name, or path if it has a /).",
    ),
    shards: Optional[int] = typer.Option(
        None,
        "--shards",
        min=1,
        max=1024,
        help="Build a sharded archive of N indexes, searched as one (a new archive, or with --rebuild).",
        show_default="one index, or the archive's own number",
    ),
    cluster: Optional[str] = cluster_option(
        "Build the shards as tasks on this Dask scheduler's workers (needs archive-search[cluster])."
    ),
) -> None:
    """Index article files: DNAinfo text, JSON/JSONL, HTML pages, Reuters SGML.

    Incremental: unchanged files are skipped, changed ones re-read, moved ones
    recognised by their content, and articles of files gone from an indexed
    directory removed. Symbolic links inside the directories are not followed
    unless --follow-symlinks; only regular files are read.

    Example: archive-search index ~/archives/dnainfo --index ~/dnainfo.idx
    """
    from .indexing.files import STDIN, paths_from
    from .indexing.indexer import Indexer
    from .store import IndexDir, default_index_dir

    paths = list(paths or [])
    if files_from == STDIN and STDIN in paths:
        raise UsageError("--files-from - and the path - both read standard input; give one of them")
    if files_from is not None:
        paths += paths_from(files_from, null=null)
    elif not paths and not prune:
        raise UsageError(
            "nothing to index: give PATHS, --files-from FILE, or --prune alone; see: archive-search index --help"
        )
    index_dir = IndexDir(default_index_dir(index))
    term = _terminal()
    show_progress = term.stderr_tty and not quiet
    progress = ProgressBar() if show_progress else None

    def on_problem(problem) -> None:
        kind = "warning" if problem.warning else "error"
        message = f"archive-search: {kind}: {problem}"
        if progress is not None:
            progress.print(message)
        else:
            err(message)

    indexer = Indexer(
        index_dir,
        rebuild=rebuild,
        wait=wait,
        on_problem=on_problem,
        on_progress=progress.update if progress else None,
        commit_every=commit_every,
        jobs=jobs,
        follow_symlinks=follow_symlinks,
        exclude=exclude or (),
        prune=prune,
        shards=shards,
        cluster=cluster,
    )
    try:
        with progress if progress is not None else contextlib.nullcontext():
            stats = indexer.run(paths)
    except KeyboardInterrupt:
        err(
            f"archive-search: interrupted; the index at {index_dir} is as it was at its last commit. "
            "Run the same command again to finish."
        )
        raise typer.Exit(ExitStatus.INTERRUPTED) from None
    if not quiet:
        err(index_summary(stats, index_dir))
    raise typer.Exit(ExitStatus.ERROR if stats.failed else ExitStatus.OK)


@app.command()
@handles_errors
def remove(
    ids: Optional[List[str]] = typer.Argument(
        None, metavar="[ID]...", help="Ids of articles to remove.", show_default=False
    ),
    path: Optional[List[str]] = typer.Option(
        None,
        "--path",
        "-p",
        metavar="PATH",
        help="Remove every article of this file (a directory: of every file under it).",
    ),
    index: Optional[Path] = IndexOption,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary; what was not found is still reported."),
    wait: bool = typer.Option(
        False, "--wait", help="If another indexer is running, wait for it instead of exiting 75."
    ),
) -> None:
    """Remove articles from the index, by id or by file.

    Exit status: 0 if something was removed, 1 if nothing matched, 2 on error.

    A file still on disk comes back at the next index run over it: delete the
    file, or leave it out with index --exclude.

    Example: archive-search remove reuters-17 --path ~/archives/old/feed.jsonl
    """
    from .indexing.indexer import Indexer
    from .store import IndexDir, default_index_dir

    if not ids and not path:
        raise UsageError("nothing to remove: give article IDs or --path PATH; see: archive-search remove --help")
    index_dir = IndexDir(default_index_dir(index))
    stats = Indexer(index_dir, wait=wait).remove(ids=ids or (), paths=path or ())
    for missing in stats.missing:
        err(f"archive-search: not in the index: {missing}")
    if not quiet:
        err(remove_summary(stats, index_dir))
    raise typer.Exit(ExitStatus.OK if stats.articles_removed else ExitStatus.NO_MATCH)


def format_option(formats: tuple[OutputFormat, ...]):
    """The --format option of a command writing these formats (its help lists only them)."""
    return typer.Option(
        OutputFormat.auto,
        "--format",
        "-f",
        metavar="[" + "|".join(f.value for f in formats) + "]",
        help="Output format; auto = rich on a terminal (or with --color always), plain in a pipe.",
        case_sensitive=False,
    )


FormatOption = format_option(HIT_FORMATS)
ColorOption = typer.Option(
    ColorMode.auto,
    "--color",
    help="Colour: auto honours NO_COLOR, TERM=dumb and whether stdout is a terminal; always colours a pipe too.",
    case_sensitive=False,
)
NoPagerOption = typer.Option(
    False,
    "--no-pager",
    help="Do not page long output on a terminal (else $ARCHIVE_SEARCH_PAGER, $PAGER or less -FRX).",
)
FieldsOption = typer.Option(
    None,
    "--fields",
    help="With --format json, jsonl, tsv or csv: only these fields, in this order (id,title,published).",
    metavar="NAMES",
)

# The filters of search, similar, list and export: one definition, one meaning.
SinceOption = typer.Option(
    None,
    "--since",
    help="Only articles published on or after DATE (2017, 2017-08, 2017-08-16: in the article's own time zone).",
    metavar="DATE",
)
UntilOption = typer.Option(None, "--until", help="Only articles published on or before DATE.", metavar="DATE")
CollapseOption = typer.Option(
    False,
    "--collapse",
    help="One result per story: copies of an article (wire copy, re-runs, re-captures) folded into its "
    "earliest published one.",
)
TierOption = typer.Option(
    CopyTier.story,
    "--tier",
    help="With --collapse: fold whole stories (re-edited, trimmed, corrected copies), or only copies of "
    "the same article.",
    case_sensitive=False,
)
AuthorOption = typer.Option(
    None, "--author", help="Only articles by this author (all words, in order); repeat for any of several."
)
DatelineOption = typer.Option(
    None, "--dateline", "--place", help="Only articles filed from this place; repeat for any of several."
)
SourceOption = typer.Option(None, "--source", help="Only articles from this source/site; repeat for any of several.")


@app.command()
@reads_only
@handles_errors
def search(
    words: Optional[List[str]] = typer.Argument(
        None,
        metavar="[QUERY]...",
        help='Words, "phrases", AND/OR/NOT, field:term, wildcards*, fuzzy~, published:2017-08; '
        "several are joined with spaces. Optional with a filter.",
        show_default=False,
    ),
    index: Optional[Path] = IndexOption,
    since: Optional[str] = SinceOption,
    until: Optional[str] = UntilOption,
    author: Optional[List[str]] = AuthorOption,
    dateline: Optional[List[str]] = DatelineOption,
    source: Optional[List[str]] = SourceOption,
    sort: Optional[SortOrder] = typer.Option(
        None,
        "--sort",
        help="Order of the results [default: relevance; newest for filters alone].",
        case_sensitive=False,
        show_default=False,
    ),
    limit: int = typer.Option(10, "--limit", "-n", help="Number of results.", min=0),
    offset: int = typer.Option(0, "--offset", help="Skip this many results first.", min=0),
    fmt: OutputFormat = FormatOption,
    color: ColorMode = ColorOption,
    count: bool = typer.Option(False, "--count", help="Print only the number of matching articles."),
    null: bool = typer.Option(
        False, "--null", "-0", help="With --format ids or paths: end each item with NUL, for xargs -0."
    ),
    no_pager: bool = NoPagerOption,
    fields: Optional[str] = FieldsOption,
    facet: Optional[List[str]] = typer.Option(
        None,
        "--facet",
        metavar="NAME",
        help="Also count all the matches by author, dateline, source, tag, year or month; repeatable.",
    ),
    facet_top: int = typer.Option(10, "--facet-top", min=0, help="With --facet: the most frequent values shown."),
    facets_only: bool = typer.Option(
        False, "--facets-only", help="With --facet: print only the counts (json, jsonl, tsv, csv or a table)."
    ),
    cite: bool = typer.Option(
        False, "--cite", help="Add a citation of the result (json, rich, plain), for: archive-search verify FILE."
    ),
    collapse: bool = CollapseOption,
    tier: CopyTier = TierOption,
    queries: Optional[str] = typer.Option(
        None,
        "--queries",
        metavar="FILE",
        help="Run every query of FILE (- for stdin) in this one process: a query a line, or JSON objects "
        '{"id", "query", "since", ...}; hits as jsonl (or json, tsv, csv) with the query\'s id.',
    ),
    cluster: Optional[str] = cluster_option(
        "A sharded archive: score on this Dask cluster's workers (same results; needs archive-search[cluster])."
    ),
) -> None:
    """Search the archive: best articles first, with the matching passages.

    Exit status: 0 if something matched, 1 if nothing did (or the page asked for is empty),
    2 on error.

    A query starting with - goes after --, options before it: archive-search search -n 5 -- -h

    Example: archive-search search bike lane --since 2013 --format jsonl | jq -r .title
    """
    from .query import Filters
    from .render import render_hits

    term = _terminal()
    check_format("search", fmt, HIT_FORMATS, null=null and not count)
    archive = open_archive(index)
    if cluster:
        archive.cluster = cluster
    query = " ".join(words or [])
    filters = Filters(since=since, until=until, author=author, dateline=dateline, source=source)
    resolved = term.resolve(fmt, color)
    order = sort.value if sort else None
    folded = tier.value if collapse else None
    if queries is not None:
        from .cli_batch import Batch, run_batch

        batch = Batch(queries, filters, order, limit, offset, folded, count, fields, bool(words))
        raise typer.Exit(run_batch(archive, batch, fmt, null or bool(facet or facets_only or cite)))
    if facet or facets_only or cite:
        from .cli_facets import Extras, run_search_extras

        extras = Extras(facet or [], facet_top, facets_only, cite, count, not no_pager, fields, folded)
        status = run_search_extras(archive, query, filters, term, resolved, color, order, limit, offset, extras)
        raise typer.Exit(status)
    if count:
        result = archive.search(query, filters, sort=order, limit=0, snippets=False)
        print_notes(result)
        total = archive.count(query, filters, collapse=folded) if folded and result.total else result.total
        with writing_output():
            sys.stdout.write(f"{total}\n")
        raise typer.Exit(ExitStatus.OK if total else ExitStatus.NO_MATCH)
    result = search_page(archive, query, filters, resolved, order, limit, offset, folded)
    print_notes(result)
    with output(term, pager=not no_pager) as out:
        render_hits(result, resolved, out, color=term.color(color), null=null, width=term.width, fields=fields)
    raise typer.Exit(search_status(term, result, limit))


def search_page(archive, query, filters, resolved: OutputFormat, order, limit, offset, collapse):
    """The page of hits `search` shows, with only what the output format shows (snippets, the total)."""
    return archive.search(
        query,
        filters,
        sort=order,
        limit=limit,
        offset=offset,
        snippets=resolved.shows_snippets,
        count=resolved.shows_total,
        collapse=collapse,
    )


def search_status(term: Terminal, result, limit: int) -> ExitStatus:
    """`search`'s exit status once its hits are written (saying so when nothing matched)."""
    if not result.matched:
        no_matches(term, result)
        return ExitStatus.NO_MATCH
    # An empty page past the last match ends a script's paging loop; --limit 0 asks only
    # whether anything matches.
    return ExitStatus.OK if result.hits or not limit else ExitStatus.NO_MATCH


@app.command()
@reads_only
@handles_errors
def show(
    article_ids: List[str] = typer.Argument(
        ...,
        metavar="ID...",
        help="Article ids, as printed by search; - reads ids from stdin, one a line.",
        show_default=False,
    ),
    index: Optional[Path] = IndexOption,
    fmt: OutputFormat = format_option(ARTICLE_FORMATS),
    color: ColorMode = ColorOption,
    null: bool = typer.Option(False, "--null", "-0", help="With --format ids or paths: end each item with NUL."),
    no_pager: bool = NoPagerOption,
    versions: bool = typer.Option(
        False,
        "--versions",
        help="List the versions of each captured web page instead (its URL's contents, earliest first), as list does.",
    ),
) -> None:
    """Print whole articles, a rule between them.

    With --format json, one id gives one object; several ids (or -) give an array. Unknown
    ids are reported on stderr and the others printed; the exit status is then 1.

    An id starting with - goes after --: archive-search show -- -id

    Example: archive-search search rent --format ids | archive-search show - --format jsonl
    """
    from .render import render_articles

    term = _terminal()
    check_format(
        "show --versions" if versions else "show", fmt, HIT_FORMATS if versions else ARTICLE_FORMATS, null=null
    )
    ids = _article_ids(article_ids)
    archive = open_archive(index)
    if versions:
        _show_versions(archive, ids, term, fmt, color, null=null, pager=not no_pager)
    articles = []
    for article_id in ids:
        article = archive.get(article_id)
        if article is None:
            err(f"archive-search: {ArticleNotFoundError(article_id)}")
        else:
            articles.append(article)
    array = len(article_ids) > 1 or "-" in article_ids
    if articles or (array and fmt is OutputFormat.json):
        with output(term, pager=not no_pager) as out:
            resolved = term.resolve(fmt, color)
            render_articles(articles, resolved, out, color=term.color(color), null=null, array=array, width=term.width)
    raise typer.Exit(ExitStatus.OK if len(articles) == len(ids) else ExitStatus.NO_MATCH)


def _show_versions(archive, ids: List[str], term, fmt: OutputFormat, color: ColorMode, *, null: bool, pager: bool):
    """show --versions: the versions of each article's page, listed as `list` lists articles."""
    from .render import render_entries

    entries, missing = [], 0
    for article_id in ids:
        found = archive.versions(article_id)
        if found is None:
            missing += 1
            err(f"archive-search: {ArticleNotFoundError(article_id)}")
        else:
            entries.extend(entry for entry in found if entry not in entries)
    if entries or fmt is OutputFormat.json:
        with output(term, pager=pager) as out:
            resolved = term.resolve(fmt, color)
            render_entries(entries, resolved, out, color=term.color(color), null=null, width=term.width)
    raise typer.Exit(ExitStatus.NO_MATCH if missing else ExitStatus.OK)


def _article_ids(arguments: List[str]) -> List[str]:
    """The ids named, `-` replaced by the ids on stdin (one a line, or NUL-ended as -0 writes them)."""
    ids: List[str] = []
    for argument in arguments:
        if argument != "-":
            ids.append(argument)
            continue
        text = sys.stdin.read()
        items = text.split("\0") if "\0" in text else text.split("\n")
        ids += [item.strip() for item in items if item.strip()]
    return ids


@app.command()
@reads_only
@handles_errors
def similar(
    article_id: str = typer.Argument(..., metavar="ID", help="The article to find others like.", show_default=False),
    index: Optional[Path] = IndexOption,
    since: Optional[str] = SinceOption,
    until: Optional[str] = UntilOption,
    author: Optional[List[str]] = AuthorOption,
    dateline: Optional[List[str]] = DatelineOption,
    source: Optional[List[str]] = SourceOption,
    limit: int = typer.Option(10, "--limit", "-n", help="Number of results.", min=0),
    offset: int = typer.Option(0, "--offset", help="Skip this many results first.", min=0),
    fmt: OutputFormat = FormatOption,
    color: ColorMode = ColorOption,
    null: bool = typer.Option(False, "--null", "-0", help="With --format ids or paths: end each item with NUL."),
    no_pager: bool = NoPagerOption,
    fields: Optional[str] = FieldsOption,
) -> None:
    """Articles most like the given one, in the same formats as search, with its filters.

    Exit status: 0 if something is like it, 1 if nothing is (or the page asked for is empty),
    or the id is unknown; 2 on error.

    An id starting with - goes after --: archive-search similar -n 5 -- -id

    Example: archive-search similar reuters-1234 -n 5 --since 1987-03 --format ids
    """
    from .query import Filters
    from .render import render_hits

    term = _terminal()
    check_format("similar", fmt, HIT_FORMATS, null=null)
    filters = Filters(since=since, until=until, author=author, dateline=dateline, source=source)
    result = open_archive(index).similar(article_id, filters, limit=limit, offset=offset)
    print_notes(result)
    with output(term, pager=not no_pager) as out:
        render_hits(
            result, term.resolve(fmt, color), out, color=term.color(color), null=null, width=term.width, fields=fields
        )
    if not result.hits:
        no_matches(term, result)
    raise typer.Exit(ExitStatus.OK if result.hits or (result.matched and not limit) else ExitStatus.NO_MATCH)


@app.command()
@reads_only
@handles_errors
def stats(
    index: Optional[Path] = IndexOption,
    fmt: OutputFormat = format_option(STATS_FORMATS),
    color: ColorMode = ColorOption,
    no_pager: bool = NoPagerOption,
) -> None:
    """Describe the index: articles, dates, size, top authors and datelines.

    Example: archive-search stats --format json | jq .articles
    """
    from .render import render_stats

    term = _terminal()
    check_format("stats", fmt, STATS_FORMATS)
    result = open_archive(index).stats()
    with output(term, pager=not no_pager) as out:
        render_stats(result, term.resolve(fmt, color), out, color=term.color(color), width=term.width)
    raise typer.Exit(ExitStatus.OK)


class ListOrder(str, enum.Enum):
    path = "path"
    newest = "newest"
    oldest = "oldest"


@app.command("list")
@reads_only
@handles_errors
def list_(
    index: Optional[Path] = IndexOption,
    since: Optional[str] = SinceOption,
    until: Optional[str] = UntilOption,
    author: Optional[List[str]] = AuthorOption,
    dateline: Optional[List[str]] = DatelineOption,
    source: Optional[List[str]] = SourceOption,
    sort: ListOrder = typer.Option(
        ListOrder.path, "--sort", help="path: by file, then place in it; newest or oldest first.", case_sensitive=False
    ),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="List at most this many [default: all].", min=0),
    offset: int = typer.Option(0, "--offset", help="Skip this many first.", min=0),
    fmt: OutputFormat = FormatOption,
    color: ColorMode = ColorOption,
    null: bool = typer.Option(False, "--null", "-0", help="With --format ids or paths: end each item with NUL."),
    fields: Optional[str] = FieldsOption,
    no_pager: bool = NoPagerOption,
    collapse: bool = CollapseOption,
    tier: CopyTier = TierOption,
) -> None:
    """List the articles of the index (all, or those the filters match), without their text.

    Exit status: 0 if something was listed, 1 if nothing was, 2 on error.

    Example: archive-search list --since 2016 --author "kate lindqvist" --format tsv
    """
    from .query import Filters
    from .render import render_entries

    term = _terminal()
    check_format("list", fmt, HIT_FORMATS, null=null)
    filters = Filters(since=since, until=until, author=author, dateline=dateline, source=source)
    folded = tier.value if collapse else None
    entries = open_archive(index).list(filters, sort=sort.value, limit=limit, offset=offset, collapse=folded)
    listed = None  # stays None if the reader went away (`| head`): something was listed
    with output(term, pager=not no_pager) as out:
        resolved = term.resolve(fmt, color)
        listed = render_entries(
            entries, resolved, out, color=term.color(color), null=null, fields=fields, width=term.width
        )
    raise typer.Exit(ExitStatus.NO_MATCH if listed == 0 else ExitStatus.OK)


@app.command()
@reads_only
@handles_errors
def export(
    index: Optional[Path] = IndexOption,
    since: Optional[str] = SinceOption,
    until: Optional[str] = UntilOption,
    author: Optional[List[str]] = AuthorOption,
    dateline: Optional[List[str]] = DatelineOption,
    source: Optional[List[str]] = SourceOption,
    output_file: Optional[Path] = typer.Option(
        None, "--output", "-o", help="Write to this file (replaced whole when complete) instead of stdout."
    ),
    collapse: bool = CollapseOption,
    tier: CopyTier = TierOption,
) -> None:
    """Write every stored field of the articles as JSON Lines, as `index -` reads them back.

    Exit status: 0 if something was exported, 1 if nothing was, 2 on error.

    Example: archive-search export | archive-search index - --index ~/copy.idx
    """
    from .export import export_to
    from .query import Filters

    filters = Filters(since=since, until=until, author=author, dateline=dateline, source=source)
    articles = open_archive(index).export(filters, collapse=tier.value if collapse else None)
    exported = None  # stays None if the reader went away (`| head`): something was exported
    if output_file is not None:
        exported = export_to(articles, output_file)
    else:
        with writing_output():
            exported = export_to(articles, None, sys.stdout)
    raise typer.Exit(ExitStatus.NO_MATCH if exported == 0 else ExitStatus.OK)


def main(argv: list[str] | None = None) -> int:
    """Run the command line with these arguments and return the exit status.

    The commands report their own output's failures; what reaches here is Click's own
    output (--help, --version) failing, reported the same way."""
    try:
        status = _run(argv)
        sys.stdout.flush()  # written now, while a failure can still change the status
    except BrokenPipeError:
        return _broken_pipe()  # help and version succeed whoever stops reading
    except OSError as exc:
        drop_stdout()
        err(f"archive-search: error: {OutputError(exc)}")
        return ExitStatus.ERROR
    return status


def _run(argv: list[str] | None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        click_command(args[0] if args else None)(args=args, prog_name="archive-search")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else ExitStatus.ERROR)
    return ExitStatus.OK


# The Click commands Typer makes of the app: one command line needs only its own command
# made (making them all is a good part of a short search's start), a resident server
# makes them all once.
_made: dict[str | None, Callable] = {}


def click_command(name: str | None = None) -> Callable:
    """The app as Click runs it: with only the command `name` when there is one of that
    name (its parsing, help and errors are the same), else with every command."""
    if name in _made:
        return _made[name]
    if None in _made:  # all are made already
        return _made[None]
    from typer.main import get_command, get_command_name

    only = [info for info in app.registered_commands if (info.name or get_command_name(info.callback.__name__)) == name]
    if len(only) != 1:
        made = _made[None] = get_command(app)
        return made
    single = typer.Typer(**_APP_SETTINGS)
    single.registered_callback = app.registered_callback
    single.registered_commands = only
    made = _made[name] = get_command(single)
    return made


# The commands of the research views, each in its module (registered on import).
from . import cli_dupes, cli_kwic, cli_serve, cli_terms, cli_timeline, cli_verify  # noqa: E402,F401
