"""Fill the configured database with a news site to benchmark: ``python -m bench.generate``.

By default 10,000 articles (``--articles 100000`` for the large site) by about 40 authors
(four of them desks), in 8 sections, with about 500 tags: 2-4 tags and 1-2 bylines per
article, bodies of 5-12 paragraphs, published over the past two years, plus a few drafts,
articles in review, scheduled and unpublished ones.

Fast because it writes with ``bulk_create`` in batches, so ``Article.save()`` does not run:
the fields it derives (the sanitized ``body``, ``body_text`` and ``excerpt``) are filled here
with the same functions of ``articles.richtext``; taggit's through rows are written
directly. On PostgreSQL the search vector is filled by the database trigger as usual.

A database that already holds the requested number of articles is left as it is; one that
holds fewer gets the missing ones. The output is the same for the same ``--seed``.
"""

import argparse
import os
import random
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
        self.topic_weights = zipf_weights(len(TOPICS))

    def topics(self):
        count = self.rng.randint(2, 4)
        chosen = []
        for topic in self.rng.choices(TOPICS, self.topic_weights, k=count * 2):
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

    def body(self, topics):
        parts = []
        for index in range(self.rng.randint(5, 12)):
            if index > 1 and self.rng.random() < 0.1:
                parts.append(f"<h2>{self.sentence(topics, 3, 7)}</h2>")
            if index > 0 and self.rng.random() < 0.08:
                parts.append(f"<blockquote><p>“{self.sentence(topics)}.”</p></blockquote>")
            parts.append(f"<p>{self.paragraph(topics)}</p>")
        return "".join(parts)

    def title(self, topics):
        words = [topics[0].replace("-", " ")] + self.rng.choices(WORDS, k=self.rng.randint(5, 10))
        if len(topics) > 1 and self.rng.random() < 0.5:
            words.insert(self.rng.randint(2, len(words)), topics[1].replace("-", " "))
        title = " ".join(words)
        return title[0].upper() + title[1:]


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


def generate(articles=10_000, seed=2024, batch_size=1000, out=sys.stderr):
    """Bring the database to at least ``articles`` articles. Returns how many were made."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone
    from django.utils.text import slugify
    from taggit.models import TaggedItem

    from articles import richtext
    from articles.models import EXCERPT_WORDS, Article, Byline

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
    tag_weights = zipf_weights(len(tags), 0.8)
    topic_tags = {tag.name.lower(): tag for tag in tags}
    section_weights = [3, 2, 2, 2, 1, 1, 1, 1][: len(sections)]
    content_type = ContentType.objects.get_for_model(Article)

    # New articles continue the numbering of earlier runs (slugs end with the number), with
    # a random source of their own so that extending a site does not repeat its text.
    rng = random.Random(seed * 1_000_003 + existing)
    writer = Writer(rng)
    now = timezone.now().replace(microsecond=0)
    count = articles - existing

    made = 0
    while made < count:
        size = min(batch_size, count - made)
        rows, extras = [], []
        for offset in range(size):
            number = existing + made + offset + 1
            topics = writer.topics()
            title = writer.title(topics)
            body = richtext.sanitize_body(writer.body(topics))
            body_text = richtext.plain_text(body)
            standfirst = writer.sentence(topics, 14, 28) + "." if rng.random() < 0.6 else ""
            status, published_at = pick_status(rng, now)
            lead = (
                status == Article.Status.PUBLISHED
                and published_at is not None
                and timedelta(0) < now - published_at < timedelta(days=2)
                and rng.random() < 0.2
            )
            rows.append(
                Article(
                    title=title,
                    slug=f"{slugify(title)[:150].rstrip('-')}-{number}",
                    kicker=rng.choice(KICKERS) if rng.random() < 0.15 else "",
                    standfirst=standfirst,
                    body=body,
                    body_text=body_text,
                    excerpt=richtext.excerpt(standfirst.strip() or body_text, EXCERPT_WORDS)[:400],
                    section=rng.choices(sections, section_weights)[0],
                    status=status,
                    published_at=published_at,
                    is_featured=lead,
                )
            )
            extras.append((topics, pick_authors(rng, desks, persons)))
        with transaction.atomic():
            Article.objects.bulk_create(rows)
            bylines, tagged = [], []
            for article, (topics, authors) in zip(rows, extras, strict=True):
                for position, author in enumerate(authors):
                    bylines.append(Byline(article=article, author=author, position=position))
                for tag in pick_tags(rng, tags, tag_weights, topic_tags, topics):
                    tagged.append(
                        TaggedItem(tag=tag, content_type=content_type, object_id=article.pk)
                    )
            Byline.objects.bulk_create(bylines)
            TaggedItem.objects.bulk_create(tagged)
        made += size
        elapsed = time.monotonic() - started
        print(
            f"generate: {existing + made}/{articles} articles ({made / elapsed:.0f}/s)",
            file=out,
        )
    ensure_persian_article()
    analyze(vacuum=True)
    print(f"generate: {made} articles made in {time.monotonic() - started:.1f} s", file=out)
    return made


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


def pick_tags(rng, tags, weights, topic_tags, topics):
    """2-4 tags: the main topic's own tag when there is one, then popular tags first."""
    count = rng.randint(2, 4)
    chosen = []
    main = topic_tags.get(topics[0].replace("-", " ").lower())
    if main is not None:
        chosen.append(main)
    for _ in range(20):  # bounded: duplicates are drawn again a few times at most
        if len(chosen) >= count:
            break
        tag = rng.choices(tags, weights)[0]
        if tag not in chosen:
            chosen.append(tag)
    return chosen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000, help="default: 10,000")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args(argv)
    if args.articles < 1 or args.batch_size < 1:
        parser.error("--articles and --batch-size must be positive")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ifp.settings")
    import django

    django.setup()
    generate(args.articles, seed=args.seed, batch_size=args.batch_size)


if __name__ == "__main__":
    main()
