"""Token handling (contract §3): cache, renewal ahead of expiry, one re-auth, clear errors."""

from __future__ import annotations

import logging
import threading

import httpx
import pytest

from dirsync.bitwarden.auth import Token, TokenCache
from dirsync.bitwarden.errors import AuthError, InvalidResponse
from tests.client.fakes import FAST, SECRET, FakeServer, listing, member_json


def _members(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=listing(member_json("m1", "a@example.com")))


def test_token_is_fetched_once_for_many_calls_across_threads() -> None:
    server = FakeServer(_members)
    with server.client() as client:
        threads = [threading.Thread(target=client.list_members) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        client.list_members()
    assert server.token_requests == 1
    assert client.stats.token_requests == 1


def test_token_request_is_form_encoded_client_credentials() -> None:
    forms: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return _members(request)

    server = FakeServer(handler)
    original = server.__call__

    def recording(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/connect/token":
            forms.append(request.content)
            assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        return original(request)

    transport = httpx.MockTransport(recording)
    with server.client(transport=transport) as client:
        client.list_members()
    fields = dict(httpx.QueryParams(forms[0].decode()))
    assert fields["grant_type"] == "client_credentials"
    assert fields["scope"] == "api.organization"
    assert fields["client_id"].startswith("organization.")
    assert fields["client_secret"] == SECRET


def test_cache_renews_a_tenth_of_the_lifetime_ahead_of_expiry() -> None:
    now = [0.0]
    fetched: list[float] = []

    def fetch() -> Token:
        fetched.append(now[0])
        return Token(value=f"t{len(fetched)}", lifetime=100)

    cache = TokenCache(fetch, clock=lambda: now[0])
    assert cache.get() == "t1"
    now[0] = 89.9
    assert cache.get() == "t1"
    now[0] = 90.0
    assert cache.get() == "t2"
    assert fetched == [0.0, 90.0]


def test_renewal_margin_is_capped_at_a_minute() -> None:
    now = [0.0]
    cache = TokenCache(lambda: Token("t", 3600), clock=lambda: now[0])
    cache.get()
    now[0] = 3539.0
    cache.invalidate("other")  # a stale token from another thread does not drop ours
    assert cache._value == "t"
    now[0] = 3540.0
    cache.get()
    assert cache._renew_at == 7080.0


def test_one_401_fetches_a_new_token_and_resends_once() -> None:
    tokens_seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        tokens_seen.append(request.headers["authorization"])
        if len(tokens_seen) == 1:
            return httpx.Response(401)
        return _members(request)

    server = FakeServer(handler)
    with server.client() as client:
        assert [m.id for m in client.list_members()] == ["m1"]
    assert tokens_seen == ["Bearer tok1", "Bearer tok2"]
    assert server.token_requests == 2


def test_a_second_401_is_an_auth_error_without_a_loop() -> None:
    server = FakeServer(lambda request: httpx.Response(401))
    with server.client() as client, pytest.raises(AuthError, match="401"):
        client.list_members()
    assert server.token_requests == 2
    assert len([s for s in server.seen if s[1] == "/public/members"]) == 2


def test_403_is_an_auth_error_naming_the_scope() -> None:
    server = FakeServer(lambda request: httpx.Response(403))
    with server.client() as client, pytest.raises(AuthError, match=r"api\.organization"):
        client.list_groups()


def test_invalid_client_says_the_credentials_were_rejected(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    server = FakeServer(_members)
    server.token_response = httpx.Response(400, json={"error": "invalid_client"})
    with server.client() as client, pytest.raises(AuthError) as caught:
        client.list_members()
    message = str(caught.value)
    assert "rejected the client id/secret" in message
    assert SECRET not in message
    assert SECRET not in caplog.text
    assert caught.value.__cause__ is None
    assert server.token_requests == 1


def test_other_oauth_errors_name_the_code() -> None:
    server = FakeServer(_members)
    server.token_response = httpx.Response(400, json={"error": "invalid_scope"})
    with server.client() as client, pytest.raises(AuthError, match="invalid_scope"):
        client.list_members()


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>maintenance</html>", headers={"content-type": "text/html"}),
        httpx.Response(200, json={"access_token": "x", "expires_in": "soon"}),
        httpx.Response(200, json={"expires_in": 60}),
    ],
)
def test_a_malformed_token_answer_is_retried_then_invalid_response(
    response: httpx.Response,
) -> None:
    """Asking for a token again is harmless: every attempt the policy allows is made."""
    server = FakeServer(_members)
    server.token_response = response
    with server.client() as client, pytest.raises(InvalidResponse, match="token response"):
        client.list_members()
    assert server.token_requests == FAST.max_attempts


def test_the_secret_never_appears_in_repr_or_stats() -> None:
    server = FakeServer(_members)
    with server.client() as client:
        client.list_members()
        assert SECRET not in repr(client.__dict__)
        assert SECRET not in str(client.stats.as_dict())
