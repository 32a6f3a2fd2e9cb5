"""Importing a WordPress export (WXR): ``import_export(source, ...)`` returns its ``Report``.

Moves a WordPress site in: authors, categories (as sections), tags, posts with their
featured images, Yoast SEO fields and approved comments, pages (as standing pages), and
every old address as a redirect. Safe to run again: posts are matched by WordPress id
(and guid) and updated, never duplicated. Every <item> of the file ends up in the report
as created, updated, skipped or failed, with the reason. ``manage.py import_wordpress``
parses its arguments, calls it and prints the report (README, "Moving from WordPress").

The export is read twice, as a stream (``articles.wordpress.read``): a first pass for what
posts refer to (authors, categories, tags, attachments), a second for the posts. What one
item does is gathered in an ``ItemResult`` and added to the report only if the item's
transaction commits.
"""

import html
import re
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from taggit.models import Tag

from articles import services, wordpress
from articles.models import (
    RESERVED_SLUGS,
    Article,
    Comment,
    ImportedPost,
    Page,
    Redirect,
    Section,
)
from images.services import image_from_file
from staff.models import Author

STATUSES = {
    "publish": Article.Status.PUBLISHED,
    "future": Article.Status.PUBLISHED,  # with its future time: scheduled
    "draft": Article.Status.DRAFT,
    "pending": Article.Status.REVIEW,
    "private": Article.Status.UNPUBLISHED,
}
UPLOADS = "/wp-content/uploads/"


class ExportError(Exception):
    """The file cannot be imported at all (missing, not a WordPress export, no such media
    folder); the message says why, in one sentence."""


class ItemError(Exception):
    """A post that cannot be imported; the message says why."""


class _DryRun(Exception):
    """Raised at the end of a dry run to roll every write back."""


@dataclass
class Report:
    """What an import did. Every <item> of the file is counted once: ``items`` is
    ``created + updated + pages_created + pages_updated + len(skipped) + len(failed)``.
    The lists hold one sentence per item (its title, post id and line, and the reason)."""

    dry_run: bool = False
    types: Counter = field(default_factory=Counter)  # post type → items
    items: int = 0  # every <item> in the file: created + updated + skipped + failed
    created: int = 0
    updated: int = 0
    skipped: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    repaired: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    posts_not_imported: int = 0
    unrecognised: int = 0
    pages_created: int = 0
    pages_updated: int = 0
    comments: int = 0
    translations: int = 0
    errors: list = field(default_factory=list)  # parts of the file the parser skipped
    images_found: int = 0
    images_missing: list = field(default_factory=list)
    redirects: int = 0
    links_rewritten: int = 0
    captions: int = 0
    embeds: int = 0
    removed_shortcodes: Counter = field(default_factory=Counter)
    authors: int = 0
    sections: int = 0

    @property
    def imported(self):
        """Articles and pages created or updated."""
        return self.created + self.updated + self.pages_created + self.pages_updated

    @property
    def has_problems(self):
        return bool(self.posts_not_imported or self.failed or self.errors or self.repaired)

    @property
    def nothing_imported(self):
        """Whether the import failed as a whole: nothing came in, and not because the file
        had nothing to import (every item failed, or none was WordPress's)."""
        return not self.imported and bool(self.failed or self.unrecognised)


@dataclass
class ItemResult:
    """What importing one post added: merged into the report when its transaction
    commits; ``stored_files`` are deleted again when it does not."""

    notes: list = field(default_factory=list)
    comments: int = 0
    translations: int = 0
    redirects: int = 0
    images_found: int = 0
    images_missing: list = field(default_factory=list)
    stored_files: list = field(default_factory=list)


@dataclass
class Export:
    """What the first pass read: the site, and what posts refer to."""

    source: object  # a path or a binary file object
    channel: dict = field(default_factory=dict)
    authors: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    attachments: dict = field(default_factory=dict)  # WordPress id → its fields
    total_posts: int = 0  # posts and pages
    recognised: int = 0  # items with a wp:post_id in WordPress's namespace

    @property
    def base_url(self):
        return self.channel.get("wp:base_blog_url") or self.channel.get("link", "")


@dataclass
class Site:
    """What the second pass works with: the export, the options, and the authors and
    sections made of it."""

    export: Export
    media_dir: Path | None
    dry_run: bool
    author_by_login: dict = field(default_factory=dict)
    section_by_nicename: dict = field(default_factory=dict)


def import_export(source, *, media_dir=None, dry_run=False, progress=None):
    """Import the WordPress export ``source`` (a path, or a binary file object that can
    seek) and return its ``Report``.

    ``media_dir`` is a copy of the old site's ``wp-content/uploads`` folder, for featured
    and inline images; ``dry_run`` reads and checks everything and writes nothing (one
    transaction, rolled back); ``progress(done, total)`` is called after each post or page.
    Each post commits on its own otherwise, so a crash keeps what was done and a re-run
    goes on from there. Raises ``ExportError`` when the file cannot be imported at all."""
    if isinstance(source, str | Path):
        source = Path(source)
        if not source.is_file():
            raise ExportError(f"No such file: {source}")
    media_dir = Path(media_dir) if media_dir else None
    if media_dir and not media_dir.is_dir():
        raise ExportError(f"--media-dir {media_dir} is not a folder.")
    report = Report(dry_run=dry_run)
    export = read_export(source, report)
    if report.items and not export.recognised:
        raise ExportError(
            f"{_name_of(source)}: none of its {report.items} items has a wp:post_id in "
            "WordPress's export namespace: is this a WordPress export (Tools → Export)?"
        )
    site = Site(export=export, media_dir=media_dir, dry_run=dry_run)
    try:
        with transaction.atomic() if dry_run else nullcontext():
            import_all(site, report, progress)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _name_of(source):
    return source if isinstance(source, Path) else getattr(source, "name", "the export")


# Pass 1: everything but the posts (small), and the attachments posts refer to.


def read_export(source, report):
    """The first pass: the channel, authors, categories, tags and attachments; counts
    every item into ``report``. Raises ``ExportError`` for a file with none of them."""
    export = Export(source=source)
    for kind, value in wordpress.read(source):
        if kind == "channel":
            export.channel = value
        elif kind == "author":
            export.authors.append(value)
        elif kind == "category":
            export.categories.append(value)
        elif kind == "tag":
            export.tags.append(value)
        elif kind == "term":
            add_term(export, value)
        elif kind == "error":
            report.errors.append(value)
        elif kind == "item":
            report.items += 1
            report.types[value.post_type] += 1
            export.recognised += value.wp_id is not None
            if value.post_type == "attachment" and value.wp_id is not None:
                export.attachments[value.wp_id] = {
                    "url": value.get("wp:attachment_url") or value.get("guid"),
                    "alt": value.meta.get("_wp_attachment_image_alt", ""),
                    "caption": strip_tags(value.get("excerpt:encoded")),
                    "title": value.get("title"),
                    "link": value.get("link"),
                    "parent": wordpress.whole_number(value.get("wp:post_parent")),
                }
            elif value.post_type in ("post", "page"):
                export.total_posts += 1
    if not (export.channel or report.types or export.authors):
        raise ExportError(
            f"{_name_of(source)} is not a WordPress export: no channel, authors or items "
            "found. " + " ".join(report.errors)
        )
    return export


def add_term(export, data):
    """A WXR 1.2 <wp:term>: categories and tags may come this way too."""
    taxonomy = data.get("wp:term_taxonomy")
    if taxonomy == "category":
        export.categories.append(
            {
                "wp:category_nicename": data.get("wp:term_slug", ""),
                "wp:category_parent": data.get("wp:term_parent", ""),
                "wp:cat_name": data.get("wp:term_name", ""),
                "wp:category_description": data.get("wp:term_description", ""),
            }
        )
    elif taxonomy == "post_tag":
        export.tags.append(
            {
                "wp:tag_slug": data.get("wp:term_slug", ""),
                "wp:tag_name": data.get("wp:term_name", ""),
            }
        )


# Pass 2


def import_all(site, report, progress=None):
    site.author_by_login = {
        data["login"]: data["author"] for data in import_authors(site.export, report)
    }
    site.section_by_nicename = import_sections(site.export, report)
    for data in site.export.tags:
        import_tag(data, report)
    imported = {}  # article pk → the item's label, for the report
    done = 0
    for kind, item in wordpress.read(site.export.source):
        if kind != "item":
            continue
        if item.repaired:
            mended = ", ".join(f"{n} {what}" for what, n in sorted(item.repaired.items()))
            report.repaired.append(f"{item.label}: {mended} mended")
        if item.broken:
            report.failed.append(
                f"{item.label}: its XML is broken ({item.broken}), so it was not imported"
            )
            continue
        if item.post_type not in ("post", "page"):
            skip_other(item, report)
            continue
        before = len(report.skipped) + len(report.failed)
        article = import_item(item, site, report)
        if article is not None:
            imported[article.pk] = item.label
        if item.post_type == "post":
            report.posts_not_imported += len(report.skipped) + len(report.failed) - before
        done += 1
        if progress is not None:
            progress(done, site.export.total_posts)
    attachment_addresses(site.export, report)
    rewrite_bodies(site, imported, report)


def skip_other(item, report):
    if item.post_type == "attachment":
        reason = "an attachment: its file comes in with the posts that use it"
    else:
        reason = f"post type “{item.post_type}” is not imported"
    report.skipped.append(f"{item.label}: {reason}")


def attachment_addresses(export, report):
    """An attachment's page answers 301 to the post it belongs to, or 410."""
    for wp_id, attachment in export.attachments.items():
        parent = ImportedPost.objects.filter(wp_id=attachment["parent"] or 0).first()
        article = parent.article if parent else None
        paths = wordpress.old_paths(attachment["link"]) + [f"/?attachment_id={wp_id}"]
        for path in paths:
            if not Redirect.objects.filter(old_path=path).exclude(article=None).exists():
                Redirect.objects.update_or_create(
                    old_path=path, defaults={"article": article, "page": None}
                )
                report.redirects += 1


def import_authors(export, report):
    users = {
        user.email.lower(): user
        for user in get_user_model().objects.exclude(email="").filter(author__isnull=True)
    }
    for data in export.authors:
        login = data.get("wp:author_login", "")
        if not login:
            continue
        name = (
            data.get("wp:author_display_name")
            or " ".join(
                part
                for part in (
                    data.get("wp:author_first_name"),
                    data.get("wp:author_last_name"),
                )
                if part
            )
            or login
        )
        author, created = Author.objects.get_or_create(
            slug=slugify(login)[:120] or f"author-{data.get('wp:author_id')}",
            defaults={"name": name[:120], "bio": data.get("wp:author_description", "")},
        )
        # An existing author is the newsroom's record: linked to, never overwritten.
        email = data.get("wp:author_email", "").lower()
        if created and email in users:
            author.user = users.pop(email)
            author.save(update_fields=["user"])
        report.authors += 1
        yield {"login": login, "author": author}


def import_tag(data, report):
    name = (data.get("wp:tag_name") or "").strip()[:100]
    if not name:
        return
    slug = slugify(unquote(data.get("wp:tag_slug") or name), allow_unicode=True)[:100]
    try:
        with transaction.atomic():
            tag = Tag.objects.filter(slug=slug).first() or Tag.objects.filter(name=name).first()
            if tag is None:
                Tag.objects.create(name=name, slug=slug or slugify(name))
            elif tag.name != name and not Tag.objects.filter(name=name).exists():
                tag.name = name  # renamed in WordPress since the last import
                tag.save(update_fields=["name"])
    except Exception as error:
        report.errors.append(f"tag “{name}”: {type(error).__name__}: {error}")


def import_sections(export, report):
    by_nicename = {}
    pending = list(export.categories)
    # Parents before children, however the export orders them.
    for _ in range(len(pending) + 1):
        waiting = []
        for data in pending:
            parent = data.get("wp:category_parent", "")
            if parent and parent not in by_nicename:
                if any(d.get("wp:category_nicename") == parent for d in pending):
                    waiting.append(data)
                    continue
            nicename = data.get("wp:category_nicename") or slugify(data.get("wp:cat_name"))
            if not nicename:
                continue
            slug = slugify(unquote(nicename), allow_unicode=True)[:80] or nicename[:80]
            section, _ = Section.objects.get_or_create(
                slug=slug,
                defaults={"name": unique_section_name(data.get("wp:cat_name"))},
            )
            section.description = strip_tags(data.get("wp:category_description", ""))
            section.parent = by_nicename.get(parent)
            section.save()
            by_nicename[nicename] = section
            report.sections += 1
        if not waiting or len(waiting) == len(pending):
            break
        pending = waiting
    return by_nicename


def unique_section_name(name):
    name = (name or "Section")[:80]
    candidate, number = name, 2
    while Section.objects.filter(name=candidate).exists():
        candidate = f"{name[:75]} ({number})"
        number += 1
    return candidate


def import_item(item, site, report):
    """Import one post or page into ``report``; the article made or updated, or None."""
    if item.wp_id is None:
        report.unrecognised += 1
        report.skipped.append(
            f"{item.label}: no numeric post id (no wp:post_id in WordPress's namespace)"
        )
        return None
    if item.post_type == "page":
        import_page(item, report)
        return None
    status = item.get("wp:status")
    if status not in STATUSES:
        reason = "in the trash" if status == "trash" else f"status “{status}”"
        report.skipped.append(f"{item.label}: {reason}")
        return None
    result = ItemResult()
    try:
        with transaction.atomic():
            article, created, cleanup = save_post(item, site, result)
    except Exception as error:  # one bad item never stops the import, nor half-writes
        for name in result.stored_files:
            default_storage.delete(name)
        if isinstance(error, ItemError):
            report.skipped.append(f"{item.label}: {error}")
        else:
            report.failed.append(f"{item.label}: {type(error).__name__}: {error}")
        return None
    report.redirects += result.redirects
    report.notes += result.notes
    report.comments += result.comments
    report.translations += result.translations
    report.images_found += result.images_found
    report.images_missing += result.images_missing
    if created:
        report.created += 1
    else:
        report.updated += 1
    report.captions += cleanup.captions
    report.embeds += cleanup.embeds
    report.removed_shortcodes.update(cleanup.removed_shortcodes)
    return article


def save_post(item, site, result):
    """Write one post as an article, with its byline, tags, comments, old addresses,
    history and featured image; what it adds to the report goes into ``result``.
    Returns ``(article, created, cleanup)``; raises ``ItemError`` for a post that cannot
    be imported (the caller's transaction rolls it back)."""
    status = STATUSES[item.get("wp:status")]
    try:
        published_at = wordpress.parse_date(item.get("wp:post_date_gmt"), utc=True)
        if published_at is None and status == Article.Status.PUBLISHED:
            published_at = wordpress.parse_date(item.get("wp:post_date"), utc=False)
    except ValueError as error:
        raise ItemError(f"bad date “{item.get('wp:post_date_gmt')}”") from error
    if status == Article.Status.PUBLISHED and published_at is None:
        # WordPress would stamp it with the import's time and put it on the front
        # page; an editor decides instead.
        status = Article.Status.DRAFT
        result.notes.append(
            f"{item.label}: published in WordPress, but the export gives it no date: "
            "imported as a draft"
        )
    languages = split_languages(item)
    title = languages["title"].strip()
    if not title:
        raise ItemError("no title")

    link = ImportedPost.objects.filter(wp_id=item.wp_id).select_related("article").first()
    if link is None and item.get("guid"):
        link = ImportedPost.objects.filter(guid=item.get("guid")).first()
    article = link.article if link else Article()
    created = link is None
    if link is not None and article.version != link.imported_version:
        raise ItemError(
            "changed in the newsroom since the last import, so left as it is "
            "(delete the article to import it again)"
        )

    body, cleanup = wordpress.clean_content(languages["body"])
    article.title = title[:250]
    article.slug = slug_for(item, article, Article)
    article.body = body
    article.standfirst = " ".join(strip_tags(languages["standfirst"]).split())
    article.section = section_for(item, site)
    article.is_featured = item.get("wp:is_sticky") == "1"
    article.seo_title = yoast(item.meta.get("_yoast_wpseo_title", ""), title)[:200]
    article.seo_description = " ".join(item.meta.get("_yoast_wpseo_metadesc", "").split())[:320]
    set_featured_image(article, item, site, result)
    article.full_clean(exclude=["image", "body"])
    services.article_import(
        article=article,
        status=status,
        published_at=published_at,
        bylines=[author_for(item, site).pk],
        tags=tags_for(item),
        source=f"Imported from WordPress (post {item.wp_id})",
        record_event=created,
    )
    article.refresh_from_db(fields=["version"])
    ImportedPost.objects.update_or_create(
        article=article,
        defaults={
            "wp_id": item.wp_id,
            "guid": item.get("guid")[:500],
            "imported_version": article.version,
            "other_languages": languages["others"],
        },
    )
    if languages["others"]:
        result.translations += 1
    result.comments += import_comments(item, article)
    current_path = unquote(article.get_absolute_url())
    for path in wordpress.old_paths(item.get("link"), item.get("guid")):
        if path != current_path:
            Redirect.objects.update_or_create(
                old_path=path, defaults={"article": article, "page": None}
            )
            result.redirects += 1
    return article, created, cleanup


def slug_for(item, obj, model):
    """The item's slug here: WordPress's post_name decoded (an escape WordPress cut in
    the middle of a character is dropped), else the title's; unique among articles and
    pages alike, and never a reserved word."""
    slug = item.get("wp:post_name") or slugify(item.get("title"), allow_unicode=True)
    slug = unquote_to_bytes(slug).decode("utf-8", errors="ignore")
    slug = slugify(html.unescape(slug), allow_unicode=True)[:200]
    slug = slug or f"{item.post_type}-{item.wp_id}"
    if slug in RESERVED_SLUGS or slug.isdigit():
        slug = f"{slug}-{item.wp_id}"
    if model is Article:  # its address, or an old one that leads to another article
        taken = obj.address_taken(slug) or Page.objects.filter(slug=slug).exists()
    else:
        taken = (
            Page.objects.filter(slug=slug).exclude(pk=obj.pk).exists()
            or Article.objects.at_address(slug).exists()
        )
    return f"{slug[:190]}-{item.wp_id}" if taken else slug


def split_languages(item):
    """The item's title, excerpt and content in the site's language (English), and
    the other languages' text from a multilingual plugin's markers, kept aside."""
    fields = {
        "title": item.get("title"),
        "standfirst": item.get("excerpt:encoded"),
        "body": item.raw_content,
    }
    split = {name: wordpress.split_languages(text) for name, text in fields.items()}
    result, others = {}, {}
    for name, by_language in split.items():
        result[name] = by_language.pop("en", None)
        if result[name] is None:  # no English version: the first language stands in
            result[name] = by_language.pop(next(iter(by_language)), "")
        for language, text in by_language.items():
            others.setdefault(language, {})[name] = text
    result["others"] = others
    return result


def import_comments(item, article):
    """The item's approved comments, kept with the article (name, site, date, text and
    thread); commenters' e-mail and IP addresses are left behind. Returns how many."""
    kept, by_wp_id = 0, {}
    for data in item.comments:
        wp_id = wordpress.whole_number(data.get("wp:comment_id", ""))
        if data.get("wp:comment_approved") != "1" or wp_id is None:
            continue
        try:
            when = wordpress.parse_date(data.get("wp:comment_date_gmt"), utc=True)
            when = when or wordpress.parse_date(data.get("wp:comment_date"), utc=False)
        except ValueError:
            when = None
        url = data.get("wp:comment_author_url", "")
        comment, _ = Comment.objects.update_or_create(
            wp_id=wp_id,
            defaults={
                "article": article,
                "author_name": data.get("wp:comment_author", "")[:250],
                "author_url": url[:500] if url.startswith(("http://", "https://")) else "",
                "text": html.unescape(strip_tags(data.get("wp:comment_content", ""))),
                "published_at": when or article.published_at or timezone.now(),
            },
        )
        by_wp_id[wp_id] = comment
        kept += 1
    for data in item.comments:
        comment = by_wp_id.get(wordpress.whole_number(data.get("wp:comment_id", "")))
        parent_id = wordpress.whole_number(data.get("wp:comment_parent", "") or "0")
        if comment is not None and parent_id:
            parent = by_wp_id.get(parent_id) or Comment.objects.filter(wp_id=parent_id).first()
            if parent is not None and comment.parent_id != parent.pk:
                comment.parent = parent
                comment.save(update_fields=["parent"])
    return kept


def import_page(item, report):
    """A WordPress page as a standing page, at its old address."""
    status = item.get("wp:status")
    if status not in STATUSES:
        reason = "in the trash" if status == "trash" else f"status “{status}”"
        report.skipped.append(f"{item.label}: {reason}")
        return
    languages = split_languages(item)
    title = languages["title"].strip()
    if not title:
        report.skipped.append(f"{item.label}: no title")
        return
    redirects = 0
    try:
        with transaction.atomic():
            page = Page.objects.filter(wp_id=item.wp_id).first()
            created = page is None
            page = page or Page(wp_id=item.wp_id)
            page.title = title[:250]
            page.slug = slug_for(item, page, Page)
            page.body = wordpress.clean_content(languages["body"])[0]
            published = STATUSES[status] == Article.Status.PUBLISHED
            page.status = Page.Status.PUBLISHED if published else Page.Status.DRAFT
            page.full_clean(exclude=["body"])
            page.save()
            paths = wordpress.old_paths(item.get("link"), item.get("guid"))
            paths += [f"/?page_id={item.wp_id}", f"/?p={item.wp_id}"]
            for path in paths:
                if path != unquote(page.get_absolute_url()):
                    Redirect.objects.update_or_create(
                        old_path=path, defaults={"page": page, "article": None}
                    )
                    redirects += 1
    except Exception as error:
        report.failed.append(f"{item.label}: {type(error).__name__}: {error}")
        return
    report.redirects += redirects
    if created:
        report.pages_created += 1
    else:
        report.pages_updated += 1


def section_for(item, site):
    for domain, nicename, _label in item.categories:
        if domain == "category" and nicename in site.section_by_nicename:
            return site.section_by_nicename[nicename]
    section, _ = Section.objects.get_or_create(
        slug="uncategorized", defaults={"name": unique_section_name("Uncategorized")}
    )
    return section


def tags_for(item):
    names = [label for domain, _, label in item.categories if domain == "post_tag" and label]
    # Further categories beyond the section are kept, as tags.
    categories = [label for domain, _, label in item.categories if domain == "category"]
    names.extend(categories[1:])
    return list(dict.fromkeys(name[:100] for name in names))


def author_for(item, site):
    login = item.get("dc:creator")
    if login in site.author_by_login:
        return site.author_by_login[login]
    author, created = Author.objects.get_or_create(
        slug=slugify(login)[:120] or "wordpress", defaults={"name": login or "WordPress"}
    )
    # One made now is remembered only once it exists for good: this post's transaction
    # may yet roll it back, and the next post by the same login then makes it again.
    if not created:
        site.author_by_login[login] = author
    return author


def yoast(template, title):
    if not template:
        return ""
    values = {
        "title": title,
        "sitename": settings.SITE_NAME,
        "sep": "|",
        "page": "",
        "primary_category": "",
    }
    text = re.sub(r"%%(\w+)%%", lambda m: values.get(m.group(1), ""), template)
    return " ".join(text.split())


# Images


def media_file(url, site):
    """The file under ``site.media_dir`` for an uploads URL, as ``(path, relative)``, or
    None."""
    if not url or not site.media_dir:
        return None
    path = wordpress.site_path(url, site.export.base_url) or ""
    if UPLOADS not in path:
        return None
    relative = unquote(path.split(UPLOADS, 1)[1].split("?", 1)[0])
    candidate = (site.media_dir / relative).resolve()
    if site.media_dir.resolve() not in candidate.parents or not candidate.is_file():
        return None
    return candidate, relative


def library_image(found, site, *, alt, title="", caption="", missing, stored_files):
    """The library image for a media file (sanitized, with renditions, stored once
    however many posts use it); None when the file is no picture (said in ``missing``).
    Files it stores are added to ``stored_files``."""
    path, relative = found
    if site.dry_run:
        return None
    with path.open("rb") as handle:
        try:
            image, created = image_from_file(
                file=File(handle, name=path.name), alt=alt, title=title, caption=caption
            )
        except ValidationError as error:
            missing.append(f"{relative}: refused, {' '.join(error.messages)}")
            return None
    if created:
        stored_files.extend(image.stored_files)
    return image


def set_featured_image(article, item, site, result):
    thumbnail = item.meta.get("_thumbnail_id", "")
    if not thumbnail.isdigit():
        return
    attachment = site.export.attachments.get(int(thumbnail))
    if attachment is None:
        result.images_missing.append(f"{item.label}: attachment {thumbnail} not found")
        return
    found = media_file(attachment["url"], site)
    if found is None:
        result.images_missing.append(f"{item.label}: {attachment['url']}")
        return
    result.images_found += 1
    image = library_image(
        found,
        site,
        alt=attachment["alt"] or attachment["title"] or article.title,
        title=attachment["title"],
        caption=attachment["caption"],
        missing=result.images_missing,
        stored_files=result.stored_files,  # removed again if the post is rolled back
    )
    if image is not None:
        article.image = image
        if attachment["caption"] and attachment["caption"][:300] != image.caption:
            article.image_caption = attachment["caption"][:300]


# Links inside bodies, once every post is in


def rewrite_bodies(site, imported, report):
    """Point the links and images of the ``imported`` articles (pk → the item's label)
    that lead to the old site at their new addresses."""
    new_url = {}
    for redirect in Redirect.objects.select_related("article", "page"):
        target = redirect.article or redirect.page
        if target is not None:
            new_url[redirect.old_path] = target.get_absolute_url()
    for imported_post in ImportedPost.objects.select_related("article"):
        new_url[f"/?p={imported_post.wp_id}"] = imported_post.article.get_absolute_url()

    def resolver(label):
        def resolve(path):
            if UPLOADS in path:
                found = media_file(path, site)
                if found is None:
                    report.images_missing.append(f"{label}: {path} (in the text)")
                    return None  # kept pointing at the old site
                report.images_found += 1
                # The articles are saved: files copied from here on stay.
                image = library_image(
                    found,
                    site,
                    alt=found[1],
                    title=found[1],
                    missing=report.images_missing,
                    stored_files=[],
                )
                return image.url if image else None
            post_id = wordpress.post_id_in(path)
            if post_id is not None:
                return new_url.get(f"/?p={post_id}")
            return new_url.get(path, path.split("?", 1)[0])

        return resolve

    pks = sorted(imported)
    articles = (
        article
        for start in range(0, len(pks), 500)
        for article in Article.objects.filter(pk__in=pks[start : start + 500]).only("pk", "body")
    )
    for article in articles:
        body = wordpress.rewrite_links(
            article.body, site.export.base_url, resolver(imported[article.pk])
        )
        if body != article.body:
            article.set_body(body)
            Article.objects.filter(pk=article.pk).update(
                body=article.body,
                body_text=article.body_text,
                search_body=article.search_body,
            )
            report.links_rewritten += 1
