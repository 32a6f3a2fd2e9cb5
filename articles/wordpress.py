"""Reading a WordPress eXtended RSS (WXR 1.0–1.2) export, and cleaning what WordPress
stored into the HTML our body editor keeps.

The export is read with lxml's ``iterparse``, element by element, and every element is
freed once read, so an export of hundreds of megabytes never needs to fit in memory.
"""

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlsplit

from django.utils import timezone
from lxml import etree

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"


def _kind(namespace):
    if not namespace:
        return ""
    if namespace.startswith("http://wordpress.org/export/"):
        return "excerpt" if namespace.rstrip("/").endswith("excerpt") else "wp"
    if namespace == CONTENT_NS:
        return "content"
    if namespace == DC_NS:
        return "dc"
    return namespace


def _name(element):
    """``wp:post_id``-style name of an element, whatever WXR version's namespace."""
    if not isinstance(element.tag, str):
        return ""
    qname = etree.QName(element)
    kind = _kind(qname.namespace)
    return f"{kind}:{qname.localname}" if kind else qname.localname


def _children(element):
    values = {}
    for child in element:
        values.setdefault(_name(child), (child.text or "").strip())
    return values


@dataclass
class Item:
    """One <item> of the export, as plain values."""

    line: int
    values: dict
    categories: list = field(default_factory=list)  # (domain, nicename, label)
    meta: dict = field(default_factory=dict)
    raw_content: str = ""

    def get(self, name, default=""):
        return self.values.get(name, default)

    @property
    def wp_id(self):
        """The WordPress post id, or None when missing or not a number."""
        value = self.get("wp:post_id")
        return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None

    @property
    def post_type(self):
        return self.get("wp:post_type") or "post"

    @property
    def label(self):
        title = self.get("title") or "(no title)"
        return f"item “{title}” (post id {self.get('wp:post_id') or '?'}, line {self.line})"


def read(path):
    """Yield ``("channel", dict)``, ``("author", dict)``, ``("category", dict)``,
    ``("tag", dict)`` and ``("item", Item)`` from the export at ``path``, in file order;
    ``("error", message)`` for what the XML parser had to skip."""
    context = etree.iterparse(
        str(path), events=("end",), recover=True, huge_tree=True, resolve_entities=False
    )
    channel = {}
    try:
        for _, element in context:
            name = _name(element)
            parent = element.getparent()
            at_channel = parent is not None and _name(parent) == "channel"
            if not at_channel:
                continue
            if name == "item":
                item = _item(element)
                if any(entry.line >= item.line for entry in context.error_log):
                    # The parser had to repair this item (a cut-off file): not importable.
                    yield "error", f"{item.label}: its XML is broken, so it was not imported"
                else:
                    yield "item", item
            elif name == "wp:author":
                yield "author", _children(element)
            elif name == "wp:category":
                yield "category", _children(element)
            elif name == "wp:tag":
                yield "tag", _children(element)
            elif name in {"title", "link", "language", "wp:base_site_url", "wp:base_blog_url"}:
                channel[name] = (element.text or "").strip()
                if name == "wp:base_blog_url":
                    yield "channel", dict(channel)
            else:
                continue
            # Free what was read: the element and the siblings before it.
            element.clear()
            while element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as error:
        yield "error", f"The file is not readable XML: {error}"
    for entry in context.error_log:
        yield "error", f"Line {entry.line}: {entry.message} (the parser skipped this part)"


def _item(element):
    item = Item(line=element.sourceline or 0, values={})
    for child in element:
        name = _name(child)
        if name == "category":
            item.categories.append(
                (child.get("domain", ""), child.get("nicename", ""), (child.text or "").strip())
            )
        elif name == "wp:postmeta":
            meta = _children(child)
            item.meta[meta.get("wp:meta_key", "")] = meta.get("wp:meta_value", "")
        elif name == "content:encoded":
            item.raw_content = child.text or ""
        else:
            item.values.setdefault(name, (child.text or "").strip())
    return item


ZERO_DATE = "0000-00-00 00:00:00"


def parse_date(value, *, utc):
    """A WordPress date ('2021-05-09 10:30:00'), in UTC or in the newsroom's zone; None
    for the empty date WordPress writes on drafts. Raises ValueError when malformed."""
    value = (value or "").strip()
    if not value or value == ZERO_DATE:
        return None
    moment = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    zone = UTC if utc else timezone.get_default_timezone()
    return timezone.make_aware(moment, zone)


# Content cleanup

BLOCK_TAGS = (
    "address|article|aside|blockquote|details|div|dl|fieldset|figcaption|figure|footer|form|"
    "h[1-6]|header|hr|li|main|nav|ol|p|pre|section|table|tbody|td|tfoot|th|thead|tr|ul"
)
_BLOCK_START = re.compile(rf"^\s*<(?:{BLOCK_TAGS})[\s>/]", re.IGNORECASE)
_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.DOTALL)
_CAPTION = re.compile(r"\[caption([^\]]*)\](.*?)\[/caption\]", re.DOTALL | re.IGNORECASE)
_EMBED = re.compile(r"\[embed[^\]]*\](.*?)\[/embed\]", re.DOTALL | re.IGNORECASE)
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_LINK_AROUND_IMG = re.compile(r"<a\b[^>]*>\s*(<img\b[^>]*>)\s*</a>", re.IGNORECASE)
# A shortcode is [name attr=...], [name/], or [name]...[/name]; plain bracketed words in a
# story ("[Palestinian] fighters") are not.
_SHORTCODE = re.compile(
    r"\[(/?)([a-z][a-z0-9_-]*)((?:\s+[^\]]*?)?)(/?)\]",
)
KNOWN_SHORTCODES = {
    "gallery",
    "audio",
    "video",
    "playlist",
    "wp_caption",
    "contact-form-7",
    "contact-form",
    "vc_row",
    "vc_column",
    "vc_column_text",
    "et_pb_section",
    "su_note",
}


def autop(text):
    """WordPress's ``wpautop``: blank lines make paragraphs, single newlines line breaks;
    block elements are left as they are."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    blocks = []
    for chunk in re.split(r"\n\s*\n", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if _BLOCK_START.match(chunk):
            blocks.append(chunk)
        else:
            blocks.append("<p>" + re.sub(r"\s*\n\s*", "<br>\n", chunk) + "</p>")
    return "\n".join(blocks)


@dataclass
class Cleanup:
    """What cleaning a post's content did, for the import's report."""

    removed_shortcodes: dict = field(default_factory=dict)
    captions: int = 0
    embeds: int = 0

    def removed(self, name):
        self.removed_shortcodes[name] = self.removed_shortcodes.get(name, 0) + 1


def _caption_figure(match):
    attributes, inner = match.group(1), match.group(2).strip()
    image = _IMG.search(inner)
    linked = _LINK_AROUND_IMG.search(inner)
    picture = image.group(0) if image else ""
    caption = inner
    if linked:
        caption = caption.replace(linked.group(0), "")
    elif image:
        caption = caption.replace(image.group(0), "")
    caption = caption.strip()
    if not caption:
        caption_attribute = re.search(r'caption="([^"]*)"', attributes)
        caption = html.unescape(caption_attribute.group(1)) if caption_attribute else ""
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f"\n\n<figure>{picture}{figcaption}</figure>\n\n"


def clean_content(raw):
    """WordPress's stored post content → HTML with paragraphs and figures, shortcodes
    handled; returns (html, Cleanup). The body sanitizer runs on save after this."""
    report = Cleanup()
    text = _BLOCK_COMMENT.sub("", raw or "")

    def caption(match):
        report.captions += 1
        return _caption_figure(match)

    def embed(match):
        report.embeds += 1
        url = html.escape(match.group(1).strip(), quote=True)
        return f'\n\n<p><a href="{url}">{url}</a></p>\n\n'

    text = _CAPTION.sub(caption, text)
    text = _EMBED.sub(embed, text)
    text = _remove_shortcodes(text, report)
    return autop(text), report


def _remove_shortcodes(text, report):
    closing = {match.group(2) for match in _SHORTCODE.finditer(text) if match.group(1)}

    def replace(match):
        slash, name, attributes, self_closing = match.groups()
        is_shortcode = (
            name in closing or name in KNOWN_SHORTCODES or "=" in attributes or bool(self_closing)
        )
        if not is_shortcode:
            return match.group(0)
        if not slash:
            report.removed(name)
        return ""  # the tag goes; text between an opening and a closing tag stays

    return _SHORTCODE.sub(replace, text)


# Addresses

_HREF = re.compile(r'(\s(?:href|src)=")([^"]+)(")', re.IGNORECASE)


def old_paths(*urls):
    """The paths of a post's old permalinks (its <link> and its guid, when not ?p=),
    decoded as Django sees a request's path."""
    paths = []
    for url in urls:
        parts = urlsplit(url or "")
        if parts.path and parts.path != "/" and not parts.query:
            path = unquote(parts.path)
            path = path if path.endswith("/") else path + "/"
            if path not in paths:
                paths.append(path)
    return paths


def site_path(url, base_url):
    """For a URL on the old site, its path with query (e.g. "/2021/05/x/" or "/?p=5");
    None for anything else."""
    if not base_url:
        return None
    base = urlsplit(base_url)
    parts = urlsplit(html.unescape(url))
    host = parts.netloc.lower().removeprefix("www.")
    if parts.netloc and host != base.netloc.lower().removeprefix("www."):
        return None
    if not parts.netloc and not url.startswith("/"):
        return None
    path = parts.path or "/"
    return path + (f"?{parts.query}" if parts.query else "")


def post_id_in(path):
    query = parse_qs(urlsplit(path).query)
    value = (query.get("p") or [""])[0]
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def rewrite_links(body, base_url, resolve):
    """Rewrite href/src attributes that point at the old site: ``resolve(path)`` gives the
    new address, or None to leave the attribute as it is."""

    def replace(match):
        path = site_path(match.group(2), base_url)
        new = resolve(path) if path is not None else None
        if new is None:
            return match.group(0)
        return f"{match.group(1)}{html.escape(new, quote=True)}{match.group(3)}"

    return _HREF.sub(replace, body)
