"""Parsing the date formats found in news archives into timezone-aware datetimes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

# "August 16, 2017 2:58pm", "Aug. 16, 2017, 2:58 p.m.", "August 16, 2017"
# The month is a whole word of at most nine letters: an open-ended "[A-Za-z]+" tried from
# every letter of a long run of letters made the search quadratic.
_US_DATE = re.compile(
    r"(?<![A-Za-z])(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})"
    r"(?:,?\s+(?:at\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<ampm>[ap])\.?m\.?)?",
    re.IGNORECASE | re.ASCII,
)
# "26-FEB-1987 15:01:01.79" (Reuters-21578)
_REUTERS_DATE = re.compile(
    r"(?P<day>\d{1,2})-(?P<month>[A-Za-z]{3})-(?P<year>\d{4})"
    r"\s+(?P<hour>\d{1,3}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?",
    re.ASCII,
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ].*)?$", re.ASCII)


def naive_utc(moment: datetime) -> datetime:
    """The moment in UTC without its zone, as Whoosh's DATETIME field holds it. Raises
    OverflowError (or ValueError, OSError) where UTC has no such moment (past year 9999)."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _aware(moment: datetime, tz: tzinfo) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def in_range(moment: datetime | None) -> datetime | None:
    """The moment if it has a UTC equivalent inside datetime's range, else None.

    "9999-12-31T23:59:59-05:00" and "0001-01-01T00:00+05:00" are valid datetimes whose UTC
    time is not (the index stores UTC): such dates are treated as no date, not clamped,
    so that a date shown is always the one the file gave.
    """
    if moment is None:
        return None
    try:
        moment.astimezone(timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None
    return moment


def parse_us_date(text: str, tz: tzinfo = timezone.utc) -> datetime | None:
    """Parse 'Month D, YYYY h:mmam' as printed in DNAinfo bylines."""
    match = _US_DATE.search(text)
    if not match:
        return None
    month = _MONTHS.get(match["month"].lower())
    if month is None:
        return None
    hour = minute = 0
    if match["hour"]:
        hour, minute = int(match["hour"]) % 12, int(match["minute"])
        if match["ampm"].lower() == "p":
            hour += 12
    try:
        return in_range(datetime(int(match["year"]), month, int(match["day"]), hour, minute, tzinfo=tz))
    except ValueError:
        return None


def parse_reuters_date(text: str) -> datetime | None:
    """Parse Reuters-21578's '26-FEB-1987 15:01:01.79'; the collection gives no zone, UTC is assumed."""
    match = _REUTERS_DATE.search(text)
    if not match:
        return None
    month = _MONTHS.get(match["month"].lower())
    if month is None:
        return None
    day = (int(match["year"]), month, int(match["day"]))
    clock = (int(match["hour"]), int(match["minute"]), int(match["second"] or 0))
    try:
        return datetime(*day, *clock, tzinfo=timezone.utc)
    except ValueError:
        pass
    try:  # a garbled time ("605:12:19") still leaves a good date
        return datetime(*day, tzinfo=timezone.utc)
    except ValueError:
        return None


def _parse_iso(text: str) -> datetime | None:
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python 3.10's fromisoformat wants exactly 3 or 6 fraction digits.
    text = re.sub(r"(\.\d+)", lambda m: (m[1] + "000000")[:7], text, count=1)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def parse_datetime(value: object, tz: tzinfo = timezone.utc) -> datetime | None:
    """Best-effort parse of a date value from a record: ISO 8601, RFC 2822, US prose, epoch.

    None for anything else, including dates whose UTC time is out of range (see in_range).
    """
    return in_range(_parse_any(value, tz))


def _epoch(value: float) -> datetime | None:
    """Epoch seconds, or milliseconds when the number is too big for seconds."""
    try:
        seconds = value / 1000 if abs(value) > 1e11 else value  # 10**400 / 1000 overflows a float
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _parse_any(value: object, tz: tzinfo) -> datetime | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return _aware(value, tz)
    if isinstance(value, (int, float)):
        return _epoch(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 100:
        return None
    if _ISO_DATE.match(text):
        moment = _parse_iso(text)
        return _aware(moment, tz) if moment else None
    if text.isascii() and text.isdigit():  # str.isdigit() is also true for '²'
        return _epoch(int(text))
    from email.utils import parsedate_to_datetime  # here: the email package costs ~4 ms a start

    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        moment = None
    if moment is not None:
        return _aware(moment, tz)
    return parse_reuters_date(text) or parse_us_date(text, tz)


_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$", re.ASCII)


def is_period(text: str) -> bool:
    """Whether a bound names a calendar period ('2017', '2017-08', '2017-08-16') rather than a moment."""
    return _PARTIAL.match(text.strip()) is not None


def parse_date_bound(text: str, *, end: bool = False) -> datetime:
    """Parse '2017', '2017-08' or '2017-08-16' (or a full ISO time) as a range bound.

    With end=True the bound is the last microsecond of the period, so
    `--until 2017-08` includes all of August. Raises ValueError.
    """
    text = text.strip()
    match = _PARTIAL.match(text)
    if not match:
        moment = _parse_iso(text) if len(text) <= 100 else None
        if moment is None:
            raise ValueError(f"not a date: {text[:40]!r} (use YYYY, YYYY-MM or YYYY-MM-DD)")
        if in_range(_aware(moment, timezone.utc)) is None:
            raise ValueError(f"date out of range: {text!r} (its UTC time is before year 1 or after 9999)")
        return _aware(moment, timezone.utc)
    year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
    start = datetime(year, month, day, tzinfo=timezone.utc)  # ValueError on 2017-13
    if not end:
        return start
    if year == 9999 and (not match[2] or month == 12) and (not match[3] or day == 31):
        return datetime.max.replace(tzinfo=timezone.utc)  # the period runs to the end of time
    if match[3]:
        following = start + timedelta(days=1)
    elif match[2]:
        following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc)
    else:
        following = datetime(year + 1, 1, 1, tzinfo=timezone.utc)
    return following - timedelta(microseconds=1)
