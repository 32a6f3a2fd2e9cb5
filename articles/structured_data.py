"""schema.org JSON-LD for article pages, embedded as <script type="application/ld+json">."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe

# Inside a <script> element, these must not appear literally.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def to_script_json(data):
    return mark_safe(json.dumps(data, cls=DjangoJSONEncoder).translate(_SCRIPT_ESCAPES))


def news_article(article, request):
    url = request.build_absolute_uri(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "mainEntityOfPage": url,
        "url": url,
        "datePublished": article.published_at,
        "dateModified": article.content_updated_at or article.published_at,
        "articleSection": article.section.name,
        "author": [
            {
                "@type": "Organization" if author.is_desk else "Person",
                "name": author.name,
                "url": request.build_absolute_uri(author.get_absolute_url()),
            }
            for author in article.byline_authors
        ],
    }
    if article.image:
        data["image"] = request.build_absolute_uri(article.image.url)
    corrections = [
        {
            "@type": "CorrectionComment",
            "text": f"{correction.get_kind_display()}: {correction.text}",
            "datePublished": correction.published_at,
        }
        for correction in article.corrections.all()
    ]
    if corrections:
        data["correction"] = corrections
    return to_script_json(data)
