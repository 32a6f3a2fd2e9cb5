"""The breaking-news run of the benchmark: publishes through the real admin while wrk loads
the site's most read pages.

``python -m bench.breaking prepare --count N`` (run by ``bench/run.py`` with the benchmark's
environment) makes the newsroom side: an editor (``EDITOR_USERNAME``, in the ``Editors``
role group, a new random password each time, no authenticator app so the admin login asks
for the password only, as it does for every account without one), ``N`` drafts copied from
recent articles (their bylines and tags too), and the 20 paths wrk rotates through (the home page,
the first sections, the 15 newest articles). It prints one JSON object.

``AdminSession`` logs that editor into a running server with urllib, a cookie jar and the
login form's CSRF token, and publishes a draft as the change form's "Publish" button does
(the form's fields as a browser posts them, ``_transition=publish``). ``lua_script`` writes
the wrk script that rotates the paths and counts the answers by ``X-Page-Cache``.
"""

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

EDITOR_USERNAME = "bench-editor"
PATHS = 20
ARTICLE_PATHS = 15
DRAFT_PREFIX = "bench-breaking-"
TIMEOUT = 30


def prepare(count, out=None):
    """Make the editor, ``count`` drafts and the list of paths; print them as JSON (to
    ``out``, default standard output) and return them."""
    out = out or sys.stdout
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.urls import reverse

    from articles.models import Article, Byline, Section

    password = secrets.token_urlsafe(24)
    user, _made = get_user_model().objects.get_or_create(
        username=EDITOR_USERNAME, defaults={"is_staff": True}
    )
    user.is_staff = True
    user.is_active = True
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name="Editors")])

    recent = list(
        Article.objects.published()
        .in_language("en")
        .exclude(slug__startswith=DRAFT_PREFIX)
        .order_by("-published_at", "-id")[: max(count, ARTICLE_PATHS)]
    )
    stamp = time.strftime("%Y%m%d%H%M%S")
    drafts = []
    for index, source in enumerate(recent[:count]):
        draft = Article(
            title=f"Breaking: {source.title}"[:250],
            slug=f"{DRAFT_PREFIX}{stamp}-{index}",
            standfirst=source.standfirst,
            body=source.body,
            section_id=source.section_id,
            status=Article.Status.DRAFT,
        )
        draft.save()
        Byline.objects.bulk_create(
            Byline(article=draft, author_id=byline.author_id, position=byline.position)
            for byline in source.bylines.all()
        )
        # Its tags too: a published story has them (its related stories read by them).
        draft.tags.set(list(source.tags.all()))
        drafts.append({"id": draft.pk, "path": draft.get_absolute_url()})

    sections = Section.objects.filter(language="en").order_by("position", "id")
    sections = sections[: PATHS - 1 - ARTICLE_PATHS]
    paths = [reverse("articles:home")]
    paths += [section.get_absolute_url() for section in sections]
    paths += [article.get_absolute_url() for article in recent[:ARTICLE_PATHS]]
    result = {"username": EDITOR_USERNAME, "password": password, "drafts": drafts, "paths": paths}
    json.dump(result, out)
    out.write("\n")
    return result


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Answers a redirect as it is (an HTTPError with its status) instead of following it:
    the POST's own status and time are what is measured."""

    def redirect_request(self, *args, **kwargs):
        return None


class _FormFields(HTMLParser):
    """What a browser posts from the form whose id is ``form_id``: its named inputs (not the
    buttons, file inputs, unchecked boxes or ``__prefix__`` templates), textareas and
    selects (the selected option)."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.data = {}
        self.textarea = None
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "option" and self.select and "selected" in attrs:
            self.data[self.select] = attrs.get("value", "")
        if not name or "__prefix__" in name:
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.data[name] = attrs.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "textarea":
            self.textarea = name
            self.data[name] = ""
        elif tag == "select":
            self.select = name
            self.data.setdefault(name, "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self.textarea:
            self.data[self.textarea] = self.data[self.textarea].removeprefix("\n")
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data


def form_fields(page, form_id):
    parser = _FormFields(form_id)
    parser.feed(page)
    parser.close()
    return parser.data


class AdminSession:
    """A browser-like session in the admin of the server at ``base`` (``http://host:port``)."""

    def __init__(self, base):
        self.base = base.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def request(self, path, data=None):
        """GET (or POST ``data``, a dict): ``(status, body text, Location)``."""
        body = None
        headers = {"Accept-Encoding": "identity", "Referer": self.base + path}
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:
                return response.status, response.read().decode(errors="replace"), ""
        except urllib.error.HTTPError as error:
            text = error.read().decode(errors="replace")
            return error.code, text, error.headers.get("Location", "")

    def login(self, username, password):
        """Log in through /admin/login/ as a person does; raises RuntimeError when the
        admin does not take the password (a form error, a lock-out)."""
        status, page, _ = self.request("/admin/login/?next=/admin/")
        if status != 200:
            raise RuntimeError(f"the admin login page answered {status}")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not match:
            raise RuntimeError("no CSRF token on the admin login page")
        status, page, location = self.request(
            "/admin/login/?next=/admin/",
            {
                "csrfmiddlewaretoken": match.group(1),
                "username": username,
                "password": password,
                "otp_token": "",
                "next": "/admin/",
            },
        )
        if status != 302:
            errors = re.findall(r'class="errornote"[^>]*>\s*([^<]+)', page)
            raise RuntimeError(f"the admin login answered {status}: {errors or page[:200]}")
        return location

    def publish(self, article_id):
        """Open the article's change form and press "Publish". Returns a dict: ``status``
        of the POST (302 when it saved), ``seconds`` it took, ``errors`` (the form's, when
        it did not save)."""
        path = f"/admin/articles/article/{article_id}/change/"
        status, page, _ = self.request(path)
        if status != 200:
            return {"status": status, "seconds": 0.0, "errors": f"change form: {status}"}
        data = form_fields(page, "article_form")
        data["_transition"] = "publish"
        began = time.monotonic()
        status, page, _ = self.request(path, data)
        seconds = time.monotonic() - began
        errors = ""
        if status != 302:
            errors = " ".join(re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S))
            errors = re.sub(r"<[^>]+>", " ", errors).strip()[:300] or page[:200]
        return {"status": status, "seconds": seconds, "errors": errors}


def public_status(base, path):
    """The status of an anonymous GET of ``path`` (no cookies: the page cache's view)."""
    request = urllib.request.Request(base.rstrip("/") + path)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def lua_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lua_script(paths):
    """A wrk script: each thread rotates through ``paths`` (starting at a different one),
    counts the answers by their ``X-Page-Cache`` header, and ``done`` prints the sums over
    the threads as one line: ``bench-page-cache {"hit": n, "miss": n, ...}``."""
    listed = ",\n  ".join(lua_string(path) for path in paths)
    return f"""-- Written by bench/breaking.py: rotate through the paths, count X-Page-Cache.
local paths = {{
  {listed}
}}
local threads = {{}}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("start", counter)
  table.insert(threads, thread)
end

function init(args)
  index = start
  counts = {{}}
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end

function response(status, headers, body)
  local state = headers["X-Page-Cache"] or headers["x-page-cache"] or "none"
  counts[state] = (counts[state] or 0) + 1
end

function done(summary, latency, requests)
  local total = {{}}
  for _, thread in ipairs(threads) do
    local counted = thread:get("counts")
    for state, count in pairs(counted) do
      total[state] = (total[state] or 0) + count
    end
  end
  local parts = {{}}
  for state, count in pairs(total) do
    table.insert(parts, string.format("%q: %d", state, count))
  end
  table.sort(parts)
  io.write("bench-page-cache {{" .. table.concat(parts, ", ") .. "}}\\n")
end
"""


def parse_cache_counts(output):
    """The ``bench-page-cache`` line of the wrk script's output, as a dict of counts."""
    match = re.search(r"^bench-page-cache (\{.*\})$", output, re.MULTILINE)
    if not match:
        raise RuntimeError(f"no page-cache counts in wrk's output:\n{output}")
    return json.loads(match.group(1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("prepare", help="make the editor, the drafts and the paths")
    made.add_argument("--count", type=int, default=6)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ifp.settings")
    import django

    django.setup()
    if args.command == "prepare":
        prepare(args.count)


if __name__ == "__main__":
    main()
