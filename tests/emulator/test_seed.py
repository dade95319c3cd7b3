"""Seed documents: missing ids are generated, also for collections that groups refer to."""

from __future__ import annotations

import pytest

from dirsync.emulator.seed import SeedError, dump, load

GROUP = "11111111-1111-1111-1111-111111111111"


def test_a_collection_without_an_id_gets_one_and_keeps_its_group_access() -> None:
    doc = {
        "groups": [{"id": GROUP, "name": "Eng"}],
        "collections": [
            {"externalId": "shared", "groups": [{"id": GROUP, "readOnly": True}]},
            {"externalId": "other"},
        ],
    }
    store = load(doc, "22222222-2222-2222-2222-222222222222", None)
    by_external = {c.external_id: cid for cid, c in store.collections.items()}
    assert set(by_external) == {"shared", "other"}
    access = store.groups[GROUP].collections
    assert list(access) == [by_external["shared"]]
    assert access[by_external["shared"]].read_only is True
    assert len(dump(store)["collections"]) == 2


def test_a_collection_id_that_is_not_a_guid_is_named() -> None:
    with pytest.raises(SeedError, match=r"collections\[0\]\.id: 'x' is not a GUID"):
        load({"collections": [{"id": "x"}]}, "22222222-2222-2222-2222-222222222222", None)
