"""Construction, configuration and every read of the Bitwarden client (see client.py)."""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from types import TracebackType
from typing import Self, TypeVar

import httpx
from pydantic import SecretStr, TypeAdapter

from dirsync.bitwarden.decode import ListOf, PageOf
from dirsync.bitwarden.endpoints import (
    Endpoints,
    RateLimitMode,
    resolve_endpoints,
    resolve_rate_limit,
)
from dirsync.bitwarden.errors import BadRequest, NotFound
from dirsync.bitwarden.models import (
    Collection,
    Event,
    Group,
    Member,
    OrgSnapshot,
    Policy,
    Subscription,
)
from dirsync.bitwarden.retry import RetryPolicy
from dirsync.bitwarden.session import ApiSession, Verify
from dirsync.bitwarden.stats import RequestStats
from dirsync.config import BitwardenConfig, ConfigError
from dirsync.config_sources import read_secret

T = TypeVar("T")
U = TypeVar("U")

_MEMBERS = TypeAdapter(ListOf[Member])
MEMBER = TypeAdapter(Member)
_GROUPS = TypeAdapter(ListOf[Group])
GROUP = TypeAdapter(Group)
_COLLECTIONS = TypeAdapter(ListOf[Collection])
_POLICIES = TypeAdapter(ListOf[Policy])
_EVENTS = TypeAdapter(PageOf[Event])
_IDS = TypeAdapter(list[str])
_SUBSCRIPTION = TypeAdapter(Subscription)
SELF_HOSTED_ANSWER = "Only allowed when not self hosted."
RATE_LIMIT_SCALE_ENV = "DIRSYNC_RATE_LIMIT_SCALE"
"""Shrinks the cloud rate-limit windows like the emulator's --time-scale (tests, benchmarks)."""


class ReadClient:
    """The reading half of :class:`~dirsync.bitwarden.client.BitwardenClient`."""

    def __init__(
        self,
        *,
        api_url: str,
        identity_url: str,
        client_id: str,
        client_secret: SecretStr,
        rate_limit: RateLimitMode = "cloud",
        rate_limit_scale: float = 1.0,
        transport: httpx.BaseTransport | None = None,
        dry_run: bool = False,
        verify: Verify = True,
        timeout: float = 30.0,
        max_concurrency: int = 128,
        retry_policy: RetryPolicy | None = None,
        url_keys: tuple[str, str] = ("bitwarden.api_url", "bitwarden.identity_url"),
        self_hosted: bool = False,
    ) -> None:
        """*url_keys*: the configuration keys the two URLs came from, for error messages.
        *self_hosted*: the server is known to be self-hosted (no subscription to read)."""
        self._self_hosted = self_hosted
        endpoints = Endpoints(
            api_url.rstrip("/"),
            identity_url.rstrip("/"),
            cloud=False,
            self_hosted=self_hosted,
            api_key=url_keys[0],
            identity_key=url_keys[1],
        )
        self._session = ApiSession(
            endpoints,
            client_id,
            client_secret,
            rate_limit=rate_limit,
            rate_limit_scale=rate_limit_scale,
            retry_policy=retry_policy or RetryPolicy(),
            transport=transport,
            verify=verify,
            timeout=timeout,
            dry_run=dry_run,
            max_concurrency=max_concurrency,
        )

    @classmethod
    def from_config(cls, config: BitwardenConfig, *, dry_run: bool = False) -> Self:
        """Endpoints, CA bundle, limits and the secret from the ``[bitwarden]`` section."""
        endpoints = resolve_endpoints(config.server, config.api_url, config.identity_url)
        if not config.client_id.strip():
            raise ConfigError("bitwarden.client_id is not set (organization.<org id>)")
        secret = read_secret("client_secret", config.client_secret, config.client_secret_file)
        verify: Verify = True
        if config.ca_file is not None:
            try:
                verify = ssl.create_default_context(cafile=str(config.ca_file))
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(
                    f"bitwarden.ca_file: cannot load {config.ca_file}: {exc.strerror or exc}"
                ) from exc
        return cls(
            api_url=endpoints.api_url,
            identity_url=endpoints.identity_url,
            client_id=config.client_id,
            client_secret=secret,
            rate_limit=resolve_rate_limit(config.rate_limit, endpoints),
            rate_limit_scale=_rate_limit_scale(),
            dry_run=dry_run,
            verify=verify,
            timeout=config.timeout_seconds,
            max_concurrency=config.max_concurrency,
            url_keys=(endpoints.api_key, endpoints.identity_key),
            self_hosted=endpoints.self_hosted,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    @property
    def dry_run(self) -> bool:
        return self._session.dry_run

    @property
    def max_concurrency(self) -> int:
        """The ceiling of requests in flight; pools of threads are sized to it."""
        return self._session.concurrency.ceiling

    @property
    def round_trip(self) -> float | None:
        """The round trip measured on this client's answers (None before any)."""
        return self._session.concurrency.round_trip

    @property
    def concurrency_peak(self) -> int:
        """The most requests that were in flight at once."""
        return self._session.concurrency.peak

    @property
    def stats(self) -> RequestStats:
        return self._session.stats.snapshot()

    def in_parallel(self, call: Callable[[T], U], items: Sequence[T]) -> list[U]:
        """*call* on each item, as many at once as the width allows; results in order."""
        if len(items) <= 1:
            return [call(item) for item in items]
        workers = min(len(items), self.max_concurrency)
        with ThreadPoolExecutor(workers, thread_name_prefix="bw-call") as pool:
            return list(pool.map(call, items))

    def authenticate(self) -> None:
        """Obtain (or reuse) the access token now; raises AuthError when it is refused."""
        self._session.tokens.get()

    def _get(self, path: str, adapter: TypeAdapter[T], params: dict[str, str] | None = None) -> T:
        return self._session.fetch("GET", path, adapter, params=params)

    def read_org(
        self,
        on_group_read: GroupReadCallback | None = None,
        *,
        collections: bool = False,
        known_groups: Iterable[str] = (),
    ) -> tuple[OrgSnapshot, list[Collection]]:
        """Members, groups, each group's member ids, the seats and (if asked) the collections.

        One token, then every list at once, then each group's member ids: 3 round trips
        when the width allows (each group's path has its own budget, contract §4). The
        member ids of *known_groups* (ids the last run saw) are asked for alongside the
        lists, which saves a round trip; those of a group no longer listed are dropped.
        *on_group_read(done, total)* hears of each group read.
        """
        self.authenticate()
        with ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="bw-read") as pool:
            listing = pool.submit(self.list_groups)
            members = pool.submit(self.list_members)
            subscription = pool.submit(self.read_subscription)
            listed = pool.submit(self.list_collections) if collections else None
            early = {gid: pool.submit(self._member_ids_if_any, gid) for gid in known_groups}
            groups = listing.result()
            counted = _Counter(len(groups), on_group_read)
            reads = {
                g.id: early.get(g.id) or pool.submit(self.get_group_member_ids, g.id)
                for g in groups
            }
            group_members: dict[str, frozenset[str]] = {}
            for gid, read in reads.items():
                ids = read.result()
                if ids is None:
                    raise NotFound(f"group {gid} was deleted while the organization was read")
                group_members[gid] = frozenset(ids)
                counted.step()
            org = OrgSnapshot(
                members=tuple(members.result()),
                groups=tuple(groups),
                group_members=group_members,
                subscription=subscription.result(),
            )
            return org, listed.result() if listed is not None else []

    def _member_ids_if_any(self, group_id: str) -> list[str] | None:
        """A group's member ids, or None if it is gone."""
        try:
            return self.get_group_member_ids(group_id)
        except NotFound:
            return None

    def list_members(self) -> list[Member]:
        return self._get("/public/members", _MEMBERS).data

    def get_member(self, member_id: str) -> Member:
        return self._get(f"/public/members/{member_id}", MEMBER)

    def find_member_by_email(self, email: str) -> Member | None:
        """The member whose email matches case-insensitively, as the server compares."""
        wanted = email.strip().casefold()
        for member in self.list_members():
            if member.email is not None and member.email.strip().casefold() == wanted:
                return member
        return None

    def get_member_group_ids(self, member_id: str) -> list[str]:
        return self._get(f"/public/members/{member_id}/group-ids", _IDS)

    def list_groups(self) -> list[Group]:
        return self._get("/public/groups", _GROUPS).data

    def get_group(self, group_id: str) -> Group:
        return self._get(f"/public/groups/{group_id}", GROUP)

    def get_group_member_ids(self, group_id: str) -> list[str]:
        return self._get(f"/public/groups/{group_id}/member-ids", _IDS)

    def list_collections(self) -> list[Collection]:
        return self._get("/public/collections", _COLLECTIONS).data

    def read_subscription(self) -> Subscription | None:
        """The cloud's seats and autoscale cap; None on a self-hosted server, which is not
        asked when the configuration says so and otherwise answers 400 (contract §7)."""
        if self._self_hosted:
            return None
        try:
            return self._get("/public/organization/subscription", _SUBSCRIPTION)
        except BadRequest as exc:
            if exc.message == SELF_HOSTED_ANSWER:
                return None
            raise

    def list_policies(self) -> list[Policy]:
        return self._get("/public/policies", _POLICIES).data

    def list_events(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> Iterator[Event]:
        """Every event in the range, newest first, following ``continuationToken``."""
        token: str | None = None
        while True:
            page = self.events_page(start, end, continuation_token=token)
            yield from page.data
            if not page.continuation_token:
                return
            token = page.continuation_token

    def events_page(
        self,
        start: datetime | None,
        end: datetime | None,
        *,
        continuation_token: str | None = None,
    ) -> PageOf[Event]:
        """One page of ``GET /public/events`` (contract §1 Events): up to 50, newest first."""
        params: dict[str, str] = {}
        if start is not None:
            params["start"] = start.isoformat()
        if end is not None:
            params["end"] = end.isoformat()
        if continuation_token:
            params["continuationToken"] = continuation_token
        return self._get("/public/events", _EVENTS, params)


def _rate_limit_scale() -> float:
    """``$DIRSYNC_RATE_LIMIT_SCALE``: the client's side of the emulator's ``--time-scale``."""
    raw = os.environ.get(RATE_LIMIT_SCALE_ENV, "").strip()
    if not raw:
        return 1.0
    try:
        scale = float(raw)
    except ValueError:
        scale = 0.0
    if not scale > 0:
        raise ConfigError(f"{RATE_LIMIT_SCALE_ENV}={raw!r} is not a number > 0")
    return scale


GroupReadCallback = Callable[[int, int], None]


class _Counter:
    """Counts finished reads across threads and reports each step."""

    def __init__(self, total: int, report: GroupReadCallback | None) -> None:
        self._total = total
        self._report = report
        self._done = 0
        self._lock = threading.Lock()

    def step(self) -> None:
        if self._report is None:
            return
        with self._lock:
            self._done += 1
            self._report(self._done, self._total)
