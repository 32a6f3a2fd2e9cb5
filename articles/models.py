import functools
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Case, F, OuterRef, Prefetch, Q, Subquery, Value, When, signals
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Now
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_prose_editor.fields import ProseEditorField
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItem

from articles import editions, richtext
from core import persian
from core.db import prepared_cursor
from core.fields import CleanCharField, CleanTextField
from core.slugs import fill_slug
from core.tags import CleanTagManager
from core.urls import reverse
from staff.models import Author

# Words in the site's own paths: an article with one of these slugs could never be reached.
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "author",
        "authors",
        "beacon",
        "category",
        "corrections",
        "fa",
        "feed",
        "healthz",
        "live",
        "media",
        "news-sitemap.xml",
        "page",
        "preview",
        "robots.txt",
        "search",
        "sitemap.xml",
        "source",
        "static",
        "tag",
        "wp-admin",
        "wp-content",
        "wp-includes",
        "wp-json",
        "wp-login.php",
    }
)

EXCERPT_WORDS = 15

ADDRESS_TAKEN = (
    "The address /%(slug)s/ belongs to another article (as its address now, or as an "
    "old address that still takes readers to it); choose another slug."
)


def language_field(what):
    """The language a row is written in: which edition shows it (``articles.editions``)."""
    return models.CharField(
        max_length=8,
        choices=editions.LANGUAGE_CHOICES,
        default=editions.DEFAULT,
        db_default=editions.DEFAULT,
        help_text=f"The language {what} is written in: Persian ones appear in the Persian "
        "edition (/fa/), right to left.",
    )


def is_refused_article_slug(value):
    """Slugs an article cannot have: the site's own words, and numbers (the archives)."""
    return value.lower() in RESERVED_SLUGS or value.isdigit()


def validate_article_slug(value):
    if value.lower() in RESERVED_SLUGS:
        raise ValidationError(
            "“%(slug)s” is a reserved address on this site; choose another slug.",
            code="reserved",
            params={"slug": value},
        )
    if value.isdigit():
        raise ValidationError(
            "A slug made only of digits would clash with the date archives; add a word.",
            code="numeric",
        )


class Section(models.Model):
    """A section of the paper (a WordPress category). Every article belongs to one."""

    name = CleanCharField(max_length=80, unique=True, help_text="Shown in the navigation.")
    slug = models.SlugField(
        max_length=80,
        unique=True,
        allow_unicode=True,
        help_text="The last part of the section’s address, as in /category/your-slug/.",
    )
    description = CleanTextField(
        blank=True, help_text="One or two sentences shown at the top of the section page."
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order in the navigation and on the home page; lower comes first."
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        help_text="The section this one was nested under (WordPress's parent category). "
        "Sections are flat on the site; the parent is kept for the record and old links.",
    )
    language = language_field("the section's name")

    class Meta:
        ordering = ("position", "name")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        fill_slug(self, self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return editions.url(self.language, "section", slug=self.slug)


# Columns only search reads: never loaded for pages.
SEARCH_COLUMNS = (
    "body_text",
    "search_title",
    "search_standfirst",
    "search_body",
    "search_vector",
    "search_head",
)


def public_q(prefix=""):
    """The condition of ``published()``, for a query that reaches articles through
    ``prefix`` (e.g. ``"articles__"`` from a section)."""
    return Q(
        **{
            f"{prefix}status": Article.Status.PUBLISHED,
            f"{prefix}published_at__lte": timezone.now(),
        }
    )


def public_sql(alias, now):
    """The condition of ``published()`` on the articles of table alias ``alias`` for the
    queries written as SQL: ``(sql, params)``, ``now`` being the request's clock."""
    now = connection.ops.adapt_datetimefield_value(now)
    return (f"{alias}.status = %s AND {alias}.published_at <= %s", [Article.Status.PUBLISHED, now])


def in_hand(now=None):
    """The work in hand of ``newsroom_order``: drafts, articles in review and scheduled
    ones (to go out after ``now``, an aware datetime; the database's clock if None)."""
    return Q(status__in=(Article.Status.DRAFT, Article.Status.REVIEW)) | Q(
        status=Article.Status.PUBLISHED, published_at__gt=Now() if now is None else now
    )


# ``newsroom_order``'s two runs, each by itself: the work in hand by last change, the rest
# by publication time; both newest first, then by id as the admin's list adds.
IN_HAND_ORDER = (F("updated_at").desc(nulls_last=True), "-pk")
REST_ORDER = (F("published_at").desc(nulls_last=True), "-pk")


def newsroom_ordering():
    """``ArticleQuerySet.newsroom_order`` as order_by expressions (the admin's list sorts
    by them until a column is chosen)."""
    hand = in_hand()
    first = Case(When(hand, then=Value(0)), default=Value(1))
    when = Case(When(hand, then=F("updated_at")), default=F("published_at"))
    return (first.asc(), when.desc(nulls_last=True))


# The columns an article card shows (``includes/macros.html``'s ``article_card`` and the
# home page's lead): its address (slug, language), headline, kicker, summary, time and
# picture. Everything else stays in the database on the list pages.
CARD_FIELDS = ("slug", "language", "title", "kicker", "standfirst", "excerpt", "published_at")


class BylineName(NamedTuple):
    """An author as a card's byline shows them: a link to their page, and their name."""

    slug: str
    name: str


def read_byline_names(articles):
    """Give each of ``articles`` its ``byline_authors`` as ``BylineName``s, in byline
    order and without translators, in one query whatever their number; the cards of a
    list need nothing else of an author.

    Written as SQL: rows of three strings, where ``prefetch_related`` built a byline and an
    author model for each (about a fifth of a section page's Python calls)."""
    names = {article.pk: [] for article in articles}
    if not names:
        return articles
    with prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT byline.article_id, author.slug, author.name"
            f" FROM {Byline._meta.db_table} byline"
            f" JOIN {Author._meta.db_table} author ON author.id = byline.author_id"
            f" WHERE byline.article_id IN ({', '.join(['%s'] * len(names))})"
            " AND byline.role <> %s ORDER BY byline.position, byline.id",
            [*names, "translator"],
        )
        for article_id, slug, name in cursor.fetchall():
            names[article_id].append(BylineName(slug, name))
    for article in articles:
        article.__dict__["byline_names"] = names[article.pk]
    return articles


def bylines_prefetch():
    """The prefetch of articles' bylines with their authors (``Article.byline_authors``),
    for ``prefetch_related`` or ``prefetch_related_objects``."""
    return Prefetch("bylines", queryset=Byline.objects.select_related("author"))


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What a reader may see: status published and ``published_at`` not in the future.

        The one definition of "public". Scheduled articles appear by themselves once
        their time has come, because every read goes through here.
        """
        return self.filter(public_q())

    def scheduled(self):
        """Published articles whose time has not come: they appear by themselves then."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())

    def drafts(self):
        return self.filter(status=Article.Status.DRAFT)

    def in_review(self):
        return self.filter(status=Article.Status.REVIEW)

    def unpublished(self):
        return self.filter(status=Article.Status.UNPUBLISHED)

    def with_pending_edits(self):
        """Articles with a writer's change awaiting an editor's decision."""
        return self.filter(pending_edits__state=PendingEdit.State.PENDING).distinct()

    def newsroom_order(self):
        """The newsroom's list order: the work in hand first (drafts, articles in review and
        scheduled ones, by last change), then the rest by publication time, newest first."""
        return self.order_by(*newsroom_ordering())

    def sent_back(self):
        """Drafts an editor sent back with a note, until they are submitted again: the
        latest step of each was "send back". Each carries that step's ``sent_back_note``,
        ``sent_back_at`` and ``sent_back_by`` (the editor's username), from one subquery
        each, so a list of them costs one query."""
        latest = WorkflowEvent.objects.filter(article=OuterRef("pk")).order_by("-at", "-id")
        return (
            self.drafts()
            .annotate(
                last_step=Subquery(latest.values("action")[:1]),
                sent_back_note=Subquery(latest.values("note")[:1]),
                sent_back_at=Subquery(latest.values("at")[:1]),
                sent_back_by=Subquery(latest.values("actor__username")[:1]),
            )
            .filter(last_step="send_back")
        )

    def owned_by(self, user):
        """A writer's own articles: the ones they created, and the ones under their
        byline. The one definition of "mine" (``workflow.is_owner`` asks it of one
        article; the dashboard and ``visible_to`` list it)."""
        if user.pk is None:
            return self.none()
        bylined = Byline.objects.filter(author__user=user).values("article_id")
        return self.filter(Q(created_by=user) | Q(pk__in=bylined))

    def visible_to(self, user):
        """What ``user`` may read, in the newsroom and on the site: editors every article;
        writers (and other staff who may see articles) what readers see plus their own
        drafts, articles in review, scheduled and unpublished ones, never a colleague's;
        everyone else what readers see.

        The one rule for every admin page of articles (the list, change form, versions,
        compare, share, pending changes), the site's preview and the dashboard."""
        from articles import workflow

        if workflow.sees_every_article(user):
            return self.all()
        if user.is_authenticated and (
            user.has_perm("articles.change_article") or user.has_perm("articles.view_article")
        ):
            return self.filter(public_q() | Q(pk__in=self.owned_by(user).values("pk")))
        return self.published()

    def in_language(self, code):
        """The articles of one edition (``articles.editions``)."""
        return self.filter(language=code)

    def for_listing(self):
        """A list of article cards: section and ordered bylines joined, the long text
        columns left in the database."""
        return self.with_bylines().defer("body", *SEARCH_COLUMNS)

    def for_page(self):
        """The article page's row with its section, picture, source outlet and live story
        (if it is one: ``live``) joined; its bylines, tags and corrections come from
        ``page_relations``."""
        return self.select_related("section", "image", "source_outlet", "live_story").defer(
            *SEARCH_COLUMNS
        )

    def with_translation(self):
        """Each article with the address parts of its published translation, if any
        (``translation_slug``, ``translation_language``): the one it translates, or one
        that translates it, the newest if several. A subquery of the same read, so a page
        costs no query more.

        Written as SQL: the ORM's two subqueries with ``OuterRef`` cost the article page
        about a tenth of its render to build and compile, for a statement that never
        changes. The rule of ``published()`` is repeated here (status and time)."""
        table = connection.ops.quote_name(Article._meta.db_table)
        other = _translation_other(table)
        params = _translation_params(timezone.now())
        return self.annotate(
            translation_slug=RawSQL(f"SELECT other.slug {other}", params),
            translation_language=RawSQL(f"SELECT other.language {other}", params),
        )

    def at_address(self, slug):
        """The articles the address /``slug``/ leads to: the one whose slug it is, and
        the one it redirects to (an old slug or a WordPress permalink it used to have).

        The one rule of who owns an address: an article may take a slug only when no
        other article is found here (``Article.clean``, restores and approvals)."""
        # The two owners as one UNION of two index lookups (the slug's, the old path's):
        # as "slug = … OR id IN (redirected)" PostgreSQL read every article to test the
        # OR (0.9 s on a million articles, on every save of an article).
        table, redirects = Article._meta.db_table, Redirect._meta.db_table
        owners = RawSQL(
            f"SELECT owner.id FROM {table} owner WHERE owner.slug = %s"
            f" UNION ALL SELECT redirect.article_id FROM {redirects} redirect"
            " WHERE redirect.old_path = %s AND redirect.article_id IS NOT NULL",
            [slug, f"/{slug}/"],
        )
        return self.filter(pk__in=owners)

    def with_bylines(self):
        return self.select_related("section", "image").prefetch_related(bylines_prefetch())


def article_address(language, slug):
    """The address of the article ``slug`` of the edition ``language``: /<slug>/, or
    /fa/<slug>/ for a Persian one (``Article.get_absolute_url``, for rows read without a
    model). Not remembered by ``core.urls.reverse``: lists name articles by the
    thousand (``core.urls.reverse_text``)."""
    return editions.slug_url(language, "detail", slug)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Unpublished"

    title = CleanCharField(max_length=250, help_text="The headline.")
    slug = models.SlugField(
        max_length=200,
        unique=True,
        allow_unicode=True,
        validators=[validate_article_slug],
        help_text="The last part of the article’s address, as in /your-slug/. Renaming it "
        "keeps the old address working (it redirects).",
    )
    kicker = CleanCharField(
        max_length=60,
        blank=True,
        help_text="A short label above the headline, such as “IFP Exclusive” or “Analysis”.",
    )
    standfirst = CleanTextField(
        blank=True,
        help_text="One or two sentences under the headline. When empty, lists show the "
        "body's first words instead.",
    )
    seo_title = CleanCharField(
        "search engine title",
        max_length=200,
        blank=True,
        help_text="The page title search engines show, when it should differ from the "
        "headline (Yoast's SEO title on imported articles).",
    )
    seo_description = CleanCharField(
        "search engine description",
        max_length=320,
        blank=True,
        help_text="The summary search engines show; the standfirst when empty.",
    )
    source_outlet = models.ForeignKey(
        "Outlet",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        help_text="The outlet this story is based on (“Kayhan”, “IRNA”): shown under the "
        "headline as “Source: …” and listed on the outlet's own page, /source/<slug>/.",
    )
    source_url = models.URLField(
        "original URL",
        max_length=500,
        blank=True,
        help_text="The address of the original story; the “Source” line links to it.",
    )
    source_language = models.CharField(
        "original language",
        max_length=10,
        blank=True,
        choices=[("fa", "Persian"), ("ar", "Arabic"), ("en", "English"), ("tr", "Turkish")],
        help_text="The language the original story was written in.",
    )
    body = ProseEditorField(
        config=richtext.BODY_EDITOR_CONFIG,
        sanitize=richtext.sanitize_body,
        blank=True,
        help_text="The story. Headings, bold, italic, links, lists and quotes.",
    )
    body_text = models.TextField(
        blank=True,
        editable=False,
        help_text="Derived on save: the body's words without markup, for search.",
    )
    excerpt = models.CharField(
        max_length=400,
        blank=True,
        editable=False,
        help_text="Derived on save from the standfirst, or else the body: its first words.",
    )
    section = models.ForeignKey(
        Section,
        on_delete=models.PROTECT,
        related_name="articles",
        help_text="The section the article is filed in.",
    )
    authors = models.ManyToManyField(
        "staff.Author", through="Byline", related_name="articles", blank=True
    )
    tags = TaggableManager(
        blank=True,
        manager=CleanTagManager,
        help_text="Topics, people and places, comma-separated.",
    )
    is_featured = models.BooleanField(
        "lead story",
        default=False,
        help_text="Lead the home page with this article while it is the newest lead story.",
    )
    image = models.ForeignKey(
        "images.Image",
        verbose_name="featured image",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        help_text="Shown at the top of the article and on cards. Choose from the image "
        "library, or add a new picture with +.",
    )
    image_caption = CleanCharField(
        "caption",
        max_length=300,
        blank=True,
        help_text="Printed under the picture on this article. Left empty, the library's "
        "caption is used.",
    )
    status = models.CharField(
        max_length=12,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Readers see the article only when it is published and its publication "
        "time has come; a future time schedules it.",
    )
    published_at = models.DateTimeField(
        "publication time",
        null=True,
        blank=True,
        help_text="When readers first see the article. Left empty, publishing sets it to now.",
    )
    content_updated_at = models.DateTimeField(
        "updated",
        null=True,
        blank=True,
        editable=False,
        help_text="The public “Updated” time: moved only by a correction, clarification or "
        "update, never by a typo fix.",
    )
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Counts saves; a save based on an older count is refused (no lost edits).",
    )
    language = language_field("the article")
    translation_of = models.ForeignKey(
        "self",
        verbose_name="translation of",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="translations",
        help_text="The article in the other language this one translates (or that "
        "translates it): each page then links to the other.",
    )
    # What search matches, on every database: headline, standfirst and body text folded by
    # core.persian.fold on save (Arabic and Persian spellings of a letter as one, no
    # zero-width non-joiners or vowel marks), so text and queries compare alike.
    search_title = models.TextField(blank=True, editable=False, default="", db_default="")
    search_standfirst = models.TextField(blank=True, editable=False, default="", db_default="")
    search_body = models.TextField(blank=True, editable=False, default="", db_default="")
    # Full-text search on PostgreSQL: filled by a database trigger from the search_* columns
    # with the article's language's configuration, indexed with GIN; unused elsewhere.
    search_vector = SearchVectorField(null=True, editable=False)
    # The headline and standfirst part of it alone (a few hundred bytes, kept in the row):
    # what search ranks its candidates by, without reading the body's vector again.
    search_head = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ("-published_at", "-id")
        get_latest_by = "published_at"
        permissions = [
            ("publish_article", "Can publish, schedule, unpublish and send back articles"),
            ("edit_any_article", "Can edit articles of any writer, live ones directly"),
        ]
        indexes = [
            # published() filters on status and sorts by published_at on every public page.
            models.Index(fields=["status", "-published_at"], name="article_public_idx"),
            # The count of published articles (the sitemap index's), read in the table's
            # order: by publication time it looked up rows all over the table.
            models.Index(
                fields=["id"],
                condition=models.Q(status="published", published_at__isnull=False),
                name="article_published_id_idx",
            ),
            # One edition's published articles (every list of the home page, its count, the
            # section blocks' cut-off, and what the smaller edition's tag sitemap starts
            # from: its few articles, not every tagged item of the site): read from the
            # index alone, newest first.
            models.Index(
                fields=["language", "status", "-published_at", "-id"], name="article_edition_idx"
            ),
            # Section pages: one section's published articles, newest first, and their
            # count read from the index alone (the language, which every public list
            # also filters on, is in it: without it the count read the whole table).
            models.Index(
                fields=["section", "status", "-published_at", "-id", "language"],
                name="article_section_list_idx",
            ),
            # The article desk's list past the work in hand: every article by publication
            # time, newest first (``IN_HAND_ORDER``/``REST_ORDER``, articles.admin_display).
            models.Index(
                F("published_at").desc(nulls_last=True), F("id").desc(), name="article_desk_idx"
            ),
            # The article sitemap's <lastmod> in the index: the newest of this expression.
            models.Index(
                F("status"),
                Coalesce("content_updated_at", "published_at").desc(),
                name="article_lastmod_idx",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Text fields clean themselves (core.fields); the slug is derived only when missing.
        fill_slug(self, self.title, refused=is_refused_article_address)
        self.set_body(self.body)
        source = self.standfirst.strip() or self.body_text
        self.excerpt = richtext.excerpt(source, EXCERPT_WORDS)[:400]
        self.fill_search_text()
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now().replace(microsecond=0)
        if self.pk is not None and not kwargs.get("update_fields"):
            self.version += 1
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return article_address(self.language, self.slug)

    def clean(self):
        super().clean()
        if self.slug and self.address_taken(self.slug):
            # "unique": an address is unique to one article, old addresses included.
            taken = ValidationError(ADDRESS_TAKEN, code="unique", params={"slug": self.slug})
            raise ValidationError({"slug": taken})
        if self.slug and Page.objects.filter(slug=self.slug).exists():
            raise ValidationError({"slug": "A standing page has this address already."})

    @classmethod
    def from_db(cls, db, field_names, values, *args, **kwargs):
        # *args/**kwargs: Django 6.1 passes fetch_mode.
        instance = super().from_db(db, field_names, values, *args, **kwargs)
        instance.remember_loaded()
        return instance

    def remember_loaded(self):
        # Remembered so that a slug change can leave a redirect, and a draft's save need
        # not empty the page cache (articles.signals).
        self._loaded_slug = self.__dict__.get("slug")
        self._loaded_status = self.__dict__.get("status")

    def address_taken(self, slug):
        """Whether /``slug``/ belongs to another article, as its address or as an old
        address that still takes readers to it; an article may take back its own."""
        return Article.objects.at_address(slug).exclude(pk=self.pk).exists()

    def fill_search_text(self):
        """Derive the columns search matches from the headline and standfirst (``set_body``
        derives the body's)."""
        self.search_title = persian.fold(self.title)
        self.search_standfirst = persian.fold(self.standfirst)

    @property
    def edition(self):
        return editions.get(self.language)

    @property
    def translation_url(self):
        """The address of the published translation (``with_translation``), or ""."""
        slug = getattr(self, "translation_slug", None)
        if not slug:
            return ""
        return editions.url(self.translation_language, "detail", slug=slug)

    def set_body(self, html):
        """Sanitize ``html`` into the body, and derive the search text from it."""
        self.body = richtext.sanitize_body(html)
        self.body_text = richtext.plain_text(self.body)
        self.search_body = persian.fold(self.body_text)

    @property
    def byline_authors(self):
        """The authors in byline order (from the prefetch that ``for_listing`` sets up,
        or as names from ``read_byline_names`` on the card lists); translators are
        credited apart, not in the byline."""
        if "byline_names" in self.__dict__:
            return self.__dict__["byline_names"]
        return [byline.author for byline in self.bylines.all() if byline.role != "translator"]

    @property
    def figure_caption(self):
        """The featured picture's caption here: the article's own, else the library's."""
        if self.image_id is None:
            return ""
        return self.image_caption or self.image.caption

    @property
    def summary(self):
        return self.standfirst or self.excerpt

    def is_published(self):
        """Whether readers can see the article now (the instance form of ``published()``)."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def state(self):
        """The status as the newsroom says it: a published article not yet out is scheduled."""
        if self.is_scheduled():
            return "scheduled"
        return self.status


class Byline(models.Model):
    """One author of one article, in the order the byline prints them."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    # Indexed by byline_author_article_idx, which begins with the author.
    author = models.ForeignKey(
        "staff.Author", on_delete=models.PROTECT, related_name="bylines", db_index=False
    )
    position = models.PositiveSmallIntegerField(default=0)
    role = models.CharField(
        max_length=20,
        choices=[("author", "Author"), ("translator", "Translator")],
        default="author",
        blank=True,
        help_text="A translator is credited as “Translated by” and in the JSON-LD's "
        "translator, not in the byline.",
    )

    class Meta:
        ordering = ("position", "id")
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="byline_unique_author"),
        ]
        indexes = [
            # An author's bylines (the author's page, the sitemap's "has a published
            # article"), each with its article: such a question stops at the first.
            models.Index(fields=["author", "article"], name="byline_author_article_idx"),
        ]

    def __str__(self):
        return f"{self.author} on {self.article}"


class WorkflowEvent(models.Model):
    """One transition of an article: who moved it from which state to which, when, and why.

    Written only by ``articles.workflow``; read-only everywhere else."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=12, choices=Article.Status.choices)
    to_status = models.CharField(max_length=12, choices=Article.Status.choices)
    note = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-at", "-id")

    def __str__(self):
        return f"{self.article}: {self.from_status} → {self.to_status}"


class PendingEditQuerySet(models.QuerySet):
    def awaiting_review(self):
        return self.filter(state=PendingEdit.State.PENDING)

    def of(self, *, article, user):
        """``user``'s change to ``article`` awaiting review: at most one (``services``
        updates it with each of her saves); her form starts from it."""
        return self.awaiting_review().filter(article=article, proposed_by=user)


class PendingEdit(models.Model):
    """Changes proposed to a live article. The live page stays as it is until an editor
    approves; approval applies them in one transaction."""

    class State(models.TextChoices):
        PENDING = "pending", "Awaiting review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="pending_edits")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    base_version = models.PositiveIntegerField(
        help_text="The article's version the changes were made against."
    )
    data = models.JSONField(help_text="The proposed content, field by field.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="The editor's note on the decision.")

    objects = PendingEditQuerySet.as_manager()

    class Meta:
        ordering = ("-proposed_at", "-id")
        verbose_name = "pending change"

    def __str__(self):
        return f"Changes to “{self.article}” proposed {self.proposed_at:%Y-%m-%d %H:%M}"


class Autosave(models.Model):
    """The text a user was typing in an article's form, sent by the browser at least every
    30 seconds while it changes and when the page is left (``static/admin-newsroom/
    autosave.js``), kept until that user saves the article or discards it. One per user
    and article; ``article`` is empty for the article a user is writing in the add form
    (one per user)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="autosaves"
    )
    data = models.JSONField(help_text="The form's fields as typed: field name to text.")
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("user", "article"),
                condition=Q(article__isnull=False),
                name="one_autosave_per_user_and_article",
            ),
            models.UniqueConstraint(
                fields=("user",),
                condition=Q(article__isnull=True),
                name="one_new_article_autosave_per_user",
            ),
        )

    def __str__(self):
        return f"Text typed by {self.user} at {self.saved_at:%Y-%m-%d %H:%M}"


class EditLockQuerySet(models.QuerySet):
    def held(self):
        """Locks whose holder's browser said it is still editing within
        ``EditLock.EXPIRES_AFTER``: an older one has expired by itself (a closed tab, a
        lost connection) and binds no one."""
        return self.filter(heartbeat_at__gt=timezone.now() - EditLock.EXPIRES_AFTER)


class EditLock(models.Model):
    """Who has an article's form open, as WordPress's post lock: a soft lock, renewed by a
    heartbeat of the open form every 30 seconds and released when the page is left.
    Another user opening the article is told who and since when, and may take over or
    read; nothing is refused because of it (a stale save still is, by its version)."""

    EXPIRES_AFTER = timedelta(seconds=150)

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="edit_lock"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(default=timezone.now, help_text="When this user took it.")
    heartbeat_at = models.DateTimeField(
        default=timezone.now, help_text="When the holder's open form last said so."
    )

    objects = EditLockQuerySet.as_manager()

    class Meta:
        verbose_name = "edit lock"

    def __str__(self):
        return f"{self.user} editing “{self.article}” since {self.since:%Y-%m-%d %H:%M}"


class Correction(models.Model):
    """A dated notice appended to a published article. Only these move its public
    “Updated” time."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"
        UPDATE = "update", "Update"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(
        max_length=15,
        choices=Kind.choices,
        default=Kind.CORRECTION,
        help_text="A correction fixes an error of fact; a clarification adds missing context; "
        "an update reports new developments.",
    )
    text = CleanTextField(help_text="What was wrong and what is right, in plain words.")
    published_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ("published_at", "id")

    def __str__(self):
        return f"{self.get_kind_display()} to “{self.article}”"


class Redirect(models.Model):
    """An old address (a previous slug, a WordPress permalink, attachment page or page
    address). It answers 301 to the article's or the standing page's current address; a
    row with neither is an address that is gone for good, and answers 410."""

    old_path = models.CharField(max_length=500, unique=True)
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="redirects", null=True, blank=True
    )
    page = models.ForeignKey(
        "Page", on_delete=models.CASCADE, related_name="redirects", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("old_path",)
        constraints = [
            models.CheckConstraint(
                condition=Q(article__isnull=True) | Q(page__isnull=True),
                name="redirect_to_one_target",
            )
        ]

    def __str__(self):
        target = self.article or self.page
        return f"{self.old_path} → {target.get_absolute_url() if target else '410 Gone'}"


def is_refused_page_slug(slug):
    """A page's address may be neither a reserved word nor an article's."""
    return is_refused_article_slug(slug) or Article.objects.filter(slug=slug).exists()


def is_refused_article_address(slug):
    """A derived article slug may be neither a reserved word nor a standing page's."""
    return is_refused_article_slug(slug) or Page.objects.filter(slug=slug).exists()


class PageQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Page.Status.PUBLISHED)


class Page(models.Model):
    """A standing page of the site (About, Contact, Editorial standards…), at /<slug>/
    beside the articles; an article and a page never share a slug."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = CleanCharField(max_length=250)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        allow_unicode=True,
        blank=True,
        validators=[validate_article_slug],
        help_text="The page's address, as in /about/; made from the title when empty.",
    )
    body = ProseEditorField(
        config=richtext.BODY_EDITOR_CONFIG,
        sanitize=richtext.sanitize_body,
        blank=True,
        help_text="Headings, bold, italic, links, lists and quotes.",
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Readers see published pages only.",
    )
    language = language_field("the page")
    role = models.CharField(
        max_length=20,
        choices=[
            ("about", "About"),
            ("contact", "Contact"),
            ("standards", "Editorial standards"),
            ("corrections", "Corrections policy"),
            ("ownership", "Ownership and funding"),
        ],
        blank=True,
        help_text="The standing page this is, if any: a published one is linked from every "
        "page's footer and named in the publisher's JSON-LD (Trust Project properties). "
        "One page per role in each language: the Persian edition's footer links its own, "
        "or the English one where it has none.",
    )
    wp_id = models.PositiveBigIntegerField(
        "WordPress page id",
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="The WordPress page this one was imported from (re-imports update it).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ("title",)
        constraints = [
            models.UniqueConstraint(
                fields=["role", "language"],
                condition=~Q(role=""),
                name="page_unique_role_language",
                violation_error_message="Another page in this language has this role already.",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        fill_slug(self, self.title, refused=is_refused_page_slug)
        self.body = richtext.sanitize_body(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return editions.url(self.language, "detail", slug=self.slug)

    def clean(self):
        if self.slug and Article.objects.filter(slug=self.slug).exists():
            raise ValidationError({"slug": "An article has this address already."})


class Comment(models.Model):
    """A reader's comment, kept from the WordPress archive (approved ones only) so that
    none is lost; the site does not show comments yet. Commenters' e-mail and IP
    addresses are deliberately not kept."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    author_name = CleanCharField(max_length=250, blank=True)
    author_url = models.CharField(max_length=500, blank=True)
    text = CleanTextField()
    published_at = models.DateTimeField()
    wp_id = models.PositiveBigIntegerField("WordPress comment id", null=True, unique=True)

    class Meta:
        ordering = ("published_at", "id")

    def __str__(self):
        return f"{self.author_name or 'Anonymous'} on “{self.article}”"


class ImportedPost(models.Model):
    """Which WordPress post an article came from: re-importing the same export updates
    the article instead of making a second one, and ?p=<id> links keep working."""

    wp_id = models.PositiveBigIntegerField("WordPress post id", unique=True)
    guid = models.CharField(max_length=500, blank=True, db_index=True)
    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="imported")
    imported_version = models.PositiveIntegerField(
        default=0,
        help_text="The article's version right after the import; if the newsroom has "
        "saved it since, a re-import leaves it alone.",
    )
    other_languages = models.JSONField(
        default=dict,
        blank=True,
        help_text="The post's text in its other languages, from a multilingual plugin's "
        "markers ([:fa]…): {language: {title, standfirst, body}}, kept for a translation.",
    )
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("wp_id",)

    def __str__(self):
        return f"WordPress post {self.wp_id} → {self.article}"


class ShareLinkQuerySet(models.QuerySet):
    def active(self):
        """Links that still open their preview: neither revoked nor expired."""
        return self.filter(revoked_at=None, expires_at__gt=timezone.now())


class ShareLink(models.Model):
    """A link to an article's preview for a reviewer without an account (articles.preview).

    Only a hash of its token is stored, and only the token's first characters are ever
    written to a log. Revoked by an editor, or by publishing the article: a published
    article is read at its own address, and unpublishing it does not revive old links."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="share_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=12, editable=False, help_text="The token's first characters, as logs show it."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self):
        return f"Share link {self.prefix}… to “{self.article}”"


class Outlet(models.Model):
    """A news outlet that stories are based on (“Kayhan”, “IRNA”): each has a page listing
    the published stories that name it as their source, /source/<slug>/."""

    name = CleanCharField(max_length=120, unique=True, help_text="The outlet's name.")
    slug = models.SlugField(
        max_length=120,
        unique=True,
        allow_unicode=True,
        blank=True,
        help_text="The outlet page's address, as in /source/kayhan/; made from the name.",
    )
    website = models.URLField(blank=True, help_text="The outlet's home page, if any.")

    class Meta:
        ordering = ("name",)

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        fill_slug(self, self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:source", kwargs={"slug": self.slug})


class AlertQuerySet(models.QuerySet):
    def live(self, now=None):
        """Alerts readers see now: not yet expired."""
        return self.filter(expires_at__gt=now or timezone.now())


class Alert(models.Model):
    """A breaking-news alert shown at the top of every page until it expires."""

    class Level(models.TextChoices):
        # Lazy: the label readers see is in the language of the page's edition.
        BREAKING = "breaking", gettext_lazy("Breaking news")
        DEVELOPING = "developing", gettext_lazy("Developing story")
        NOTICE = "notice", gettext_lazy("Notice")

    text = CleanCharField(max_length=200, help_text="One short sentence, shown on every page.")
    link = models.CharField(
        max_length=500,
        blank=True,
        help_text="Where the alert leads: a path on this site (/some-story/) or an "
        "https:// address; optional.",
    )
    level = models.CharField(
        max_length=20,
        choices=Level.choices,
        default=Level.BREAKING,
        help_text="Breaking news is shown in red; the others in the site's dark colour.",
    )
    language = models.CharField(
        max_length=8,
        blank=True,
        db_default="",
        choices=editions.LANGUAGE_CHOICES,
        help_text="The edition that shows the alert, in its language; blank: every edition.",
    )
    expires_at = models.DateTimeField(
        help_text="When the alert disappears by itself, from every page and every cache."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self):
        return self.text

    def clean(self):
        link = self.link.strip()
        if link and not (link.startswith("/") and not link.startswith("//")):
            if not link.startswith("https://"):
                raise ValidationError(
                    {"link": "Give a path on this site (/some-story/) or an https:// address."}
                )
        self.link = link


class ArticleViews(models.Model):
    """How many readers read an article in one hour (UTC, the hour's start): what the
    reader pages' beacon counted (articles/most_read.py), one reader once a day. No
    reader's address or identity is stored, here or anywhere."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="views")
    hour = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "article views"
        constraints = [
            models.UniqueConstraint(fields=["article", "hour"], name="article_views_unique_hour")
        ]
        # Most read sums the last day's or week's rows.
        indexes = [models.Index(fields=["hour"], name="article_views_hour_idx")]

    def __str__(self):
        return f"{self.article_id} at {self.hour:%Y-%m-%d %H}:00: {self.count}"


class ContentGeneration(models.Model):
    """The site-wide content generation of the page cache (articles.page_cache), when no
    shared cache holds it: one row, whose number every public change increments."""

    number = models.PositiveBigIntegerField(default=1)

    def __str__(self):
        return f"content generation {self.number}"


def _stored_attnames(model, leave_out=()):
    return {
        field.attname
        for field in model._meta.concrete_fields
        if field.attname not in leave_out and field.name not in leave_out
    }


def page_article(slug, now=None):
    """The published article whose slug is ``slug``, as a reader's article page reads it:
    ``Article.objects.published().for_page().with_translation().get(slug=slug)`` made in
    one statement written once a process, or None when there is none.

    The article page is the site's most read page, and the ORM spends about a quarter of
    its uncached render building and compiling this statement (four joins, two
    subqueries) on every request, for a statement that never changes: here it is
    written once, and the joined rows (section, picture, source outlet, live story) are
    made into the relations' objects as ``select_related`` would, each value converted by
    the field's own converters. Staff (previews) still read through the ORM."""
    from live.models import LiveStory

    now = now or timezone.now()
    sql, parts = _page_article_statement(connection.vendor)
    with prepared_cursor() as cursor:
        translation = _translation_params(now)
        published = [Article.Status.PUBLISHED, connection.ops.adapt_datetimefield_value(now)]
        cursor.execute(sql, [*translation, *translation, slug, *published])
        row = cursor.fetchone()
    if row is None:
        return None
    start, made = 0, {}
    for name, model, (_columns, names, convert) in parts:
        values = convert(row[start : start + len(names)])
        start += len(names)
        # An outer join that found nothing: its primary key is NULL.
        found = values[names.index(model._meta.pk.attname)] is not None
        made[name] = model.from_db(connection.alias, names, values) if found else None
    article = made.pop("article")
    article.translation_slug, article.translation_language = row[start], row[start + 1]
    article.has_corrections = bool(row[start + 2])
    for name in ("section", "image", "source_outlet"):
        Article._meta.get_field(name).set_cached_value(article, made[name])
    live = made["live_story"]
    Article._meta.get_field("live_story").set_cached_value(article, live)
    if live is not None:
        LiveStory._meta.get_field("article").set_cached_value(live, article)
    return article


@functools.cache
def _page_article_statement(vendor):
    """The statement of ``page_article`` and its parts, for the database ``vendor``."""
    from images.models import Image
    from live.models import LiveStory

    quote = connection.ops.quote_name
    parts = [
        (name, model, column_loader(model, alias, _stored_attnames(model, leave_out)))
        for name, model, alias, leave_out in (
            ("article", Article, "article", SEARCH_COLUMNS),
            ("section", Section, "section", ()),
            ("image", Image, "image", ()),
            ("source_outlet", Outlet, "outlet", ()),
            ("live_story", LiveStory, "live", ()),
        )
    ]
    select = ", ".join(loader[0] for _name, _model, loader in parts)
    table = Article._meta.db_table
    other = _translation_other("article")
    # Whether the article has any correction: most have none, and then the article page
    # does not read them (``page_relations``).
    corrected = (
        f"EXISTS (SELECT 1 FROM {quote(Correction._meta.db_table)} correction"
        " WHERE correction.article_id = article.id)"
    )
    sql = (
        f"SELECT {select}, (SELECT other.slug {other}), (SELECT other.language {other}),"
        f" {corrected} FROM {quote(table)} article"
        f" INNER JOIN {quote(Section._meta.db_table)} section"
        " ON section.id = article.section_id"
        f" LEFT OUTER JOIN {quote(Image._meta.db_table)} image ON image.id = article.image_id"
        f" LEFT OUTER JOIN {quote(Outlet._meta.db_table)} outlet"
        " ON outlet.id = article.source_outlet_id"
        f" LEFT OUTER JOIN {quote(LiveStory._meta.db_table)} live ON live.article_id = article.id"
        " WHERE article.slug = %s AND article.status = %s AND article.published_at <= %s"
    )
    return sql, parts


def _translation_other(outer):
    """The FROM … LIMIT 1 of the subquery that finds the published translation of the
    article ``outer`` names (``with_translation``); its parameters: ``_translation_params``."""
    table = connection.ops.quote_name(Article._meta.db_table)
    return (
        f"FROM {table} other WHERE (other.id = {outer}.translation_of_id"
        f" OR other.translation_of_id = {outer}.id)"
        f" AND other.language <> {outer}.language"
        " AND other.status = %s AND other.published_at <= %s"
        " ORDER BY other.published_at DESC, other.id DESC LIMIT 1"
    )


def _translation_params(now):
    return [Article.Status.PUBLISHED, connection.ops.adapt_datetimefield_value(now)]


class PageRelations(NamedTuple):
    authors: list
    tags: list
    corrections: list


def page_relations(article):
    """The article page's authors in byline order (each with its ``byline_role``: author
    or translator), its tags and its corrections: three plain reads, one per list,
    whatever their length; two for an article read by ``page_article`` that has no
    correction (its ``has_corrections``).

    Written as SQL, each row made into its model by ``column_loader``, because this is the
    hottest uncached read of the site: Django's ``prefetch_related`` builds the same three
    queries at four times the cost, and even ``raw()`` spends a thousand Python calls a
    page working out, again on every request, which column is which field."""
    authors, tags, corrections = _page_relation_statements(connection.vendor)
    content_type = ContentType.objects.get_for_model(Article).pk
    with prepared_cursor() as cursor:
        return PageRelations(
            _read_models(cursor, *authors, [article.pk], extra="byline_role"),
            _read_models(cursor, *tags, [content_type, article.pk]),
            _read_models(cursor, *corrections, [article.pk])
            if getattr(article, "has_corrections", True)
            else [],
        )


def _read_models(cursor, model, loader, sql, params, extra=None):
    """The rows of ``sql`` made into ``model``s by ``loader`` (``column_loader``); the
    column after the model's, when ``extra`` names it, set as that attribute."""
    _columns, names, convert = loader
    cursor.execute(sql, params)
    rows = cursor.fetchall()
    made = from_rows(model, names, [convert(row[: len(names)]) for row in rows])
    if extra:
        for instance, row in zip(made, rows, strict=True):
            setattr(instance, extra, row[len(names)])
    return made


@functools.cache
def _page_relation_statements(vendor):
    """``(model, loader, sql)`` of each of ``page_relations``' reads, for ``vendor``."""
    quote = connection.ops.quote_name
    author = column_loader(Author, "author", _stored_attnames(Author))
    tag = column_loader(Tag, "tag", {"id", "name", "slug"})
    correction = column_loader(Correction, "correction", _stored_attnames(Correction))
    return (
        (
            Author,
            author,
            f"SELECT {author[0]}, byline.role FROM {quote(Author._meta.db_table)} author"
            f" JOIN {quote(Byline._meta.db_table)} byline ON byline.author_id = author.id"
            " WHERE byline.article_id = %s ORDER BY byline.position, byline.id",
        ),
        (
            Tag,
            tag,
            f"SELECT {tag[0]} FROM {quote(Tag._meta.db_table)} tag"
            f" JOIN {quote(TaggedItem._meta.db_table)} item ON item.tag_id = tag.id"
            " WHERE item.content_type_id = %s AND item.object_id = %s ORDER BY tag.name, tag.id",
        ),
        (
            Correction,
            correction,
            f"SELECT {correction[0]} FROM {quote(Correction._meta.db_table)} correction"
            " WHERE correction.article_id = %s ORDER BY correction.published_at, correction.id",
        ),
    )


_loaders = {}


def column_loader(model, alias, attnames):
    """``(columns, names, convert)`` for reading ``model``'s fields ``attnames`` with SQL:
    the columns to select from table alias ``alias`` (in the model's field order), the
    fields' attribute names in that order, and a function that turns a row of those
    columns into the values the ORM would give them (the database's and the fields'
    converters: times from SQLite's text, JSON decoded…), for ``model.from_db``. Worked
    out once a process."""
    key = (model, alias, frozenset(attnames), connection.vendor)
    if key not in _loaders:
        _loaders[key] = _make_column_loader(model, alias, attnames)
    return _loaders[key]


def _make_column_loader(model, alias, attnames):
    fields = [field for field in model._meta.concrete_fields if field.attname in attnames]
    columns = ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in fields)
    steps = []
    for index, field in enumerate(fields):
        expression = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(expression)
        converters += field.get_db_converters(connection)
        if converters:
            steps.append((index, expression, converters))

    def convert(row):
        row = list(row)
        for index, expression, converters in steps:
            for converter in converters:
                row[index] = converter(row[index], expression, connection)
        return row

    return columns, [field.attname for field in fields], convert


def list_narrowing(kind, obj):
    """The articles of one section, tag or author (``kind``: "section", "tag" or
    "author"; ``obj`` the one) as a condition on table alias ``article`` for
    ``CardList``: ``(sql, params)``. A tag's and an author's articles are a subquery, not
    a join: PostgreSQL can then walk the newest published articles in index order and
    stop at a page's worth, where the join read every published article of the edition
    and sorted them (a common tag on 10,000 articles: 46 ms, now 11)."""
    if kind == "section":
        return "article.section_id = %s", [obj.pk]
    ids, params = listed_ids(kind, obj)
    return f"article.id IN ({ids})", params


def listed_ids(kind, obj):
    """The ids of the articles of one tag or author (``kind``: "tag" or "author"), of
    every edition and status, as a subquery: ``(sql, params)``."""
    if kind == "tag":
        tagged = (
            f"SELECT item.object_id FROM {TaggedItem._meta.db_table} item"
            " WHERE item.tag_id = %s AND item.content_type_id = %s"
        )
        return tagged, [obj.pk, ContentType.objects.get_for_model(Article).pk]
    if kind == "author":
        bylined = f"SELECT byline.article_id FROM {Byline._meta.db_table} byline"
        return f"{bylined} WHERE byline.author_id = %s", [obj.pk]
    raise ValueError(f"No list of articles by {kind!r}.")


def from_rows(model, names, rows):
    """``[model.from_db(connection.alias, names, values) for values in rows]`` for rows of
    the fields ``names`` (attribute names): the same instances (the fields not read are
    deferred), made without running ``Model.__init__``, which checks each of the model's
    fields (about 30 Python calls a row; a home page reads 45 rows). Through ``from_db``
    when something listens to the model's init signals (an image field's dimensions)."""
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return [model.from_db(connection.alias, names, values) for values in rows]
    remember = getattr(model, "remember_loaded", None)
    made = []
    for values in rows:
        instance = model.__new__(model)
        instance.__dict__.update(zip(names, values, strict=True))
        state = instance._state = ModelState()
        state.adding, state.db = False, connection.alias
        if remember is not None:
            instance.remember_loaded()
        made.append(instance)
    return made


def read_one(model, where, params):
    """The ``model`` (all of its fields) whose row meets ``where`` (SQL on the table alias
    ``found``, with ``params``), or None: one query, as ``get`` makes, without the ORM's
    building and compiling of it (about 600 Python calls, a tenth of a list page's)."""
    columns, names, convert = column_loader(model, "found", _stored_attnames(model))
    with prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {model._meta.db_table} found WHERE {where} LIMIT 2", params
        )
        rows = cursor.fetchall()
    if len(rows) > 1:
        raise model.MultipleObjectsReturned(f"More than one {model.__name__} meets {where}.")
    return from_rows(model, names, [convert(row) for row in rows])[0] if rows else None


class _Later:
    """A list read when it is first iterated or measured."""

    def __init__(self, read):
        self._read = read

    @cached_property
    def items(self):
        return self._read()

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)

    def __bool__(self):
        return bool(self.items)

    def __getitem__(self, index):
        return self.items[index]


# The most articles a list page pages through (100 pages of a section, 167 of the home
# page): the newest this many; the pager's count stops there (``CardList.count``).
LIST_DEPTH = 2000
# The most ids of a tag or author whose short list is read by id (``CardList.count_with``):
# each is read by primary key, about 7 ms a thousand on a million articles.
BY_ID_MOST = 2 * LIST_DEPTH


class CardList:
    """One edition's published articles as a list page's cards show them, newest first:
    ``Paginator``'s ``object_list``, whose ``count()`` and each slice (``[start:stop]``,
    a list of ``Article``s with ``CARD_FIELDS``, ``is_featured`` and their picture) are
    one SQL query each. ``where`` narrows it: SQL on the table alias ``article``, with
    ``params``.

    Written as SQL because these are the hottest uncached reads after the article page:
    the ORM spent more Python building and compiling a list page's count and page (about
    5,000 calls) than the page's cards cost to write."""

    ordered = True  # for Paginator: the order is the newsroom's, newest first
    ORDER = " ORDER BY article.published_at DESC, article.id DESC"

    def __init__(self, language, where="", params=(), now=None):
        self.now = now or timezone.now()
        self.language = language
        public, public_params = public_sql("article", self.now)
        self.where = f"{public} AND article.language = %s"
        self.params = [*public_params, language]
        # Which articles these are, but for the clock: the same in every request of a
        # content generation (``name``).
        self.selection = (language,)
        if where:
            self.where += f" AND ({where})"
            self.params += list(params)
            self.selection += (where, *params)
        # The condition and the ids' subquery of a list that may be read by id
        # (``narrowed_to``), and whether it is to be (``count_with``).
        self.few_where = None
        self.ids = None
        self.by_id = False

    def narrowed(self, where, params=()):
        """This list with only the articles that also meet ``where``."""
        narrower = CardList(self.language, now=self.now)
        narrower.where = f"{self.where} AND ({where})"
        narrower.params = [*self.params, *params]
        narrower.selection = (*self.selection, where, *params)
        return narrower

    def narrowed_to(self, kind, obj):
        """This list with only the articles of one section, tag or author (``kind`` and
        ``obj`` as for ``list_narrowing``).

        A tag's or an author's articles are read in the edition's index order, each
        checked against the tag's (or author's) ids, which stops after a page of a common
        tag but reads the whole index for a rare one: PostgreSQL's statistics cannot tell
        a tag of 3 articles from one of 2,000, and a million articles' index walked for a
        tag of 3 took 2.3 s a page. Once the list is known to be short (``count_with``),
        its pages are read from its ids instead (``= ANY(ARRAY(…))``: each id's row by
        primary key, then sorted), which costs what the tag's articles number."""
        narrower = self.narrowed(*list_narrowing(kind, obj))
        if kind != "section" and connection.vendor == "postgresql":
            ids, params = listed_ids(kind, obj)
            narrower.ids = (ids, params)
            narrower.few_where = (
                f"{self.where} AND (article.id = ANY(ARRAY({ids})))",
                [*self.params, *params],
            )
        return narrower

    def count_with(self, counted):
        """This list's ``count()`` as ``counted(name, count)`` gives it (read once a content
        generation: ``page_cache.count_of_generation``), learning from it how to read the
        list: by id when it holds fewer than ``LIST_DEPTH`` articles and its tag or author
        at most ``BY_ID_MOST`` ids in every edition and status (the ids are all read,
        so a tag of 1,500 English articles and 300,000 Persian ones keeps the walk)."""
        count = counted(self.name(), self.count)
        if self.ids is not None and count < LIST_DEPTH:
            self.by_id = counted(f"{self.name()} ids", self.count_ids) <= BY_ID_MOST
        return count

    def count_ids(self):
        """How many ids the list's tag or author has, in every edition and status, as far
        as ``BY_ID_MOST`` + 1: an index-only read of the tag's (author's) entries."""
        ids, params = self.ids
        with prepared_cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({ids} LIMIT {BY_ID_MOST + 1:d}) listed", params)
            return cursor.fetchone()[0]

    def reading(self):
        """``(where, params)`` of the statements that read this list's articles: by id
        when ``count_with`` found the list short, else ``where``."""
        if self.by_id:
            return self.few_where
        return self.where, self.params

    def name(self):
        """What these articles are, as a string, without the request's clock: two card
        lists of the same name in one content generation hold the same articles (which
        articles are public moves the generation, scheduled ones included)."""
        return repr(self.selection)

    def lead(self, max_age):
        """The lead story: the newest article marked as the lead if it is at most
        ``max_age`` old, else the newest; None on an empty list. Two index reads at most,
        never a sort of every article."""
        marked, params = self._newest_marked(max_age)
        leads = self.narrowed(f"article.id = ({marked})", params)[0:1] or self[0:1]
        return leads[0] if leads else None

    def lead_and_newest(self, count, max_age):
        """``(lead, [the newest count articles but the lead])`` in one query: the lead as
        ``lead`` chooses it, read with the newest ``count`` + 1 (their ids chosen by two
        index reads, then read by primary key, whatever the number of articles)."""
        marked, marked_params = self._newest_marked(max_age)
        newest, newest_params = self._newest("other.id", limit=count + 1)
        # The ids as a list of at most count + 2, which the planner sizes right: a range
        # from the newest's dates (as before) it guessed at a third of a million rows
        # and started parallel workers for 13 (64 ms, now under 1).
        rows = self.read(
            f" AND article.id IN (SELECT id FROM ({marked}) marked"
            f" UNION ALL SELECT id FROM ({newest}) newest){self.ORDER}",
            [*marked_params, *newest_params],
        )
        recent = self.now - max_age
        lead = next(
            (row for row in rows if row.is_featured and row.published_at >= recent),
            next(iter(rows), None),
        )
        return lead, [row for row in rows if row is not lead][:count]

    def _newest(self, column, where="", params=(), limit=1):
        """SQL of ``column`` of this edition's newest ``limit`` published articles (alias
        ``other``) that meet ``where``, and its params: a subquery."""
        public, public_params = public_sql("other", self.now)
        sql = (
            f"SELECT {column} FROM {Article._meta.db_table} other"
            f" WHERE {public} AND other.language = %s{where}"
            " ORDER BY other.published_at DESC, other.id DESC LIMIT %s"
        )
        return sql, [*public_params, self.language, *params, limit]

    def _newest_marked(self, max_age):
        recent = connection.ops.adapt_datetimefield_value(self.now - max_age)
        return self._newest(
            "other.id", " AND other.is_featured = %s AND other.published_at >= %s", [True, recent]
        )

    def count(self):
        """How many of these articles a list pages through: all of them, but at most
        ``LIST_DEPTH``. The pager's last page always exists, and older articles are
        reached by the month archives, search and the sitemaps. Bounded so that no list
        page's cost grows with the archive: an exact count read every matching index
        entry (a million articles: 2.4 s for a section, 10 s for the home page)."""
        with prepared_cursor() as cursor:
            # The bound written into the statement, not a parameter: the plan PostgreSQL
            # keeps for a prepared statement then knows how far it reads.
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT 1 FROM {Article._meta.db_table} article"
                f" WHERE {self.where} LIMIT {LIST_DEPTH:d}) listed",
                self.params,
            )
            return cursor.fetchone()[0]

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step is not None or index.stop is None:
            raise TypeError("A card list is read a slice at a time.")
        start = index.start or 0
        limit = [max(0, index.stop - start), start]
        if start:
            # A deep page's articles chosen by their ids first: the OFFSET then skips index
            # entries only, where it read every skipped article's row (page 100 of a
            # common tag on a million articles: 316 ms, now 100; a section's: 86 ms, now 2).
            where, where_params = self.reading()
            tail = (
                f" AND article.id IN (SELECT article.id FROM {Article._meta.db_table} article"
                f" WHERE {where}{self.ORDER} LIMIT %s OFFSET %s){self.ORDER}"
            )
            params = [*where_params, *limit]
        else:
            tail, params = f"{self.ORDER} LIMIT %s OFFSET %s", limit
        # Read when first used, like a queryset's slice: the home page has its first
        # page's cards already, read with its lead.
        return _Later(lambda: self.read(tail, params))

    def read(self, tail="", params=()):
        """The articles of this list (with ``tail``, SQL after the WHERE, and its
        ``params``), their pictures joined."""
        from images.models import Image

        article_columns, names, convert = column_loader(
            Article, "article", {"id", *CARD_FIELDS, "is_featured", "image_id"}
        )
        image_columns, image_names, convert_image = column_loader(
            Image, "image", {"id", "file", "width", "height", "renditions"}
        )
        where, where_params = self.reading()
        sql = (
            f"SELECT {article_columns}, {image_columns} FROM {Article._meta.db_table} article"
            f" LEFT JOIN {Image._meta.db_table} image ON image.id = article.image_id"
            f" WHERE {where}{tail}"
        )
        width = len(names)
        with prepared_cursor() as cursor:
            cursor.execute(sql, [*where_params, *params])
            rows = cursor.fetchall()
        articles = from_rows(Article, names, [convert(row[:width]) for row in rows])
        pictured = [
            row
            for article, row in zip(articles, rows, strict=True)
            if article.image_id is not None
        ]
        images = iter(
            from_rows(Image, image_names, [convert_image(row[width:]) for row in pictured])
        )
        for article in articles:
            if article.image_id is not None:
                article.image = next(images)
        return articles


# What a compact card shows (no picture, summary or byline), and the article's section.
COMPACT_CARD_FIELDS = {"id", "slug", "language", "title", "kicker", "published_at", "section_id"}
# Before any article: the section blocks' cut-off on a site with fewer articles than that.
EARLIEST = datetime(1, 1, 1, tzinfo=UTC)


def section_blocks(language, *, exclude, window, size):
    """Each section's newest articles of edition ``language`` but ``exclude`` (an
    article or None): ``[(section, [article, …])]`` in the sections' order, ``size`` at
    most each, in one query however many sections there are.

    Ranked among the newest articles only, so the cost does not grow with the archive:
    those published since the ``window``-th newest (a range of the edition's index; a
    semi-join on their ids made PostgreSQL read the whole table instead). Written as SQL:
    the ORM compiles a filtered window as a query wrapped in another, which cost more
    Python than the rest of the home page's queries together. The articles carry the
    columns of a compact card only."""
    table, sections = Article._meta.db_table, Section._meta.db_table
    now = timezone.now()
    public, public_params = public_sql("article", now)
    newest_public, newest_params = public_sql("newest", now)
    columns, names, convert = column_loader(Article, "article", COMPACT_CARD_FIELDS)
    left_out = "AND article.id <> %s" if exclude is not None else ""
    chosen = (
        f"{public} AND article.language = %s {left_out}"
        " AND article.published_at >= COALESCE("
        f"(SELECT newest.published_at FROM {table} newest"
        f" WHERE {newest_public} AND newest.language = %s"
        " ORDER BY newest.published_at DESC, newest.id DESC LIMIT 1 OFFSET %s), %s)"
    )
    chosen_params = [
        *public_params,
        language,
        *([exclude.pk] if exclude is not None else []),
        *newest_params,
        language,
        window - 1,
        connection.ops.adapt_datetimefield_value(EARLIEST),
    ]
    if connection.vendor == "postgresql":
        # Each section's newest few read by the section's own index (a handful of rows
        # each), where ranking the window's articles read all of them (500 rows: most of
        # the query's time). SQLite has no LATERAL.
        sql = (
            "SELECT ranked.*, 0, section.name, section.slug, section.language"
            f" FROM {sections} section CROSS JOIN LATERAL (SELECT {columns}"
            f" FROM {table} article WHERE article.section_id = section.id AND {chosen}"
            " ORDER BY article.published_at DESC, article.id DESC LIMIT %s) ranked"
            " ORDER BY section.position, section.name, section.id,"
            " ranked.published_at DESC, ranked.id DESC"
        )
    else:
        sql = (
            "SELECT ranked.*, section.name, section.slug, section.language FROM"
            f" (SELECT {columns}, ROW_NUMBER() OVER (PARTITION BY article.section_id"
            " ORDER BY article.published_at DESC, article.id DESC) AS place"
            f" FROM {table} article WHERE {chosen}"
            f") ranked JOIN {sections} section ON section.id = ranked.section_id"
            " WHERE ranked.place <= %s ORDER BY section.position, section.name, ranked.place"
        )
    with prepared_cursor() as cursor:
        cursor.execute(sql, [*chosen_params, size])
        rows = cursor.fetchall()
    width = len(names)
    blocks = {}
    articles = from_rows(Article, names, [convert(row[:width]) for row in rows])
    for row, article in zip(rows, articles, strict=True):
        block = blocks.get(article.section_id)
        if block is None:
            # Skips the row's place (the column after the article's; 0 on PostgreSQL).
            facts = [article.section_id, *row[width + 1 :]]
            [section] = from_rows(Section, ["id", "name", "slug", "language"], [facts])
            block = blocks[article.section_id] = (section, [])
        block[1].append(article)
    return list(blocks.values())
