"""Connection pools in shards (bitwarden/pools.py): enough connections in all, small pools,
and a thread keeps to one."""

from __future__ import annotations

import threading

import httpx

from dirsync.bitwarden.pools import SHARD_SIZE, PoolShards


def test_shards_cover_the_connections_and_each_thread_keeps_its_own() -> None:
    made: list[int] = []

    def make(keep_alive: int) -> httpx.Client:
        made.append(keep_alive)
        return httpx.Client()

    shards = PoolShards(129, make)
    try:
        assert len(made) == 17
        assert set(made) == {SHARD_SIZE}
        seen: list[set[int]] = [set() for _ in range(34)]

        def use(n: int) -> None:
            for _ in range(3):
                seen[n].add(id(shards.client()))

        threads = [threading.Thread(target=use, args=(n,)) for n in range(34)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(len(clients) == 1 for clients in seen)
        assert len(set().union(*seen)) == 17  # round robin: every shard in use
    finally:
        shards.close()
