"""The `notifications:` section of hiccup.yaml: SMTP, operator channels, alert rules, subscribers.

Addresses and Apprise URLs are checked when they are entered (here, and on the subscribe form),
not when the first alert fails to go out.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import timedelta
from email.utils import parseaddr
from functools import cache
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from hiccup.config.channels import ChannelOptions, options_model
from hiccup.core.durations import parse_duration

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")]
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
AlertEvent = Literal["down", "degraded", "recovery"]


def check_email(value: str) -> str:
    """The normalized address in ASCII (an internationalized domain in its xn-- form), or
    ValueError with a message a person can act on.

    A mailbox name beyond ASCII ("jürgen@…") needs SMTPUTF8 from every server on the way; such
    an address is refused here, where its owner reads why, rather than failing at delivery.
    """
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError(f"{value!r} is not a valid email address: {error}") from None
    if checked.ascii_email is None:
        raise ValueError(
            f"{value!r} has characters beyond ASCII before the @, which mail to it cannot "
            "carry here; please use an address without them"
        )
    return checked.ascii_email


def check_sender(value: str) -> str:
    """'status@example.com' or 'Flexo Status <status@example.com>'."""
    name, address = parseaddr(value)
    normalized = check_email(address or value)
    return f"{name} <{normalized}>" if name else normalized


@cache
def _apprise_plugins_loaded() -> bool:
    import apprise

    # Apprise imports the deprecated `imghdr` module while loading its plugins (Python < 3.13);
    # that warning is Apprise's, not ours, and must not turn into an error under `-W error`.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        apprise.Apprise.instantiate("json://localhost")
    return True


def check_apprise_url(value: str) -> str:
    import apprise

    _apprise_plugins_loaded()
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if not scheme:
        raise ValueError(f"{value!r} is not an Apprise URL (expected scheme://…)")
    if apprise.Apprise.instantiate(value) is None:
        raise ValueError(
            f"{value!r} is not an Apprise URL Hiccup can use: unknown service {scheme!r} "
            "or missing parts (see the Apprise wiki for each service's URL)"
        )
    return value


def check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Email = Annotated[str, AfterValidator(check_email)]
# One address or a list of them.
EmailList = Annotated[list[Email], BeforeValidator(_one_or_many)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SmtpConfig(_Strict):
    host: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)
    username: str | None = None
    password_env: EnvName | None = None
    security: Literal["none", "starttls", "tls"] = "starttls"
    sender: Annotated[str, AfterValidator(check_sender)] = Field(alias="from")
    pool_size: int = Field(default=4, ge=1, le=64)
    timeout: Duration = timedelta(seconds=15)

    @property
    def effective_port(self) -> int:
        return self.port or {"none": 25, "starttls": 587, "tls": 465}[self.security]


class ChannelConfig(BaseModel):
    """`key` and `kind`; the kind's own fields sit beside them and are checked by the kind's
    `options_model` (see config/channels.py) when the file is loaded."""

    model_config = ConfigDict(extra="allow", frozen=True)

    key: Key
    kind: str

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    def settings(self) -> ChannelOptions:
        """The kind's validated fields; ValueError when the kind or a field is wrong."""
        return options_model(self.kind).model_validate(self.options)

    @property
    def target(self) -> str:
        return self.settings().target()


class AlertRuleConfig(_Strict):
    key: Key | None = None
    channels: list[Key] = Field(min_length=1)
    monitors: list[str] = []
    components: list[str] = []
    on: list[AlertEvent] = ["down", "recovery"]
    remind_every: Duration | None = None

    @model_validator(mode="before")
    @classmethod
    def _yaml_on_key(cls, data: Any) -> Any:
        # YAML 1.1 reads a bare `on:` key as the boolean true (GitHub Actions' old trap).
        if isinstance(data, dict) and True in data:
            data = dict(data)
            data["on"] = data.pop(True)
        return data

    @model_validator(mode="after")
    def _sane_reminder(self) -> AlertRuleConfig:
        if self.remind_every is not None and self.remind_every < timedelta(minutes=1):
            raise ValueError("remind_every must be at least 1m")
        return self


class SubscriptionsConfig(_Strict):
    email: bool = True
    webhook: bool = True
    confirm_within: Duration = timedelta(hours=48)
    allow_private_webhooks: bool = False
    # The form mails whatever address it is given: these keep it from flooding an inbox.
    resend_after: Duration = timedelta(minutes=10)
    per_client_per_hour: int = Field(default=10, ge=1, le=10_000)
    per_page_per_hour: int = Field(default=500, ge=1, le=1_000_000)


class ChatSubscriptionConfig(_Strict):
    url: Annotated[str, AfterValidator(check_apprise_url)]
    components: list[str] = []


class DeliveryConfig(_Strict):
    timeout: Duration = timedelta(seconds=10)
    lease: Duration = timedelta(seconds=60)
    max_attempts: int = Field(default=8, ge=1, le=50)
    retry_base: Duration = timedelta(seconds=5)
    retry_cap: Duration = timedelta(hours=1)
    webhook_concurrency: int = Field(default=32, ge=1, le=512)
    apprise_concurrency: int = Field(default=8, ge=1, le=128)

    @model_validator(mode="after")
    def _lease_outlives_a_delivery(self) -> DeliveryConfig:
        # A lease shorter than a delivery would let a second sender take a row still in flight.
        if self.lease < self.timeout * 2:
            raise ValueError("lease must be at least twice the delivery timeout")
        return self


class NotificationsConfig(_Strict):
    smtp: SmtpConfig | None = None
    channels: list[ChannelConfig] = []
    alerts: list[AlertRuleConfig] = []
    templates_dir: str | None = None
    subscriptions: SubscriptionsConfig = SubscriptionsConfig()
    chat_subscriptions: list[ChatSubscriptionConfig] = []
    delivery: DeliveryConfig = DeliveryConfig()

    def rule_key(self, index: int) -> str:
        return self.alerts[index].key or f"rule-{index + 1}"


Location = tuple[str | int, ...]
Problem = tuple[Location, str]


def _unknown(kind: str, key: str, known: Iterable[str]) -> str:
    return f"no {kind} with key {key!r} (known: {', '.join(sorted(known)) or 'none'})"


def _rule_problems(
    config: NotificationsConfig, monitor_keys: set[str], component_keys: set[str]
) -> list[Problem]:
    problems: list[Problem] = []
    channel_keys = {c.key for c in config.channels}
    for index, rule in enumerate(config.alerts):
        where: Location = ("notifications", "alerts", index)
        for field, keys, known, kind in (
            ("channels", rule.channels, channel_keys, "channel"),
            ("monitors", rule.monitors, monitor_keys, "monitor"),
            ("components", rule.components, component_keys, "component"),
        ):
            problems += [
                ((*where, field), _unknown(kind, k, known)) for k in keys if k not in known
            ]
    rule_keys = [config.rule_key(i) for i in range(len(config.alerts))]
    shared = {k for k, seen in Counter(rule_keys).items() if seen > 1}
    problems += [
        (("notifications", "alerts", i), f"two alert rules share the key {k!r}")
        for i, k in enumerate(rule_keys)
        if k in shared
    ]
    return problems


def notification_problems(
    config: NotificationsConfig, monitor_keys: set[str], component_keys: set[str]
) -> list[Problem]:
    """Cross-references the field validators cannot see: keys that must exist elsewhere."""
    problems = _rule_problems(config, monitor_keys, component_keys)
    keys = [c.key for c in config.channels]
    shared = {k for k, seen in Counter(keys).items() if seen > 1}
    problems += [
        (("notifications", "channels", i), f"two channels share the key {k!r}")
        for i, k in enumerate(keys)
        if k in shared
    ]
    for index, channel in enumerate(config.channels):
        try:
            settings = channel.settings()
        except ValueError:
            continue  # its own fields are wrong: load reports those, with their lines
        problems += [(("notifications", "channels", index), p) for p in settings.problems(config)]
    for index, chat in enumerate(config.chat_subscriptions):
        where: Location = ("notifications", "chat_subscriptions", index, "components")
        problems += [
            (where, _unknown("component", k, component_keys))
            for k in chat.components
            if k not in component_keys
        ]
    return problems


def dependency_problems(monitors: Sequence[tuple[str, str | None]]) -> list[Problem]:
    """`depends_on` must name another monitor, and parents must not form a loop."""
    parents = {key: parent for key, parent in monitors if parent}
    problems: list[Problem] = []
    for index, (key, parent) in enumerate(monitors):
        where: Location = ("monitors", index, "depends_on")
        if parent is None:
            continue
        if parent not in {k for k, _ in monitors}:
            problems.append((where, _unknown("monitor", parent, [k for k, _ in monitors])))
        elif parent == key:
            problems.append((where, "a monitor cannot depend on itself"))
        elif _loops(key, parents):
            problems.append((where, f"depends_on makes a loop through {key!r}"))
    return problems


def _loops(start: str, parents: dict[str, str]) -> bool:
    seen, current = {start}, parents.get(start)
    while current is not None:
        if current in seen:
            return True
        seen.add(current)
        current = parents.get(current)
    return False
