"""Write examples/dnainfo-chicago-crawl.warc.gz: a small web archive of made-up pages,
as a crawler would have captured a local news site, for the README's examples and the tests.

It holds what real crawls hold: a front page, two stories, one captured again unchanged
(a revisit) and one captured again after a correction (a second version), a 404 page,
an image, and the requests. Run it again to rewrite the file; the output is the same
bytes each time (fixed record ids and times).

    python tools/sample_warc.py
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import uuid
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

OUT = Path(__file__).resolve().parent.parent / "examples" / "dnainfo-chicago-crawl.warc.gz"
SITE = "https://www.dnainfo.com"

LIBRARY = (
    "/chicago/20171030/logan-square/library-branch-sunday-hours",
    "Logan Square Library Branch Will Open on Sundays",
    "Marisol Etxeberria",
    "2017-10-30T09:15:00-05:00",
    [
        "LOGAN SQUARE — The neighborhood's library branch on Milwaukee Avenue will open its doors on Sundays "
        "starting next month, the first time in a decade that the branch has kept weekend afternoon hours.",
        "Branch staff said the change followed a petition signed by more than 1,200 patrons, many of them "
        "parents who said Saturday mornings were too crowded for homework help and story time.",
        "The branch will open from 1 p.m. to 5 p.m. on Sundays. The added hours are paid for by a "
        "reallocation within the library system's budget, not by new money, a spokeswoman said.",
        "Volunteers from the Logan Square Neighborhood Association plan to run a tutoring table on the "
        "first Sunday of each month, and the branch's teen room will stay open for the full afternoon.",
    ],
)
MURAL = (
    "/chicago/20171101/pilsen/18th-street-mural-restored",
    "Faded 18th Street Mural Restored by the Artist Who Painted It",
    "Tobias Okonkwo-Reyes",
    "2017-11-01T14:40:00-05:00",
    [
        "PILSEN — A mural that has watched over 18th Street since 1994 got its colors back this week, "
        "repainted by the same artist who first brushed it onto the side of a corner grocery.",
        "The restoration took three weeks of scaffolding, a crew of six students from a nearby high school "
        "and about forty gallons of exterior paint donated by a hardware store down the block.",
        "Neighbors said the mural, which shows a procession of families crossing a bridge, had faded so "
        "badly in recent summers that the faces of the children at its center had almost disappeared.",
        "The building's owner said he had turned down two offers to paint over the wall with advertising.",
    ],
)
CORRECTION = "Correction: an earlier version of this story misstated the year the mural was painted. It was 1994."


def article_page(story: tuple, extra: list[str] | None = None) -> bytes:
    """A story page as the site served it: JSON-LD metadata, a byline, the body in <article>."""
    _, title, author, published, paras = story
    body = "".join(f"<p>{p}</p>" for p in [*paras, *(extra or [])])
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>{title} - DNAinfo - Chicago</title>"
        '<meta property="og:type" content="article">'
        '<meta property="og:site_name" content="DNAinfo Chicago">'
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        f'"headline": "{title}", "datePublished": "{published}", '
        f'"author": {{"@type": "Person", "name": "{author}"}}, '
        '"publisher": {"@type": "Organization", "name": "DNAinfo Chicago"}}</script>'
        "</head><body><header><nav><a href=/chicago>Chicago</a> <a href=/new-york>New York</a></nav></header>"
        f"<article><h1>{title}</h1><p class=byline>By {author}</p>{body}</article>"
        "<footer><p>DNAinfo, a local news site.</p></footer></body></html>"
    ).encode()


def front_page() -> bytes:
    links = "".join(f'<li><a href="{s[0]}">{s[1]}</a></li>' for s in (LIBRARY, MURAL))
    return (
        "<!DOCTYPE html><html><head><title>DNAinfo Chicago - Neighborhood News</title>"
        '<meta property="og:type" content="website"></head>'
        f"<body><h1>DNAinfo Chicago</h1><ul>{links}</ul></body></html>"
    ).encode()


def not_found() -> bytes:
    return b"<!DOCTYPE html><html><head><title>Page not found</title></head><body><h1>Not found</h1></body></html>"


# A 1x1 GIF: what a crawl's page requisites look like.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


class Crawl:
    """A WARC writer with deterministic record ids."""

    def __init__(self, out: io.BytesIO) -> None:
        self.writer = WARCWriter(out, gzip=True)
        self.count = 0

    def _ids(self, when: str) -> dict:
        self.count += 1
        record_id = uuid.uuid5(uuid.NAMESPACE_URL, f"archive-search-sample-{self.count}")
        return {"WARC-Date": when, "WARC-Record-ID": f"<urn:uuid:{record_id}>"}

    def request(self, url: str, when: str) -> None:
        parts = url.split("/", 3)
        headers = StatusAndHeaders(f"GET /{parts[3] if len(parts) > 3 else ''} HTTP/1.1", [("Host", parts[2])])
        record = self.writer.create_warc_record(
            url, "request", payload=io.BytesIO(b""), http_headers=headers, warc_headers_dict=self._ids(when)
        )
        self.writer.write_record(record)

    def response(self, url: str, when: str, payload: bytes, status: str = "200 OK", mime: str = "text/html") -> None:
        self.request(url, when)
        content_type = f"{mime}; charset=utf-8" if mime == "text/html" else mime
        headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
        record = self.writer.create_warc_record(
            url, "response", payload=io.BytesIO(payload), http_headers=headers, warc_headers_dict=self._ids(when)
        )
        self.writer.write_record(record)

    def revisit(self, url: str, when: str, payload: bytes, first: str) -> None:
        """A capture of unchanged content: the digest of the payload, no payload."""
        self.request(url, when)
        digest = "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = self.writer.create_revisit_record(url, digest, url, first, http_headers=headers)
        for name, value in self._ids(when).items():
            record.rec_headers.replace_header(name, value)
        self.writer.write_record(record)


def build() -> bytes:
    out = io.BytesIO()
    crawl = Crawl(out)
    library, mural = article_page(LIBRARY), article_page(MURAL)
    crawl.response(f"{SITE}/chicago/", "2017-11-02T08:00:00Z", front_page())
    crawl.response(f"{SITE}/chicago/static/pixel.gif", "2017-11-02T08:00:01Z", PIXEL, mime="image/gif")
    crawl.response(f"{SITE}{LIBRARY[0]}", "2017-11-02T08:00:05Z", library)
    crawl.response(f"{SITE}{MURAL[0]}", "2017-11-02T08:00:09Z", mural)
    crawl.response(f"{SITE}/chicago/20171101/pilsen/old-link", "2017-11-02T08:00:12Z", not_found(), "404 Not Found")
    crawl.revisit(f"{SITE}{LIBRARY[0]}", "2017-11-09T08:00:05Z", library, "2017-11-02T08:00:05Z")
    crawl.response(f"{SITE}{MURAL[0]}", "2017-11-09T08:00:09Z", article_page(MURAL, [CORRECTION]))
    return out.getvalue()


def main() -> int:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(build())
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
