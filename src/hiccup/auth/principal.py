"""Who is making a request, and what they may do."""

from __future__ import annotations

from dataclasses import dataclass

from hiccup.auth.roles import Permission, Role


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    name: str
    role: Role
    permissions: frozenset[Permission]
    csrf_token: str | None = None  # sessions only; bearer tokens need no CSRF protection
    token_name: str | None = None

    @property
    def actor(self) -> str:
        """How the audit log names this principal."""
        return f"{self.name} (token {self.token_name})" if self.token_name else self.name

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions
