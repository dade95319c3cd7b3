"""The AD helpers against a server that is not AD: a real OpenLDAP slapd."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ldap3 import NONE, Connection, Server

from dirsync.sources.ad import read_ranged_values
from tests.fixtures.slapd import SlapdServer


@pytest.fixture
def conn(slapd: SlapdServer) -> Iterator[Connection]:
    connection = Connection(
        Server(slapd.ldap_url, get_info=NONE),
        slapd.bind_dn,
        slapd.bind_password,
        auto_bind=True,
        auto_range=False,
        return_empty_attributes=False,
        collect_usage=True,
    )
    yield connection
    connection.unbind()


def test_range_retrieval_accepts_a_server_that_does_not_range(
    slapd: SlapdServer, conn: Connection
) -> None:
    group = next(g for g in slapd.directory.groups if g.name == "engineering")
    expected = [f"uid={uid},{slapd.people_dn}" for uid in group.users]
    expected += [f"cn={name},{slapd.groups_dn}" for name in group.groups]
    values = read_ranged_values(conn, group.dn, "member")
    assert {v.lower() for v in values} == {e.lower() for e in expected}
    assert conn.usage.search_operations == 2  # the ranged request, then the plain one
