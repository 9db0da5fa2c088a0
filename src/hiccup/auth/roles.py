"""Who may do what. Roles belong to users; scopes narrow what one API token may do.

A token acts with the permissions its scopes grant AND its user's role grants: a `write` token
of a viewer can still only read.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Permission(StrEnum):
    READ = "read"  # see everything in the admin
    OPERATE = "operate"  # incidents, maintenance, incident templates
    ADMINISTER = "administer"  # monitors, components, pages, users, tokens, audit log


class Role(StrEnum):
    OWNER = "owner"
    EDITOR = "editor"
    VIEWER = "viewer"


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


_ROLE_PERMISSIONS = {
    Role.VIEWER: frozenset({Permission.READ}),
    Role.EDITOR: frozenset({Permission.READ, Permission.OPERATE}),
    Role.OWNER: frozenset(Permission),
}

_SCOPE_PERMISSIONS = {
    Scope.READ: frozenset({Permission.READ}),
    Scope.WRITE: frozenset({Permission.READ, Permission.OPERATE}),
    Scope.ADMIN: frozenset(Permission),
}


def role_permissions(role: Role) -> frozenset[Permission]:
    return _ROLE_PERMISSIONS[role]


def token_permissions(role: Role, scopes: Iterable[Scope]) -> frozenset[Permission]:
    granted: frozenset[Permission] = frozenset()
    for scope in scopes:
        granted |= _SCOPE_PERMISSIONS[scope]
    return granted & _ROLE_PERMISSIONS[role]


def scopes_allowed(role: Role) -> frozenset[Scope]:
    """Scopes that mean something for a user of this role (more would be a lie on the token)."""
    return frozenset(s for s in Scope if _SCOPE_PERMISSIONS[s] <= _ROLE_PERMISSIONS[role])
