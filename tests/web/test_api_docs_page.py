"""`/api/v1/docs` through the real app: every operation of the OpenAPI document is listed,
served under the admin's CSP, with no script and assets only from the package."""

from __future__ import annotations

import re

from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.web.admin.base import ADMIN_CSP
from hiccup.web.api.docs import type_of
from tests.support.admin_helpers import client_for, prepared


async def test_the_docs_page_lists_every_operation(engine: AsyncEngine) -> None:
    async with prepared(engine) as hiccup, client_for(hiccup) as client:
        document = (await client.get("/api/v1/openapi.json")).json()
        page = await client.get("/api/v1/docs")
        assert page.status_code == 200
        assert page.headers["content-security-policy"] == ADMIN_CSP
        assert page.headers["content-type"].startswith("text/html")
        html = page.text
        assert "<script" not in html
        assert " style=" not in html
        for path, item in document["paths"].items():
            for method, spec in item.items():
                block = f'<li class="operation" id="{spec["operationId"]}">'
                assert block in html, f"{method} {path} missing"
                assert f"/api/v1{path}</code>" in html
        for asset in re.findall(r'(?:href|src)="([^"#]+)"', html):
            assert asset.startswith("/"), f"{asset} is not served by Hiccup"
            if asset.startswith("/admin/static/"):
                assert (await client.get(asset)).status_code == 200
        assert 'id="schema-MonitorIn"' in html


def test_types_read_like_python() -> None:
    assert type_of({"$ref": "#/components/schemas/MonitorOut"}) == "MonitorOut"
    listed = {"type": "array", "items": {"$ref": "#/components/schemas/ResultOut"}}
    assert type_of(listed) == "list[ResultOut]"
    assert type_of({"anyOf": [{"type": "string"}, {"type": "null"}]}) == "string | null"
    assert type_of({"enum": ["up", "down"], "type": "string"}) == "'up' | 'down'"
