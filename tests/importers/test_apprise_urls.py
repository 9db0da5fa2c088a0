"""Services' own settings turned into Apprise URLs that Apprise itself accepts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hiccup.config.notifications import check_apprise_url
from hiccup.importers import apprise_urls


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (
            lambda: apprise_urls.slack(
                "https://hooks.slack.com/services/T1AAAAAAA/B1BBBBBBB/abcdEFGHijklMNOPqrstUVWX"
            ),
            "slack://T1AAAAAAA/B1BBBBBBB/abcdEFGHijklMNOPqrstUVWX",
        ),
        (
            lambda: apprise_urls.discord("https://discordapp.com/api/webhooks/4711/tok-en_1"),
            "discord://4711/tok-en_1",
        ),
        (
            lambda: apprise_urls.mattermost("https://chat.example.com/hooks/abcdefghijklmnop"),
            "mmosts://chat.example.com/abcdefghijklmnop",
        ),
        (lambda: apprise_urls.telegram("123:ABCdef", -100123), "tgram://123:ABCdef/-100123"),
        (
            lambda: apprise_urls.ntfy("http://ntfy.internal:8080", "ops", "tk_secret"),
            "ntfy://tk_secret@ntfy.internal:8080/ops",
        ),
        (lambda: apprise_urls.ntfy(None, "ops"), "ntfys://ntfy.sh/ops"),
        (
            lambda: apprise_urls.gotify("https://push.example.com/gotify/", "AbCdEf123"),
            "gotifys://push.example.com/gotify/AbCdEf123",
        ),
        (
            lambda: apprise_urls.pushover("u" * 30, "a" * 30),
            f"pover://{'u' * 30}@{'a' * 30}",
        ),
    ],
)
def test_each_builder_gives_a_url_apprise_accepts(build: Callable[[], str], expected: str) -> None:
    url = build()
    assert url == expected
    assert check_apprise_url(url) == url


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: apprise_urls.slack(""), "no Slack webhook URL"),
        (lambda: apprise_urls.slack("https://example.com/services/a/b/c"), "not a webhook URL"),
        (lambda: apprise_urls.discord("https://discord.com/api/webhooks/only-one"), "expected"),
        (lambda: apprise_urls.telegram("123:abc", None), "no Telegram chat id"),
        (lambda: apprise_urls.gotify("ftp://x", "t"), "not an http(s) URL"),
    ],
)
def test_missing_or_foreign_settings_say_what_is_wrong(
    build: Callable[[], str], message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build()
