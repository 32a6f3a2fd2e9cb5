"""The admin login's lock-out thresholds, for django-axes (``AXES_FAILURE_LIMIT``).

django-axes counts the wrong passwords of each of ``AXES_LOCKOUT_PARAMETERS`` (one account
from one address, and one address over every account) and locks the login out when the
largest count reaches one limit. Two limits are needed: a person who mistypes their own
password five times is stopped for that account only (colleagues behind the same office
address keep logging in), while an address that sprays a few guesses over many accounts
is stopped once its guesses add up to ``AXES_ADDRESS_FAILURE_LIMIT``."""

from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def failure_limit(request, credentials):
    """The limit that the largest count (the address's, over every account) is held to:
    the address's own limit, or at once when this account from this address has reached
    its limit. django-axes has removed expired attempts before it asks."""
    address = getattr(request, "axes_ip_address", None)
    username = get_client_username(request, credentials)
    account_failures = (
        AccessAttempt.objects.filter(username=username, ip_address=address).aggregate(
            total=Sum("failures_since_start")
        )["total"]
        or 0
    )
    if account_failures >= settings.AXES_ACCOUNT_FAILURE_LIMIT:
        return account_failures
    return settings.AXES_ADDRESS_FAILURE_LIMIT
