from datetime import timedelta

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.views.generic import DetailView, ListView, MonthArchiveView
from taggit.models import Tag

from articles import (
    article_page,
    editions,
    page_cache,
    preview,
    related,
    search,
    site_widgets,
    sitemaps,
    sources,
    structured_data,
)
from articles.models import (
    Article,
    CardList,
    Correction,
    Outlet,
    Page,
    Section,
    page_article,
    page_relations,
    read_byline_names,
    read_one,
    section_blocks,
)
from articles.origin import absolute_url
from live import coverage as live_coverage

SECTION_BLOCK_SIZE = 4
# Section blocks show each section's newest articles among the site's newest this many.
SECTION_BLOCK_WINDOW = 500
# A lead story marked by an editor leads the home page until a newer one is marked, or
# until it is this old; then the newest article leads.
LEAD_STORY_MAX_AGE = timedelta(days=2)


class CardListPaginator(Paginator):
    """Django's paginator of a ``CardList``, whose count is read once a content generation
    (``page_cache.count_of_generation``), not once a request: every page of a list shares
    it, and it is the dearest of a list page's reads (a common tag's: 2.4 ms of 4 at
    10,000 articles)."""

    def __init__(self, *args, generation, **kwargs):
        super().__init__(*args, **kwargs)
        self.generation = generation

    @cached_property
    def count(self):
        return self.object_list.count_with(
            lambda name, count: page_cache.count_of_generation(name, self.generation, count)
        )


class PublishedArticleListView(ListView):
    """A paginated list of published article cards. ``?page=`` past the end or not a
    number answers 404 (ListView's own rule)."""

    paginate_by = 20
    context_object_name = "articles"

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # The generation the page's site-wide parts are read in (once a request).
        generation = site_widgets.site_widgets(self.request).generation
        return CardListPaginator(
            queryset, per_page, orphans, allow_empty_first_page, generation=generation
        )

    @property
    def edition(self):
        return editions.of_request(self.request)

    def get_queryset(self):
        return CardList(self.edition.code)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        cards = self.page_cards(page)
        # The cards' bylines, and those of whatever else the page shows, in one query.
        read_byline_names([*self.also_bylined(page), *cards])
        page.object_list = context["articles"] = context["object_list"] = cards
        return context

    def also_bylined(self, page):
        """Articles other than the page's cards whose bylines the page shows."""
        return []

    def page_cards(self, page):
        """The articles of ``page``'s cards, read."""
        return list(page.object_list)


class HomeView(PublishedArticleListView):
    template_name = "articles/home.html"
    paginate_by = 12

    def get_queryset(self):
        articles = super().get_queryset()
        self.first_page_cards = None
        if self.on_first_page():
            # The lead and the first page's cards in one read.
            self.lead, cards = articles.lead_and_newest(self.paginate_by, LEAD_STORY_MAX_AGE)
            self.first_page_cards = cards
        else:
            self.lead = articles.lead(LEAD_STORY_MAX_AGE)
        if self.lead is None:
            return articles
        return articles.narrowed("article.id <> %s", [self.lead.pk])

    def on_first_page(self):
        """Whether the page asked for is the first (ListView's reading of ``?page=``)."""
        number = self.kwargs.get(self.page_kwarg) or self.request.GET.get(self.page_kwarg)
        return (number or "1") == "1"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        first_page = context["page_obj"].number == 1
        context["lead"] = self.lead if first_page else None
        context["section_blocks"] = self.section_blocks() if first_page else ()
        context["website_json_ld"] = structured_data.website(self.request)
        return context

    def also_bylined(self, page):
        return [self.lead] if page.number == 1 and self.lead is not None else []

    def page_cards(self, page):
        if page.number == 1 and self.first_page_cards is not None:
            return self.first_page_cards
        return super().page_cards(page)

    def section_blocks(self):
        return section_blocks(
            self.edition.code,
            exclude=self.lead,
            window=SECTION_BLOCK_WINDOW,
            size=SECTION_BLOCK_SIZE,
        )


class SectionView(PublishedArticleListView):
    template_name = "articles/section_detail.html"

    def get_queryset(self):
        self.section = read_one(
            Section,
            "found.slug = %s AND found.language = %s",
            [self.kwargs["slug"], self.edition.code],
        )
        if self.section is None:
            raise Http404("No such section.")
        return super().get_queryset().narrowed_to("section", self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class TagView(PublishedArticleListView):
    template_name = "articles/tag_detail.html"

    def get_queryset(self):
        self.tag = read_one(Tag, "found.slug = %s", [self.kwargs["slug"]])
        if self.tag is None:
            raise Http404("No such tag.")
        return super().get_queryset().narrowed_to("tag", self.tag)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(tag=self.tag, **kwargs)
        if context["paginator"].count == 0:
            # A tag on no published article does not exist for readers (its name may
            # come from a draft). Checked on the count the paginator already ran.
            raise Http404("No such tag.")
        return context


class OutletView(PublishedArticleListView):
    """/source/<slug>/: the published stories based on one outlet (``articles.sources``),
    newest first; like a tag page, an outlet that no published story names is a 404."""

    template_name = "articles/outlet_detail.html"

    def get_queryset(self):
        self.outlet = get_object_or_404(Outlet, slug=self.kwargs["slug"])
        return super().get_queryset().narrowed("article.source_outlet_id = %s", [self.outlet.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(outlet=self.outlet, **kwargs)
        if context["paginator"].count == 0:
            raise Http404("No published story names this source.")
        return context


class ArticleDetailView(DetailView):
    """The article page. Staff who may change articles also see drafts and scheduled
    articles here (a preview), never cached."""

    context_object_name = "article"

    def get_queryset(self):
        return self.visible_articles().for_page().with_translation()

    def get_object(self, queryset=None):
        if queryset is None and not self.request.user.is_authenticated:
            # A reader sees what is published: the same read, written once a process.
            article = page_article(self.kwargs["slug"])
            if article is None:
                raise Http404("No article at this address.")
            return article
        return super().get_object(queryset)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.object.language != editions.of_request(request).code:
            # An article lives in its own language's edition: /<slug>/ of a Persian
            # article, or /fa/<slug>/ of an English one, is an address of the other.
            return redirect(self.object, permanent=True)
        context = self.get_context_data(object=self.object)
        return self.render_to_response(context)

    def visible_articles(self):
        """Readers see published articles; editors every article (a preview); writers
        also their own unpublished ones, not their colleagues' drafts."""
        return Article.objects.visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        relations = page_relations(self.object)
        context.update(relations._asdict(), relations=relations)
        # Translators are credited apart from the byline (articles.sources).
        context["authors"], context["translators"] = sources.credits(relations.authors)
        context["related"] = related.related_stories(self.object, relations.tags)
        context["is_preview"] = self.is_preview()
        # A reader's story is kept rendered (articles.article_page); a preview never is,
        # nor a live story, whose updates come without the article changing.
        keep = (
            not context["is_preview"]
            and not self.request.user.is_authenticated
            and live_coverage.for_article(self.object) is None
        )
        context["story"], context["story_head"], context["json_ld"] = article_page.story(
            context, self.request, keep
        )
        return context

    def is_preview(self):
        return not self.object.is_published()

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if context["is_preview"]:
            add_never_cache_headers(response)
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response


def article_or_page(request, slug):
    """/<slug>/: the article with this slug, else the published standing page (About,
    Contact…) that has it. Pages share the address space so that a WordPress site's
    page addresses keep working; the article is looked for first, so an article page
    costs no query more."""
    try:
        return ArticleDetailView.as_view()(request, slug=slug)
    except Http404:
        language = editions.of_request(request).code
        page = Page.objects.published().filter(slug=slug, language=language).first()
        if page is None:
            raise
        return render(request, "articles/page_detail.html", {"page": page})


class SharedPreviewView(ArticleDetailView):
    """An article shown through a signed share link: for reviewers without an account.
    A tampered or expired link is a 404."""

    def visible_articles(self):
        return Article.objects.all()

    def get_object(self, queryset=None):
        article_id = preview.article_id_for(self.kwargs["token"])
        if article_id is None:
            raise Http404("This preview link is not valid or has expired.")
        # Publishing revokes the links (articles.workflow); this also holds for an
        # article published another way: it is read at its own address.
        queryset = self.get_queryset().exclude(status=Article.Status.PUBLISHED)
        return get_object_or_404(queryset, pk=article_id)

    def is_preview(self):
        return True

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        context = self.get_context_data(object=self.object)
        response = self.render_to_response(context)
        # The page's own requests (styles, pictures, links) must not carry the token.
        response["Referrer-Policy"] = "no-referrer"
        return response


class CorrectionListView(ListView):
    """Every correction, clarification and update to a published article, newest first."""

    template_name = "articles/correction_list.html"
    context_object_name = "corrections"
    paginate_by = 30

    def get_queryset(self):
        return (
            Correction.objects.filter(article__in=Article.objects.published())
            .select_related("article")
            .order_by("-published_at", "-id")
        )


class ArticleMonthArchiveView(MonthArchiveView):
    """/<yyyy>/<mm>/: a month's published articles. A month that is not a date, in the
    future or without articles is a 404."""

    date_field = "published_at"
    month_format = "%m"
    make_object_list = True
    allow_empty = False
    paginate_by = 20
    context_object_name = "articles"
    template_name = "articles/article_archive_month.html"

    def get_queryset(self):
        # Per request: published() reads the clock, so scheduled articles appear on time.
        language = editions.of_request(self.request).code
        return Article.objects.published().in_language(language).for_listing()

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except OverflowError as error:  # a month at the very edge of the calendar
            raise Http404("No such month.") from error


SEARCH_PAGE_SIZE = 10


def search_view(request):
    """/search/?q=: ranked results with highlighted snippets. An empty, odd or too long
    query gets a friendly page; a page number past the end is a 404 as on every list."""
    language = editions.of_request(request).code
    query, results = search.search(request.GET.get("q", ""), language)
    paginator = Paginator(results, SEARCH_PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage as error:
        raise Http404("No such page of results.") from error
    hits = [(article, search.snippet(article, query)) for article in page.object_list]
    context = {
        "query": query,
        "page_obj": page,
        "hits": hits,
        "paginator": paginator,
        "capped": search.is_capped(paginator.count),
    }
    return render(request, "articles/search.html", context)


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        "Disallow: /search/",
        "",
        f"Sitemap: {absolute_url(reverse('sitemap'))}",
        f"Sitemap: {absolute_url(reverse('news-sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def news_sitemap(request):
    """Google News sitemap: the articles published in the last 48 hours
    (``articles.sitemaps.news_sitemap_xml``: rendered once a content generation)."""

    def render(articles):
        context = {"articles": articles, "publication_name": settings.SITE_NAME}
        return render_to_string("articles/news_sitemap.xml", context)

    xml, current = sitemaps.news_sitemap_xml(render)
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    if not current:
        response["Cache-Control"] = page_cache.PREVIOUS_CACHE_CONTROL
    return response


def nested_section(request, parent, slug):
    """WordPress's address of a nested category, /category/<parent>/<child>/: sections are
    flat here, so it answers 301 to /category/<child>/."""
    section = get_object_or_404(Section, slug=slug)
    return redirect(section, permanent=True)
