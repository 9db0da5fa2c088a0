"""Apprise URLs for the chat and push services other tools store as their own settings.

Each builder takes the service's native settings and returns an Apprise URL, or raises
ValueError naming what is missing or not understood. The result is checked again by the
config (`check_apprise_url`) when the written file is loaded.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit


def _need(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"no {what}")
    return value.strip()


def _path_parts(url: str, host_suffixes: tuple[str, ...], prefix: str) -> list[str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" or not host.endswith(host_suffixes):
        raise ValueError(f"{url!r} is not a webhook URL of the service")
    path = parts.path
    if not path.startswith(prefix):
        raise ValueError(f"{url!r}: expected a path starting {prefix}")
    return [p for p in path[len(prefix) :].split("/") if p]


def slack(webhook_url: object) -> str:
    """https://hooks.slack.com/services/T/B/C -> slack://T/B/C"""
    url = _need(webhook_url, "Slack webhook URL")
    tokens = _path_parts(url, ("hooks.slack.com",), "/services/")
    if len(tokens) != 3:
        raise ValueError(f"{url!r}: expected /services/T…/B…/…")
    return "slack://" + "/".join(tokens)


def discord(webhook_url: object) -> str:
    """https://discord.com/api/webhooks/ID/TOKEN -> discord://ID/TOKEN"""
    url = _need(webhook_url, "Discord webhook URL")
    tokens = _path_parts(url, ("discord.com", "discordapp.com"), "/api/webhooks/")
    if len(tokens) != 2:
        raise ValueError(f"{url!r}: expected /api/webhooks/ID/TOKEN")
    return f"discord://{tokens[0]}/{tokens[1]}"


def mattermost(webhook_url: object) -> str:
    """https://chat.example.com/hooks/KEY -> mmosts://chat.example.com/KEY"""
    url = _need(webhook_url, "Mattermost webhook URL")
    parts = urlsplit(url)
    key = parts.path.rstrip("/").rsplit("/hooks/", 1)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(key) != 2:
        raise ValueError(f"{url!r}: expected http(s)://host/hooks/KEY")
    scheme = "mmosts" if parts.scheme == "https" else "mmost"
    return f"{scheme}://{parts.netloc}{key[0]}/{key[1]}"


def telegram(bot_token: object, chat_id: object) -> str:
    token = _need(bot_token, "Telegram bot token")
    chat = _need(str(chat_id) if isinstance(chat_id, int) else chat_id, "Telegram chat id")
    return f"tgram://{token}/{chat}"


def _server(url: object, what: str, secure: str, plain: str) -> tuple[str, str]:
    parts = urlsplit(_need(url, what))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL")
    return (secure if parts.scheme == "https" else plain), parts.netloc + parts.path.rstrip("/")


def ntfy(server_url: object, topic: object, token: object = None) -> str:
    scheme, where = _server(server_url or "https://ntfy.sh", "ntfy server URL", "ntfys", "ntfy")
    auth = f"{quote(token, safe='')}@" if isinstance(token, str) and token else ""
    return f"{scheme}://{auth}{where}/{quote(_need(topic, 'ntfy topic'), safe='')}"


def gotify(server_url: object, app_token: object) -> str:
    scheme, where = _server(server_url, "Gotify server URL", "gotifys", "gotify")
    return f"{scheme}://{where}/{quote(_need(app_token, 'Gotify application token'), safe='')}"


def pushover(user_key: object, app_token: object) -> str:
    user, token = _need(user_key, "Pushover user key"), _need(app_token, "Pushover app token")
    return f"pover://{user}@{token}"
