"""The newsroom's small frictions: readable app names on the admin's start page and an
icon at /favicon.ico."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_app_names_are_readable(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    for name in ("Tags", "Login lock-outs", "Two-factor devices"):
        assert f">{name}</a>" in page, name
    for raw in ("Taggit", "Axes", "Otp_Totp", "OTP_TOTP"):
        assert f">{raw}</a>" not in page, raw


def test_favicon_answers_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_admin_dates_are_newsroom_time_24_hour_with_the_zone_named(admin_client):
    """One format across the admin: the article's state, its timeline, the list's state
    column, all "29 Nov 2026, 18:05 Tehran time" (never "6:05 p.m.", never a bare offset)."""
    from datetime import UTC, datetime

    from tests.factories import ScheduledArticleFactory

    article = ScheduledArticleFactory(published_at=datetime(2031, 11, 29, 14, 35, tzinfo=UTC))
    form = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    html = form.content.decode()
    assert "Scheduled for 29 Nov 2031, 18:05 Tehran time" in html
    listing = admin_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Scheduled for 29 Nov 18:05 Tehran time" in listing
    for page in (html, listing):
        assert "p.m." not in page and "a.m." not in page and "+0330" not in page
