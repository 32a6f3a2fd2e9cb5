"""Fill the configured database with a news site to benchmark: ``python -m bench.generate``.

By default 10,000 articles (``--articles 1000000`` for the million) by about 40 authors
(four of them desks), in 8 sections, with about 500 tags: 2-4 tags and 1-2 bylines per
article, bodies of 5-12 paragraphs, published over the past two years, plus a few drafts,
articles in review, scheduled and unpublished ones.

The text: each article has 2-4 topics (Zipf-weighted, so a search for the most frequent one,
``SEARCH_WORD``, matches a share of the site as a real one would), and its body is made of
paragraphs (and a few subheadings and quotes) drawn from a pool written once per topic, so
that a million bodies cost a few thousand paragraphs of writing.

Fast because ``Article.save()`` does not run: the fields it derives (the sanitized ``body``,
``body_text``, ``excerpt`` and the folded ``search_*`` copies) are filled here with the same
functions (``articles.richtext``, ``core.persian.fold``), and the text is written by
``--workers`` forked processes while the database loads the previous batch. On PostgreSQL
the rows go in with ``COPY`` into a staging table and one ``INSERT ... SELECT`` per batch,
which joins each body from the paragraph pool in the database; the search vector comes
with the row, written by ``Vectors`` as the trigger of migration 0020 would make it (every
word of the generator's vocabulary looked up once with ``to_tsvector``; the first rows of
the load are compared with the trigger's expression, and the load stops on a difference),
so the row triggers are off for the load (``session_replication_role``, this transaction
only); the long texts are compressed as the site's own columns say (lz4, migration 0027).
A large load (``BULK_LOAD`` articles or more) drops the secondary indexes of the tables it
fills and builds them again at the end, all in one transaction: a load that is stopped
leaves the database as it was. Elsewhere (SQLite) it writes with ``bulk_create`` in batches.

A database that already holds the requested number of articles is left as it is (only
analyzed); one that holds fewer gets the missing ones. The output is the same for the same
``--seed``.
"""

import argparse
import collections
import concurrent.futures
import itertools
import multiprocessing
import os
import random
import re
import sys
import time
from datetime import timedelta

# The most frequent topic: a search for it matches a large share of the articles.
SEARCH_WORD = "Tehran"

SECTIONS = [
    ("Politics", "politics", "Iran's government, parliament and foreign policy."),
    ("Economy", "economy", "Oil, trade, the rial, prices and business."),
    ("Society", "society", "Life in Iran: law, health, environment and the city."),
    ("World", "world", "The region and the world, as they touch Iran."),
    ("Culture", "culture", "Cinema, books, music and heritage."),
    ("Sport", "sport", "Football, wrestling, volleyball and the national teams."),
    ("Science", "science", "Research, technology, space and medicine."),
    ("Media", "media", "What Iran's newspapers and agencies are saying."),
]

DESKS = [
    ("IFP Editorial Staff", "ifp-editorial-staff"),
    ("IFP News Desk", "ifp-news-desk"),
    ("IFP Economy Desk", "ifp-economy-desk"),
    ("IFP Media Desk", "ifp-media-desk"),
]
PERSON_COUNT = 36
FIRST_NAMES = (
    "Sara Ali Maryam Reza Narges Hossein Leila Mehdi Zahra Amir Shirin Hamid Parisa Kaveh "
    "Nasrin Behzad Roya Farhad Azadeh Dariush Mina Arash Golnar Babak"
).split()
LAST_NAMES = (
    "Ahmadi Karimi Hosseini Rahimi Moradi Jafari Rezaei Mousavi Sadeghi Ghasemi Hashemi "
    "Zamani Tehrani Shirazi Esfahani Kazemi Nouri Bagheri Farahani Amini"
).split()
JOB_TITLES = [
    "Political editor",
    "Economy reporter",
    "Society reporter",
    "Foreign affairs correspondent",
    "Culture writer",
    "Sports reporter",
    "Science writer",
    "Media analyst",
    "Senior editor",
    "Staff writer",
]

# Topics: places, people, subjects. The first ones are the most frequent (Zipf weights).
TOPICS = (
    "Tehran parliament oil sanctions nuclear Isfahan inflation rial water drought Mashhad "
    "Shiraz Tabriz elections budget exports football wrestling cinema censorship internet "
    "Vienna Baghdad Moscow Beijing Riyadh Ankara Kabul Doha Muscat Brussels Geneva Caspian "
    "Hormuz Persian-Gulf pistachio saffron carpets gasoline electricity subsidies housing "
    "unemployment pensions universities students teachers nurses hospitals vaccine pollution "
    "earthquake floods wildfire airline railway metro Kish Chabahar Bushehr Khuzestan Ahvaz "
    "Kerman Yazd Qom Kermanshah Rasht Gilan Mazandaran Sistan Zahedan Kurdistan Azerbaijan "
    "Armenia Iraq Syria Lebanon Yemen Afghanistan Pakistan India China Russia Europe America "
    "diplomacy negotiations tariffs customs steel copper petrochemicals gas pipelines refinery "
    "tankers shipping ports smuggling currency gold stocks bourse banks loans mortgages rent "
    "tourism heritage museums festival Fajr Nowruz Ramadan Muharram Yalda poetry Hafez "
    "Ferdowsi novels publishers translators theatre music concerts painters calligraphy "
    "volleyball futsal taekwondo weightlifting Olympics Persepolis Esteghlal Sepahan coaches "
    "satellites rockets drones telecom startups broadband smartphones apps cryptocurrency "
    "research laboratories genetics stem-cells medicine pharmacy doctors insurance courts "
    "judiciary lawyers prisons police traffic accidents taxis buses bicycles parks trees "
    "wildlife cheetahs wetlands Urmia dust heatwave snow agriculture wheat rice farmers dams"
).split()

# The words around the topics: the most common words of a news report.
WORDS = (
    "the government said on Monday Tuesday Wednesday Thursday Friday Saturday Sunday that "
    "officials minister ministry president spokesman report reports reported announced "
    "according to a an and or of in on at for with by from into over after before during "
    "while as but not also new old first last next week month year years day days today "
    "yesterday people country national local regional international foreign economic "
    "political social public private plan plans program policy policies law laws bill "
    "committee council agency agencies company companies market markets price prices rise "
    "rises fell fall growth decline increase percent million billion thousand dollars "
    "rials trade deal deals talks meeting meetings visit visited held hold called calls "
    "warned warning support supported opposed criticism critics statement statements "
    "interview news media newspaper newspapers agency source sources expert experts analyst "
    "analysts director head chief member members group groups team teams city cities "
    "province provinces capital region border borders security army forces police court "
    "case cases decision decisions project projects investment investors production "
    "supply demand energy crisis problem problems solution recent recently expected "
    "likely possible important major key main several many some most more less about "
    "around between against under without within across toward through since until "
    "would could should will may might must can has have had was were is are be been "
    "being this these those it its their they them he she his her we our which who whom "
    "what when where why how said says told added noted stressed emphasized explained"
).split()

KICKERS = ["IFP Exclusive", "Analysis", "Interview", "Opinion", "Explainer", "Live"]
TAG_QUALIFIERS = (
    "crisis talks exports imports prices reform protests policy market deal industry "
    "shortage ban plan season league festival budget court summit"
).split()
TAG_COUNT = 500
LINK_HOSTS = ["en.irna.ir", "www.tehrantimes.com", "www.presstv.ir", "en.mehrnews.com"]

SCHEDULED_SHARE = 0.005
DRAFT_SHARE = 0.01
REVIEW_SHARE = 0.005
UNPUBLISHED_SHARE = 0.002
DESK_BYLINE_SHARE = 0.3
TWO_AUTHORS_SHARE = 0.2
ARCHIVE_SPAN = timedelta(days=730)


def zipf_weights(count, exponent=0.9):
    return [1 / (rank + 1) ** exponent for rank in range(count)]


class Writer:
    """Makes the text of articles from the word lists, reproducibly from one random source."""

    def __init__(self, rng):
        self.rng = rng
        self.topic_cum_weights = list(itertools.accumulate(zipf_weights(len(TOPICS))))

    def topics(self):
        count = self.rng.randint(2, 4)
        chosen = []
        for topic in self.rng.choices(TOPICS, cum_weights=self.topic_cum_weights, k=count * 2):
            if topic not in chosen:
                chosen.append(topic)
        return chosen[:count]

    def sentence(self, topics, low=10, high=24):
        words = self.rng.choices(WORDS, k=self.rng.randint(low, high))
        for index in range(len(words)):
            if self.rng.random() < 0.12:
                words[index] = self.rng.choice(topics).replace("-", " ")
        text = " ".join(words)
        return text[0].upper() + text[1:]

    def paragraph(self, topics):
        sentences = [self.sentence(topics) for _ in range(self.rng.randint(3, 6))]
        text = ". ".join(sentences) + "."
        if self.rng.random() < 0.2:
            words = text.split(" ")
            at = self.rng.randrange(len(words) - 3)
            host = self.rng.choice(LINK_HOSTS)
            link = " ".join(words[at : at + 3])
            words[at : at + 3] = [f'<a href="https://{host}/news/{at}">{link}</a>']
            text = " ".join(words)
        return text

    def title(self, topics):
        words = [topics[0].replace("-", " ")] + self.rng.choices(WORDS, k=self.rng.randint(5, 10))
        if len(topics) > 1 and self.rng.random() < 0.5:
            words.insert(self.rng.randint(2, len(words)), topics[1].replace("-", " "))
        title = " ".join(words)
        return title[0].upper() + title[1:]


# Per topic, the pool's paragraphs, subheadings and quotes: enough that neighbouring articles
# on one topic read differently.
POOL_PARAGRAPHS = 8
POOL_HEADINGS = 2
POOL_QUOTES = 2


class Pool:
    """The body parts every article is made of, written once: ``units`` is a list of
    ``(html, text, folded)`` (sanitized HTML, its words as ``richtext.plain_text`` gives them,
    and those folded as search compares them); ``paragraphs``, ``headings`` and ``quotes``
    map each topic to the indexes of its units."""

    def __init__(self, rng):
        from articles import richtext
        from core.persian import fold

        writer = Writer(rng)
        self.units, self.paragraphs, self.headings, self.quotes = [], {}, {}, {}

        def add(fragment):
            html = richtext.sanitize_body(fragment)
            text = richtext.plain_text(html)
            self.units.append((html, text, fold(text)))
            return len(self.units) - 1

        for topic in TOPICS:
            topics = [topic]
            self.paragraphs[topic] = [
                add(f"<p>{writer.paragraph(topics)}</p>") for _ in range(POOL_PARAGRAPHS)
            ]
            self.headings[topic] = [
                add(f"<h2>{writer.sentence(topics, 3, 7)}</h2>") for _ in range(POOL_HEADINGS)
            ]
            self.quotes[topic] = [
                add(f"<blockquote><p>“{writer.sentence(topics)}.”</p></blockquote>")
                for _ in range(POOL_QUOTES)
            ]

    def body(self, rng, topics):
        """The indexes of one body's units, in order: 5-12 paragraphs, each on one of the
        article's topics, a few with a subheading or a quote before them."""
        parts = []
        for index in range(rng.randint(5, 12)):
            if index > 1 and rng.random() < 0.1:
                parts.append(rng.choice(self.headings[rng.choice(topics)]))
            if index > 0 and rng.random() < 0.08:
                parts.append(rng.choice(self.quotes[rng.choice(topics)]))
            parts.append(rng.choice(self.paragraphs[rng.choice(topics)]))
        return parts


def tag_names(rng):
    names = [topic.replace("-", " ").capitalize() for topic in TOPICS]
    pairs = [
        f"{topic.replace('-', ' ').capitalize()} {qualifier}"
        for topic in TOPICS[:60]
        for qualifier in TAG_QUALIFIERS
    ]
    rng.shuffle(pairs)
    names.extend(pairs)
    unique = list(dict.fromkeys(names))
    return unique[:TAG_COUNT]


def ensure_sections():
    from articles.models import Section

    existing = {section.slug: section for section in Section.objects.all()}
    missing = [
        Section(name=name, slug=slug, description=description, position=position)
        for position, (name, slug, description) in enumerate(SECTIONS)
        if slug not in existing
    ]
    Section.objects.bulk_create(missing)
    return list(Section.objects.filter(slug__in=[slug for _, slug, _ in SECTIONS]))


def ensure_authors(rng):
    from staff.models import Author

    wanted = []
    for name, slug in DESKS:
        bio = (
            f"The {name} is made of the journalists, news-writers and analysts of Iran Front "
            "Page, whose reports are edited by experienced editors."
        )
        wanted.append(Author(name=name, slug=slug, kind=Author.Kind.DESK, bio=bio))
    people = [(first, last) for last in LAST_NAMES for first in FIRST_NAMES]
    rng.shuffle(people)
    for first, last in people[:PERSON_COUNT]:
        job = rng.choice(JOB_TITLES)
        bio = (
            f"{first} {last} is a {job.lower()} at IFP.\n\n"
            f"Before joining IFP, {first} reported for newspapers in Tehran for several years."
        )
        wanted.append(
            Author(
                name=f"{first} {last}",
                slug=f"{first}-{last}".lower(),
                kind=Author.Kind.PERSON,
                job_title=job,
                bio=bio,
            )
        )
    existing = set(Author.objects.values_list("slug", flat=True))
    Author.objects.bulk_create([author for author in wanted if author.slug not in existing])
    authors = {a.slug: a for a in Author.objects.filter(slug__in=[a.slug for a in wanted])}
    desks = [authors[slug] for _, slug in DESKS]
    persons = [authors[a.slug] for a in wanted if a.kind == Author.Kind.PERSON]
    return desks, persons


def ensure_tags(rng):
    from django.utils.text import slugify
    from taggit.models import Tag

    names = tag_names(rng)
    existing = set(Tag.objects.values_list("name", flat=True))
    taken = set(Tag.objects.values_list("slug", flat=True))
    new = []
    for name in names:
        if name in existing:
            continue
        slug = slugify(name) or "tag"
        base, suffix = slug, 1
        while slug in taken:
            suffix += 1
            slug = f"{base}-{suffix}"
        taken.add(slug)
        new.append(Tag(name=name, slug=slug))
    Tag.objects.bulk_create(new)
    by_name = Tag.objects.in_bulk(names, field_name="name")
    return [by_name[name] for name in names]


# Adding this many articles or more drops the secondary indexes of the tables the load fills
# and builds them once at the end (PostgreSQL): quicker than keeping them up row by row.
BULK_LOAD = 50_000


def generate(articles=10_000, seed=2024, batch_size=5000, workers=2, out=sys.stderr):
    """Bring the database to at least ``articles`` articles, the text written by ``workers``
    processes (forked; 1: in this one). Returns how many were made."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from articles.models import Article

    existing = Article.objects.count()
    if existing >= articles:
        print(f"generate: the database already holds {existing} articles; nothing to do", file=out)
        ensure_persian_article()
        analyze(vacuum=False)
        return 0

    started = time.monotonic()
    rng = random.Random(seed)
    with transaction.atomic():
        sections = ensure_sections()
        desks, persons = ensure_authors(rng)
        tags = ensure_tags(rng)
    site = {
        "sections": sections,
        "section_cum_weights": list(
            itertools.accumulate([3, 2, 2, 2, 1, 1, 1, 1][: len(sections)])
        ),
        "desks": desks,
        "persons": persons,
        "tags": tags,
        "tag_cum_weights": list(itertools.accumulate(zipf_weights(len(tags), 0.8))),
        "topic_tags": {tag.name.lower(): tag for tag in tags},
        "content_type": ContentType.objects.get_for_model(Article).pk,
    }
    # The same pool of paragraphs for every run with this seed.
    pool = Pool(random.Random(seed))

    # New articles continue the numbering of earlier runs (slugs end with the number); each
    # batch has a random source of its own (from the seed and its first number), so that
    # extending a site does not repeat its text and batches can be written in parallel.
    now = timezone.now().replace(microsecond=0)
    count = articles - existing
    vectors = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            vectors = Vectors(cursor, pool)
    _CONTEXT.update(seed=seed, pool=pool, site=site, now=now, vectors=vectors)
    planned = planned_batches(existing + 1, articles, batch_size, workers)

    def progress(made):
        elapsed = time.monotonic() - started
        print(
            f"generate: {existing + made}/{articles} articles ({made / elapsed:.0f}/s)", file=out
        )

    if vectors is not None:
        copy_articles(planned, count, pool, site, now, progress, out)
    else:
        bulk_create_articles(planned, pool, site, progress)
    loaded = time.monotonic() - started
    ensure_persian_article()
    analyze(vacuum=True)
    print(
        f"generate: {count} articles made in {time.monotonic() - started:.1f} s "
        f"(loading {loaded:.1f} s, then VACUUM ANALYZE)",
        file=out,
    )
    return count


def plan_article(rng, writer, pool, site, now, number):
    """One article's fields, as a dict: those of the row, ``units`` (its body's units in
    ``pool``), ``authors`` and ``tags`` (ids, in order)."""
    from django.utils.text import slugify

    from articles import editions, richtext
    from articles.models import EXCERPT_WORDS, Article
    from core.persian import fold

    topics = writer.topics()
    title = writer.title(topics)
    units = pool.body(rng, topics)
    standfirst = writer.sentence(topics, 14, 28) + "." if rng.random() < 0.6 else ""
    status, published_at = pick_status(rng, now)
    lead = (
        status == Article.Status.PUBLISHED
        and published_at is not None
        and timedelta(0) < now - published_at < timedelta(days=2)
        and rng.random() < 0.2
    )
    # The first unit is always a paragraph, longer than an excerpt.
    first_text = pool.units[units[0]][1]
    return {
        "title": title,
        "slug": f"{slugify(title)[:150].rstrip('-')}-{number}",
        "kicker": rng.choice(KICKERS) if rng.random() < 0.15 else "",
        "standfirst": standfirst,
        "excerpt": richtext.excerpt(standfirst.strip() or first_text, EXCERPT_WORDS)[:400],
        "search_title": fold(title),
        "search_standfirst": fold(standfirst),
        "section_id": rng.choices(site["sections"], cum_weights=site["section_cum_weights"])[0].pk,
        "status": str(status),
        "published_at": published_at,
        "is_featured": lead,
        "language": editions.DEFAULT,
        "units": units,
        "authors": [a.pk for a in pick_authors(rng, site["desks"], site["persons"])],
        "tags": [
            tag.pk
            for tag in pick_tags(
                rng, site["tags"], site["tag_cum_weights"], site["topic_tags"], topics
            )
        ],
    }


# What the forked workers of planned_batches read (they inherit it).
_CONTEXT = {}


def plan_batch(first, size):
    """The plans of the articles numbered ``first`` to ``first + size - 1`` (with their search
    vectors' text on PostgreSQL), from a random source of the batch's own."""
    context = _CONTEXT
    rng = random.Random(context["seed"] * 1_000_003 + first)
    writer = Writer(rng)
    plans = [
        plan_article(rng, writer, context["pool"], context["site"], context["now"], number)
        for number in range(first, first + size)
    ]
    vectors = context["vectors"]
    if vectors is not None:
        for plan in plans:
            plan["vector"] = vectors.article(
                plan["search_title"], plan["search_standfirst"], plan["units"]
            )
    return plans


def planned_batches(first, last, batch_size, workers):
    """The batches of plans of articles ``first`` to ``last``, in order; made by ``workers``
    forked processes, at most a few batches ahead of the caller."""
    starts = range(first, last + 1, batch_size)

    def size(start):
        return min(batch_size, last + 1 - start)

    if workers <= 1 or len(starts) <= 1:
        for start in starts:
            yield plan_batch(start, size(start))
        return
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as executor:
        pending = collections.deque()
        for start in starts:
            pending.append(executor.submit(plan_batch, start, size(start)))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def bulk_create_articles(planned, pool, site, progress):
    """Elsewhere than PostgreSQL: ``bulk_create`` in batches, the bodies joined here."""
    from django.db import transaction
    from taggit.models import TaggedItem

    from articles.models import Article, Byline

    made = 0
    for batch in planned:
        rows = []
        for plan in batch:
            units = [pool.units[unit] for unit in plan["units"]]
            fields = {
                key: value
                for key, value in plan.items()
                if key not in ("units", "authors", "tags", "vector")
            }
            rows.append(
                Article(
                    **fields,
                    body="".join(unit[0] for unit in units),
                    body_text=" ".join(unit[1] for unit in units),
                    search_body=" ".join(unit[2] for unit in units),
                )
            )
        with transaction.atomic():
            Article.objects.bulk_create(rows)
            bylines, tagged = [], []
            for article, plan in zip(rows, batch, strict=True):
                for position, author in enumerate(plan["authors"]):
                    bylines.append(Byline(article=article, author_id=author, position=position))
                for tag in plan["tags"]:
                    tagged.append(
                        TaggedItem(
                            tag_id=tag, content_type_id=site["content_type"], object_id=article.pk
                        )
                    )
            Byline.objects.bulk_create(bylines)
            TaggedItem.objects.bulk_create(tagged)
        made += len(batch)
        progress(made)


STAGE_COLUMNS = [
    ("id", "bigint"),
    ("title", "text"),
    ("slug", "text"),
    ("kicker", "text"),
    ("standfirst", "text"),
    ("excerpt", "text"),
    ("search_title", "text"),
    ("search_standfirst", "text"),
    ("section_id", "bigint"),
    ("status", "text"),
    ("published_at", "timestamptz"),
    ("is_featured", "boolean"),
    ("language", "text"),
    ("units", "int4[]"),
    ("vector", "tsvector"),
]
# psycopg writes a vector as the text PostgreSQL reads it from.
COPY_TYPES = {"tsvector": "text"}

# What the staging row does not hold: the body assembled from its units (``b``, below).
ASSEMBLED = {
    "body": "b.body",
    "body_text": "b.body_text",
    "search_body": "b.search_body",
    "search_vector": "s.vector",
}
ASSEMBLE_BODY = """
    SELECT string_agg(u.html, '' ORDER BY x.n) AS body,
           string_agg(u.body_text, ' ' ORDER BY x.n) AS body_text,
           string_agg(u.folded, ' ' ORDER BY x.n) AS search_body
    FROM unnest(s.units) WITH ORDINALITY AS x(unit, n)
    JOIN bench_unit u ON u.id = x.unit
"""
# The search vector of migration 0020's trigger for an English article, which the load checks
# its own vectors against.
TRIGGER_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, search_title), 'A')"
    " || setweight(to_tsvector('english'::regconfig, search_standfirst), 'B')"
    " || setweight(to_tsvector('english'::regconfig, search_body), 'C')"
)
CHECKED_ROWS = 500
WORD = re.compile(r"[a-z]+")
# PostgreSQL's limits: a position is at most 16383; a lexeme keeps at most 256 of them.
MAX_POSITION = 16383
MAX_POSITIONS = 256


class Vectors:
    """Writes ``tsvector`` values as PostgreSQL's ``to_tsvector('english', ...)`` would, for
    text made of the generator's words only: each word is a token that takes a position,
    and maps to its lexeme (asked of PostgreSQL once per word) or to none (a stop word).
    The load checks a sample of its rows against the trigger's own expression."""

    def __init__(self, cursor, pool):
        vocabulary = {word for unit in pool.units for word in WORD.findall(unit[2])}
        for text in (*WORDS, *TOPICS):
            vocabulary.update(WORD.findall(text.lower()))
        cursor.execute(
            "SELECT w, to_tsvector('english'::regconfig, w)::text FROM unnest(%s::text[]) w",
            [sorted(vocabulary)],
        )
        self.lexemes = {}
        for word, vector in cursor.fetchall():
            match = re.fullmatch(r"'([^']*)':1", vector)
            if vector and not match:
                raise RuntimeError(f"generate: unexpected vector of {word!r}: {vector}")
            self.lexemes[word] = match.group(1) if match else None
        # Each unit: its number of words, and each lexeme's positions in it.
        self.units = [self.positions(unit[2]) for unit in pool.units]

    def positions(self, folded):
        """``(words, {lexeme: [position, ...]})`` of a folded text, positions from 1."""
        words = WORD.findall(folded)
        found = {}
        for position, word in enumerate(words, 1):
            lexeme = self.lexemes.get(word, False)
            if lexeme is False:
                raise RuntimeError(f"generate: {word!r} is not in the vocabulary")
            if lexeme is not None:
                found.setdefault(lexeme, []).append(position)
        return len(words), found

    def article(self, search_title, search_standfirst, units):
        """``setweight(title, 'A') || setweight(standfirst, 'B') || setweight(body, 'C')``
        as text: ``||`` shifts the right side's positions by the left side's largest."""
        body, offset = {}, 0
        for unit in units:
            count, found = self.units[unit]
            for lexeme, positions in found.items():
                shifted = [offset + position for position in positions]
                if lexeme in body:
                    body[lexeme].extend(shifted)
                else:
                    body[lexeme] = shifted
            offset += count
        entries = {}
        shift = 0
        for weight, found in (
            ("A", self.positions(search_title)[1]),
            ("B", self.positions(search_standfirst)[1]),
            ("C", body),
        ):
            largest = 0
            for lexeme, positions in found.items():
                largest = max(largest, positions[-1])
                text = ",".join([f"{shift + position}{weight}" for position in positions])
                if lexeme in entries:
                    entries[lexeme].append(text)
                else:
                    entries[lexeme] = [text]
            shift += largest
        if shift > MAX_POSITION or any(
            len(positions) > MAX_POSITIONS for positions in body.values()
        ):
            raise RuntimeError("generate: an article longer than a search vector can index")
        return " ".join([f"'{lexeme}':{','.join(texts)}" for lexeme, texts in entries.items()])


def copy_articles(planned, count, pool, site, now, progress, out):
    """On PostgreSQL: ``COPY`` and ``INSERT ... SELECT`` in one transaction (see the module's
    docstring), the first rows' search vectors checked against the trigger's."""
    from django.db import connection, transaction
    from taggit.models import TaggedItem

    from articles.management.commands.fill_search_head import head_vector
    from articles.models import Article, Byline

    article_table = Article._meta.db_table
    byline_table = Byline._meta.db_table
    tagged_table = TaggedItem._meta.db_table
    stage_names = [name for name, _type in STAGE_COLUMNS]
    columns, values, params = [], [], []
    for field in Article._meta.concrete_fields:
        columns.append(connection.ops.quote_name(field.column))
        if field.column == "search_head":
            # The ranking's headline vector, by the rule fill_search_head fills an archive
            # by, in the same INSERT: filled afterwards, it took half of a million articles'
            # generation (every row written twice).
            values.append(head_vector("s"))
        elif field.column in ASSEMBLED:
            values.append(ASSEMBLED[field.column])
        elif field.column in stage_names:
            values.append(f"s.{field.column}")
        else:
            default = now if field.column in ("created_at", "updated_at") else field.get_default()
            values.append("%s")
            params.append(field.get_db_prep_save(default, connection))
    insert = (
        f"INSERT INTO {article_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM bench_stage s CROSS JOIN LATERAL ({ASSEMBLE_BODY}) b "
        "ORDER BY s.id"
    )
    role = Byline._meta.get_field("role").get_default()

    with transaction.atomic():
        connection.ensure_connection()
        raw = connection.connection
        with raw.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                # Row triggers off for this transaction: the search vector is written here,
                # and the foreign keys point at rows this function just read.
                cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            # JIT compiling costs more than it saves on these short queries.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(
                "CREATE TEMP TABLE bench_unit (id int PRIMARY KEY, html text, body_text text, "
                "folded text) ON COMMIT DROP"
            )
            with cursor.copy("COPY bench_unit (id, html, body_text, folded) FROM STDIN") as copy:
                for index, unit in enumerate(pool.units):
                    copy.write_row((index, *unit))
            # Without statistics the planner would scan the pool for each article.
            cursor.execute("ANALYZE bench_unit")
            cursor.execute(
                "CREATE TEMP TABLE bench_stage ("
                + ", ".join(f"{name} {kind}" for name, kind in STAGE_COLUMNS)
                + ") ON COMMIT DROP"
            )
            dropped = []
            if count >= BULK_LOAD:
                dropped = drop_indexes(cursor, [article_table, byline_table, tagged_table])
                print(f"generate: dropped {len(dropped)} indexes for the load", file=out)

            made = 0
            for batch in planned:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [article_table, len(batch)],
                )
                ids = [row[0] for row in cursor.fetchall()]
                with cursor.copy(
                    f"COPY bench_stage ({', '.join(stage_names)}) FROM STDIN"
                ) as copy:
                    copy.set_types([COPY_TYPES.get(kind, kind) for _name, kind in STAGE_COLUMNS])
                    for pk, plan in zip(ids, batch, strict=True):
                        copy.write_row([pk, *(plan[name] for name in stage_names[1:])])
                cursor.execute("ANALYZE bench_stage")
                cursor.execute(insert, params)
                if not made:
                    check_vectors(cursor, article_table, ids[:CHECKED_ROWS])
                cursor.execute("TRUNCATE bench_stage")
                with cursor.copy(
                    f"COPY {byline_table} (article_id, author_id, position, role) FROM STDIN"
                ) as copy:
                    for pk, plan in zip(ids, batch, strict=True):
                        for position, author in enumerate(plan["authors"]):
                            copy.write_row((pk, author, position, role))
                with cursor.copy(
                    f"COPY {tagged_table} (tag_id, content_type_id, object_id) FROM STDIN"
                ) as copy:
                    for pk, plan in zip(ids, batch, strict=True):
                        for tag in plan["tags"]:
                            copy.write_row((tag, site["content_type"], pk))
                made += len(batch)
                progress(made)

            began = time.monotonic()
            for definition in dropped:
                cursor.execute(definition)
            if dropped:
                print(
                    f"generate: built {len(dropped)} indexes in {time.monotonic() - began:.1f} s",
                    file=out,
                )


def check_vectors(cursor, table, ids):
    """Fail when a loaded row's search vector differs from the one the trigger would make."""
    cursor.execute(
        f"SELECT count(*) FROM {table} WHERE id = ANY(%s) "
        f"AND search_vector IS DISTINCT FROM ({TRIGGER_VECTOR})",
        [ids],
    )
    wrong = cursor.fetchone()[0]
    if wrong:
        raise RuntimeError(
            f"generate: {wrong} of {len(ids)} search vectors differ from the trigger's"
        )


def drop_indexes(cursor, tables):
    """Drop the indexes of ``tables`` that no constraint owns; returns the statements that
    make them again."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [tables],
    )
    found = cursor.fetchall()
    for name, _definition in found:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in found]


PERSIAN_SLUG = "bench-persian-article"
PERSIAN_SENTENCE = (
    "گروه‌های پژوهشی در تهران گزارش تازه‌ای درباره اقتصاد، انرژی و محیط زیست منتشر کردند "
    "و کارشناسان می‌گویند نتیجه‌های آن در سال ۱۴۰۵ روشن‌تر خواهد شد."
)


def ensure_persian_article():
    """The Persian edition's article page of the benchmark: a translation of the newest
    published article, as long as it, with its bylines and tags, saved as the newsroom
    saves one (its search text folded). Made once."""
    from articles.models import Article, Byline, Section

    if Article.objects.filter(slug=PERSIAN_SLUG).exists():
        return
    english = Article.objects.published().in_language("en").order_by("-published_at", "-id")
    english = english.first()
    if english is None:
        return
    section, _made = Section.objects.get_or_create(
        slug="bench-fa", defaults={"name": "گزارش", "language": "fa"}
    )
    sentences = max(1, len(english.body_text.split()) // len(PERSIAN_SENTENCE.split()))
    paragraphs = [" ".join([PERSIAN_SENTENCE] * 4) for _ in range(max(1, sentences // 4))]
    persian = Article(
        title="گزارش تازه گروه‌های پژوهشی تهران درباره اقتصاد و انرژی",
        slug=PERSIAN_SLUG,
        kicker=english.kicker and "اختصاصی",
        standfirst=PERSIAN_SENTENCE if english.standfirst else "",
        body="".join(f"<p>{paragraph}</p>" for paragraph in paragraphs),
        section=section,
        language="fa",
        translation_of=english,
        status=Article.Status.PUBLISHED,
        # Just older than the English one, which stays the English edition's newest.
        published_at=english.published_at - timedelta(seconds=1),
    )
    persian.save()
    Byline.objects.bulk_create(
        Byline(article=persian, author_id=byline.author_id, position=byline.position)
        for byline in english.bylines.all()
    )
    persian.tags.add(*english.tags.all())


def analyze(vacuum):
    """Give PostgreSQL's planner the statistics of the new rows at once (autovacuum would,
    later): without them it expects one row everywhere and picks slow plans."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


def pick_status(rng, now):
    """Mostly published over the past two years; a few scheduled, drafts, in review and
    unpublished."""
    from articles.models import Article

    roll = rng.random()
    # Newest a few minutes ago, so the home page has fresh news.
    past = now - timedelta(minutes=5) - rng.random() * ARCHIVE_SPAN
    past = past.replace(microsecond=0)
    if roll < SCHEDULED_SHARE:
        ahead = timedelta(hours=1) + rng.random() * timedelta(days=7)
        return Article.Status.PUBLISHED, (now + ahead).replace(microsecond=0)
    roll -= SCHEDULED_SHARE
    if roll < DRAFT_SHARE:
        return Article.Status.DRAFT, None
    roll -= DRAFT_SHARE
    if roll < REVIEW_SHARE:
        return Article.Status.REVIEW, None
    roll -= REVIEW_SHARE
    if roll < UNPUBLISHED_SHARE:
        return Article.Status.UNPUBLISHED, past
    return Article.Status.PUBLISHED, past


def pick_authors(rng, desks, persons):
    if rng.random() < DESK_BYLINE_SHARE:
        return [rng.choice(desks)]
    if rng.random() < TWO_AUTHORS_SHARE:
        return rng.sample(persons, 2)
    return [rng.choice(persons)]


def pick_tags(rng, tags, cum_weights, topic_tags, topics):
    """2-4 tags: the main topic's own tag when there is one, then popular tags first."""
    count = rng.randint(2, 4)
    chosen = []
    main = topic_tags.get(topics[0].replace("-", " ").lower())
    if main is not None:
        chosen.append(main)
    for _ in range(20):  # bounded: duplicates are drawn again a few times at most
        if len(chosen) >= count:
            break
        tag = rng.choices(tags, cum_weights=cum_weights)[0]
        if tag not in chosen:
            chosen.append(tag)
    return chosen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000, help="default: 10,000")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--workers", type=int, default=2, help="processes writing the text (default 2)"
    )
    args = parser.parse_args(argv)
    if args.articles < 1 or args.batch_size < 1:
        parser.error("--articles and --batch-size must be positive")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ifp.settings")
    import django

    django.setup()
    generate(args.articles, seed=args.seed, batch_size=args.batch_size, workers=args.workers)


if __name__ == "__main__":
    main()
