"""Where a story comes from: the outlet it is based on, the original's address and language,
and its translator (a byline role). Most of the newsroom's stories are English write-ups of
Persian-language sources, and readers and press raters ask "where does this come from?"."""


def credits(authors):
    """``authors`` (``page_relations``' list, each with its ``byline_role``) split into the
    byline's authors and the translators."""
    byline = [author for author in authors if author.byline_role != "translator"]
    translators = [author for author in authors if author.byline_role == "translator"]
    return byline, translators
