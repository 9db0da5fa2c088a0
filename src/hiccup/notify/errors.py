"""The one way a channel reports failure (healthchecks' and gatus' lesson: no booleans)."""

from __future__ import annotations


class NotifyError(Exception):
    """A delivery failed. `permanent`: retrying cannot help (bad address, 4xx, rejected URL);
    the channel or subscriber is then disabled and its owner told."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
