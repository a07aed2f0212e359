"""Load generator for the dashboard's pages (used by bench/pages.py --phase concurrent): a bounded
asyncio client of plain HTTP/1.1 over loopback, no dependency. Each simulated user signs in once
(a session of its own role), then requests one page after another with a think time between them,
like a locust user with ``wait_time = between(1, 3)``; the public pages it asks for as a reader who
is not signed in (no cookie), as a citizen scanning a code does."""

import asyncio
import random
import time
from urllib.parse import urlsplit


async def get(host: str, port: int, path: str, cookie: str) -> tuple[int, float]:
    """One GET read to its last byte: (status, seconds). The server closes after each response."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, port)
    sent_cookie = f"Cookie: {cookie}\r\n" if cookie else ""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n{sent_cookie}Connection: close\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readline()
    await reader.read()  # the rest, until the server closes
    writer.close()
    status = int(head.split()[1]) if head else 0
    return status, time.perf_counter() - started


async def user(base: str, cookie: str, paths: list[tuple[str, str]], until: float, results: dict, rng,
               public: frozenset[str]) -> None:
    url = urlsplit(base)
    await asyncio.sleep(rng.uniform(0, 3))  # users arrive spread over the first seconds
    while time.monotonic() < until:
        name, path = rng.choice(paths)
        try:
            status, seconds = await get(url.hostname, url.port, path, "" if name in public else cookie)
        except OSError:
            status, seconds = 0, 0.0
        results.setdefault(name, []).append((status, seconds))
        await asyncio.sleep(rng.uniform(1, 3))


def run(base: str, cookies: list[str], paths: list[tuple[str, str]], users: int, seconds: float,
        public: frozenset[str] = frozenset()) -> dict:
    """{name: [(status, seconds)]} of ``users`` users for ``seconds``, each on one of ``cookies`` in turn
    (none for the names in ``public``). A user picks each request from ``paths`` at random: a name
    listed with many paths (a look-up of different codes) is asked as often as its paths are many."""
    results: dict = {}

    async def main():
        until = time.monotonic() + seconds
        await asyncio.gather(*(user(base, cookies[i % len(cookies)], paths, until, results, random.Random(i),
                                    public)
                               for i in range(users)))

    asyncio.run(main())
    return results
