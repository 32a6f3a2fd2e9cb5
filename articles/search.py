"""Reader search: ranked, with highlighted snippets.

On PostgreSQL, full-text search over a stored ``search_vector`` (title weighted above
standfirst above body, kept current by a trigger and indexed with GIN, see migrations
0005 and 0024) with web-search syntax: ``"exact phrase"``, ``-excluded``, ``or``; the
newest ``RANKED_MATCHES`` matches are listed, ranked by their headline (A) and standfirst
(B) alone (``search_head``): those matches first, then the body's, newest first among
equals. Elsewhere (SQLite), a
substring search with the same syntax and the same order: matches in the headline first,
then the standfirst, then the body.

Both match the article's folded columns (``search_title``, ``search_standfirst``,
``search_body``) against the query folded the same way, by ``core.persian.fold``, the one
folding rule; snippets highlight through it too. Each edition searches its own language,
on PostgreSQL with that language's text-search configuration (``articles.editions``).
"""

import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles import editions
from articles.models import (
    Article,
    Byline,
    CardList,
    Section,
    column_loader,
    from_rows,
    public_sql,
)
from core import persian
from core.db import prepared_cursor

MAX_QUERY_LENGTH = 200
# On PostgreSQL, at most this many matches (the newest) are ranked and listed: 20 pages.
RANKED_MATCHES = 200
SNIPPET_WORDS = 30
# The English edition's configuration (articles.editions has every language's).
SEARCH_CONFIG = editions.KNOWN["en"].search_config

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


def search(raw, language=editions.DEFAULT):
    """Published articles of the edition ``language`` matching ``raw``, best first; and
    the parsed query."""
    query = parse(raw)
    if query.is_empty:
        return query, Article.objects.none()
    if connection.vendor == "postgresql":
        return query, _postgres(query, language)
    articles = (
        Article.objects.published()
        .in_language(language)
        .select_related("section")
        .defer("body", "search_title", "search_standfirst", "search_body")
    )
    return query, _fallback(articles, query)


# A candidate's headline-and-standfirst vector: the stored one, or for a row not written
# since migration 0025 added the column, the same made from its folded texts.
HEAD = (
    "coalesce(newest.search_head,"
    " setweight(to_tsvector(%s::regconfig, coalesce(newest.title, '')), 'A') ||"
    " setweight(to_tsvector(%s::regconfig, coalesce(newest.standfirst, '')), 'B'))"
)


def _postgres(query, language):
    """The newest ``RANKED_MATCHES`` matches, best first: a ``RankedResults``.

    One statement finds them and ranks them. The matches come newest first (the published
    articles' date index, each row checked against the query, or the GIN index when the
    words are rare: the planner's choice), so finding them costs about the same on 10,000
    or 1,000,000 articles. They are ranked by ``search_head``, the headline (A) and
    standfirst (B) vector stored in the row: a headline match first, then a standfirst
    match, then the newest. Ranking by the whole ``search_vector`` would read each
    candidate's body-sized vector a second time (stored out of line, compressed).

    Written as SQL, as the ORM would write it: building and compiling the ORM's query
    cost more Python than the rest of the search."""
    config = editions.get(language).search_config
    text = persian.fold(query.text)
    public, params = public_sql("article", timezone.now())
    newest = (
        "SELECT article.id, article.published_at, article.search_head, article.search_title,"
        f" article.search_standfirst FROM {Article._meta.db_table} article"
        f" WHERE {public} AND article.language = %s"
        " AND article.search_vector @@ (websearch_to_tsquery(%s::regconfig, %s))"
        " ORDER BY article.published_at DESC, article.id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT newest.id FROM ({newest}) AS newest (id, published_at, search_head, title,"
            f" standfirst) ORDER BY ts_rank({HEAD}, websearch_to_tsquery(%s::regconfig, %s))"
            " DESC, newest.published_at DESC, newest.id DESC",
            (*params, language, config, text, RANKED_MATCHES, config, config, config, text),
        )
        ids = [row[0] for row in cursor.fetchall()]
    return RankedResults(ids, language)


# What a search hit shows of its article (``articles/search.html``), its section's name
# besides.
HIT_FIELDS = {"id", "slug", "language", "title", "standfirst", "body_text", "published_at"}


class RankedResults:
    """Search results as ``Paginator`` reads them: ``count()`` is the number of ranked
    ids (no query), a slice reads those articles (still published), in rank order, each
    with its section's name: one query."""

    def __init__(self, ids, language):
        self.ids = ids
        self.language = language

    def count(self):
        return len(self.ids)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        wanted = self.ids[key]
        if not wanted:
            return []
        cards = CardList(
            self.language, f"article.id IN ({', '.join(['%s'] * len(wanted))})", wanted
        )
        columns, names, convert = column_loader(Article, "article", HIT_FIELDS)
        with prepared_cursor() as cursor:
            cursor.execute(
                f"SELECT {columns}, section.id, section.name FROM {Article._meta.db_table}"
                f" article JOIN {Section._meta.db_table} section"
                f" ON section.id = article.section_id WHERE {cards.where}",
                cards.params,
            )
            rows = cursor.fetchall()
        width, found = len(names), {}
        made = from_rows(Article, names, [convert(row[:width]) for row in rows])
        for article, row in zip(made, rows, strict=True):
            article.section = Section(id=row[width], name=row[width + 1])
            found[article.pk] = article
        return [found[pk] for pk in wanted if pk in found]


def is_capped(count):
    """Whether the results stop at ``RANKED_MATCHES`` (PostgreSQL) with more unlisted."""
    return connection.vendor == "postgresql" and count >= RANKED_MATCHES


FOLDED_COLUMNS = (("search_title", 4), ("search_standfirst", 2), ("search_body", 1))


def _contains(value):
    condition = Q()
    for column, _weight in FOLDED_COLUMNS:
        condition |= Q(**{f"{column}__contains": value})
    return condition


def _fallback(articles, query):
    terms = [persian.fold(term) for term in query.terms]
    for term in terms:
        articles = articles.filter(_contains(term))
    for term in query.excluded:
        articles = articles.exclude(_contains(persian.fold(term)))
    score = Value(0, output_field=IntegerField())
    for term in terms:
        for column, weight in FOLDED_COLUMNS:
            score = score + Case(
                When(**{f"{column}__contains": term}, then=Value(weight)),
                default=Value(0),
                output_field=IntegerField(),
            )
    return articles.annotate(rank=score).order_by("-rank", "-published_at", "-id")


def highlight(text, query):
    """``text`` escaped, with the query's words marked, cut to a window around the first
    match. Words are found as search finds them, folded (``core.persian.fold``); the
    text's own spelling is what the reader sees marked."""
    needles = {persian.fold(word) for term in query.terms for word in term.split()}
    needles.discard("")
    pattern = re.compile(
        "|".join(re.escape(needle) for needle in sorted(needles, key=len, reverse=True)) or "(?!)"
    )
    start = 0
    spaced = any(char.isspace() for needle in needles for char in needle)
    index = _first_matching_word(text, pattern, whole=not spaced)
    if index is not None:
        start = max(0, index - SNIPPET_WORDS // 3)
    # The words up to the window's end, and whether more follow: not the whole text split.
    shown = start + SNIPPET_WORDS
    words = text.split(maxsplit=shown)
    window = " ".join(words[start:shown])
    folded, starts = persian.fold_spans(window)
    marked, last = [], 0
    for match in pattern.finditer(folded):
        begin, end = starts[match.start()], starts[match.end()]
        if begin < last:
            continue
        marked.append(escape(window[last:begin]))
        marked.append(f"<mark>{escape(window[begin:end])}</mark>")
        last = end
    marked.append(escape(window[last:]))
    prefix = "…" if start > 0 else ""
    more = len(words) > shown
    suffix = "…" if more and not window.endswith((".", "!", "?", "…")) else ""
    return mark_safe(prefix + "".join(marked) + suffix)


# The text a snippet's first match is looked for in, a part at a time, each about this many
# characters (cut at a space): the match is most often in the standfirst or the first
# paragraphs, and folding and splitting a whole body for it cost a sixth of a search page.
SCAN_CHARACTERS = 2048


def _first_matching_word(text, pattern, whole):
    """The index in ``text.split()`` of the first word whose folded form the pattern
    finds, or None. With ``whole`` (no needle holds a space), text that folds one
    character to one (most of it) is folded and searched a part at a time, each part
    ending at a space (a match, holding none, never spans two parts); otherwise one word
    at a time."""
    if whole:
        begin = 0
        while begin < len(text):
            cut = _space_at_or_after(text, begin + SCAN_CHARACTERS)
            part = text[begin:cut]
            if not persian.is_one_to_one(part):
                break
            match = pattern.search(persian.fold(part))
            if match is not None:
                before = text[: begin + match.start()]
                index = len(before.split())
                return index - 1 if before and not before[-1].isspace() else index
            begin = cut
        else:
            return None
    else:
        begin = 0
    # Word by word from where the parts stopped (``begin`` is 0 or at a space, so the
    # words before it are whole and held no match).
    for index, word in enumerate(text[begin:].split(), start=len(text[:begin].split())):
        if pattern.search(persian.fold(word)):
            return index
    return None


_SPACE = re.compile(r"\s")


def _space_at_or_after(text, position):
    """The index of the first whitespace character of ``text`` at or after ``position``,
    or ``len(text)``."""
    found = _SPACE.search(text, position)
    return len(text) if found is None else found.start()


def snippet(article, query):
    source = f"{article.standfirst} {article.body_text}".strip()
    return highlight(source, query)


def newsroom_matches(articles, raw):
    """The admin's search: ``articles`` (any state, any edition) whose headline,
    standfirst or body, or a byline's author name, matches ``raw`` (the same web-search
    syntax as readers'). On PostgreSQL the stored full-text vector, with each edition's
    configuration; elsewhere the folded columns' substrings, every word required."""
    query = parse(raw)
    if query.is_empty:
        return articles

    def bylined(term):
        authors = Byline.objects.filter(author__name__icontains=term)
        return Q(pk__in=authors.values("article_id"))

    names = Q()
    for term in query.terms:
        names &= bylined(term)
    if connection.vendor == "postgresql":
        text = persian.fold(query.text)
        match = Q()
        for edition in editions.KNOWN.values():
            config = edition.search_config
            match |= Q(search_vector=SearchQuery(text, search_type="websearch", config=config))
        return articles.filter(match | names)
    for term in query.terms:
        articles = articles.filter(_contains(persian.fold(term)) | bylined(term))
    for term in query.excluded:
        articles = articles.exclude(_contains(persian.fold(term)))
    return articles
