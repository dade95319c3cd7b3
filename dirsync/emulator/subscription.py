"""GET /public/organization/subscription (contract §7): the cloud's seats and autoscale cap."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from dirsync.emulator.errors import bad_request, json_response
from dirsync.emulator.runtime import store_of
from dirsync.emulator.store import Organization


def subscription_view(org: Organization) -> dict[str, object]:
    """OrganizationSubscriptionDetailsResponseModel: no "object" key, nullable numbers."""
    cap = org.max_autoscale_seats if org.autoscale else org.seats
    return {
        "passwordManager": {"seats": org.seats, "maxAutoScaleSeats": cap, "storage": None},
        "secretsManager": {
            "seats": None,
            "maxAutoScaleSeats": None,
            "serviceAccounts": None,
            "maxAutoScaleServiceAccounts": None,
        },
    }


async def get_subscription(request: Request) -> Response:
    org = store_of(request).org
    if org.self_hosted:
        raise bad_request("Only allowed when not self hosted.")
    return json_response(subscription_view(org))
