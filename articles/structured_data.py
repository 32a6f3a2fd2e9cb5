"""schema.org JSON-LD for the pages, embedded as <script type="application/ld+json">."""

import json
from typing import NamedTuple

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from articles import editions, site_extras, sources
from articles.origin import absolute_url
from core.urls import reverse, static

# Inside a <script> element, these must not appear literally.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}

LOGO_WIDTH, LOGO_HEIGHT = 600, 60


class ShareImage(NamedTuple):
    url: str
    width: int
    height: int
    alt: str


def share_image(article=None):
    """The picture of a page's share cards (OpenGraph, Twitter) and of its JSON-LD: the
    article's featured picture, else the site's default (``SHARE_IMAGE``), so that no share
    card and no search result is bare."""
    if article is not None and article.image_id is not None:
        url, width, height = article.image.social
        return ShareImage(absolute_url(url), width, height, article.image.alt)
    path = settings.SHARE_IMAGE
    url = path if "://" in path else static(path)
    return ShareImage(
        absolute_url(url),
        settings.SHARE_IMAGE_WIDTH,
        settings.SHARE_IMAGE_HEIGHT,
        settings.SITE_NAME,
    )


def to_script_json(data):
    return mark_safe(json.dumps(data, cls=DjangoJSONEncoder).translate(_SCRIPT_ESCAPES))


def publisher(request):
    return {
        "@type": "NewsMediaOrganization",
        "name": settings.SITE_NAME,
        "url": absolute_url(reverse("articles:home")),
        "logo": {
            "@type": "ImageObject",
            "url": absolute_url(static("img/logo.png")),
            "width": LOGO_WIDTH,
            "height": LOGO_HEIGHT,
        },
        **site_extras.trust_properties(request),
    }


def news_article(article, relations, request):
    """NewsArticle (with its corrections) and the page's BreadcrumbList; ``relations``
    are the article's ``models.page_relations``."""
    url = absolute_url(article.get_absolute_url())
    home = absolute_url(editions.url(article.language, "home"))
    byline, translators = sources.credits(relations.authors)
    data = {
        "@type": "NewsArticle",
        "@id": f"{url}#article",
        "headline": article.title[:110],
        "description": article.summary,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "datePublished": article.published_at,
        "dateModified": article.content_updated_at or article.published_at,
        "articleSection": article.section.name,
        "keywords": [tag.name for tag in relations.tags],
        "author": [
            {
                "@type": "Organization" if author.is_desk else "Person",
                "name": author.name,
                "url": absolute_url(
                    editions.reverse_in(article.edition, "staff:detail", {"slug": author.slug})
                ),
            }
            for author in byline
        ],
        "publisher": publisher(request),
        "inLanguage": article.language,
    }
    if article.image_id is not None:
        # Google asks for the picture in 16:9, 4:3 and 1:1, large enough to show.
        data["image"] = [
            {
                "@type": "ImageObject",
                "url": absolute_url(url),
                "width": width,
                "height": height,
                "caption": article.figure_caption or article.image.alt,
                **({"creditText": article.image.credit} if article.image.credit else {}),
            }
            for url, width, height in unique(
                article.image.rendition(spec) for spec in ("lead", "card", "thumb")
            )
        ]
    else:
        default = share_image()
        data["image"] = [
            {
                "@type": "ImageObject",
                "url": default.url,
                "width": default.width,
                "height": default.height,
            }
        ]
    if translators:
        data["translator"] = [
            {
                "@type": "Person",
                "name": author.name,
                "url": absolute_url(author.get_absolute_url()),
            }
            for author in translators
        ]
    if article.source_outlet_id is not None or article.source_url:
        # The story this one is based on: its address, language and outlet.
        data["isBasedOn"] = {
            "@type": "NewsArticle",
            **({"url": article.source_url} if article.source_url else {}),
            **({"inLanguage": article.source_language} if article.source_language else {}),
            **(
                {
                    "publisher": {
                        "@type": "NewsMediaOrganization",
                        "name": article.source_outlet.name,
                    }
                }
                if article.source_outlet_id is not None
                else {}
            ),
        }
    corrections = [
        {
            "@type": "CorrectionComment",
            "text": f"{correction.get_kind_display()}: {correction.text}",
            "datePublished": correction.published_at,
        }
        for correction in relations.corrections
    ]
    if corrections:
        data["correction"] = corrections
    breadcrumbs = {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": gettext("Home"), "item": home},
            {
                "@type": "ListItem",
                "position": 2,
                "name": article.section.name,
                "item": absolute_url(article.section.get_absolute_url()),
            },
            {"@type": "ListItem", "position": 3, "name": article.title, "item": url},
        ],
    }
    return to_script_json({"@context": "https://schema.org", "@graph": [data, breadcrumbs]})


def website(request):
    """The home page's WebSite, with the search box search engines may show."""
    edition = editions.of_request(request)
    search = absolute_url(editions.url(edition.code, "search"))
    return to_script_json(
        {
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": settings.SITE_NAME,
            "url": absolute_url(editions.url(edition.code, "home")),
            "inLanguage": edition.code,
            "publisher": publisher(request),
            "potentialAction": {
                "@type": "SearchAction",
                "target": {
                    "@type": "EntryPoint",
                    "urlTemplate": f"{search}?q={{search_term_string}}",
                },
                "query-input": "required name=search_term_string",
            },
        }
    )


def unique(items):
    return list(dict.fromkeys(items))
