"""python manage.py import_wordpress EXPORT.xml [--media-dir DIR] [--dry-run]

Imports a WordPress export through ``articles.importer.import_export`` and prints its
report; exits non-zero, with one sentence saying why, when the file cannot be imported or
nothing in it could be.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from articles import importer


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
        drawn = []
        try:
            report = importer.import_export(
                export, media_dir=media_dir, dry_run=dry_run, progress=self.progress(drawn)
            )
        except importer.ExportError as error:
            raise CommandError(str(error)) from error
        if drawn:
            self.stderr.write("")  # ends the progress bar's line
        self.print_report(report)
        if report.nothing_imported:
            raise CommandError(
                f"Nothing was imported: none of the {report.items} items could be "
                "(the reasons are listed above)."
            )

    def progress(self, drawn):
        """A progress bar on standard error; ``drawn`` says whether it was."""

        def draw(done, total):
            width = 30
            filled = width * done // max(total, 1)
            bar = "#" * filled + "-" * (width - filled)
            self.stderr.write(f"\rImporting posts [{bar}] {done}/{total}", ending="")
            self.stderr.flush()
            drawn[:] = [True]

        return draw

    def print_report(self, r):
        out = self.stdout
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
        if r.dry_run:
            out.write(self.style.WARNING("Dry run: nothing was written."))
        elif r.has_problems:
            out.write(self.style.WARNING("Done, with the problems listed above."))
        else:
            out.write(self.style.SUCCESS("Done."))
        sys.stdout.flush()
