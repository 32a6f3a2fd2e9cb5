"""Readable differences between two versions of an article: field by field, and the body
block by block (paragraphs, headings, lists, quotes), with changed words marked."""

import difflib
from dataclasses import dataclass
from html.parser import HTMLParser

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from articles.models import Section
from images.models import Image
from staff.models import Author

FIELDS = (
    ("title", "Headline"),
    ("kicker", "Kicker"),
    ("slug", "Address (slug)"),
    ("standfirst", "Standfirst"),
    ("section_id", "Section"),
    ("authors", "Byline"),
    ("tags", "Tags"),
    ("is_featured", "Lead story"),
    ("image_id", "Featured image"),
    ("image_caption", "Caption"),
    ("seo_title", "Search engine title"),
    ("seo_description", "Search engine description"),
)


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    words: str  # HTML: the new value with changed words marked


@dataclass
class BlockChange:
    kind: str  # "same", "added", "removed" or "changed"
    old: str
    new: str
    words: str


def _display(field, value, sections, authors, images):
    if field == "section_id":
        return sections.get(value, f"(deleted section {value})")
    if field == "image_id":
        return "" if value is None else images.get(value, f"(deleted picture {value})")
    if field == "authors":
        return ", ".join(authors.get(pk, f"(deleted author {pk})") for pk in value or ())
    if field == "tags":
        return ", ".join(value or ())
    if field == "is_featured":
        return "yes" if value else "no"
    return str(value or "")


def field_changes(old, new):
    """The fields (other than the body) that differ between two snapshots."""
    section_ids = {old.get("section_id"), new.get("section_id")}
    sections = dict(Section.objects.filter(pk__in=section_ids).values_list("pk", "name"))
    author_ids = set(old.get("authors") or ()) | set(new.get("authors") or ())
    authors = dict(Author.objects.filter(pk__in=author_ids).values_list("pk", "name"))
    image_ids = {old.get("image_id"), new.get("image_id")} - {None}
    images = dict(Image.objects.filter(pk__in=image_ids).values_list("pk", "title"))
    changes = []
    for field, label in FIELDS:
        if old.get(field) == new.get(field):
            continue
        before = _display(field, old.get(field), sections, authors, images)
        after = _display(field, new.get(field), sections, authors, images)
        changes.append(FieldChange(label, before, after, word_diff(before, after)))
    return changes


class _BlockSplitter(HTMLParser):
    """Splits sanitized body HTML into its top-level blocks, as text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.blocks = []
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in {"br", "hr"}:
            if self.depth == 0 and tag == "hr":
                self.blocks.append("―")
            else:
                self.current.append(" ")
            return
        self.depth += 1

    def handle_endtag(self, tag):
        self.depth -= 1
        if self.depth <= 0:
            self.depth = 0
            self.flush()
        else:
            self.current.append(" ")

    def handle_data(self, data):
        self.current.append(data)
        if self.depth == 0:
            self.flush()

    def flush(self):
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(text)
        self.current = []


def body_blocks(html):
    splitter = _BlockSplitter()
    splitter.feed(html or "")
    splitter.close()
    splitter.flush()
    return splitter.blocks


def body_changes(old_html, new_html):
    """The body compared block by block: each paragraph is kept, added, removed or changed."""
    old, new = body_blocks(old_html), body_blocks(new_html)
    rows = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            rows.extend(BlockChange("same", text, text, escape(text)) for text in old[a1:a2])
            continue
        removed, added = old[a1:a2], new[b1:b2]
        paired = min(len(removed), len(added)) if op == "replace" else 0
        for before, after in zip(removed[:paired], added[:paired], strict=True):
            rows.append(BlockChange("changed", before, after, word_diff(before, after)))
        rows.extend(BlockChange("removed", text, "", escape(text)) for text in removed[paired:])
        rows.extend(BlockChange("added", "", text, escape(text)) for text in added[paired:])
    return rows


def word_diff(old, new):
    """``new`` with the words that differ from ``old`` marked as <del> and <ins>."""
    old_words, new_words = old.split(), new.split()
    parts = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape(" ".join(old_words[a1:a2])))
            continue
        if a2 > a1:
            parts.append(format_html("<del>{}</del>", " ".join(old_words[a1:a2])))
        if b2 > b1:
            parts.append(format_html("<ins>{}</ins>", " ".join(new_words[b1:b2])))
    return mark_safe(" ".join(parts))


def compare(old, new):
    """Both kinds of change between two snapshots (see ``workflow.snapshot``)."""
    return {
        "fields": field_changes(old, new),
        "body": body_changes(old.get("body", ""), new.get("body", "")),
        "body_changed": old.get("body") != new.get("body"),
    }
