"""The newsroom's editor role, as every app asks it. The role groups and what they hold
are ``articles.workflow``'s (``ROLE_PERMISSIONS``, kept by the data migrations); the image
library, which never imports ``articles``, asks the same question here."""

EDITOR_PERMISSION = "articles.publish_article"


def is_editor(user):
    """Whether ``user`` is an editor: publishes, schedules, unpublishes, sends back, decides
    on writers' changes to live articles and may change any library picture. The one place
    that says which permission makes an editor (``articles.workflow.is_editor``)."""
    return user.has_perm(EDITOR_PERMISSION)
