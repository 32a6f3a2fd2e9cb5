"""python manage.py import_wordpress EXPORT.xml [--media-dir DIR] [--dry-run]

Moves a WordPress site in: authors, categories (as sections), tags, posts with their
featured images, Yoast SEO fields and approved comments, pages (as standing pages), and
every old address as a redirect. Safe to run again: posts are matched by WordPress id
(and guid) and updated, never duplicated. Every <item> of the file ends up in the report
as created, updated, skipped or failed, with the reason.
"""

import html
import re
import sys
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
from django.core.management.base import BaseCommand, CommandError
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


class DryRun(Exception):
    """Raised at the end of a dry run to roll every write back."""


class ItemError(Exception):
    """A post that cannot be imported; the message says why."""


@dataclass
class Report:
    types: Counter = field(default_factory=Counter)
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
    errors: list = field(default_factory=list)
    images_found: int = 0
    images_missing: list = field(default_factory=list)
    redirects: int = 0
    links_rewritten: int = 0
    captions: int = 0
    embeds: int = 0
    removed_shortcodes: Counter = field(default_factory=Counter)
    authors: int = 0
    sections: int = 0


class Command(BaseCommand):
    help = "Import a WordPress export (Tools → Export, WXR 1.1/1.2) and keep every link."

    def add_arguments(self, parser):
        parser.add_argument("export", help="The WXR file WordPress's Tools → Export wrote.")
        parser.add_argument(
            "--media-dir",
            help="A copy of the old site's wp-content/uploads folder, for featured and "
            "inline images.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and check everything, write nothing."
        )

    def handle(self, *args, export, media_dir=None, dry_run=False, **options):
        self.path = Path(export)
        if not self.path.is_file():
            raise CommandError(f"No such file: {self.path}")
        self.media_dir = Path(media_dir) if media_dir else None
        if self.media_dir and not self.media_dir.is_dir():
            raise CommandError(f"--media-dir {self.media_dir} is not a folder.")
        self.dry_run = dry_run
        self.report = Report()
        self.first_pass()
        if self.report.items and not self.recognised:
            raise CommandError(
                f"{self.path}: none of its {self.report.items} items has a wp:post_id in "
                "WordPress's export namespace: is this a WordPress export (Tools → Export)?"
            )
        # Each post commits on its own (a crash keeps what was done; a re-run goes on from
        # there). A dry run runs in one transaction that is rolled back.
        try:
            with transaction.atomic() if dry_run else nullcontext():
                self.import_all()
                if dry_run:
                    raise DryRun
        except DryRun:
            pass
        self.print_summary()

    # Pass 1: everything but the posts (small), and the attachments posts refer to.

    def first_pass(self):
        self.channel, self.authors, self.categories, self.tags = {}, [], [], []
        self.attachments, self.total_posts, self.recognised = {}, 0, 0
        for kind, value in wordpress.read(self.path):
            if kind == "channel":
                self.channel = value
            elif kind == "author":
                self.authors.append(value)
            elif kind == "category":
                self.categories.append(value)
            elif kind == "tag":
                self.tags.append(value)
            elif kind == "term":
                self.add_term(value)
            elif kind == "error":
                self.report.errors.append(value)
            elif kind == "item":
                self.report.items += 1
                self.report.types[value.post_type] += 1
                self.recognised += value.wp_id is not None
                if value.post_type == "attachment" and value.wp_id is not None:
                    self.attachments[value.wp_id] = {
                        "url": value.get("wp:attachment_url") or value.get("guid"),
                        "alt": value.meta.get("_wp_attachment_image_alt", ""),
                        "caption": strip_tags(value.get("excerpt:encoded")),
                        "title": value.get("title"),
                        "link": value.get("link"),
                        "parent": wordpress.whole_number(value.get("wp:post_parent")),
                    }
                elif value.post_type in ("post", "page"):
                    self.total_posts += 1
        if not (self.channel or self.report.types or self.authors):
            raise CommandError(
                f"{self.path} is not a WordPress export: no channel, authors or items found. "
                + " ".join(self.report.errors)
            )
        self.base_url = self.channel.get("wp:base_blog_url") or self.channel.get("link", "")

    def add_term(self, data):
        """A WXR 1.2 <wp:term>: categories and tags may come this way too."""
        taxonomy = data.get("wp:term_taxonomy")
        if taxonomy == "category":
            self.categories.append(
                {
                    "wp:category_nicename": data.get("wp:term_slug", ""),
                    "wp:category_parent": data.get("wp:term_parent", ""),
                    "wp:cat_name": data.get("wp:term_name", ""),
                    "wp:category_description": data.get("wp:term_description", ""),
                }
            )
        elif taxonomy == "post_tag":
            self.tags.append(
                {
                    "wp:tag_slug": data.get("wp:term_slug", ""),
                    "wp:tag_name": data.get("wp:term_name", ""),
                }
            )

    # Pass 2

    def import_all(self):
        self.author_by_login = {data["login"]: data["author"] for data in self.import_authors()}
        self.section_by_nicename = self.import_sections()
        for data in self.tags:
            self.import_tag(data)
        self.imported = {}  # article pk → the item's label, for the report
        done = 0
        for kind, item in wordpress.read(self.path):
            if kind != "item":
                continue
            if item.repaired:
                mended = ", ".join(f"{n} {what}" for what, n in sorted(item.repaired.items()))
                self.report.repaired.append(f"{item.label}: {mended} mended")
            if item.broken:
                self.report.failed.append(
                    f"{item.label}: its XML is broken ({item.broken}), so it was not imported"
                )
                continue
            if item.post_type not in ("post", "page"):
                self.skip_other(item)
                continue
            before = len(self.report.skipped) + len(self.report.failed)
            self.import_item(item)
            if item.post_type == "post":
                self.report.posts_not_imported += (
                    len(self.report.skipped) + len(self.report.failed) - before
                )
            done += 1
            self.progress(done)
        if self.total_posts:
            self.stderr.write("")
        self.attachment_addresses()
        self.rewrite_bodies()

    def skip_other(self, item):
        if item.post_type == "attachment":
            reason = "an attachment: its file comes in with the posts that use it"
        else:
            reason = f"post type “{item.post_type}” is not imported"
        self.report.skipped.append(f"{item.label}: {reason}")

    def attachment_addresses(self):
        """An attachment's page answers 301 to the post it belongs to, or 410."""
        for wp_id, attachment in self.attachments.items():
            parent = ImportedPost.objects.filter(wp_id=attachment["parent"] or 0).first()
            article = parent.article if parent else None
            paths = wordpress.old_paths(attachment["link"]) + [f"/?attachment_id={wp_id}"]
            for path in paths:
                if not Redirect.objects.filter(old_path=path).exclude(article=None).exists():
                    Redirect.objects.update_or_create(
                        old_path=path, defaults={"article": article, "page": None}
                    )
                    self.report.redirects += 1

    def progress(self, done):
        width = 30
        filled = width * done // max(self.total_posts, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.stderr.write(f"\rImporting posts [{bar}] {done}/{self.total_posts}", ending="")
        self.stderr.flush()

    def import_authors(self):
        users = {
            user.email.lower(): user
            for user in get_user_model().objects.exclude(email="").filter(author__isnull=True)
        }
        for data in self.authors:
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
            self.report.authors += 1
            yield {"login": login, "author": author}

    def import_tag(self, data):
        name = (data.get("wp:tag_name") or "").strip()[:100]
        if not name:
            return
        slug = slugify(unquote(data.get("wp:tag_slug") or name), allow_unicode=True)[:100]
        try:
            with transaction.atomic():
                tag = (
                    Tag.objects.filter(slug=slug).first() or Tag.objects.filter(name=name).first()
                )
                if tag is None:
                    Tag.objects.create(name=name, slug=slug or slugify(name))
                elif tag.name != name and not Tag.objects.filter(name=name).exists():
                    tag.name = name  # renamed in WordPress since the last import
                    tag.save(update_fields=["name"])
        except Exception as error:
            self.report.errors.append(f"tag “{name}”: {type(error).__name__}: {error}")

    def import_sections(self):
        by_nicename = {}
        pending = list(self.categories)
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
                    defaults={"name": self.unique_section_name(data.get("wp:cat_name"))},
                )
                section.description = strip_tags(data.get("wp:category_description", ""))
                section.parent = by_nicename.get(parent)
                section.save()
                by_nicename[nicename] = section
                self.report.sections += 1
            if not waiting or len(waiting) == len(pending):
                break
            pending = waiting
        return by_nicename

    def unique_section_name(self, name):
        name = (name or "Section")[:80]
        candidate, number = name, 2
        while Section.objects.filter(name=candidate).exists():
            candidate = f"{name[:75]} ({number})"
            number += 1
        return candidate

    def import_item(self, item):
        if item.wp_id is None:
            self.report.unrecognised += 1
            self.report.skipped.append(
                f"{item.label}: no numeric post id (no wp:post_id in WordPress's namespace)"
            )
            return
        if item.post_type == "page":
            self.import_page(item)
            return
        status = item.get("wp:status")
        if status not in STATUSES:
            reason = "in the trash" if status == "trash" else f"status “{status}”"
            self.report.skipped.append(f"{item.label}: {reason}")
            return
        # What this item adds to the report, and the files it stores: kept only if the
        # item's transaction commits.
        self.item_report, self.item_files = Report(), []
        try:
            with transaction.atomic():
                article, created, data = self.save_post(item)
        except Exception as error:  # one bad item never stops the import, nor half-writes
            for name in self.item_files:
                default_storage.delete(name)
            if isinstance(error, ItemError):
                self.report.skipped.append(f"{item.label}: {error}")
            else:
                self.report.failed.append(f"{item.label}: {type(error).__name__}: {error}")
            return
        self.report.redirects += self.item_report.redirects
        self.report.notes += self.item_report.notes
        self.report.comments += self.item_report.comments
        self.report.translations += self.item_report.translations
        self.report.images_found += self.item_report.images_found
        self.report.images_missing += self.item_report.images_missing
        self.imported[article.pk] = item.label
        if created:
            self.report.created += 1
        else:
            self.report.updated += 1
        self.report.captions += data.captions
        self.report.embeds += data.embeds
        self.report.removed_shortcodes.update(data.removed_shortcodes)

    def save_post(self, item):
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
            self.item_report.notes.append(
                f"{item.label}: published in WordPress, but the export gives it no date: "
                "imported as a draft"
            )
        languages = self.languages(item)
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
        article.slug = self.slug_for(item, article, Article)
        article.body = body
        article.standfirst = " ".join(strip_tags(languages["standfirst"]).split())
        article.section = self.section_for(item)
        article.is_featured = item.get("wp:is_sticky") == "1"
        article.seo_title = self.yoast(item.meta.get("_yoast_wpseo_title", ""), title)[:200]
        article.seo_description = " ".join(item.meta.get("_yoast_wpseo_metadesc", "").split())[
            :320
        ]
        self.set_featured_image(article, item)
        article.full_clean(exclude=["image", "body"])
        services.article_import(
            article=article,
            status=status,
            published_at=published_at,
            bylines=[self.author_for(item).pk],
            tags=self.tags_for(item),
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
            self.item_report.translations += 1
        self.item_report.comments += self.import_comments(item, article)
        current_path = unquote(article.get_absolute_url())
        for path in wordpress.old_paths(item.get("link"), item.get("guid")):
            if path != current_path:
                Redirect.objects.update_or_create(
                    old_path=path, defaults={"article": article, "page": None}
                )
                self.item_report.redirects += 1
        return article, created, cleanup

    def slug_for(self, item, obj, model):
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

    def languages(self, item):
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

    def import_comments(self, item, article):
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

    def import_page(self, item):
        """A WordPress page as a standing page, at its old address."""
        status = item.get("wp:status")
        if status not in STATUSES:
            reason = "in the trash" if status == "trash" else f"status “{status}”"
            self.report.skipped.append(f"{item.label}: {reason}")
            return
        languages = self.languages(item)
        title = languages["title"].strip()
        if not title:
            self.report.skipped.append(f"{item.label}: no title")
            return
        try:
            with transaction.atomic():
                page = Page.objects.filter(wp_id=item.wp_id).first()
                created = page is None
                page = page or Page(wp_id=item.wp_id)
                page.title = title[:250]
                page.slug = self.slug_for(item, page, Page)
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
                        self.report.redirects += 1
        except Exception as error:
            self.report.failed.append(f"{item.label}: {type(error).__name__}: {error}")
            return
        if created:
            self.report.pages_created += 1
        else:
            self.report.pages_updated += 1

    def section_for(self, item):
        for domain, nicename, _label in item.categories:
            if domain == "category" and nicename in self.section_by_nicename:
                return self.section_by_nicename[nicename]
        section, _ = Section.objects.get_or_create(
            slug="uncategorized", defaults={"name": self.unique_section_name("Uncategorized")}
        )
        return section

    def tags_for(self, item):
        names = [label for domain, _, label in item.categories if domain == "post_tag" and label]
        # Further categories beyond the section are kept, as tags.
        categories = [label for domain, _, label in item.categories if domain == "category"]
        names.extend(categories[1:])
        return list(dict.fromkeys(name[:100] for name in names))

    def author_for(self, item):
        login = item.get("dc:creator")
        if login in self.author_by_login:
            return self.author_by_login[login]
        author, _ = Author.objects.get_or_create(
            slug=slugify(login)[:120] or "wordpress", defaults={"name": login or "WordPress"}
        )
        self.author_by_login[login] = author
        return author

    def yoast(self, template, title):
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

    def media_file(self, url):
        """The file under --media-dir for an uploads URL, or None."""
        if not url or not self.media_dir:
            return None
        path = wordpress.site_path(url, self.base_url) or ""
        if UPLOADS not in path:
            return None
        relative = unquote(path.split(UPLOADS, 1)[1].split("?", 1)[0])
        candidate = (self.media_dir / relative).resolve()
        if self.media_dir.resolve() not in candidate.parents or not candidate.is_file():
            return None
        return candidate, relative

    def library_image(self, found, *, alt, title="", caption="", report=None):
        """The library image for a media file (sanitized, with renditions, stored once
        however many posts use it); None, reported, when the file is no picture."""
        path, relative = found
        if self.dry_run:
            return None
        with path.open("rb") as handle:
            try:
                image, created = image_from_file(
                    file=File(handle, name=path.name), alt=alt, title=title, caption=caption
                )
            except ValidationError as error:
                (report or self.item_report).images_missing.append(
                    f"{relative}: refused, {' '.join(error.messages)}"
                )
                return None
        if created:  # removed again if this post's transaction is rolled back
            getattr(self, "item_files", []).extend(image.stored_files)
        return image

    def set_featured_image(self, article, item):
        thumbnail = item.meta.get("_thumbnail_id", "")
        if not thumbnail.isdigit():
            return
        attachment = self.attachments.get(int(thumbnail))
        if attachment is None:
            self.item_report.images_missing.append(
                f"{item.label}: attachment {thumbnail} not found"
            )
            return
        found = self.media_file(attachment["url"])
        if found is None:
            self.item_report.images_missing.append(f"{item.label}: {attachment['url']}")
            return
        self.item_report.images_found += 1
        image = self.library_image(
            found,
            alt=attachment["alt"] or attachment["title"] or article.title,
            title=attachment["title"],
            caption=attachment["caption"],
        )
        if image is not None:
            article.image = image
            if attachment["caption"] and attachment["caption"][:300] != image.caption:
                article.image_caption = attachment["caption"][:300]

    # Links inside bodies, once every post is in

    def rewrite_bodies(self):
        new_url = {}
        for redirect in Redirect.objects.select_related("article", "page"):
            target = redirect.article or redirect.page
            if target is not None:
                new_url[redirect.old_path] = target.get_absolute_url()
        for imported in ImportedPost.objects.select_related("article"):
            new_url[f"/?p={imported.wp_id}"] = imported.article.get_absolute_url()

        current = {}

        def resolve(path):
            if UPLOADS in path:
                found = self.media_file(path)
                if found is None:
                    self.report.images_missing.append(f"{current['label']}: {path} (in the text)")
                    return None  # kept pointing at the old site
                self.report.images_found += 1
                image = self.library_image(found, alt=found[1], title=found[1], report=self.report)
                return image.url if image else None
            post_id = wordpress.post_id_in(path)
            if post_id is not None:
                return new_url.get(f"/?p={post_id}")
            return new_url.get(path, path.split("?", 1)[0])

        self.item_files = []  # files copied from here on stay: the articles are saved
        pks = sorted(self.imported)
        articles = (
            article
            for start in range(0, len(pks), 500)
            for article in Article.objects.filter(pk__in=pks[start : start + 500]).only(
                "pk", "body"
            )
        )
        for article in articles:
            current["label"] = self.imported[article.pk]
            body = wordpress.rewrite_links(article.body, self.base_url, resolve)
            if body != article.body:
                article.set_body(body)
                Article.objects.filter(pk=article.pk).update(
                    body=article.body, body_text=article.body_text
                )
                self.report.links_rewritten += 1

    # Report

    def print_summary(self):
        r, out = self.report, self.stdout
        out.write("Items by type: " + ", ".join(f"{n} {t}" for t, n in sorted(r.types.items())))
        out.write(f"Authors: {r.authors}. Sections: {r.sections}.")
        out.write(
            f"Items: {r.items} in the file: {r.created + r.pages_created} created, "
            f"{r.updated + r.pages_updated} updated, {len(r.skipped)} skipped, "
            f"{len(r.failed)} failed."
        )
        out.write(
            f"Articles: {r.created} created, {r.updated} updated, {r.posts_not_imported} skipped."
        )
        out.write(f"Pages: {r.pages_created} created, {r.pages_updated} updated.")
        out.write(
            f"Comments kept: {r.comments}. Posts with other languages kept aside: "
            f"{r.translations}."
        )
        for line in r.skipped:
            out.write(f"  skipped {line}")
        for line in r.failed:
            out.write(f"  failed {line}")
        for line in r.repaired:
            out.write(f"  repaired {line}")
        for line in r.notes:
            out.write(f"  note: {line}")
        out.write(f"Images: {r.images_found} found, {len(r.images_missing)} missing.")
        for line in r.images_missing:
            out.write(f"  missing {line}")
        out.write(
            f"Redirects made: {r.redirects}. Bodies with links rewritten: {r.links_rewritten}."
        )
        removed = ", ".join(f"[{n}] ×{c}" for n, c in sorted(r.removed_shortcodes.items()))
        out.write(
            f"Shortcodes: {r.captions} captions made figures, {r.embeds} embeds made links"
            + (f"; removed: {removed}" if removed else "; none removed")
            + "."
        )
        for line in r.errors:
            out.write(f"  problem in the file: {line}")
        if self.dry_run:
            out.write(self.style.WARNING("Dry run: nothing was written."))
        elif r.posts_not_imported or r.failed or r.errors or r.repaired:
            out.write(self.style.WARNING("Done, with the problems listed above."))
        else:
            out.write(self.style.SUCCESS("Done."))
        sys.stdout.flush()
        imported = r.created + r.updated + r.pages_created + r.pages_updated
        if not imported and (r.failed or r.unrecognised):
            raise CommandError(
                f"Nothing was imported: none of the {r.items} items could be "
                "(the reasons are listed above)."
            )
