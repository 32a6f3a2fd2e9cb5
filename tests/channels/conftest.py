import socket

import pytest
from aiosmtpd.controller import Controller

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


class SmtpRecorder:
    """An SMTP server's message handler: keeps what it accepts, and answers "451 try again
    later" to the next ``refuse`` messages."""

    def __init__(self):
        self.messages = []
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 Try again later"
        self.messages.append(envelope)
        return "250 Message accepted"

    def mails(self):
        from email import message_from_bytes

        return [
            (envelope.rcpt_tos, message_from_bytes(envelope.content)) for envelope in self.messages
        ]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback (aiosmtpd), and the settings that send mail to it."""
    recorder = SmtpRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.NOTIFY_BY_EMAIL = True
    settings.DEFAULT_FROM_EMAIL = "IFP newsroom <newsroom@example.org>"
    yield recorder
    controller.stop()
