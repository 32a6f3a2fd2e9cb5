from articles import page_cache
from articles.models import Article, Redirect


def record_slug_redirect(sender, instance, created, raw=False, **kwargs):
    """A renamed article keeps its old address: /old-slug/ answers 301 to the new one.

    Runs inside the saving transaction (not on_commit) so that the article and its
    redirect are stored, or rolled back, together."""
    old_slug = getattr(instance, "_loaded_slug", None)
    if raw or old_slug == instance.slug:
        return
    if old_slug:
        Redirect.objects.update_or_create(old_path=f"/{old_slug}/", defaults={"article": instance})
    # The article's own current address must never redirect, even back to itself. Another
    # article's old address is never taken over (Article.clean refuses the slug).
    Redirect.objects.filter(old_path=f"/{instance.slug}/", article=instance).delete()
    instance._loaded_slug = instance.slug


def content_changed(sender, instance=None, **kwargs):
    """Something readers may see changed: start a new page-cache generation once the
    transaction commits. A draft's own edits change nothing public."""
    if kwargs.get("raw"):
        # Rows loaded as they are (a restore, which moves the generation once itself):
        # their relations may not be loaded yet, and one bump a row would pile up.
        return
    article = instance if isinstance(instance, Article) else getattr(instance, "article", None)
    if isinstance(article, Article):
        published = Article.Status.PUBLISHED
        was_public = getattr(article, "_loaded_status", None) == published
        if instance is article:
            article._loaded_status = article.status  # for its next save
        if article.status != published and not was_public:
            return
    page_cache.bump_on_commit()
