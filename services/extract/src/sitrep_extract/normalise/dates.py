"""Event dates resolved against the publication date, with their precision.

"on Tuesday" is the most recent Tuesday on or before publication; "overnight" and "today" are the
publication day; "last year" and "this month" keep month or year precision. No expression, or one
that cannot be resolved, gives an unresolved date: never silently the publication date.
"""

from __future__ import annotations

import datetime as dt
import re

from sitrep_shared.models import DatePrecision, EventDate

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")
_MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(_MONTHS)} | {"sept": 9}
_SAME_DAY = ("overnight", "today", "tonight", "this morning", "this afternoon", "this evening",
             "earlier today", "early hours", "in the early hours", "on the night")
_PREV_DAY = ("yesterday", "last night", "the previous day", "the day before")
_VAGUE = ("recently", "in recent", "earlier", "later", "soon", "since", "previously", "ago",
          "in the past", "at the time", "so far", "until", "by the end", "next year", "next month",
          "next week", "coming", "upcoming")


# "the 1990s", "the '90s": a decade has no precision of its own here, so it stays unresolved.
_DECADE = re.compile(r"(?:\b(?:\d{2})?|')\d0'?s\b")


def _d(date: dt.date | None, expression: str, precision: DatePrecision) -> EventDate:
    if date is None:
        return EventDate(expression=expression, precision="unresolved")
    return EventDate(date=date, expression=expression, precision=precision)


def _month_start(d: dt.date, back: int = 0) -> dt.date:
    y, m = d.year, d.month - back
    while m < 1:
        m += 12
        y -= 1
    return dt.date(y, m, 1)


def _explicit(e: str, published: dt.date | None) -> EventDate | None:
    """Calendar dates written out: '12 March 2024', 'March 12', 'Sept. 3', 'in February', 'in 2014'."""
    iso = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", e)
    if iso:
        try:
            return _d(dt.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3))), e, "day")
        except ValueError:
            return _d(None, e, "unresolved")
    mon = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
    m = re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{mon}(?:,?\s+(\d{{4}}))?", e) or None
    day = month = year = None
    if m:
        day, month, year = int(m.group(1)), _MONTH_ABBR[m.group(2)], m.group(3)
    else:
        m = re.search(rf"\b{mon}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", e)
        if m:
            month, day, year = _MONTH_ABBR[m.group(1)], int(m.group(2)), m.group(3)
    if month and day:
        y = int(year) if year else None
        if y is None and published is not None:
            y = published.year if (month, day) <= (published.month, published.day) else published.year - 1
        try:
            return _d(dt.date(y, month, day) if y else None, e, "day")
        except ValueError:
            return _d(None, e, "unresolved")
    m = re.search(rf"\b{mon}(?:\s+(\d{{4}}))?\b", e)
    if m and (m.group(2) or re.search(r"\b(in|during|since|last|this|early|late|mid)\b", e)):
        month = _MONTH_ABBR[m.group(1)]
        if m.group(2):
            y = int(m.group(2))
        elif published is not None:
            y = published.year if month <= published.month else published.year - 1
            if "last" in e.split() and month == published.month:
                y -= 1
        else:
            return _d(None, e, "unresolved")
        return _d(dt.date(y, month, 1), e, "month")
    m = re.search(r"\b(19|20)(\d{2})\b", e)
    if m:
        return _d(dt.date(int(m.group(1) + m.group(2)), 1, 1), e, "year")
    return None


def resolve_date(expression: str | None, published: dt.date | dt.datetime | None) -> EventDate:
    """An EventDate for a time expression as written, relative to the publication date."""
    if expression is None or not expression.strip():
        return EventDate()
    expr = expression.strip()
    e = re.sub(r"\s+", " ", expr.lower())
    pub = published.date() if isinstance(published, dt.datetime) else published
    explicit = _explicit(e, pub)
    if explicit is not None:
        return explicit.model_copy(update={"expression": expr})
    if pub is None:
        return EventDate(expression=expr, precision="unresolved")
    for i, name in enumerate(_WEEKDAYS):
        if re.search(rf"\b{name}\b", e):
            back = (pub.weekday() - i) % 7
            if re.search(rf"\bnext {name}\b", e):
                return _d(pub + dt.timedelta(days=(i - pub.weekday()) % 7 or 7), expr, "day")
            if re.search(rf"\blast {name}\b", e) and back == 0:
                back = 7
            return _d(pub - dt.timedelta(days=back), expr, "day")
    if any(p in e for p in _PREV_DAY):
        return _d(pub - dt.timedelta(days=1), expr, "day")
    if any(p in e for p in _SAME_DAY):
        return _d(pub, expr, "day")
    if "weekend" in e:
        saturday = pub - dt.timedelta(days=(pub.weekday() - 5) % 7)
        return _d(saturday, expr, "week")
    if re.search(r"\blast week\b", e):
        return _d(pub - dt.timedelta(days=pub.weekday() + 7), expr, "week")
    if re.search(r"\bthis week\b", e):
        return _d(pub - dt.timedelta(days=pub.weekday()), expr, "week")
    if re.search(r"\blast month\b", e):
        return _d(_month_start(pub, 1), expr, "month")
    if re.search(r"\bthis month\b", e):
        return _d(_month_start(pub), expr, "month")
    if re.search(r"\blast year\b", e):
        return _d(dt.date(pub.year - 1, 1, 1), expr, "year")
    if re.search(r"\bthis year\b", e):
        return _d(dt.date(pub.year, 1, 1), expr, "year")
    if any(v in e for v in _VAGUE) or not re.search(r"\d", e) or _DECADE.search(e):
        return EventDate(expression=expr, precision="unresolved")
    return _dateparser(expr, pub)


def _dateparser(expr: str, pub: dt.date) -> EventDate:
    """Other written dates ('2024-03-12', '12/03/2024') through dateparser, relative to publication."""
    import dateparser  # slow to import; most expressions never get here

    base = dt.datetime(pub.year, pub.month, pub.day, 12)
    parsed = dateparser.parse(expr, languages=["en"], settings={
        "RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "REQUIRE_PARTS": ["day", "month"]})
    # dateparser fills what it cannot read from the base: a "date" that is the publication day although
    # the expression never names that day is the base showing through, not a reading.
    if parsed is None or (parsed.date() == pub and not re.search(rf"(?<!\d)0?{pub.day}(?!\d)", expr)):
        return EventDate(expression=expr, precision="unresolved")
    return EventDate(date=parsed.date(), expression=expr, precision="day")
