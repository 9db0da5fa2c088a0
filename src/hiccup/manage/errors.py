"""Failures an operator can fix; each has a machine code, a message and, when it is about
fields, a message per field (the UI shows them beside the fields, the API returns them)."""

from __future__ import annotations


class ManageError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Invalid(ManageError):
    status = 422
    code = "validation_failed"

    def __init__(self, fields: dict[str, str]) -> None:
        first = next(iter(fields.items()))
        super().__init__(f"{first[0]}: {first[1]}", fields)


class NotFound(ManageError):
    status = 404
    code = "not_found"

    def __init__(self, what: str) -> None:
        super().__init__(f"no such {what}")


class Conflict(ManageError):
    status = 409

    def __init__(self, code: str, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message, fields)
        self.code = code
