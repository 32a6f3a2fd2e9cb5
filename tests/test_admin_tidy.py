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
