"""Bound LDAP connections: failover over the configured URLs, TLS verification, timeouts.

The first URL that accepts a bind is kept for the rest of the run, so one snapshot never
mixes replicas; a server lost mid-run makes the run fail rather than switch.
"""

from __future__ import annotations

import ast
import contextlib
import logging
import math
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ldap3 import NONE, SYNC, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from pydantic import SecretStr

from dirsync.config import LdapConfig
from dirsync.sources.errors import SourceError

log = logging.getLogger(__name__)


class _ContextTls(Tls):  # type: ignore[misc]
    """ldap3's Tls, wrapping with a standard SSLContext that checks the host name itself.

    ldap3's own host name check ignores IP address SANs on Python 3.12+; the ssl module's
    (``check_hostname`` with ``server_hostname``) handles DNS names and IP addresses alike.
    """

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(validate=context.verify_mode)
        self._context = context

    def wrap_socket(self, connection: Any, do_handshake: bool = False) -> None:
        connection.socket = self._context.wrap_socket(
            connection.socket,
            server_side=False,
            do_handshake_on_connect=do_handshake,
            server_hostname=connection.server.host,
        )


def _no_delay(sock: Any) -> None:
    """Send small writes at once: the TLS handshake's and bind's short messages otherwise
    wait ~40 ms each for a delayed ACK (Nagle), 45 ms per StartTLS connection measured."""
    with contextlib.suppress(OSError, AttributeError):  # not TCP (ldapi://): nothing to do
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _tls_context(cfg: LdapConfig) -> ssl.SSLContext:
    try:
        context = ssl.create_default_context(cafile=str(cfg.ca_file) if cfg.ca_file else None)
        if cfg.client_cert_file is not None:
            key = str(cfg.client_key_file) if cfg.client_key_file else None
            context.load_cert_chain(str(cfg.client_cert_file), keyfile=key)
    except (OSError, ssl.SSLError) as exc:
        raise SourceError(
            f"cannot load the LDAP TLS files (ldap.ca_file / client_*): {exc}"
        ) from exc
    if not cfg.verify_tls:
        log.warning("LDAP TLS certificate verification is off (ldap.verify_tls = false)")
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def ldap_reason(exc: Exception) -> str:
    """The text of an ldap3 exception, without the tuple reprs it nests messages in.

    ldap3 wraps a message in ``('text',)`` (twice, for a failed LDAPS handshake); the
    wrapping is read back as the literal it is, so the text keeps its own parentheses.
    """
    text = str(exc).strip()
    while text.startswith("(") and text.endswith(")"):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            break
        if not (isinstance(value, tuple) and value and isinstance(value[0], str)):
            break
        text = value[0].strip()
    return text or type(exc).__name__


def _resolve(host: str, port: int) -> None:
    """Raise SourceError naming *host* when its name does not resolve."""
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise SourceError(
            f"host name {host} does not resolve ({exc}); check the host in ldap.urls"
        ) from None


def describe_result(result: dict[str, Any] | None) -> str:
    if not result:
        return "no answer"
    parts = (result.get("description"), result.get("message"))
    return " - ".join(str(part) for part in parts if part) or f"result {result.get('result')}"


class LdapConnector:
    """Opens bound, read-only connections to the first LDAP server that works."""

    def __init__(self, cfg: LdapConfig, password: SecretStr | None) -> None:
        self.cfg = cfg
        self._password = password
        self._tls = _ContextTls(_tls_context(cfg))
        self.url: str | None = None
        """The URL chosen by the first successful bind."""
        self._cleartext_warned = False

    def _open(self, url: str) -> Connection:
        cfg = self.cfg
        server = Server(
            url,
            use_ssl=url.lower().startswith("ldaps://"),
            tls=self._tls,
            get_info=NONE,
            connect_timeout=cfg.timeout_seconds,
        )
        password = self._password.get_secret_value() if self._password else None
        conn = Connection(
            server,
            user=cfg.bind_dn or None,
            password=password if cfg.bind_dn else None,
            client_strategy=SYNC,
            read_only=True,
            raise_exceptions=False,
            auto_referrals=False,
            auto_range=False,
            return_empty_attributes=False,
            # ldap3 packs this into SO_RCVTIMEO as whole seconds.
            receive_timeout=max(1, math.ceil(cfg.timeout_seconds)),
        )
        try:
            _resolve(server.host, server.port)
            conn.open()
            _no_delay(conn.socket)
            if cfg.start_tls and not server.ssl:
                conn.start_tls()
            if not conn.bind():
                reason = describe_result(conn.result)
                close(conn)
                who = f"as {cfg.bind_dn}" if cfg.bind_dn else "anonymously"
                raise SourceError(f"bind {who} failed: {reason}")
        except (LDAPException, OSError) as exc:
            close(conn)
            raise SourceError(ldap_reason(exc)) from exc
        if not (server.ssl or cfg.start_tls) and cfg.bind_dn and not self._cleartext_warned:
            # Once per run: every search opens its own connection.
            self._cleartext_warned = True
            log.warning("LDAP bind to %s sends the password without TLS", url)
        return conn

    def connect(self) -> Connection:
        """A bound connection; the first call picks the server (URLs tried in order)."""
        urls = [self.url] if self.url else self.cfg.urls
        failures: list[str] = []
        for url in urls:
            try:
                conn = self._open(url)
            except SourceError as exc:
                failures.append(f"{url}: {exc}")
                log.warning("LDAP server %s unusable: %s", url, exc)
                continue
            self.url = url
            return conn
        raise SourceError("no LDAP server usable: " + "; ".join(failures))

    @contextmanager
    def session(self) -> Iterator[Connection]:
        """A bound connection, unbound on exit."""
        conn = self.connect()
        try:
            yield conn
        finally:
            close(conn)


def close(conn: Connection) -> None:
    """Unbind, ignoring a connection that is already gone."""
    try:
        conn.unbind()
    except (LDAPException, OSError):
        log.debug("unbind failed", exc_info=True)
