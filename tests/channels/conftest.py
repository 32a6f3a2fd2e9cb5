import pytest

from tests.channels.fake_telegram import FakeBotApi


@pytest.fixture
def bot_api(settings):
    """A fake Bot API on loopback, and the settings that point the site at it."""
    fake = FakeBotApi()
    settings.TELEGRAM_BOT_TOKEN = "123:test-token"
    settings.TELEGRAM_CHANNEL_ID = "@ifpnews"
    settings.TELEGRAM_API_BASE_URL = fake.url
    settings.TELEGRAM_PROXY_URL = ""
    yield fake
    fake.stop()
