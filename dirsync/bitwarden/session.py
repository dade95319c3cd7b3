"""One HTTP door: dry-run guard, throttle, token, send, classify, retry, account.

:meth:`ApiSession.send_once` is one attempt. It raises :class:`Retryable` for a
429, a 500/502/503/504 or a transport error, and a :class:`BitwardenError` for
anything final. :meth:`ApiSession.decoded` turns a 200 whose body cannot be read into
a :class:`Retryable` too: a proxy in trouble sends those, and the next answer may be
fine. :meth:`ApiSession.retrying` drives attempts under the retry policy;
:meth:`ApiSession.request` and :meth:`ApiSession.fetch` are the blind retries used for
GET, PUT and DELETE.

A server that refuses the connection (or does not resolve) before it ever answered is
not retried: at the start of a run that is a wrong URL or a stopped server, and the
policy's ~11 s of backoff would only delay the one-line error naming the URL and its
key. Once a server has answered, a refused connection is a restart and is retried.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr, TypeAdapter

from dirsync import __version__
from dirsync.bitwarden.auth import BearerAuth, Token, TokenCache, parse_token_response
from dirsync.bitwarden.concurrency import AdaptiveLimit, Answer
from dirsync.bitwarden.decode import bad_request, decode, describe
from dirsync.bitwarden.endpoints import Endpoints, RateLimitMode, not_the_api_hint
from dirsync.bitwarden.errors import (
    AuthError,
    DryRunRefused,
    InvalidResponse,
    NotFound,
    RateLimited,
    TlsError,
    Transient,
    Unreachable,
)
from dirsync.bitwarden.pools import PoolShards
from dirsync.bitwarden.retry import RETRY_STATUSES, Retryable, RetryPolicy, run_with_retries
from dirsync.bitwarden.stats import StatsRecorder, path_kind
from dirsync.bitwarden.throttle import Throttle, cloud_limits
from dirsync.memory import release_freed_memory

log = logging.getLogger(__name__)

T = TypeVar("T")
LARGE_BODY = 1 << 20
"""A body from this size up (a members list of about 3,000) gives its parse tree's memory
back to the system once decoded (:func:`release_freed_memory`)."""

Verify = bool | str | ssl.SSLContext


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


class ApiSession:
    """Shared by every thread of one client."""

    def __init__(
        self,
        endpoints: Endpoints,
        client_id: str,
        client_secret: SecretStr,
        *,
        rate_limit: RateLimitMode,
        rate_limit_scale: float,
        retry_policy: RetryPolicy,
        transport: httpx.BaseTransport | None,
        verify: Verify,
        timeout: float,
        dry_run: bool,
        max_concurrency: int,
    ) -> None:
        """*max_concurrency*: the ceiling of requests in flight (see :mod:`.concurrency`);
        the keep-alive pools (:mod:`.pools`) hold that many connections in all."""
        self.endpoints = endpoints
        self.dry_run = dry_run
        self.retry_policy = retry_policy
        self.stats = StatsRecorder()
        self.throttle = Throttle(cloud_limits(rate_limit_scale)) if rate_limit == "cloud" else None
        self.concurrency = AdaptiveLimit(max_concurrency)
        pool = max_concurrency + 1  # + the identity host's token request
        # One TLS context for all the shards: each would load the CA bundle (25 ms).
        tls = httpx.create_ssl_context(verify=verify, trust_env=True)

        def client(keep_alive: int) -> httpx.Client:
            return httpx.Client(
                transport=transport,
                verify=tls,
                timeout=timeout,
                trust_env=True,
                follow_redirects=False,
                headers={"User-Agent": f"dirsync/{__version__}"},
                limits=httpx.Limits(max_connections=pool, max_keepalive_connections=keep_alive),
            )

        # A given transport (a test seam) is one object: it stays in one client.
        self._http = PoolShards(pool if transport is None else 1, client)
        form = {
            "grant_type": "client_credentials",
            "scope": "api.organization",
            "client_id": client_id,
        }

        def fetch() -> Token:
            body = {**form, "client_secret": client_secret.get_secret_value()}
            return self.retrying(lambda _previous: self._token_attempt(body), what="token request")

        self._api_prefix = httpx.URL(endpoints.api_url).path.rstrip("/")
        self._api_server = f"{endpoints.api_url} ({endpoints.api_key})"
        self._identity_server = f"{endpoints.identity_url} ({endpoints.identity_key})"
        self._answered: set[str] = set()
        """Origins that have answered at least once in this session."""
        self.tokens = TokenCache(fetch)
        self._auth = BearerAuth(self.tokens, before_resend=self._before_resend)

    def close(self) -> None:
        self._http.close()

    def retrying(self, attempt: Callable[[Retryable | None], T], *, what: str) -> T:
        return run_with_retries(attempt, self.retry_policy, what=what, on_retry=self.stats.retry)

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, str] | None = None
    ) -> httpx.Response:
        """Send with blind retries: only for idempotent calls (GET, PUT, import)."""
        return self.retrying(
            lambda _previous: self.send_once(method, path, json=json, params=params),
            what=f"{method} {path}",
        )

    def fetch(
        self,
        method: str,
        path: str,
        adapter: TypeAdapter[T],
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> T:
        """Send and decode with blind retries (idempotent calls): a malformed answer is
        retried like a 5xx, and after the last attempt it is an :class:`InvalidResponse`."""
        where = f"{method} {path}"
        return self.retrying(
            lambda _previous: self.decoded(
                self.send_once(method, path, json=json, params=params), adapter, where
            ),
            what=where,
        )

    def decoded(self, response: httpx.Response, adapter: TypeAdapter[T], where: str) -> T:
        """The body as *adapter* reads it; a malformed one is a :class:`Retryable` that may
        have been applied (a write answered 200 did take effect, so verify before resending)."""
        try:
            decoded = decode(response, adapter, where)
        except InvalidResponse as exc:
            message = f"{exc}; server {self._api_server}"
            if response.headers.get("content-type", "").startswith("text/html"):
                message += f" (a web page, not the API? {not_the_api_hint(self.endpoints.api_url)})"
            raise Retryable(f"{where}: malformed answer", InvalidResponse(message)) from exc
        if len(response.content) >= LARGE_BODY:
            release_freed_memory()
        return decoded

    def send_once(
        self, method: str, path: str, *, json: Any = None, params: dict[str, str] | None = None
    ) -> httpx.Response:
        """One attempt at an API call; 2xx responses only come back."""
        where = f"{method} {path}"
        if self.dry_run and method != "GET":
            raise DryRunRefused(f"dry run: {where} was not sent")
        url = f"{self.endpoints.api_url}{path}"
        server = self._api_server
        response = self._exchange(
            method, url, path, where, server, json=json, params=params, auth=True
        )
        status = response.status_code
        if status < 300:
            return response
        if status == 401:
            raise AuthError(
                f"{where}: the API rejected a freshly issued access token (401); server "
                f"{server}, token from {self._identity_server}: are they the same server?"
            )
        if status == 403:
            raise AuthError(
                f"{where}: the token lacks the api.organization scope (403); server {server}"
            )
        if status == 404 and "{" not in path_kind(path):
            raise NotFound(
                f"{where}: 404 from {server}, which does not serve the Public API there; "
                + not_the_api_hint(self.endpoints.api_url)
            )
        if status == 404:
            raise NotFound(f"{where}: not found in this organization")
        if 400 <= status < 500:
            raise bad_request(response, where)
        raise Transient(f"{where}: unexpected answer ({describe(response)}); server {server}")

    def _token_attempt(self, form: dict[str, str]) -> Token:
        url = self.endpoints.token_url
        server = self._identity_server
        response = self._exchange("POST", url, "/connect/token", f"POST {url}", server, data=form)
        try:
            return parse_token_response(response, url, self.endpoints.identity_key)
        except InvalidResponse as exc:
            # Asking for a token again is harmless: a malformed answer is retried.
            raise Retryable(f"POST {url}: malformed answer", InvalidResponse(str(exc))) from exc

    def _before_resend(self, request: httpx.Request) -> None:
        path = request.url.path
        self._throttle_and_count(request.method, path, path.removeprefix(self._api_prefix))

    def _throttle_and_count(self, method: str, url_path: str, stats_path: str) -> None:
        if self.throttle is not None:
            self.stats.waited(self.throttle.acquire(method, url_path))
        self.stats.call(method, stats_path)

    def _exchange(
        self,
        method: str,
        url: str,
        stats_path: str,
        where: str,
        server: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        auth: bool = False,
    ) -> httpx.Response:
        """Throttle, send, and turn 429/5xx/transport failures into :class:`Retryable`.

        The concurrency gate (API requests) comes before the throttle: a request waiting for
        its path's budget keeps its place, and its latency is measured from when it leaves.
        """
        url_path = httpx.URL(url).path
        # The token request is not gated: it is made from inside a gated API request.
        gate = self.concurrency if auth else None
        if gate is not None:
            gate.acquire()
        answer = Answer.LIMITED
        sent = time.monotonic()
        try:
            self._throttle_and_count(method, url_path, stats_path)
            sent = time.monotonic()
            response = self._http.client().request(
                method,
                url,
                json=json,
                params=params,
                data=data,
                auth=self._auth if auth else None,
            )
            status = response.status_code
            answer = (
                Answer.LIMITED
                if status == 429
                else Answer.NEUTRAL
                if status in RETRY_STATUSES
                else Answer.CLEAN
            )
        except httpx.TransportError as exc:
            untrusted = _certificate_failure(exc)
            if untrusted is not None:
                raise TlsError(
                    f"{where}: the TLS certificate of {server} is not trusted ({untrusted}); "
                    "set bitwarden.ca_file to the CA that issued it"
                ) from exc
            origin = _origin(url)
            if isinstance(exc, httpx.ConnectError) and origin not in self._answered:
                raise Unreachable(f"cannot connect to {server}: {_cause(exc)}") from exc
            reason = f"{where}: {type(exc).__name__} {exc}".rstrip()
            final = Transient(f"{reason}; server {server} (network error, retries exhausted)")
            raise Retryable(reason, final) from exc
        finally:
            if gate is not None:
                gate.release(sent, path_kind(stats_path), answer)
            elif answer is Answer.CLEAN:
                self.concurrency.observe(stats_path, time.monotonic() - sent)
        self._answered.add(_origin(url))
        log.debug("%s -> %d", where, status)
        if self.throttle is not None:
            self.throttle.observe(method, url_path, response.headers)
        if status == 429:
            self.stats.rate_limited()
            after = _retry_after(response)
            limited = RateLimited(f"{where}: still rate limited (429) after retries", after)
            reason = f"{where}: 429 ({bad_request(response, where).message})"
            raise Retryable(reason, limited, retry_after=after, maybe_applied=False)
        if status in RETRY_STATUSES:
            final_error = Transient(
                f"{where}: server error {status} from {server} (retries exhausted)"
            )
            raise Retryable(f"{where}: {status}", final_error)
        return response


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"


def _cause(exc: BaseException) -> str:
    """The innermost reason ("[Errno 111] Connection refused"), not the wrapper's."""
    seen: BaseException = exc
    while seen.__cause__ is not None or seen.__context__ is not None:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    return str(seen) or str(exc) or type(exc).__name__


def _certificate_failure(exc: BaseException) -> str | None:
    """The verification message when *exc* was caused by an untrusted certificate."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return str(seen.verify_message or seen.reason or "verification failed")
        seen = seen.__cause__ or seen.__context__
    return None
