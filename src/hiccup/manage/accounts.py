"""Users and API tokens from the admin (owners), and each user's own password and TOTP."""

from __future__ import annotations

from dataclasses import dataclass

from hiccup.auth.passwords import hash_password, password_problem, verify_password
from hiccup.auth.recovery import code_hash, new_codes, normal
from hiccup.auth.roles import Role, scopes_allowed
from hiccup.auth.totp import accepted_step, new_totp_secret, provisioning_uri
from hiccup.manage.context import Actor, Change, Ops, change
from hiccup.manage.errors import Conflict, Invalid, NotFound
from hiccup.manage.models import (
    AuditEntryOut,
    Paged,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    UserUpdate,
)
from hiccup.store import accounts, api_tokens, audit, recovery_codes
from hiccup.store.accounts import User


def user_out(user: User) -> UserOut:
    return UserOut.model_validate(user)


async def list_users(ops: Ops) -> list[UserOut]:
    async with ops.engine.connect() as conn:
        return [user_out(u) for u in await accounts.list_users(conn)]


async def _user(c: Change, user_id: str) -> User:
    user = await accounts.user_by_id(c.conn, user_id)
    if user is None:
        raise NotFound("user")
    return user


async def create_user(ops: Ops, actor: Actor, data: UserIn) -> UserOut:
    if (problem := password_problem(data.password)) is not None:
        raise Invalid({"password": problem})
    hashed = await hash_password(data.password)
    async with change(ops, actor) as c:
        if await accounts.user_by_name(c.conn, data.name) is not None:
            raise Invalid({"name": f"a user called {data.name!r} exists already"})
        user_id = await accounts.create_user(c.conn, data.name, data.role, hashed, c.now)
        await c.audit("user.create", f"user {data.name}", data.role.value)
        return user_out(await _user(c, user_id))


async def _keep_an_owner(c: Change, user: User, role: Role | None, disabled: bool | None) -> None:
    loses_owner = (
        user.role is Role.OWNER
        and not user.disabled
        and ((role is not None and role is not Role.OWNER) or bool(disabled))
    )
    if loses_owner and await accounts.count_active_owners(c.conn) <= 1:
        raise Conflict("last_owner", "Hiccup needs at least one active owner")


async def update_user(ops: Ops, actor: Actor, user_id: str, data: UserUpdate) -> UserOut:
    if data.password is not None and (problem := password_problem(data.password)):
        raise Invalid({"password": problem})
    hashed = None if data.password is None else await hash_password(data.password)
    async with change(ops, actor) as c:
        user = await _user(c, user_id)
        await _keep_an_owner(c, user, data.role, data.disabled)
        values: dict[str, object] = {}
        if data.role is not None:
            values["role"] = data.role.value
        if data.disabled is not None:
            values["disabled"] = data.disabled
        if hashed is not None:
            values["password_hash"] = hashed
        if values:
            await accounts.update_user(c.conn, user_id, c.now, **values)
        if hashed is not None or data.disabled or data.role is not None:
            await accounts.end_user_sessions(c.conn, user_id)  # log them in again
        await c.audit("user.update", f"user {user.name}", ", ".join(sorted(values)))
        return user_out(await _user(c, user_id))


async def delete_user(ops: Ops, actor: Actor, user_id: str) -> None:
    async with change(ops, actor) as c:
        user = await _user(c, user_id)
        await _keep_an_owner(c, user, Role.VIEWER, None)
        await accounts.delete_user(c.conn, user_id)
        await c.audit("user.delete", f"user {user.name}")


async def change_own_password(
    ops: Ops, actor: Actor, current: str, new: str, keep_session: str = ""
) -> None:
    """A new password ends the account's other sessions (a thief's included); the one that
    made the change (`keep_session`, its cookie) stays signed in."""
    if (problem := password_problem(new)) is not None:
        raise Invalid({"new_password": problem})
    async with ops.engine.connect() as conn:
        user = await accounts.user_by_id(conn, actor.principal.user_id)
    if user is None or not await verify_password(user.password_hash, current):
        raise Invalid({"current_password": "is not your current password"})
    hashed = await hash_password(new)
    async with change(ops, actor) as c:
        await accounts.update_user(c.conn, user.id, c.now, password_hash=hashed)
        ended = await accounts.end_other_sessions(c.conn, user.id, keep_session)
        await c.audit("account.password", f"user {user.name}", f"{ended} other session(s) ended")


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str


async def begin_totp(ops: Ops, actor: Actor) -> Enrolment:
    """A new secret, kept but not enabled until a code from the app confirms it."""
    secret = new_totp_secret()
    async with change(ops, actor) as c:
        user = await _user(c, actor.principal.user_id)
        await accounts.update_user(c.conn, user.id, c.now, totp_secret=secret, totp_enabled=False)
    return Enrolment(secret, provisioning_uri(secret, user.name))


async def confirm_totp(ops: Ops, actor: Actor, code: str) -> list[str]:
    """Turn TOTP on; returns the new recovery codes, the only time they are shown."""
    fresh = new_codes()
    async with change(ops, actor) as c:
        user = await _user(c, actor.principal.user_id)
        if user.totp_secret is None:
            raise Conflict("no_enrolment", "start the enrolment first")
        step = accepted_step(user.totp_secret, code, c.now, user.totp_last_step)
        if step is None or not await accounts.record_totp_step(c.conn, user.id, step):
            raise Invalid({"code": "wrong code; check the app's clock and try the next one"})
        await accounts.update_user(c.conn, user.id, c.now, totp_enabled=True)
        await recovery_codes.replace_codes(c.conn, user.id, [_hashed(x) for x in fresh], c.now)
        await c.audit("account.totp_enable", f"user {user.name}")
    return fresh


def _hashed(code: str) -> str:
    normalised = normal(code)
    assert normalised is not None  # new_codes only makes valid ones
    return code_hash(normalised)


async def regenerate_recovery_codes(ops: Ops, actor: Actor, password: str) -> list[str]:
    """New recovery codes; the old ones stop working. Asks for the password, as turning TOTP
    off does: an unattended session must not be enough to take over the second factor."""
    async with ops.engine.connect() as conn:
        user = await accounts.user_by_id(conn, actor.principal.user_id)
    if user is None or not await verify_password(user.password_hash, password):
        raise Invalid({"recovery_password": "is not your current password"})
    if not user.totp_enabled:
        raise Conflict("totp_off", "turn TOTP on first")
    fresh = new_codes()
    async with change(ops, actor) as c:
        await recovery_codes.replace_codes(c.conn, user.id, [_hashed(x) for x in fresh], c.now)
        await c.audit("account.recovery_codes", f"user {user.name}", "regenerated")
    return fresh


async def recovery_codes_left(ops: Ops, user_id: str) -> int:
    async with ops.engine.connect() as conn:
        return await recovery_codes.codes_left(conn, user_id)


async def disable_totp(ops: Ops, actor: Actor, password: str) -> None:
    async with ops.engine.connect() as conn:
        user = await accounts.user_by_id(conn, actor.principal.user_id)
    if user is None or not await verify_password(user.password_hash, password):
        raise Invalid({"password": "is not your current password"})
    async with change(ops, actor) as c:
        await accounts.update_user(c.conn, user.id, c.now, totp_enabled=False, totp_secret=None)
        await recovery_codes.drop_codes(c.conn, user.id)
        await c.audit("account.totp_disable", f"user {user.name}")


async def list_tokens(ops: Ops) -> list[TokenOut]:
    async with ops.engine.connect() as conn:
        return [TokenOut.model_validate(t) for t in await api_tokens.list_tokens(conn)]


async def create_token(ops: Ops, actor: Actor, data: TokenIn) -> TokenCreatedOut:
    async with change(ops, actor) as c:
        owner_id = data.user_id or actor.principal.user_id
        user = await accounts.user_by_id(c.conn, owner_id)
        if user is None:
            raise Invalid({"user_id": "no such user"})
        allowed = scopes_allowed(user.role)
        if extra := [s.value for s in data.scopes if s not in allowed]:
            raise Invalid({"scopes": f"a {user.role.value} cannot hold {', '.join(extra)}"})
        if data.expires_at is not None and data.expires_at <= c.now:
            raise Invalid({"expires_at": "must be in the future"})
        scopes = list(dict.fromkeys(data.scopes))
        token_id, secret = await api_tokens.create_token(
            c.conn, user.id, data.name, scopes, c.now, data.expires_at
        )
        until = f", until {data.expires_at:%Y-%m-%d %H:%M} UTC" if data.expires_at else ""
        await c.audit("token.create", f"token {data.name}", f"for {user.name}{until}")
        info = await api_tokens.token_by_id(c.conn, token_id)
    return TokenCreatedOut.model_validate(
        {**TokenOut.model_validate(info).model_dump(), "token": secret}
    )


async def revoke_token(ops: Ops, actor: Actor, token_id: str) -> None:
    async with change(ops, actor) as c:
        info = await api_tokens.token_by_id(c.conn, token_id)
        if info is None or not await api_tokens.revoke_token(c.conn, token_id, c.now):
            raise NotFound("token")
        await c.audit("token.revoke", f"token {info.name}", f"of {info.user_name}")


async def list_audit(ops: Ops, page: int, per_page: int) -> Paged[AuditEntryOut]:
    async with ops.engine.connect() as conn:
        found, total = await audit.entries(conn, (page - 1) * per_page, per_page)
    items = [AuditEntryOut.model_validate(e) for e in found]
    return Paged[AuditEntryOut](items=items, total=total, page=page, per_page=per_page)
