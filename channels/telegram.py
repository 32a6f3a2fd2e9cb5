"""Telegram's Bot API, spoken through httpx: the one place that knows its addresses and
answers (https://core.telegram.org/bots/api).

``send_article`` posts an article to ``TELEGRAM_CHANNEL_ID``: its headline in bold, the
standfirst, and the canonical link (from ``SITE_URL``), as a photo with that caption when
the article has a lead picture. It returns the message id or raises one of the errors
below, which say whether trying again later may help."""

from html import escape

from django.conf import settings

from articles.origin import absolute_url

# The Bot API's limits, in characters: a photo's caption and a text message.
CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096
TIMEOUT_SECONDS = 10


class TelegramError(Exception):
    """The post was not sent. ``temporary``: a later attempt may succeed (a network error,
    a 5xx); otherwise the request itself was refused (a wrong token or channel)."""

    def __init__(self, message, *, temporary):
        super().__init__(message)
        self.temporary = temporary


class RetryAfter(TelegramError):
    """Telegram's 429: too many messages; send again after ``seconds``."""

    def __init__(self, seconds):
        super().__init__(
            f"Telegram asked to wait {seconds} s (too many requests).", temporary=True
        )
        self.seconds = seconds


def is_configured():
    return bool(settings.TELEGRAM_BOT_TOKEN)


def client():
    # httpx (with the command-line tools it imports: click, pygments) is imported here, by
    # the process that posts (the task worker), not at import: the web server's master
    # imports this module with the URLconf, and its workers would each share 3 MB they
    # never use (docs/decisions/worker-memory.md).
    import httpx

    return httpx.Client(
        base_url=f"{settings.TELEGRAM_API_BASE_URL}/bot{settings.TELEGRAM_BOT_TOKEN}/",
        proxy=settings.TELEGRAM_PROXY_URL or None,
        timeout=TIMEOUT_SECONDS,
    )


def message_text(article, limit):
    """The post's text in Telegram's HTML: headline, standfirst, link; the standfirst is
    shortened with an ellipsis when the whole would pass ``limit`` characters."""
    link = absolute_url(article.get_absolute_url())
    head = f"<b>{escape(article.title)}</b>"
    summary = article.summary.strip()
    # Telegram counts the text after its markup is parsed: the tags do not count.
    room = limit - len(article.title) - len(link) - 4
    if len(summary) > room:
        summary = summary[: max(room - 1, 0)].rstrip() + "…"
    parts = [head, escape(summary), escape(link)] if summary else [head, escape(link)]
    return "\n\n".join(parts)


def call(method, payload):
    """POST ``payload`` to the Bot API's ``method``; the ``result`` of its answer."""
    import httpx

    try:
        with client() as http:
            response = http.post(method, json=payload)
    except httpx.HTTPError as error:
        raise TelegramError(f"Telegram could not be reached: {error}", temporary=True) from error
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code == 429:
        seconds = int((answer.get("parameters") or {}).get("retry_after") or 30)
        raise RetryAfter(seconds)
    if response.status_code >= 500 or not isinstance(answer, dict):
        raise TelegramError(f"Telegram answered {response.status_code}.", temporary=True)
    if not answer.get("ok"):
        description = answer.get("description") or f"status {response.status_code}"
        raise TelegramError(f"Telegram refused the post: {description}", temporary=False)
    return answer.get("result") or {}


def text_for(article, *, as_photo):
    """The post's text for ``article``, as a photo's caption or as a message."""
    return message_text(article, CAPTION_LIMIT if as_photo else TEXT_LIMIT)


def send_article(article):
    """Post ``article`` to the channel; returns Telegram's message id, the text sent and
    whether it went as a photo's caption."""
    chat = settings.TELEGRAM_CHANNEL_ID
    as_photo = article.image_id is not None
    text = text_for(article, as_photo=as_photo)
    if as_photo:
        url, _width, _height = article.image.social
        payload = {"chat_id": chat, "photo": absolute_url(url), "caption": text}
        result = call("sendPhoto", {**payload, "parse_mode": "HTML"})
    else:
        payload = {"chat_id": chat, "text": text, "link_preview_options": {"is_disabled": False}}
        result = call("sendMessage", {**payload, "parse_mode": "HTML"})
    return result.get("message_id"), text, as_photo


def correction_text(correction):
    """A correction as a reply to the post: its kind in bold, its text, the article's link."""
    link = absolute_url(correction.article.get_absolute_url())
    text = correction.text.strip()
    room = TEXT_LIMIT - len(correction.get_kind_display()) - len(link) - 6
    if len(text) > room:
        text = text[: room - 1].rstrip() + "…"
    return f"<b>{escape(correction.get_kind_display())}:</b> {escape(text)}\n\n{escape(link)}"


def reply_correction(message_id, correction):
    """Send ``correction`` to the channel as a reply to the post ``message_id``."""
    call(
        "sendMessage",
        {
            "chat_id": settings.TELEGRAM_CHANNEL_ID,
            "text": correction_text(correction),
            "parse_mode": "HTML",
            "reply_parameters": {"message_id": message_id, "allow_sending_without_reply": True},
        },
    )


def edit_post(message_id, text, *, as_photo):
    """Replace the text of the channel's message ``message_id`` (a photo's caption when
    ``as_photo``) with ``text``."""
    payload = {"chat_id": settings.TELEGRAM_CHANNEL_ID, "message_id": message_id}
    try:
        if as_photo:
            call("editMessageCaption", {**payload, "caption": text, "parse_mode": "HTML"})
        else:
            call("editMessageText", {**payload, "text": text, "parse_mode": "HTML"})
    except TelegramError as error:
        # Telegram refuses an edit that changes nothing: the message already says it.
        if "message is not modified" not in str(error):
            raise
