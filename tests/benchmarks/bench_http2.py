"""Benchmark: HTTP/2 against HTTP/1.1 for dirsync's reads (issue 11's evaluation).

Run from the repository root, with the two evaluation-only packages installed:
    .venv/bin/pip install h2 hypercorn
    .venv/bin/python tests/benchmarks/bench_http2.py [--rtt 0.2] [--groups 200] [--runs 5]

The emulator app (seeded with 10,000 members and --groups groups, cloud limits, the --rtt
latency model) is served over TLS by hypercorn, which speaks both protocols; the same
server answers both clients. The workload is what a no-op night reads: a token, then the
members, the groups and each group's member ids, 128 in flight:
- HTTP/1.1 as dirsync sends it: 16 httpx clients of 8 connections (bitwarden/pools.py);
- HTTP/2: one httpx client with ``http2=True``, every request a stream of one connection.
Prints wall time and client CPU per protocol (min and median of --runs).

Measured (December 2026, 2 cores; httpx 0.28, h2 4.4.1, hypercorn 0.18): at 128 in flight
the HTTP/2 connection is torn down (ConnectionTerminated, PROTOCOL_ERROR: more streams
than the server's 100). At 64 in flight, 200 ms: HTTP/1.1 median 1.55 s (client CPU
0.75 s), HTTP/2 1.73 s (0.88 s); at 0 ms: 0.57 s against 0.68 s. Not adopted: slower,
dearer, and fragile in httpx's threaded HTTP/2. (The emulator does not charge the round
trips of opening a connection, which is where HTTP/2 would gain across the internet.)
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dirsync.emulator.app import create_app
from dirsync.emulator.latency import LatencyModel
from dirsync.emulator.runtime import EmulatorOptions
from tests.fixtures.slapd_tls import TlsFiles, make_tls_files

ORG = "00000000-0000-4000-8000-00000000000a"
SECRET = "bench-http2-secret-000000000000"
WIDTH = 128


def _seed(members: int, groups: int) -> dict[str, Any]:
    people = [
        {
            "id": f"00000000-0000-4000-8000-{n:012d}",
            "email": f"user{n:05d}@example.org",
            "type": 2,
            "status": 2,
            "externalId": f"user{n:05d}",
        }
        for n in range(members)
    ]
    return {
        "organization": {"id": ORG, "name": "Bench"},
        "members": people,
        "groups": [
            {
                "id": f"00000000-0000-4000-9000-{g:012d}",
                "name": f"G{g}",
                "externalId": f"g{g}",
                "memberIds": [p["id"] for p in people[g::groups]],
            }
            for g in range(groups)
        ],
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(app: Any, tls: TlsFiles, port: int, stop: threading.Event) -> None:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.certfile = str(tls.cert_file)
    config.keyfile = str(tls.key_file)
    config.alpn_protocols = ["h2", "http/1.1"]
    config.loglevel = "WARNING"

    async def until_stopped() -> None:
        while not stop.is_set():
            await asyncio.sleep(0.05)

    asyncio.run(serve(app, config, shutdown_trigger=until_stopped))


def _workload(
    clients: list[httpx.Client], base: str, groups: int, width: int
) -> tuple[float, float, str]:
    """Wall and CPU seconds of one night's reads through *clients* (one per thread), and
    the protocol that answered."""
    local = threading.local()
    turn = iter(range(10**9))

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = clients[next(turn) % len(clients)]
        chosen: httpx.Client = local.client
        return chosen

    started, cpu = time.perf_counter(), time.process_time()
    token = client().post(
        f"{base}/identity/connect/token",
        data={
            "grant_type": "client_credentials",
            "scope": "api.organization",
            "client_id": f"organization.{ORG}",
            "client_secret": SECRET,
        },
    )
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

    def get(path: str) -> Any:
        answer = client().get(f"{base}{path}", headers=headers)
        answer.raise_for_status()
        return answer.json()

    with ThreadPoolExecutor(width) as pool:
        members = pool.submit(get, "/api/public/members")
        listed = get("/api/public/groups")["data"]
        ids = list(pool.map(get, [f"/api/public/groups/{g['id']}/member-ids" for g in listed]))
        assert len(members.result()["data"]) > 0
        assert len(ids) == groups
    return time.perf_counter() - started, time.process_time() - cpu, token.http_version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rtt", type=float, default=0.2)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--width", type=int, default=WIDTH, help="requests in flight")
    args = parser.parse_args()
    tls = make_tls_files(Path(tempfile.mkdtemp(prefix="bench-http2-")))
    app = create_app(
        EmulatorOptions(
            org_id=ORG,
            client_secret=SECRET,
            seed=_seed(10_000, args.groups),
            rate_limit="cloud",
            latency=LatencyModel(rtt=args.rtt),
        )
    )
    port = _free_port()
    stop = threading.Event()
    server = threading.Thread(target=_serve, args=(app, tls, port, stop), daemon=True)
    server.start()
    base = f"https://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(base, verify=str(tls.ca_file))
            break
        except httpx.TransportError:
            time.sleep(0.1)
    figures: dict[str, list[tuple[float, float]]] = {"HTTP/1.1": [], "HTTP/2": []}
    try:
        for _ in range(args.runs):
            for label in figures:
                if label == "HTTP/2":
                    clients = [httpx.Client(http2=True, verify=str(tls.ca_file), timeout=60)]
                else:
                    clients = [httpx.Client(verify=str(tls.ca_file), timeout=60) for _ in range(16)]
                try:
                    wall, cpu, version = _workload(clients, base, args.groups, args.width)
                finally:
                    for c in clients:
                        c.close()
                assert version == label, version
                figures[label].append((wall, cpu))
    finally:
        stop.set()
        server.join(timeout=10)
    print(f"{args.groups} member-id reads + members + groups at {args.rtt * 1000:.0f} ms, "
          f"{args.width} in flight, {args.runs} runs, hypercorn over TLS")  # fmt: skip
    for label, runs in figures.items():
        walls = [w for w, _ in runs]
        cpus = [c for _, c in runs]
        print(
            f"  {label:8}  wall min {min(walls):.2f} s median {statistics.median(walls):.2f} s"
            f"   client CPU median {statistics.median(cpus):.2f} s"
        )


if __name__ == "__main__":
    main()
