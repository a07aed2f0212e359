"""Errors a use case raises on purpose, with the HTTP status and the body shape every client sees.

Every error leaves the API as ``{"code": ..., "message": ..., "fields": {...}}``; the web pages show
the same message and attach ``fields`` to the form fields they name.
"""


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code

    def body(self) -> dict:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class InvalidInput(DomainError):
    """Input that is well-formed but breaks a rule (a wrong check character, an unknown division)."""

    status = 422
    code = "invalid"


class Conflict(DomainError):
    """The write collides with an existing record (a duplicate natural key, a stale state)."""

    status = 409
    code = "conflict"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class TooLarge(DomainError):
    """An upload over its stated size limit."""

    status = 413
    code = "too_large"
