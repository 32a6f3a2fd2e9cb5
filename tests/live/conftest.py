from tests.channels.conftest import bot_api  # noqa: F401  (the fake Bot API fixture)
