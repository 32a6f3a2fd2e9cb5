from django.shortcuts import get_object_or_404
from django.views.generic import ListView

from staff.models import Author


class AuthorDetailView(ListView):
    """The author page: the bio, then the author's published articles, paginated."""

    template_name = "staff/author_detail.html"
    context_object_name = "articles"
    paginate_by = 20
    language = "en"  # the edition's (the Persian one mounts this view at /fa/author/)

    def get_queryset(self):
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return self.author.articles.published().filter(language=self.language).for_listing()

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)
