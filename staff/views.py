from django.shortcuts import get_object_or_404

from articles.models import CardList
from articles.views import PublishedArticleListView
from staff.models import Author


class AuthorDetailView(PublishedArticleListView):
    """The author page: the bio, then the author's published articles, paginated as the
    other lists are (``articles.models.CardList``: the newest ``LIST_DEPTH`` of them, the
    count read once a content generation, a prolific author's read in index order and
    another's from their own ids)."""

    template_name = "staff/author_detail.html"
    language = "en"  # the edition's (the Persian one mounts this view at /fa/author/)

    def get_queryset(self):
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return CardList(self.language).narrowed_to("author", self.author)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)
