"""The article cards of the list pages (home, sections, tags, sources, months), kept
rendered in the shared cache (``ifp.jinja2`` names ``article_cards`` for the templates).

A card is the same HTML for as long as what it shows is the same, so it is rendered once
and read again by every page that lists the article, before and after every publish: the
site-wide content generation is not part of its key, and a publish renders only the new
card. Its key is a digest of everything the card shows and of everything its HTML is made
from: the article's address, headline, kicker, summary and time, its bylines' names and
addresses, its picture's files and renditions, the card's variant, the interface language,
the address prefix and the deploy's code and templates (``page_cache.CODE_DIGEST``). Any
change to one of them (an edit, an author renamed, a rendition made, a deploy) reads under
a new key, so no card is ever served stale and nothing needs to be removed: every entry
expires a day after it was kept.

The card's age ("2 hours ago") changes with the clock, not with the content: its words
are left out of the kept HTML (its ``<time datetime>`` is kept) and written live into
each card.

A process keeps the cards it read or rendered lately (``HELD_CARD_CHARACTERS``), so a
page asks the shared cache only for the cards this process has not shown yet: one round
trip at most (``get_many``; the home page's latest news and section blocks together) and
one more to store the cards that were missing; when the shared cache is down, every card
not held is rendered (``page_cache.guarded``: fail open).
"""

import hashlib
from typing import NamedTuple

from django.conf import settings
from django.template import engines
from django.urls import get_script_prefix
from django.utils import timezone, translation
from markupsafe import Markup, escape

from articles import editions, page_cache, persian_dates, templating

# Where a card's live age goes while it is rendered to be kept; never in an article's text
# (the text rule removes control characters).
AGE_MARK = "\x00age\x00"
# A card is rendered again a day after it was kept (one render an article a day at most),
# so that the cards of the archive's pages, which crawlers walk, do not pile up in Redis.
CARD_SECONDS = 86400


class CardEntry(NamedTuple):
    """A kept card: its HTML before and after its live age."""

    before: str
    after: str


# The entry's shape and the code that writes the HTML: a deploy that changes either reads
# under new keys.
CARD_SHAPE = f"{page_cache.shape_key(CardEntry)}{page_cache.CODE_DIGEST}"
# The cards this process read or rendered lately, by key, at most this many characters: a
# card's key names everything it shows, so a card held is never stale, and the cards of
# the lists being read now (the home page's 45, a section's 20) are read from the shared
# cache once a process rather than on every uncached request (a round trip, and redis-py's
# parsing and unpickling of each card: about a sixth of the home page's Python).
HELD_CARD_CHARACTERS = 512 * 1024
_held = page_cache.HeldEntries(
    HELD_CARD_CHARACTERS, lambda entry: len(entry.before) + len(entry.after)
)


def _macros():
    return engines["jinja2"].env.get_template("includes/macros.html").module


def card_keys(articles, compact, show_byline, level):
    """The shared cache's keys of ``articles``' cards of this variant (see the module's
    docstring for what each is a digest of)."""
    # What every card of the list shares: the interface language, the address prefix, the
    # pictures' address, the time zone of the <time> element and the card's variant.
    shared = repr(
        (
            translation.get_language(),
            get_script_prefix(),
            settings.MEDIA_URL,
            timezone.get_current_timezone_name(),
            compact,
            show_byline,
            level,
        )
    ).encode()
    keys = []
    for article in articles:
        # A compact card has no picture: its rows leave the picture's column out.
        image = None if compact or article.image_id is None else article.image
        facts = (
            # The address is made of these (and the prefix above): cheaper than reversing it.
            article.pk,
            article.slug,
            article.language,
            article.title,
            article.kicker,
            "" if compact else article.summary,
            article.published_at,
            None
            if image is None
            else (image.pk, image.file.name, image.width, image.height, image.renditions),
            tuple((a.slug, a.name) for a in article.byline_authors) if show_byline else (),
        )
        digest = hashlib.blake2b(shared + repr(facts).encode(), digest_size=16).hexdigest()
        keys.append(f"card:{CARD_SHAPE}:{digest}")
    return keys


def article_cards(articles, compact=False, show_byline=False, level=3):
    """The cards of ``articles`` (``Markup``, in their order), as the ``article_card``
    macro of ``includes/macros.html`` writes them, each with its age as of now."""
    return _cards([(list(articles), (compact, show_byline, level))])[0]


def front_page_cards(articles, groups):
    """The home page's cards, all read in one round trip: ``(cards, [(group, cards)])``,
    the cards of ``articles`` with their bylines, and the compact cards of each of
    ``groups``, a list of ``(group, articles)`` (the section blocks)."""
    groups = list(groups)
    lists = _cards(
        [
            (list(articles), (False, True, 3)),
            *((list(grouped), (True, False, 3)) for _group, grouped in groups),
        ]
    )
    return lists[0], [(group, cards) for (group, _), cards in zip(groups, lists[1:], strict=True)]


def _cards(lists):
    """The cards of each of ``lists``, ``(articles, (compact, show_byline, level))``."""
    if not any(articles for articles, _variant in lists):
        return [[] for _ in lists]
    macros = _macros()
    # Each variant's keys worked out at once (what its cards share is worked out once).
    variants = {}
    for articles, variant in lists:
        variants.setdefault(variant, []).extend(articles)
    variant_keys = {
        variant: iter(card_keys(articles, *variant)) for variant, articles in variants.items()
    }
    keys = [[next(variant_keys[variant]) for _ in articles] for articles, variant in lists]
    every_key = [key for some in keys for key in some]
    held = _held.recall_many(every_key)
    wanted = [key for key in every_key if key not in held]
    # None: the shared cache did not answer (nothing is kept in it then).
    found = page_cache.guarded("get_many", wanted, default=None) if wanted else {}
    read = {}
    # The live age's words, as the age macro writes them (its <time> element is kept): in
    # the edition's language, as of one clock for the list, each wording escaped once.
    age = persian_dates.age if editions.current().code == "fa" else templating.age
    now = timezone.now()
    escaped = {}
    result, missing = [], {}
    for (articles, (compact, show_byline, level)), list_keys in zip(lists, keys, strict=True):
        cards = []
        for article, key in zip(articles, list_keys, strict=True):
            entry = held.get(key)
            if entry is None:
                entry = page_cache.entry_or_miss((found or {}).get(key), CardEntry)
                if entry is not None:
                    read[key] = entry
            if entry is None:
                html = str(
                    macros.article_card(
                        article,
                        compact=compact,
                        show_byline=show_byline,
                        level=level,
                        when=Markup(AGE_MARK),
                    )
                )
                before, _mark, after = html.partition(AGE_MARK)
                entry = missing[key] = CardEntry(before, after)
            words = age(article.published_at, now)
            words = escaped.get(words) or escaped.setdefault(words, escape(words))
            cards.append(Markup(f"{entry.before}{words}{entry.after}"))
        result.append(cards)
    if missing and found is not None:
        page_cache.guarded("set_many", missing, timeout=CARD_SECONDS)
    _held.store_many(read | missing)
    return result
