"""Reading the reader pages a test got back: their text, JSON-LD and "Updated" time."""

import json
import re

from django.core.serializers.json import DjangoJSONEncoder

# What a staff preview of an unpublished article carries.
PREVIEW_BANNER = "Preview, not published"
NOINDEX_META = '<meta name="robots" content="noindex, nofollow">'


def text_of(response):
    return response.content.decode()


def json_ld(response):
    """The page's schema.org NewsArticle, wherever its JSON-LD puts it (alone or in a
    ``@graph``)."""
    nodes = []
    for block in re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', text_of(response), re.DOTALL
    ):
        data = json.loads(block)
        for item in data if isinstance(data, list) else [data]:
            nodes.extend(item.get("@graph", [item]))
    (article,) = [node for node in nodes if node.get("@type") == "NewsArticle"]
    return article


def json_time(value):
    """A time as the page's JSON-LD writes it."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def updated_time(response):
    match = re.search(r'Updated <time datetime="([^"]+)">', text_of(response))
    return match.group(1) if match else None
