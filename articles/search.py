"""Reader search: ranked, with highlighted snippets.

On PostgreSQL, full-text search over a stored ``search_vector`` (title weighted above
standfirst above body, kept current by a trigger and indexed with GIN, see migration
0005) with web-search syntax: ``"exact phrase"``, ``-excluded``, ``or``. Elsewhere
(SQLite), a substring search with the same syntax and a simple ranking: matches in the
headline first, then the standfirst, then the body.
"""

import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.models import Article

MAX_QUERY_LENGTH = 200
# On PostgreSQL, at most this many matches (the newest) are ranked and listed.
RANKED_MATCHES = 1000
SNIPPET_WORDS = 30
SEARCH_CONFIG = "english"

_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')


@dataclass
class ParsedQuery:
    """A reader's query in web-search syntax, taken apart."""

    text: str
    terms: list = field(default_factory=list)  # words and "phrases" that must appear
    excluded: list = field(default_factory=list)  # -words and -"phrases"
    truncated: bool = False

    @property
    def is_empty(self):
        return not self.terms


def parse(raw):
    text = " ".join((raw or "").replace("\x00", " ").split())
    truncated = len(text) > MAX_QUERY_LENGTH
    text = text[:MAX_QUERY_LENGTH]
    query = ParsedQuery(text=text, truncated=truncated)
    for minus, phrase, word_minus, word in _TOKEN.findall(text):
        value = phrase if phrase or minus else word
        value = value.strip().strip('"').strip()
        negative = bool(minus or word_minus)
        if not value or value.lower() == "or" or not re.search(r"\w", value):
            continue
        (query.excluded if negative else query.terms).append(value)
    return query


def search(raw):
    """Published articles matching ``raw``, best first; and the parsed query."""
    query = parse(raw)
    articles = Article.objects.published().select_related("section", "image").defer("body")
    if connection.vendor == "postgresql":
        articles = articles.defer("search_vector")  # filtered and ranked in the database
    if query.is_empty:
        return query, articles.none()
    if connection.vendor == "postgresql":
        return query, _postgres(articles, query)
    return query, _fallback(articles, query)


def _postgres(articles, query):
    """Rank the newest ``RANKED_MATCHES`` matches. Ranking every match of a common word
    costs seconds on a large archive (a third of 100,000 articles match "tehran": 330 ms
    for one request); a reader of news wants the best of the recent ones."""
    ts_query = SearchQuery(query.text, search_type="websearch", config=SEARCH_CONFIG)
    newest = (
        articles.filter(search_vector=ts_query)
        .order_by("-published_at", "-id")
        .values("pk")[:RANKED_MATCHES]
    )
    return (
        articles.filter(pk__in=newest)
        .annotate(rank=SearchRank(F("search_vector"), ts_query))
        .order_by("-rank", "-published_at", "-id")
    )


def is_capped(count):
    """Whether the results stop at ``RANKED_MATCHES`` (PostgreSQL) with more unlisted."""
    return connection.vendor == "postgresql" and count >= RANKED_MATCHES


def _contains(value):
    return (
        Q(title__icontains=value) | Q(standfirst__icontains=value) | Q(body_text__icontains=value)
    )


def _fallback(articles, query):
    for term in query.terms:
        articles = articles.filter(_contains(term))
    for term in query.excluded:
        articles = articles.exclude(_contains(term))
    score = Value(0, output_field=IntegerField())
    for term in query.terms:
        for column, weight in (("title", 4), ("standfirst", 2), ("body_text", 1)):
            score = score + Case(
                When(**{f"{column}__icontains": term}, then=Value(weight)),
                default=Value(0),
                output_field=IntegerField(),
            )
    return articles.annotate(rank=score).order_by("-rank", "-published_at", "-id")


def highlight(text, query):
    """``text`` escaped, with the query's words marked, cut to a window around the first
    match."""
    words = text.split()
    needles = [word.lower() for term in query.terms for word in term.split()]
    pattern = re.compile(
        "|".join(re.escape(needle) for needle in sorted(needles, key=len, reverse=True)),
        re.IGNORECASE,
    )
    start = 0
    for index, word in enumerate(words):
        if pattern.search(word):
            start = max(0, index - SNIPPET_WORDS // 3)
            break
    window = " ".join(words[start : start + SNIPPET_WORDS])
    marked, last = [], 0
    for match in pattern.finditer(window):
        marked.append(escape(window[last : match.start()]))
        marked.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    marked.append(escape(window[last:]))
    prefix = "…" if start > 0 else ""
    more = start + SNIPPET_WORDS < len(words)
    suffix = "…" if more and not window.endswith((".", "!", "?", "…")) else ""
    return mark_safe(prefix + "".join(marked) + suffix)


def snippet(article, query):
    source = f"{article.standfirst} {article.body_text}".strip()
    return highlight(source, query)
