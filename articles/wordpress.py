"""Reading a WordPress eXtended RSS (WXR 1.0–1.2) export, and cleaning what WordPress
stored into the HTML our body editor keeps.

The export is read with lxml's ``iterparse``, element by element, and every element is
freed once read, so an export of hundreds of megabytes never needs to fit in memory.
Before the parser sees a byte, :class:`RepairedExport` mends what real exports carry and
XML forbids (control characters pasted into posts, bytes that are not UTF-8), so that one
bad byte never costs the posts around it.
"""

import codecs
import html
import itertools
import re
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote_to_bytes, urlsplit

import lxml.html
from django.utils import timezone
from django.utils.encoding import repercent_broken_unicode
from lxml import etree

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"

# WordPress has written its export namespace as http:// and https://, on wordpress.org
# and wordpress.com, for versions 1.0 to 1.2 (and its importer accepts any version).
_WP_NAMESPACE = re.compile(
    r"^https?://(?:www\.)?wordpress\.(?:org|com)/export/[0-9.]+/?(excerpt/?)?$", re.IGNORECASE
)
_CONTENT_NAMESPACE = re.compile(r"^https?://purl\.org/rss/1\.0/modules/content/?$")
_DC_NAMESPACE = re.compile(r"^https?://purl\.org/dc/elements/1\.1/?$")


def _kind(namespace):
    """The family a namespace URI belongs to ("wp", "excerpt", "content", "dc"), whatever
    prefix the file gives it; any other URI stands for itself."""
    if not namespace:
        return ""
    wordpress = _WP_NAMESPACE.match(namespace)
    if wordpress:
        return "excerpt" if wordpress.group(1) else "wp"
    if _CONTENT_NAMESPACE.match(namespace):
        return "content"
    if _DC_NAMESPACE.match(namespace):
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


# Repairing the bytes

# Characters XML 1.0 forbids (its "Char" production): C0 controls but tab, newline and
# carriage return; lone surrogates; U+FFFE and U+FFFF. Pasted from Word or a PDF, they sit
# in real posts, and one of them stops a strict parser for the rest of the file.
ILLEGAL_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DECLARATION = re.compile(rb"^(\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding=[\"']([A-Za-z0-9._-]+)[\"']")


class RepairedExport:
    """The export at ``path`` (or in a binary file object that can seek) as text that
    XML 1.0 accepts, read in chunks.

    Bytes that are not valid in the file's encoding (UTF-8 unless its XML declaration says
    otherwise) are decoded as Windows-1252, as WordPress sites that changed their charset
    left them; characters XML 1.0 forbids are dropped. Line numbers are kept, so the
    parser's lines still point into the original file. ``repairs`` maps a line number to a
    Counter of what was mended on it ("control characters", "bytes not UTF-8")."""

    CHUNK = 1 << 20

    def __init__(self, path):
        self.path = path
        self.repairs = {}
        self.line = 1  # the line the next decoded text starts on

    def _note(self, line, what, count=1):
        self.repairs.setdefault(line, Counter())[what] += count

    def _windows_1252(self, error):
        bad = error.object[error.start : error.end]
        line = self.line + error.object.count(b"\n", 0, error.start)
        self._note(line, "bytes not UTF-8", len(bad))
        return bad.decode("cp1252", errors="replace").replace("\ufffd", ""), error.end

    def _clean(self, text):
        def drop(match):
            self._note(self.line + text.count("\n", 0, match.start()), "control characters")
            return ""

        cleaned = ILLEGAL_XML_CHARS.sub(drop, text) if ILLEGAL_XML_CHARS.search(text) else text
        self.line += text.count("\n")
        return cleaned

    def chunks(self):
        """Yield the file's text, repaired, in pieces of about a megabyte."""
        if hasattr(self.path, "read"):  # a binary file object: read from its start
            self.path.seek(0)
            opened = nullcontext(self.path)
        else:
            opened = open(self.path, "rb")
        with opened as file:
            head = file.read(1024)
            file.seek(0)
            declared = _DECLARATION.match(head)
            encoding = declared.group(2).decode("ascii") if declared else "utf-8"
            try:
                encoding = codecs.lookup(encoding).name
            except LookupError:
                encoding = "utf-8"
            name = f"ifp-wxr-{id(self)}"
            codecs.register_error(name, self._windows_1252)
            decoder = codecs.getincrementaldecoder(encoding)(errors=name)
            while True:
                chunk = file.read(self.CHUNK)
                text = self._clean(decoder.decode(chunk, final=not chunk))
                if text:
                    yield text
                if not chunk:
                    return

    def repairs_between(self, first, last):
        """What was mended on lines ``first`` to ``last`` (inclusive), as one Counter."""
        total = Counter()
        for line, counts in self.repairs.items():
            if first <= line <= last:
                total.update(counts)
        return total


# Where each <item> begins and ends, outside CDATA sections and comments (a post about
# XML may well contain "</item>" in its text).
_ITEM_TOKENS = re.compile(r"<!\[CDATA\[|<!--|<item(?=[\s>/])|</item\s*>")
_TOKEN_ENDS = {"<![CDATA[": "]]>", "<!--": "-->"}


def split_items(chunks):
    """Cut the export's text into ``("other", text)`` and ``("item", text, line)`` pieces,
    in file order; ``line`` is where the item starts. Each item is parsed on its own, so
    that a broken one (an unclosed tag, a cut-off file) costs only itself. The "other"
    pieces keep an item's lines as blank lines, so their line numbers stay the file's."""
    buffer, position, line, inside, item_start = "", 0, 1, False, 1
    for chunk in itertools.chain(chunks, [None]):
        final = chunk is None
        buffer += chunk or ""
        pending = None  # where a CDATA section or comment not yet closed starts
        while True:
            match = _ITEM_TOKENS.search(buffer, position)
            if match is None:
                break
            token = match.group(0)
            if token in _TOKEN_ENDS:
                close = buffer.find(_TOKEN_ENDS[token], match.end())
                if close < 0 and not final:
                    pending = match.start()
                    break
                position = len(buffer) if close < 0 else close + len(_TOKEN_ENDS[token])
            elif token == "<item" and not inside:
                before = buffer[: match.start()]
                if before:
                    yield "other", before
                    line += before.count("\n")
                buffer, position, inside, item_start = buffer[match.start() :], 5, True, line
            elif token.startswith("</item") and inside:
                text = buffer[: match.end()]
                yield "item", text, item_start
                newlines = text.count("\n")
                buffer, position, inside = "\n" * newlines + buffer[match.end() :], newlines, False
            else:
                position = match.end()
        if final:
            break
        if not inside:
            # Hand on what is done, keeping a tail that may hold a token the chunk cut.
            keep = pending if pending is not None else max(position, len(buffer) - 16)
            if keep > 0:
                yield "other", buffer[:keep]
                line += buffer.count("\n", 0, keep)
                buffer, position = buffer[keep:], max(0, position - keep)
    if inside:
        yield "item", buffer, item_start
    elif buffer:
        yield "other", buffer


@dataclass
class Item:
    """One <item> of the export, as plain values."""

    line: int
    values: dict
    categories: list = field(default_factory=list)  # (domain, nicename, label)
    meta: dict = field(default_factory=dict)
    comments: list = field(default_factory=list)  # dicts of wp:comment_* values
    raw_content: str = ""
    repaired: Counter = field(default_factory=Counter)
    broken: str = ""  # the parser's message, when it could not read this item whole

    def get(self, name, default=""):
        return self.values.get(name, default)

    @property
    def wp_id(self):
        """The WordPress post id, or None when missing or not a number."""
        return whole_number(self.get("wp:post_id"))

    @property
    def post_type(self):
        return self.get("wp:post_type") or "post"

    @property
    def label(self):
        title = self.get("title") or "(no title)"
        return f"item “{title}” (post id {self.get('wp:post_id') or '?'}, line {self.line})"


def whole_number(value):
    """``value`` ("42") as an int; None when it is not a whole number of sane size."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _breaks_item(entry):
    """Whether a parser message means what it was reading was not read whole: warnings
    (an odd namespace URI, say) and an HTML entity XML does not know (``&nbsp;`` outside
    CDATA, dropped) leave the data intact."""
    harmless = entry.type_name.startswith("WAR_") or entry.type_name == "ERR_UNDECLARED_ENTITY"
    return entry.level >= 2 and not harmless


_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")
_ROOT_TAG = re.compile(r"<rss\b[^>]*>")
_CHANNEL_TAG = re.compile(r"<channel\b[^>]*>")
_CHANNEL_FIELDS = {"title", "link", "language", "wp:base_site_url", "wp:base_blog_url"}


def read(path):
    """Yield ``("channel", dict)``, ``("author", dict)``, ``("category", dict)``,
    ``("tag", dict)``, ``("term", dict)`` and ``("item", Item)`` from the export at
    ``path`` (or in a binary file object), in file order; ``("error", message)`` for
    parts of the file outside any item that the XML parser had to skip. Each item is
    parsed on its own: one the parser could not read whole comes with ``broken`` set, one
    whose bytes were mended with ``repaired``, and neither affects the items around it."""
    export = RepairedExport(path)
    header = etree.XMLPullParser(
        events=("end",), recover=True, huge_tree=True, resolve_entities=False
    )
    channel, head, prefix = {}, "", None
    for piece in split_items(export.chunks()):
        if piece[0] == "other":
            text = piece[1] if head else _document_start(piece[1])
            if prefix is None and len(head) < 1 << 16:
                head += text
            header.feed(text.encode())
            yield from _header_events(header, channel)
        else:
            _, text, line = piece
            if prefix is None:
                prefix = _item_prefix(head)
            item = _parse_item(prefix, text, line)
            item.repaired = export.repairs_between(line, line + text.count("\n"))
            yield "item", item
    try:
        header.close()
    except etree.XMLSyntaxError:
        pass
    yield from _header_events(header, channel)
    if channel and "wp:base_blog_url" not in channel:
        yield "channel", dict(channel)
    for entry in header.error_log:
        if _breaks_item(entry):
            message = " ".join(entry.message.split())
            yield "error", f"Line {entry.line}: {message} (the parser skipped this part)"


def _document_start(text):
    """The file's first text from its root element on. What stands before it, the XML
    declaration and anything a server printed ahead of it (a PHP warning, blank lines, a
    byte-order mark: real exports have them), is dropped, its lines kept as blank lines."""
    start = re.search(r"<rss\b", text)
    if start is None:
        return _XML_DECLARATION.sub("", text, count=1)
    return "\n" * text.count("\n", 0, start.start()) + text[start.start() :]


def _header_events(parser, channel):
    """What the file says outside its items: the site, authors, categories, tags."""
    for _, element in parser.read_events():
        name = _name(element)
        parent = element.getparent()
        if parent is None or _name(parent) != "channel":
            continue
        if name == "wp:author":
            yield "author", _children(element)
        elif name == "wp:category":
            yield "category", _children(element)
        elif name == "wp:tag":
            yield "tag", _children(element)
        elif name == "wp:term":
            yield "term", _children(element)
        elif name in _CHANNEL_FIELDS:
            channel[name] = (element.text or "").strip()
            if name == "wp:base_blog_url":
                yield "channel", dict(channel)
        else:
            continue
        # Free what was read: the element and the siblings before it.
        element.clear()
        while element.getprevious() is not None:
            del parent[0]


def _item_prefix(head):
    """The file's own root and channel start tags, on one line: each item is parsed
    inside them, so that it sees the namespace prefixes the file declares."""
    root = _ROOT_TAG.search(head)
    if root is None:
        return "<rss><channel>"
    channel = _CHANNEL_TAG.search(head, root.end())
    channel_tag = channel.group(0) if channel else "<channel>"
    return " ".join(root.group(0).split()) + " ".join(channel_tag.split())


def _parse_item(prefix, text, line):
    parser = etree.XMLParser(recover=True, huge_tree=True, resolve_entities=False)
    try:
        root = etree.fromstring(f"{prefix}{text}</channel></rss>".encode(), parser)
    except etree.XMLSyntaxError:
        root = None
    element = None
    if root is not None and len(root) and len(root[0]):
        element = root[0][0]
    item = _item(element) if element is not None else Item(line=line, values={})
    item.line = line
    messages = [" ".join(e.message.split())[:200] for e in parser.error_log if _breaks_item(e)]
    if not re.search(r"</item\s*>$", text):
        messages = ["the file ends before this item does"]
    item.broken = "; ".join(dict.fromkeys(messages))
    if element is None and not item.broken:
        item.broken = "nothing readable"
    return item


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
        elif name == "wp:comment":
            item.comments.append(_children(child))
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


def _fragment(markup):
    """``markup`` (a piece of a post's HTML) parsed by lxml, inside a ``<div>``."""
    return lxml.html.fragment_fromstring(markup, create_parent="div")


def _inner_html(element):
    """What ``element`` holds, as HTML: its text and its children (with their tails)."""
    text = html.escape(element.text or "", quote=False)
    return text + "".join(
        lxml.html.tostring(child, encoding="unicode", method="html") for child in element
    )


def _caption_figure(match):
    """A ``[caption]…[/caption]`` shortcode as a ``<figure>``: its first picture (without
    the link WordPress puts around it when the picture links to its file), and the rest
    of its text, or else its ``caption`` attribute, as the ``<figcaption>``."""
    attributes, inner = match.group(1), match.group(2).strip()
    picture, caption = "", ""
    if inner:
        root = _fragment(inner)
        image = next(root.iter("img"), None)
        if image is not None:
            holder = image.getparent()
            linked = (
                holder.tag == "a"
                and len(holder) == 1
                and not (holder.text or "").strip()
                and not (image.tail or "").strip()
            )
            (holder if linked else image).drop_tree()  # their tails stay
            image.tail = None
            picture = lxml.html.tostring(image, encoding="unicode", method="html")
        caption = _inner_html(root).strip()
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

LINK_ATTRIBUTES = ("href", "src")


def request_path(path):
    """``path`` ("/%d8%b3%d9%84-%d8/") as Django's ``request.path`` shows it when a browser
    asks for it: percent-escapes decoded as UTF-8, and those that are not UTF-8 (WordPress
    cuts long non-Latin slugs in the middle of a character) kept as escapes, upper-case."""
    return repercent_broken_unicode(unquote_to_bytes(path)).decode()


def old_paths(*urls):
    """The paths of a post's old permalinks (its <link> and its guid, when not ?p=),
    decoded as Django sees a request's path."""
    paths = []
    for url in urls:
        parts = urlsplit(url or "")
        if parts.path and parts.path != "/" and not parts.query:
            path = request_path(parts.path)
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
    """Rewrite the ``href`` and ``src`` attributes of ``body`` (HTML, read with lxml) that
    point at the old site: ``resolve(path)`` gives the new address, or None to leave the
    attribute as it is. A body with nothing to rewrite is returned as it came."""
    if not body or not body.strip():
        return body
    root = _fragment(body)
    changed = False
    for element in root.iter():
        for name in LINK_ATTRIBUTES:
            value = element.get(name) if isinstance(element.tag, str) else None
            if not value:
                continue
            path = site_path(value, base_url)
            new = resolve(path) if path is not None else None
            if new is not None and new != value:
                element.set(name, new)
                changed = True
    return _inner_html(root) if changed else body


# Multilingual markers

# qTranslate and its forks mark each language's text inside one field: "[:en]…[:fa]…[:]",
# "{:en}…{:}" (qTranslate-X) and the older "<!--:en-->…<!--:-->".
_LANGUAGE_MARK = re.compile(r"\[:([a-z]{2}(?:[_-][a-z]{2})?)?\]|\{:([a-z]{2}(?:[_-][a-z]{2})?)?\}")
_LANGUAGE_COMMENT = re.compile(r"<!--:([a-z]{2}(?:[_-][a-z]{2})?)?-->")


def split_languages(text, default="en"):
    """``text`` split by a multilingual plugin's markers into ``{language: text}``; text
    without markers is ``{default: text}``. Text outside any marker belongs to every
    language (qTranslate shows it in all of them)."""
    text = text or ""
    marks = list(_LANGUAGE_MARK.finditer(text)) or list(_LANGUAGE_COMMENT.finditer(text))
    if not marks:
        return {default: text}
    parts, shared, language, start = {}, [], None, 0
    for mark in marks:
        chunk = text[start : mark.start()]
        if language:
            parts[language] = parts.get(language, "") + chunk
        else:
            shared.append(chunk)
        language = next((group for group in mark.groups() if group), None)
        start = mark.end()
    tail = text[start:]
    if language:
        parts[language] = parts.get(language, "") + tail
    else:
        shared.append(tail)
    outside = "".join(shared).strip()
    if not parts:
        return {default: outside}
    return {
        lang: f"{value.strip()} {outside}".strip() if outside else value.strip()
        for lang, value in parts.items()
    }
