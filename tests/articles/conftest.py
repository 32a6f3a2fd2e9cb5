"""Fixtures of the reader pages' tests (the shared cache refusing every call) and of the
WordPress importer's: an old site's uploads folder, an export with a post in every status,
and that export imported."""

from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from tests.articles.wxr import (
    LEAD,
    MENU,
    PAGE,
    RALLY,
    item,
    run_import,
    write,
    wxr,
)


@pytest.fixture
def shared_cache_down(monkeypatch):
    """Every read and write of the shared cache refused, as by a Redis that is down, and
    tried at once (not after the retry pause ``page_cache.guarded`` keeps)."""
    from articles import page_cache

    def refused(*args, **kwargs):
        raise ConnectionRefusedError("the shared cache is down")

    backend = page_cache._backend()
    for operation in ("get", "set", "get_many", "set_many"):
        monkeypatch.setattr(backend, operation, refused)
    monkeypatch.setattr(backend, "ifp_down_until", 0, raising=False)


@pytest.fixture
def uploads(tmp_path):
    """A copy of the old site's wp-content/uploads, with one real JPEG in it."""
    folder = tmp_path / "uploads"
    (folder / "2021" / "05").mkdir(parents=True)
    Image.new("RGB", (1200, 675), "navy").save(folder / "2021" / "05" / "rally.jpg", "JPEG")
    return folder


@pytest.fixture
def site_export(tmp_path):
    """An export with one post in every status, an attachment, a page and a menu item."""
    future = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    text = wxr(
        RALLY,
        LEAD,
        item(102, "Ministers to meet next week", status="future", date=future),
        item(103, "Unfinished draft", status="draft", date=None),
        item(104, "Waiting for the editor", status="pending", date=None),
        item(105, "Members only", status="private"),
        item(106, "Thrown away", status="trash"),
        PAGE,
        MENU,
    )
    return write(tmp_path, text), text


@pytest.fixture
def imported(site_export, uploads):
    path, _ = site_export
    out, err = run_import(path, media=uploads)
    return out, err
