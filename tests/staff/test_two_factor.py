"""Optional two-factor login for staff (staff/twofactor.py)."""

import base64
import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

LOGIN = "/admin/login/?next=/admin/"
SETUP = "/admin/two-factor/"

pytestmark = pytest.mark.django_db


def code_for(device):
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:06d}"


def unthrottle(device):
    """A wrong code starts django-otp's throttle; a moment later it would be over."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )


@pytest.fixture
def protected(editor):
    """The editor, with two-factor login turned on."""
    return TOTPDevice.objects.create(user=editor, name="phone", confirmed=True)


def test_staff_without_two_factor_log_in_with_the_password_alone(client, editor):
    response = client.post(LOGIN, {"username": "editor", "password": "pw"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_login_page_offers_the_code_field(client):
    page = client.get(LOGIN).content.decode()
    assert 'name="otp_token"' in page and 'autocomplete="one-time-code"' in page


def test_staff_with_two_factor_need_the_code(client, protected):
    response = client.post(LOGIN, {"username": "editor", "password": "pw"})
    assert response.status_code == 200
    assert "enter the current code from your authenticator app" in response.content.decode()
    assert client.get("/admin/").status_code == 302  # not logged in


def test_a_wrong_code_is_refused(client, protected):
    wrong = f"{(int(code_for(protected)) + 1) % 1000000:06d}"
    response = client.post(LOGIN, {"username": "editor", "password": "pw", "otp_token": wrong})
    assert response.status_code == 200
    assert "That code is wrong or has expired" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_the_right_code_logs_in_and_verifies_the_session(client, protected):
    response = client.post(
        LOGIN, {"username": "editor", "password": "pw", "otp_token": code_for(protected)}
    )
    assert response.status_code == 302
    page = client.get("/admin/")
    assert page.status_code == 200
    assert page.wsgi_request.user.is_verified()


def test_a_wrong_password_is_refused_before_any_code_is_looked_at(client, protected):
    response = client.post(
        LOGIN, {"username": "editor", "password": "nope", "otp_token": code_for(protected)}
    )
    assert "Please enter the correct username and password" in response.content.decode()


def test_staff_turn_two_factor_on_by_scanning_and_confirming_a_code(client, editor):
    client.force_login(editor)
    page = client.get(SETUP)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "Two-factor login is <strong>off</strong>" in html
    secret = re.search(r'<code class="two-factor__secret">([A-Z2-7]+)</code>', html).group(1)
    device = TOTPDevice.objects.get(user=editor)
    assert not device.confirmed
    assert base64.b32decode(secret) == device.bin_key

    refused = client.post(SETUP, {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert "That code is wrong" in refused.content.decode()
    assert not TOTPDevice.objects.get(user=editor).confirmed

    unthrottle(device)
    response = client.post(SETUP, {"code": code_for(device)})
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=editor).confirmed
    assert "is <strong>on</strong>" in client.get(SETUP).content.decode()


def test_staff_turn_two_factor_off_with_a_current_code(client, protected, editor):
    client.force_login(editor)
    assert client.post(SETUP, {"code": "12"}).status_code == 200
    assert TOTPDevice.objects.filter(user=editor).exists()
    unthrottle(protected)
    response = client.post(SETUP, {"code": code_for(protected)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=editor).exists()


def test_set_up_page_is_for_staff_only(client, django_user_model):
    assert client.get(SETUP).status_code == 302  # to the login
    reader = django_user_model.objects.create_user("reader", password="pw")
    client.force_login(reader)
    assert client.get(SETUP).status_code == 302


def test_admin_pages_link_the_set_up_page(client, editor):
    client.force_login(editor)
    assert f'href="{SETUP}"' in client.get("/admin/").content.decode()
