"""Typed application errors. Pure: importable without Django.

The DRF exception handler (annotations.api.errors) maps them to HTTP answers once;
management commands print them as one line and exit non-zero.
"""


class ApplicationError(Exception):
    """A refusal the user can act on. `fields` maps field names to messages (400s)."""

    status_code = 400

    def __init__(self, message: str, *, fields: dict[str, list[str] | str] | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra or {}


class Conflict(ApplicationError):
    """A stale version, a submitted assignment, a queue race, a duplicate (409)."""

    status_code = 409


class NotFound(ApplicationError):
    """Missing or not yours: the same answer for both, so ids reveal nothing (404)."""

    status_code = 404

    def __init__(self, message: str = "Not found."):
        super().__init__(message)


class PermissionDenied(ApplicationError):
    """A member of the project whose role does not allow the action (403)."""

    status_code = 403

    def __init__(self, message: str = "You do not have permission to perform this action."):
        super().__init__(message)


class ImportLineError(ApplicationError):
    """A file (and line, when there is one) that cannot be imported."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        location = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{location}: {message}")


class UnknownFormat(ApplicationError):
    def __init__(self, name: str, known: list[str]):
        self.name = name
        self.known = list(known)
        super().__init__(
            f"Unknown format {name!r}; choose one of: {', '.join(self.known)}.",
            fields={"format": [f"Unknown format {name!r}; choose one of: {', '.join(self.known)}."]},
        )
