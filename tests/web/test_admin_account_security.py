"""The account page through the real app: TOTP enrolment with a server-drawn QR code and
one-time recovery codes, and a password change that signs out the account's other sessions."""

from __future__ import annotations

import re

import httpx
import pyotp

from hiccup.auth.roles import Role
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.web.admin.base import ADMIN_CSP
from tests.support.admin_helpers import (
    PASSWORD,
    add_user,
    client_for,
    csrf_of,
    log_in,
    login_csrf,
    prepared,
)

NEW_PASSWORD = "a much longer new one"


def _codes(page: str) -> list[str]:
    listed = re.search(r'<ol class="codes" id="recovery-codes">(.*?)</ol>', page, re.S)
    assert listed, "no recovery codes on the page"
    return re.findall(r"<code>([0-9A-Z]{5}-[0-9A-Z]{5})</code>", listed.group(1))


async def _second_step(client: httpx.AsyncClient, name: str, code: str) -> httpx.Response:
    first = await log_in(client, name)
    assert first.status_code == 303
    assert "/login/totp" in first.headers["location"]
    page = await client.get("/admin/login/totp")
    return await client.post(
        "/admin/login/totp", data={"code": code, "login_csrf": login_csrf(page.text)}
    )


async def _enrol(client: httpx.AsyncClient) -> tuple[str, list[str]]:
    csrf = await csrf_of(client)
    begun = await client.post("/admin/account/totp/begin", data={"csrf_token": csrf})
    assert begun.status_code == 200
    assert begun.headers["content-security-policy"] == ADMIN_CSP
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', begun.text)
    assert secret
    qr = re.search(r'<figure class="qr" id="totp-qr"><svg [^>]*class="qr"', begun.text)
    assert qr, "the enrolment shows no inline SVG QR code"
    assert "<script" not in begun.text.split('id="totp-qr"')[1].split("</figure>")[0]
    code = pyotp.TOTP(secret.group(1)).now()
    done = await client.post("/admin/account/totp/confirm", data={"csrf_token": csrf, "code": code})
    assert done.status_code == 200
    codes = _codes(done.text)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    # Shown once: the account page afterwards lists none, only how many are left.
    again = await client.get("/admin/account")
    assert 'id="recovery-codes"' not in again.text
    assert "10 unused recovery codes left" in again.text
    return secret.group(1), codes


async def test_recovery_codes_log_in_once_each_and_can_be_replaced(engine: AsyncEngine) -> None:
    async with prepared(engine) as hiccup:
        await add_user(engine, "amy", Role.EDITOR)
        async with client_for(hiccup) as client:
            assert (await log_in(client, "amy")).status_code == 303
            _, codes = await _enrol(client)
        async with client_for(hiccup) as lost_phone:
            used = await _second_step(lost_phone, "amy", codes[0].lower().replace("-", " "))
            assert used.status_code == 303, used.text
            page = await lost_phone.get("/admin/account")
            assert "9 unused recovery codes left" in page.text
        async with client_for(hiccup) as replay:
            again = await _second_step(replay, "amy", codes[0])
            assert again.status_code == 401
        async with client_for(hiccup) as client:
            assert (await _second_step(client, "amy", codes[1])).status_code == 303
            csrf = await csrf_of(client)
            wrong = await client.post(
                "/admin/account/recovery-codes",
                data={"csrf_token": csrf, "recovery_password": "not it at all"},
            )
            assert wrong.status_code == 422
            assert "is not your current password" in wrong.text
            fresh = await client.post(
                "/admin/account/recovery-codes",
                data={"csrf_token": csrf, "recovery_password": PASSWORD},
            )
            new_codes = _codes(fresh.text)
            assert len(new_codes) == 10
            assert not set(new_codes) & set(codes)
        async with client_for(hiccup) as old:
            assert (await _second_step(old, "amy", codes[2])).status_code == 401
        async with client_for(hiccup) as new:
            assert (await _second_step(new, "amy", new_codes[0])).status_code == 303


async def test_a_password_change_ends_the_other_sessions_only(engine: AsyncEngine) -> None:
    async with prepared(engine) as hiccup:
        await add_user(engine, "leela", Role.VIEWER)
        async with client_for(hiccup) as laptop, client_for(hiccup) as phone:
            assert (await log_in(laptop, "leela")).status_code == 303
            assert (await log_in(phone, "leela")).status_code == 303
            assert (await phone.get("/admin/account")).status_code == 200
            changed = await laptop.post(
                "/admin/account/password",
                data={
                    "csrf_token": await csrf_of(laptop),
                    "current_password": PASSWORD,
                    "new_password": NEW_PASSWORD,
                },
            )
            assert changed.status_code == 303
            kept = await laptop.get("/admin/account?done=password")
            assert kept.status_code == 200
            assert "other sessions were signed out" in kept.text
            ended = await phone.get("/admin/account")
            assert ended.status_code == 303
            assert "/login" in ended.headers["location"]
        async with client_for(hiccup) as fresh:
            assert (await log_in(fresh, "leela", NEW_PASSWORD)).status_code == 303
