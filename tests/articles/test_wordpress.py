"""Reading a WordPress export and cleaning its HTML (articles/wordpress.py): the streaming
reader, and the captions and links rewritten through lxml."""

from lxml import etree

from articles import wordpress
from tests.articles.wxr import (
    BASE,
    item,
    write,
    wxr,
)

# Streaming


class WatchedParse:
    """Wraps lxml's iterparse to count, at each <item> read, how many elements already
    read still sit before it in the tree (the parser reads ahead, so what comes after
    is no measure)."""

    def __init__(self):
        self.most_kept = 0

    def __call__(self, *args, **kwargs):
        context = etree.iterparse(*args, **kwargs)
        watcher = self

        class Watched:
            error_log = property(lambda _self: context.error_log)

            def __iter__(self):
                for event, element in context:
                    if etree.QName(element).localname == "item":
                        kept = sum(1 for _ in element.itersiblings(preceding=True))
                        watcher.most_kept = max(watcher.most_kept, kept)
                    yield event, element

        return Watched()


class EtreeWith:
    """lxml.etree, with iterparse replaced."""

    def __init__(self, iterparse):
        self.iterparse = iterparse

    def __getattr__(self, name):
        return getattr(etree, name)


def test_reader_streams_thousands_of_items_and_frees_them(tmp_path, monkeypatch):
    count = 2000
    text = wxr(
        *(
            item(1000 + n, f"Story {n}", content=f"Paragraph {n}. " * 20, tags=("sanctions",))
            for n in range(count)
        )
    )
    path = write(tmp_path, text)
    parse = WatchedParse()
    monkeypatch.setattr(wordpress, "etree", EtreeWith(parse))

    items = [value for kind, value in wordpress.read(path) if kind == "item"]

    assert len(items) == count
    assert items[0].get("title") == "Story 0"
    assert items[-1].wp_id == 1000 + count - 1
    assert items[-1].categories == [
        ("category", "iran", "Iran"),
        ("post_tag", "sanctions", "Sanctions"),
    ]
    # Every item read is dropped from the tree: at most the few header elements the
    # reader does not use are still there, never the 2,000 items.
    assert parse.most_kept < 10


def test_reader_yields_channel_authors_categories_and_tags(tmp_path):
    path = write(tmp_path, wxr(item(101, "Story")))
    read = list(wordpress.read(path))
    kinds = [kind for kind, _ in read]
    assert kinds.count("author") == 2
    assert kinds.count("category") == 4
    assert kinds.count("tag") == 1
    channel = dict(read)["channel"]
    assert channel["wp:base_blog_url"] == BASE
    assert "error" not in kinds


# Captions and links, through lxml


def figure_of(inner, attributes=' id="attachment_50" width="800"'):
    body, cleanup = wordpress.clean_content(f"[caption{attributes}]{inner}[/caption]")
    assert cleanup.captions == 1
    return body


def test_caption_drops_the_link_around_its_picture_and_keeps_the_text():
    body = figure_of(
        '<a href="https://old.example/wp-content/uploads/big.jpg">'
        '<img src="https://old.example/small.jpg" alt="Crowd"></a> Crowds in <em>Tehran</em>.'
    )
    assert body == (
        '<figure><img src="https://old.example/small.jpg" alt="Crowd">'
        "<figcaption>Crowds in <em>Tehran</em>.</figcaption></figure>"
    )


def test_caption_reads_any_spelling_of_its_picture():
    body = figure_of("<IMG SRC='https://old.example/a.jpg' ALT='A'/>Below the picture.")
    assert body == (
        '<figure><img src="https://old.example/a.jpg" alt="A">'
        "<figcaption>Below the picture.</figcaption></figure>"
    )


def test_caption_without_text_takes_its_caption_attribute():
    body = figure_of(
        '<img src="https://old.example/a.jpg" alt="A">', ' caption="Ships &amp; ports"'
    )
    assert body == (
        '<figure><img src="https://old.example/a.jpg" alt="A">'
        "<figcaption>Ships & ports</figcaption></figure>"
    )


def rewrite(body):
    return wordpress.rewrite_links(body, BASE, lambda path: f"/new{path}")


def test_links_are_rewritten_however_their_attributes_are_quoted():
    body = (
        "<p><a href='https://old.example/one/'>one</a> "
        '<a HREF="https://old.example/two/">two</a> '
        '<img src=https://old.example/three.jpg alt="three"></p>'
    )
    assert rewrite(body) == (
        '<p><a href="/new/one/">one</a> <a href="/new/two/">two</a> '
        '<img src="/new/three.jpg" alt="three"></p>'
    )


def test_only_link_attributes_are_rewritten_never_text_that_looks_like_one():
    body = (
        '<p>Write href="https://old.example/x/" in the template.</p>'
        '<img data-src="https://old.example/lazy.jpg" alt="lazy">'
    )
    assert rewrite(body) is body


def test_a_body_with_nothing_to_rewrite_comes_back_as_it_was():
    body = "<p>A&nbsp;story <br/>with <a href='https://elsewhere.example/'>a link</a>.</p>"
    assert wordpress.rewrite_links(body, BASE, lambda path: None) is body
    assert wordpress.rewrite_links("", BASE, lambda path: "/x/") == ""
