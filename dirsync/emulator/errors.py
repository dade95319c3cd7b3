"""Wire error shapes of contract §0 (public errors) and §4 (the rate limiter's body)."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

MODEL_STATE_MESSAGE = "The request's model state is invalid."
NOT_FOUND_MESSAGE = "Resource not found."
UNHANDLED_MESSAGE = "An unhandled server error has occurred."


class ApiError(Exception):
    """An error answer: status plus a JSON body, or an empty body when `body` is None."""

    def __init__(self, status: int, body: dict[str, Any] | None = None) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body

    def response(self) -> Response:
        return error_response(self.status, self.body)


def public_error(message: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The public ErrorResponseModel."""
    return {"object": "error", "message": message, "errors": errors}


def bad_request(message: str) -> ApiError:
    """A BadRequestException: 400, message = the text, errors null."""
    return ApiError(400, public_error(message))


def model_state(errors: dict[str, list[str]]) -> ApiError:
    """A model-state failure: 400 with the invalid keys."""
    return ApiError(400, public_error(MODEL_STATE_MESSAGE, errors))


def not_found_empty() -> ApiError:
    """A controller's NotFoundResult: 404 with an empty body."""
    return ApiError(404)


def not_found_json() -> ApiError:
    """A NotFoundException thrown deeper in the code: 404 with the JSON body."""
    return ApiError(404, public_error(NOT_FOUND_MESSAGE))


def server_error() -> ApiError:
    """Any other exception: 500."""
    return ApiError(500, public_error(UNHANDLED_MESSAGE))


def rate_limited_body(period: str) -> dict[str, Any]:
    """The internal ErrorResponseModel the rate limiter answers with."""
    return {
        "object": "error",
        "message": f"Slow down! Too many requests. Try again in {period}.",
        "validationErrors": None,
        "exceptionMessage": None,
        "exceptionStackTrace": None,
        "innerExceptionMessage": None,
    }


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A compact JSON answer, as ASP.NET writes it."""
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(content, status, headers=headers, media_type="application/json; charset=utf-8")


def empty_response(status: int = 200) -> Response:
    """An OkResult / NotFoundResult: no body at all."""
    return Response(b"", status)


def error_response(status: int, body: dict[str, Any] | None) -> Response:
    if body is None:
        return empty_response(status)
    return json_response(body, status)
