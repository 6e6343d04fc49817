"""One error family, mapped once: services raise these, one handler renders RFC 9457 problems."""

from typing import Any

PROBLEM_BASE = "https://helpdesk.dev/problems/"


class HelpdeskError(Exception):
    status: int = 400
    type: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, *, retry_after: int | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after  # seconds, sent as the Retry-After header
        self.extra = extra

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class BadRequest(HelpdeskError):
    status, type, title = 400, "bad-request", "Bad request"


class InvalidCursor(HelpdeskError):
    status, type, title = 400, "invalid-cursor", "Invalid cursor"


class Unauthorized(HelpdeskError):
    status, type, title = 401, "unauthorized", "Unauthorized"


class Forbidden(HelpdeskError):
    status, type, title = 403, "forbidden", "Forbidden"


class NotFound(HelpdeskError):
    status, type, title = 404, "not-found", "Not found"


class MethodNotAllowed(HelpdeskError):
    status, type, title = 405, "method-not-allowed", "Method not allowed"


class Conflict(HelpdeskError):
    status, type, title = 409, "conflict", "Conflict"


class InvalidTransition(Conflict):
    type, title = "invalid-transition", "Invalid status transition"


class PreconditionFailed(HelpdeskError):
    status, type, title = 412, "precondition-failed", "Precondition failed"


class PayloadTooLarge(HelpdeskError):
    status, type, title = 413, "payload-too-large", "Payload too large"


class UnprocessableEntity(HelpdeskError):
    status, type, title = 422, "validation-error", "Validation error"


class IdempotencyKeyReused(UnprocessableEntity):
    type, title = "idempotency-key-reused", "Idempotency key reused with another request"


class PreconditionRequired(HelpdeskError):
    status, type, title = 428, "precondition-required", "Precondition required"


class TooManyStreams(HelpdeskError):
    status, type, title = 429, "too-many-streams", "Too many open streams"


class ServiceUnavailable(HelpdeskError):
    status, type, title = 503, "unavailable", "Service unavailable"
