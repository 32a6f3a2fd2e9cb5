"""Optional two-factor login for staff, with django-otp's time-based codes.

A staff member turns it on at /admin/two-factor/ by scanning a QR code with an
authenticator app and typing one code back. From then on the admin login asks for the
app's current code as well as the password; accounts without it log in with the password
alone. Wrong codes are throttled by django-otp (each failure doubles the wait), on top of
django-axes' lock-out of wrong passwords.
"""

import base64

from django import forms
from django.contrib import messages
from django.contrib.admin import site
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

CODE_WIDGET = forms.TextInput(
    attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
)


class NewsroomLoginForm(AdminAuthenticationForm):
    """The admin login: password, and the authenticator code for accounts that use one."""

    otp_token = forms.CharField(
        label="Authenticator code",
        required=False,
        max_length=10,
        widget=CODE_WIDGET,
        help_text="Only if you have turned on two-factor login.",
    )

    def clean(self):
        cleaned_data = super().clean()  # the password, counted by django-axes
        user = self.get_user()
        if user is not None and any(devices_for_user(user, confirmed=True)):
            code = "".join(cleaned_data.get("otp_token", "").split())
            if not code:
                raise ValidationError(
                    "This account uses two-factor login: enter the current code from "
                    "your authenticator app.",
                    code="token_required",
                )
            device = match_token(user, code)
            if device is None:
                raise ValidationError(
                    "That code is wrong or has expired; enter the one your app shows now.",
                    code="invalid_token",
                )
            # django-otp marks the session verified when the login completes.
            user.otp_device = device
        return cleaned_data


class CodeForm(forms.Form):
    code = forms.CharField(label="Code from the app", max_length=10, widget=CODE_WIDGET)

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not self.device.verify_token(code):
            raise ValidationError("That code is wrong or has expired; try the current one.")
        return code


def qr_svg(text):
    # Imported here: qrcode's SVG writer brings lxml, which no page a reader sees needs
    # (worker memory).
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    # Made here from our own data: an <svg> with a path, no script.
    return mark_safe(image.to_string(encoding="unicode"))


@never_cache
def setup(request):
    """Turn two-factor login on (scan, confirm a code) or off (confirm a code)."""
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if confirmed is not None:
        form = CodeForm(request.POST or None, device=confirmed)
        if request.method == "POST" and form.is_valid():
            TOTPDevice.objects.filter(user=user).delete()
            messages.success(request, "Two-factor login is off for your account.")
            return redirect("two-factor")
        return page(request, form=form, device=confirmed, enabled=True)

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        messages.success(
            request, "Two-factor login is on: the admin login will now ask for a code."
        )
        return redirect("two-factor")
    return page(
        request,
        form=form,
        device=device,
        enabled=False,
        qr=qr_svg(device.config_url),
        secret=base64.b32encode(device.bin_key).decode(),
    )


def page(request, **context):
    return TemplateResponse(
        request,
        "admin/two_factor.html",
        {**site.each_context(request), "title": "Two-factor login", **context},
    )
