import django.contrib.postgres.search
from django.db import migrations

# PostgreSQL only. Search ranks its candidates by a second, small vector: the headline
# (weight A) and the standfirst (B), without the body. It is a few hundred bytes, kept in
# the row itself, so ranking a match costs no read of the body-sized search_vector, which
# the database keeps out of line and compressed (one extra lookup and decompression per row).
#
# The trigger now also recomputes the vectors only when what they are made of changes (the
# folded texts or the language), or when one is missing: publishing, a version bump or
# any other write that leaves the text alone no longer re-parses the whole body.
TRIGGER = """
CREATE OR REPLACE FUNCTION articles_article_search_vector() RETURNS trigger AS $$
DECLARE
    config regconfig := CASE NEW.language WHEN 'fa' THEN 'simple'::regconfig
                        ELSE 'english'::regconfig END;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF coalesce(NEW.search_title, '') = '' THEN
            NEW.search_title := lower(coalesce(NEW.title, ''));
        END IF;
        IF coalesce(NEW.search_standfirst, '') = '' THEN
            NEW.search_standfirst := lower(coalesce(NEW.standfirst, ''));
        END IF;
        IF coalesce(NEW.search_body, '') = '' THEN
            NEW.search_body := lower(coalesce(NEW.body_text, ''));
        END IF;
    ELSE
        IF NEW.title IS DISTINCT FROM OLD.title
           AND NEW.search_title IS NOT DISTINCT FROM OLD.search_title THEN
            NEW.search_title := lower(coalesce(NEW.title, ''));
        END IF;
        IF NEW.standfirst IS DISTINCT FROM OLD.standfirst
           AND NEW.search_standfirst IS NOT DISTINCT FROM OLD.search_standfirst THEN
            NEW.search_standfirst := lower(coalesce(NEW.standfirst, ''));
        END IF;
        IF NEW.body_text IS DISTINCT FROM OLD.body_text
           AND NEW.search_body IS NOT DISTINCT FROM OLD.search_body THEN
            NEW.search_body := lower(coalesce(NEW.body_text, ''));
        END IF;
        IF NEW.search_title IS NOT DISTINCT FROM OLD.search_title
           AND NEW.search_standfirst IS NOT DISTINCT FROM OLD.search_standfirst
           AND NEW.search_body IS NOT DISTINCT FROM OLD.search_body
           AND NEW.language IS NOT DISTINCT FROM OLD.language
           AND OLD.search_vector IS NOT NULL THEN
            -- The text is as it was: so are its vectors (a save sends what it read).
            NEW.search_vector := OLD.search_vector;
            NEW.search_head := coalesce(NEW.search_head, OLD.search_head,
                setweight(to_tsvector(config, coalesce(NEW.search_title, '')), 'A') ||
                setweight(to_tsvector(config, coalesce(NEW.search_standfirst, '')), 'B'));
            RETURN NEW;
        END IF;
    END IF;
    NEW.search_head :=
        setweight(to_tsvector(config, coalesce(NEW.search_title, '')), 'A') ||
        setweight(to_tsvector(config, coalesce(NEW.search_standfirst, '')), 'B');
    NEW.search_vector :=
        NEW.search_head ||
        setweight(to_tsvector(config, coalesce(NEW.search_body, '')), 'C');
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""
# Migration 0020's function, as it was.
OLD_TRIGGER = """
CREATE OR REPLACE FUNCTION articles_article_search_vector() RETURNS trigger AS $$
DECLARE
    config regconfig := CASE NEW.language WHEN 'fa' THEN 'simple'::regconfig
                        ELSE 'english'::regconfig END;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF coalesce(NEW.search_title, '') = '' THEN
            NEW.search_title := lower(coalesce(NEW.title, ''));
        END IF;
        IF coalesce(NEW.search_standfirst, '') = '' THEN
            NEW.search_standfirst := lower(coalesce(NEW.standfirst, ''));
        END IF;
        IF coalesce(NEW.search_body, '') = '' THEN
            NEW.search_body := lower(coalesce(NEW.body_text, ''));
        END IF;
    ELSE
        IF NEW.title IS DISTINCT FROM OLD.title
           AND NEW.search_title IS NOT DISTINCT FROM OLD.search_title THEN
            NEW.search_title := lower(coalesce(NEW.title, ''));
        END IF;
        IF NEW.standfirst IS DISTINCT FROM OLD.standfirst
           AND NEW.search_standfirst IS NOT DISTINCT FROM OLD.search_standfirst THEN
            NEW.search_standfirst := lower(coalesce(NEW.standfirst, ''));
        END IF;
        IF NEW.body_text IS DISTINCT FROM OLD.body_text
           AND NEW.search_body IS NOT DISTINCT FROM OLD.search_body THEN
            NEW.search_body := lower(coalesce(NEW.body_text, ''));
        END IF;
    END IF;
    NEW.search_vector :=
        setweight(to_tsvector(config, coalesce(NEW.search_title, '')), 'A') ||
        setweight(to_tsvector(config, coalesce(NEW.search_standfirst, '')), 'B') ||
        setweight(to_tsvector(config, coalesce(NEW.search_body, '')), 'C');
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""


def on_postgres(*statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0024_edition_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_head",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        # Existing rows are not rewritten here (on a large archive that would be every row
        # and every index entry again): each gets its search_head on its next write, and
        # search ranks a row without one from its folded texts (articles/search.py).
        migrations.RunPython(on_postgres(TRIGGER), on_postgres(OLD_TRIGGER)),
    ]
