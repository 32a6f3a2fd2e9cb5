"""The newsroom's time zone (ifp/settings.py): its rules ship with the site (tzdata) and are
read before the host's; a zone the site cannot resolve stops the start with one sentence,
and /healthz reports it."""

import shutil
from pathlib import Path

import pytest
import tzdata

from tests.test_settings import KEY, settings_in_subprocess

# What production settings need besides the zone (a secret, a database, the public origin).
PRODUCTION = {
    "DJANGO_SECRET_KEY": KEY,
    "DATABASE_URL": "sqlite:///unused.sqlite3",
    "SITE_URL": "https://news.example.org",
}

# Tehran's offset in June 2026 under today's rules (no daylight saving since 2022).
JUNE_OFFSET = (
    "__import__('zoneinfo').ZoneInfo(s.TIME_ZONE)"
    ".utcoffset(__import__('datetime').datetime(2026, 6, 1))"
)


def test_a_host_without_zone_data_still_knows_tehran():
    """Slim containers have no /usr/share/zoneinfo: PYTHONTZPATH empty stands for that."""
    result = settings_in_subprocess({**PRODUCTION, "PYTHONTZPATH": ""}, JUNE_OFFSET)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3:30:00"


def test_the_shipped_rules_win_over_a_hosts_stale_ones(tmp_path):
    """A host whose Asia/Tehran is wrong (here Dubai's file under Tehran's name, +04:00, as
    old rules with daylight saving would give in June) does not move the newsroom's clock."""
    stale = tmp_path / "zoneinfo" / "Asia"
    stale.mkdir(parents=True)
    shipped = Path(tzdata.__file__).parent / "zoneinfo" / "Asia"
    shutil.copy(shipped / "Dubai", stale / "Tehran")
    result = settings_in_subprocess(
        {**PRODUCTION, "PYTHONTZPATH": str(tmp_path / "zoneinfo")}, JUNE_OFFSET
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3:30:00"


@pytest.mark.parametrize("zone", ["Nowhere/Atlantis", "Asia/Tehran/", "../etc/passwd"])
def test_an_unknown_newsroom_zone_stops_the_start_with_one_sentence(zone):
    result = settings_in_subprocess({**PRODUCTION, "NEWSROOM_TIME_ZONE": zone}, "1")
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert f"NEWSROOM_TIME_ZONE {zone!r} is not a zone" in message
    assert message.count(". ") == 0 and message.endswith(".")


@pytest.mark.django_db
def test_healthz_fails_when_the_newsroom_zone_does_not_resolve(client, settings):
    healthy = client.get("/healthz")
    assert healthy.status_code == 200
    assert healthy.json()["time_zone"] is True
    settings.NEWSROOM_TIME_ZONE = "Nowhere/Atlantis"
    failing = client.get("/healthz")
    assert failing.status_code == 503
    assert failing.json()["time_zone"] is False
