from django import template

from articles import workflow
from articles.models import Article, PendingEdit

register = template.Library()

DASHBOARD_ROWS = 8


@register.inclusion_tag("admin/includes/newsroom_dashboard.html")
def newsroom_dashboard(user):
    """The admin start page: my drafts sent back with an editor's note, my drafts,
    awaiting review, scheduled next, recently published, and (for editors) changes to live
    articles awaiting review."""
    if not user.has_perm("articles.view_article"):
        return {"show": False}
    articles = Article.objects.visible_to(user).select_related("updated_by").defer("body")
    is_editor = workflow.is_editor(user)
    mine = articles.owned_by(user)
    in_review = (articles if is_editor else mine).in_review()
    return {
        "show": True,
        "is_editor": is_editor,
        "sent_back": mine.sent_back().order_by("-sent_back_at")[:DASHBOARD_ROWS],
        "my_drafts": mine.drafts().order_by("-updated_at")[:DASHBOARD_ROWS],
        "in_review": in_review.order_by("updated_at")[:DASHBOARD_ROWS],
        "scheduled": articles.scheduled().order_by("published_at")[:DASHBOARD_ROWS],
        "recent": Article.objects.published().defer("body")[:DASHBOARD_ROWS],
        "pending_edits": PendingEdit.objects.filter(state=PendingEdit.State.PENDING)
        .select_related("article", "proposed_by")
        .order_by("proposed_at")[:DASHBOARD_ROWS]
        if is_editor
        else (),
    }
