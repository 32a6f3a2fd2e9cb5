"""XSS: real payloads from OWASP's XSS filter-evasion cheat sheet, put into every
field an editor or a visitor controls, never become markup that runs: not in the body
(the sanitizer), not in any template, not in JSON-LD, not in attributes, not in feeds."""

import json

import feedparser
import lxml.html
import pytest
from lxml import etree

from tests.factories import AuthorFactory, ImageFactory, PublishedArticleFactory, SectionFactory

ATOM = {"a": "http://www.w3.org/2005/Atom"}
PAYLOADS = [
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    "<img src=x onerror=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114>",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<SVG ONLOAD=alert(1)>",
    "<BODY ONLOAD=alert('XSS')>",
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="  JaVaScRiPt:alert(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<STYLE>@import'http://xss.example/xss.css';</STYLE>",
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.example/scriptlet.html"></OBJECT>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph>",
    "</script><script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '" autofocus onfocus="alert(1)',
    "{{7*7}}{% debug %}",
    "<!--<script>alert(1)//-->",
    "<form action=javascript:alert(1)><input type=submit>",
    "<details open ontoggle=alert(1)>",
]


def dangers(html):
    """What in a page could run: scripts other than data blocks and our own files,
    event-handler attributes, script URLs, and elements that load active content."""
    tree = lxml.html.fromstring(html)
    found = []
    for script in tree.iter("script"):
        if script.get("type") != "application/ld+json" and not (
            script.get("src", "").startswith("/static/") and not (script.text or "").strip()
        ):
            found.append(lxml.html.tostring(script)[:80])
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        equiv = (element.get("http-equiv") or "").lower()
        if element.tag in {"iframe", "object", "embed", "base"} or (
            element.tag == "meta" and equiv not in {"", "content-type"}
        ):
            found.append(element.tag)
        for name, value in element.attrib.items():
            compact = "".join(value.split()).lower()
            if name.lower().startswith("on"):
                found.append(f"{element.tag}@{name}")
            if name in {"href", "src", "action", "formaction", "data"} and compact.startswith(
                ("javascript:", "data:text", "vbscript:")
            ):
                found.append(f"{element.tag}@{name}={value[:30]}")
            if name == "style" and "javascript" in compact:
                found.append(f"{element.tag}@style")
    return found


def json_ld(html):
    tree = lxml.html.fromstring(html)
    return [json.loads(s.text) for s in tree.xpath("//script[@type='application/ld+json']")]


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_in_the_body_is_sanitized_away(client, payload):
    article = PublishedArticleFactory(body=f"<p>Before</p>{payload}<p>After</p>")
    assert dangers(article.body) == []
    response = client.get(article.get_absolute_url())
    assert dangers(response.content.decode()) == []


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_in_every_text_field_is_escaped_on_every_reader_page(client, payload):
    author = AuthorFactory(name=f"Name {payload}"[:120], job_title=payload[:120], bio=payload)
    section = SectionFactory(name=f"S {payload}"[:80], slug="s", description=payload)
    article = PublishedArticleFactory(
        title=f"Title {payload}"[:250],
        kicker=payload[:60],
        standfirst=payload,
        seo_title=payload[:200],
        seo_description=payload[:320],
        image=ImageFactory(alt=payload[:250], caption=payload[:300], credit=payload[:120]),
        image_caption=payload[:300],
        section=section,
        authors=[author],
        tags=[f"tag {payload}"[:100]],
    )
    tag_slug = article.tags.get().slug
    for path in (
        "/",
        article.get_absolute_url(),
        "/category/s/",
        f"/tag/{tag_slug}/",
        author.get_absolute_url(),
        f"/search/?q={payload}",
    ):
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert dangers(html) == [], path
    # JSON-LD is a data block that must stay one: the payload comes back as the same text.
    (document,) = json_ld(client.get(article.get_absolute_url()).content.decode())
    news = next(node for node in document["@graph"] if node["@type"] == "NewsArticle")
    assert news["headline"] == article.title


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS[:8])
def test_payload_in_a_headline_keeps_the_feeds_well_formed(client, payload):
    PublishedArticleFactory(title=f"Title {payload}"[:250], body=f"<p>x</p>{payload}")
    title = f"Title {payload}"[:250]
    for path, xpath in (
        ("/feed/", "/rss/channel/item/title"),
        ("/feed/atom/", "/a:feed/a:entry/a:title"),
    ):
        content = client.get(path).content
        assert feedparser.parse(content).bozo == 0, path
        # The headline is text in the XML, character for character, not markup.
        (element,) = etree.fromstring(content).xpath(xpath, namespaces=ATOM)
        assert element.text == title and len(element) == 0


def test_the_danger_check_finds_what_it_looks_for():
    """The check above would see a payload that got through."""
    html = (
        '<p onclick="x">a</p><script>alert(1)</script><a href=" javascript:x">b</a>'
        '<iframe src="https://x.example"></iframe><img src=x onerror=alert(1)>'
    )
    assert len(dangers(html)) == 5
