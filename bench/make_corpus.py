"""Generate a large synthetic DNAinfo-style archive for scale benchmarks (never commit the output).

    python bench/make_corpus.py /tmp/corpus-100k -n 100000
    python bench/make_corpus.py /tmp/corpus-1m -n 1000000 --seed 7
    python bench/make_corpus.py /tmp/corpus-jsonl -n 100000 --format jsonl
    python bench/make_corpus.py OUT_DIR -n N [--seed 1] [--format dnainfo|jsonl] [--per-dir 1000]
                                [--reuters ../shared/corpora/reuters21578]

Formats:
  dnainfo  one .txt file per article in the DNAinfo archive text format (optional banner line,
           title, "By A, B and C | March 3, 2015 5:04pm | Updated on ...", paragraphs, the first
           one usually opening with a dateline "PLACE — "), under OUT/new-york/NNNNN/ and
           OUT/chicago/NNNNN/, at most --per-dir files per subdirectory.
  jsonl    OUT/part-NNNNN.jsonl files of up to --per-dir * 10 records with the keys id, title,
           author (list), published (ISO 8601 with offset), dateline, source and body.
           Keep --per-dir * 10 records well under archive-search's 256 MiB file limit.

Text is sampled from the Reuters-21578 vocabulary, read at run time from the reut2-*.sgm files
under --reuters, with probabilities proportional to the real word counts (Zipf-like by nature).
Names and neighbourhoods come from small built-in lists; authors get a Zipf-like share of articles.

Output is deterministic: the same --seed and -n give byte-identical files, article i is the same
whatever -n, --per-dir or --format, and a run with a larger -n extends a smaller one (same Python
version). OUT_DIR must be new or empty. A one-line summary goes to stderr at the end.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578"

FIRST_NAMES = (
    "James Maria Kate Tom Aisha Daniel Sofia Michael Priya David Elena Marcus Grace Samuel Hannah Luis Olivia "
    "Chen Fatima Patrick Rachel Andre Nadia Kevin Leah Omar Julia Victor Emily Tyler Mei Jamal Claire Ravi "
    "Diana Ethan Yuki Brian Carmen Noah Ingrid Malik Sarah Diego Amara Jonah Lucia Felix Naomi Caleb José "
    "Renée Søren Zoë Inés François Björn Chloé Ana Desmond"
).split()
LAST_NAMES = (
    "Lindqvist Becker Rodriguez Okafor Chen Murphy Patel Goldberg Kowalski Nguyen Williams Johnson Santos "
    "Rivera Kim O'Brien Schwartz Hernandez Thompson Abernathy Delgado Fitzgerald Haddad Ivanova Jablonski "
    "Kaplan Lopez Mendoza Novak Ortiz Petrov Quinn Rosenberg Sullivan Tanaka Vasquez Washington Yilmaz "
    "Zimmerman Brooks Castillo Dubois Ellison Ferreira Greene Hoffman Iqbal Jensen Kaur Moreau Park Reyes "
    "Stein Walsh Núñez García Müller Østergaard Çelik Brennan"
).split()
# None of these may match the reader's Chicago place names (it would file them under DNAinfo Chicago).
NEW_YORK_PLACES = (
    "Williamsburg, Harlem, Astoria, Red Hook, Inwood, Bedford-Stuyvesant, Bushwick, Greenpoint, Park Slope, "
    "Crown Heights, Flatbush, Sunset Park, Bay Ridge, Dumbo, Brooklyn Heights, Cobble Hill, Carroll Gardens, "
    "Fort Greene, Clinton Hill, Prospect Heights, Gowanus, Boerum Hill, Bensonhurst, Coney Island, "
    "Brighton Beach, Sheepshead Bay, Canarsie, East New York, Brownsville, Ditmas Park, Windsor Terrace, "
    "Kensington, Borough Park, Dyker Heights, Long Island City, Sunnyside, Woodside, Jackson Heights, Elmhurst, "
    "Corona, Flushing, Forest Hills, Ridgewood, Jamaica, Rockaway, Bayside, Washington Heights, "
    "Hamilton Heights, East Harlem, Morningside Heights, Upper West Side, Upper East Side, Midtown, "
    "Hell's Kitchen, Chelsea, Greenwich Village, East Village, West Village, Lower East Side, SoHo, Tribeca, "
    "Financial District, Battery Park City, Murray Hill, Gramercy, Flatiron, Kips Bay, Stuyvesant Town, "
    "Yorkville, Roosevelt Island, Two Bridges, Nolita, Mott Haven, Hunts Point, Riverdale, Fordham, "
    "Kingsbridge, Morris Park, Pelham Bay, Throgs Neck, St. George, Tottenville"
).split(", ")
CHICAGO_PLACES = (
    "Logan Square, Pilsen, Uptown, Rogers Park, Wicker Park, Bucktown, Humboldt Park, Lincoln Park, Lakeview, "
    "Wrigleyville, Andersonville, Edgewater, Albany Park, Avondale, Irving Park, Portage Park, Jefferson Park, "
    "Lincoln Square, North Center, Roscoe Village, Ukrainian Village, West Town, West Loop, South Loop, "
    "The Loop, River North, Streeterville, Gold Coast, Old Town, Bridgeport, Chinatown, Bronzeville, "
    "Hyde Park, Kenwood, Woodlawn, South Shore, Englewood, Chatham, Beverly, Morgan Park, Mount Greenwood, "
    "Back of the Yards, Little Village, Brighton Park, McKinley Park, Garfield Park, Austin, North Lawndale, "
    "Hermosa, Belmont Cragin, Galewood, Norwood Park, Edison Park, Sauganash, West Ridge, Ravenswood, "
    "Noble Square, Fulton Market, Printers Row, Hegewisch, Pullman, Roseland, Auburn Gresham"
).split(", ")
MONTHS = ("January February March April May June July August September October November December").split()
SMALL_WORDS = frozenset("a an and as at but by for from in of on or the to vs with".split())
BANNER = "DNAinfo Archive — this article was published by {source} and is preserved in the archive."
STAFF = "DNAinfo Staff"

FIRST_DAY = date(2009, 1, 1)
LAST_DAY = date(2017, 11, 1)
CHICAGO_SHARE = 0.35
NEW_YORK_AUTHORS = 1300
CHICAGO_AUTHORS = 700
AUTHOR_ZIPF = 0.8
NUMBERS_KEPT = 50
BODY_MEDIAN_WORDS = 330
BODY_SIGMA = 0.55


@dataclass(frozen=True)
class Site:
    name: str  # "new-york", the top directory
    source: str  # "DNAinfo New York"
    prefix: str  # id prefix
    tz: ZoneInfo
    places: tuple[str, ...]  # upper-cased datelines
    authors: tuple[str, ...]
    author_weights: tuple[float, ...]  # cumulative


@dataclass(frozen=True)
class Vocabulary:
    words: tuple[str, ...]
    cum_weights: tuple[float, ...]  # running totals of the counts, as floats: bisect compares them faster


@dataclass
class Article:
    id: str
    site: Site
    title: str
    authors: list[str]
    published: datetime  # naive local time of the site
    updated: datetime | None
    banner: bool
    dateline: str
    separator: str
    paragraphs: list[str]


# ---------------------------------------------------------------- vocabulary


_TEXT = re.compile(r"<(BODY|TITLE)>(.*?)</\1>", re.S)
_ENTITY = re.compile(r"&#?\w+;")
_SIGNOFF = re.compile(r"\s*\breuter\s*$", re.I)
_TOKEN = re.compile(r"[a-z]+|\d+")


def reuters_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.sgm")) if folder.is_dir() else []


def count_tokens(files: list[Path]) -> tuple[Counter[str], Counter[str]]:
    """Word and number counts over the TITLE and BODY text of the Reuters SGML files."""
    words: Counter[str] = Counter()
    numbers: Counter[str] = Counter()
    for path in files:
        sgml = path.read_bytes().decode("latin-1")
        for _, text in _TEXT.findall(sgml):
            text = _SIGNOFF.sub("", _ENTITY.sub(" ", text)).lower()
            for token in _TOKEN.findall(text):
                if token[0].isdigit():
                    if len(token) <= 4:
                        numbers[token] += 1
                elif len(token) >= 2:
                    words[token] += 1
    return words, numbers


def build_vocabulary(files: list[Path]) -> Vocabulary:
    """All words plus the commonest numbers, most frequent first, weighted by their real counts."""
    words, numbers = count_tokens(files)
    counts = dict(words)
    counts.update(numbers.most_common(NUMBERS_KEPT))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return Vocabulary(tuple(w for w, _ in ranked), tuple(map(float, accumulate(c for _, c in ranked))))


# ---------------------------------------------------------------- names and sites


def zipf_cum_weights(n: int, exponent: float) -> tuple[float, ...]:
    return tuple(accumulate(1.0 / (rank**exponent) for rank in range(1, n + 1)))


def make_sites(seed: int) -> tuple[Site, Site]:
    """New York and Chicago, each with its own reporters (drawn from the name pools) and places."""
    rng = random.Random(f"authors-{seed}")
    combos = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    names = rng.sample(combos, NEW_YORK_AUTHORS + CHICAGO_AUTHORS)
    new_york = Site(
        "new-york",
        "DNAinfo New York",
        "ny-",
        ZoneInfo("America/New_York"),
        tuple(p.upper() for p in NEW_YORK_PLACES),
        tuple(names[:NEW_YORK_AUTHORS]),
        zipf_cum_weights(NEW_YORK_AUTHORS, AUTHOR_ZIPF),
    )
    chicago = Site(
        "chicago",
        "DNAinfo Chicago",
        "chi-",
        ZoneInfo("America/Chicago"),
        tuple(p.upper() for p in CHICAGO_PLACES),
        tuple(names[NEW_YORK_AUTHORS:]),
        zipf_cum_weights(CHICAGO_AUTHORS, AUTHOR_ZIPF),
    )
    return new_york, chicago


# ---------------------------------------------------------------- one article


class Generator:
    """Draws articles in order from one random stream: article i depends only on the seed and i."""

    def __init__(self, seed: int, vocabulary: Vocabulary) -> None:
        self.rng = random.Random(seed)
        self.vocab = vocabulary
        self.sites = make_sites(seed)
        self.days = (LAST_DAY - FIRST_DAY).days + 1

    def words(self, k: int) -> list[str]:
        """k words sampled in proportion to their Reuters counts, in one call."""
        return self.rng.choices(self.vocab.words, cum_weights=self.vocab.cum_weights, k=k)

    def article(self, i: int) -> Article:
        rng = self.rng
        site = self.sites[1] if rng.random() < CHICAGO_SHARE else self.sites[0]
        authors = self.authors(site)
        published = self.published()
        updated = self.updated(published) if rng.random() < 0.20 else None
        banner = rng.random() >= 0.05
        dateline = rng.choice(site.places) if rng.random() < 0.85 else ""
        separator = " -- " if rng.random() < 0.1 else " — "
        title = self.title()
        body = self.body()  # draws stay in this order: changing it changes every article after the first
        return Article(
            id=f"{site.prefix}{i:08d}",
            site=site,
            title=title,
            authors=authors,
            published=published,
            updated=updated,
            banner=banner,
            dateline=dateline,
            separator=separator,
            paragraphs=body,
        )

    def authors(self, site: Site) -> list[str]:
        roll = self.rng.random()
        if roll < 0.05:
            return [STAFF]
        count = 1 if roll < 0.81 else 2 if roll < 0.96 else 3
        while True:
            names = self.rng.choices(site.authors, cum_weights=site.author_weights, k=count)
            if len(set(names)) == count:
                return names

    def published(self) -> datetime:
        day = FIRST_DAY + timedelta(days=self.rng.randrange(self.days))
        minute = self.rng.randrange(6 * 60, 24 * 60)  # 6:00am to 11:59pm
        return datetime(day.year, day.month, day.day, minute // 60, minute % 60)

    def updated(self, published: datetime) -> datetime:
        minutes = min(int(self.rng.lognormvariate(math.log(240), 1.3)), 14 * 24 * 60)
        return published + timedelta(minutes=max(minutes, 5))

    def title(self) -> str:
        while True:
            words = self.words(self.rng.randint(5, 12))
            last = len(words) - 1
            title = " ".join(
                w if (w in SMALL_WORDS and 0 < n < last) else w[0].upper() + w[1:] for n, w in enumerate(words)
            )
            if "press release" not in title.lower():  # the reader drops lines that look like its banner
                return title

    def body(self) -> list[str]:
        """2-12 paragraphs of 2-5 sentences of 8-30 words; log-normal length, median ~330 words, 60..1800."""
        rng = self.rng
        target = min(max(rng.lognormvariate(math.log(BODY_MEDIAN_WORDS), BODY_SIGMA), 60), 2500)
        lengths = [rng.randint(8, 30) for _ in range(min(max(round(target / 19), 4), 60))]
        while sum(lengths) < 60:  # short sentences in a short article: keep the 60-word floor
            lengths.append(rng.randint(8, 30))
        paragraphs = self.paragraph_sizes(len(lengths))
        words = self.words(sum(lengths))
        out, at, sentence = [], 0, 0
        for size in paragraphs:
            parts = []
            for length in lengths[sentence : sentence + size]:
                first = words[at]
                parts.append(first[0].upper() + first[1:] + " " + " ".join(words[at + 1 : at + length]) + ".")
                at += length
            sentence += size
            out.append(" ".join(parts))
        return out

    def paragraph_sizes(self, sentences: int) -> list[int]:
        """Split a number of sentences (4-60) into 2-12 paragraphs of 2-5 sentences each."""
        low, high = max(2, math.ceil(sentences / 5)), min(12, sentences // 2)
        count = min(max(round(sentences / self.rng.uniform(2.5, 4.5)), low), high)
        sizes = [2] * count
        for slot in self.rng.sample(range(count * 3), sentences - 2 * count):
            sizes[slot // 3] += 1
        return sizes


# ---------------------------------------------------------------- rendering


def us_date(moment: datetime) -> str:
    """'March 3, 2015 5:04pm', as in DNAinfo bylines."""
    hour = moment.hour % 12 or 12
    ampm = "am" if moment.hour < 12 else "pm"
    return f"{MONTHS[moment.month - 1]} {moment.day}, {moment.year} {hour}:{moment.minute:02d}{ampm}"


def byline_names(authors: list[str]) -> str:
    if len(authors) == 1:
        return authors[0]
    return ", ".join(authors[:-1]) + " and " + authors[-1]


def render_dnainfo(article: Article) -> str:
    lines = [BANNER.format(source=article.site.source)] if article.banner else []
    byline = f"By {byline_names(article.authors)} | {us_date(article.published)}"
    if article.updated:
        byline += f" | Updated on {us_date(article.updated)}"
    lines += [article.title, "", byline, ""]
    paragraphs = list(article.paragraphs)
    if article.dateline:
        paragraphs[0] = article.dateline + article.separator + paragraphs[0]
    return "\n".join([*lines, "\n\n".join(paragraphs)]) + "\n"


def render_json(article: Article) -> str:
    record = {
        "id": article.id,
        "title": article.title,
        "author": article.authors,
        "published": article.published.replace(tzinfo=article.site.tz).isoformat(),
        "dateline": article.dateline,
        "source": article.site.source,
        "body": "\n\n".join(article.paragraphs),
    }
    return json.dumps(record, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- writing


def write_dnainfo(generator: Generator, n: int, out: Path, per_dir: int) -> tuple[int, int]:
    """One file per article under OUT/<site>/<chunk>/; returns (files, bytes)."""
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    total = 0
    for i in range(n):
        article = generator.article(i)
        site = article.site.name
        seen = counts.get(site, 0)
        counts[site] = seen + 1
        folder = os.path.join(out, site, f"{seen // per_dir:05d}")  # plain strings: cheaper than Path per file
        if seen % per_dir == 0:
            os.makedirs(folder, exist_ok=True)
        data = render_dnainfo(article).encode("utf-8")
        with open(os.path.join(folder, f"{article.id}.txt"), "wb") as handle:
            handle.write(data)
        total += len(data)
    return n, total


def write_jsonl(generator: Generator, n: int, out: Path, per_file: int) -> tuple[int, int]:
    """OUT/part-NNNNN.jsonl with up to per_file records each; returns (files, bytes)."""
    out.mkdir(parents=True, exist_ok=True)
    files = total = 0
    for start in range(0, n, per_file):
        with open(out / f"part-{files:05d}.jsonl", "wb", buffering=2**20) as handle:
            for i in range(start, min(start + per_file, n)):
                data = render_json(generator.article(i)).encode("utf-8")
                handle.write(data)
                total += len(data)
        files += 1
    return files, total


# ---------------------------------------------------------------- command line


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Generate a synthetic DNAinfo-style archive for scale benchmarks.",
        epilog="Example: python bench/make_corpus.py /tmp/corpus-100k -n 100000",
    )
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="new or empty output directory")
    parser.add_argument("-n", type=int, required=True, metavar="N", help="number of articles")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument("--format", choices=("dnainfo", "jsonl"), default="dnainfo", help="output format")
    parser.add_argument(
        "--per-dir", type=int, default=1000, help="files per subdirectory (dnainfo); jsonl: records per file / 10"
    )
    parser.add_argument(
        "--reuters", type=Path, default=DEFAULT_REUTERS, help=f"Reuters-21578 folder (default: {DEFAULT_REUTERS})"
    )
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("-n must be 0 or more")
    if args.per_dir < 1:
        parser.error("--per-dir must be 1 or more")
    return args


def fail(message: str) -> int:
    print(f"make_corpus: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    files = reuters_files(args.reuters)
    if not files:
        return fail(f"no Reuters-21578 *.sgm files found in {args.reuters.resolve()}; pass --reuters DIR")
    if args.out_dir.exists() and (not args.out_dir.is_dir() or any(args.out_dir.iterdir())):
        return fail(f"{args.out_dir} exists and is not an empty directory; choose a new one")
    vocabulary = build_vocabulary(files)
    if not vocabulary.words:
        return fail(f"no text found in the *.sgm files in {args.reuters.resolve()}; pass --reuters DIR")
    generator = Generator(args.seed, vocabulary)
    if args.format == "jsonl":
        count, size = write_jsonl(generator, args.n, args.out_dir, args.per_dir * 10)
    else:
        count, size = write_dnainfo(generator, args.n, args.out_dir, args.per_dir)
    seconds = time.perf_counter() - started
    rate = args.n / seconds if seconds else 0.0
    print(
        f"make_corpus: {args.n} articles, {count} files, {size} bytes ({size / 2**20:.1f} MiB) "
        f"in {seconds:.1f} s ({rate:.0f} articles/s) -> {args.out_dir}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
