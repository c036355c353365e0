"""Redis memory of the crawl state: bytes per archived article, URL, hash and sketch.

Starts a throwaway ``redis-server`` (defaults, no persistence) on a free loopback port, fills a
``RedisState`` through its public interface the way runs commit it, and reads ``used_memory``
after each kind of entry. Per archived article a run stores: its URL and one alias (the final or
canonical URL; an alias is another URL entry), the record hash of the article, its content
hash, its MinHash sketch; comments add a record hash each (reported per record hash).

    python benchmarks/redis_memory.py --articles 1000000

Target (issue 19): the state of 1M archived articles under 500 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

from newsarchive.state.redis_state import RedisState


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def redis_server() -> Iterator[str]:
    """A private redis-server on loopback (defaults, nothing saved); yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("error: redis-server not found on PATH")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        import redis

        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait()


def hex16(kind: str, n: int) -> str:
    return hashlib.blake2b(f"{kind}{n}".encode(), digest_size=8).hexdigest()


def url(n: int, alias: bool = False) -> str:
    # a typical news URL key (scheme-less canonical form, ~80 characters)
    part = "amp/" if alias else ""
    return f"www.example-news-outlet.com/{part}world/2024/03/05/story-headline-words-{n:08d}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    args = parser.parse_args()
    n = args.articles
    import redis

    with redis_server() as redis_url:
        client = redis.Redis.from_url(redis_url)
        state = RedisState(client, "newsarchive", commit_every=5000)

        def used() -> int:
            state.flush()
            return int(client.info("memory")["used_memory"])

        rows: list[tuple[str, int, int, float]] = []
        base = used()
        steps = [
            ("URL (as linked)", lambda i: state.add_url(url(i), hex16("r", i), hex16("c", i))),
            ("URL alias (final/canonical)", lambda i: state.add_url(url(i, True), hex16("r", i))),
            ("record hash", lambda i: state.set_record_hash(hex16("r", i), hex16("h", i))),
            ("content hash", lambda i: state.add_content(hex16("c", i), hex16("r", i))),
            ("MinHash sketch (64 bytes)",
             lambda i: state.add_sketch(hex16("r", i), hashlib.blake2b(
                 i.to_bytes(8, "big"), digest_size=64).digest())),
        ]
        before = base
        for name, step in steps:
            start = time.perf_counter()
            for i in range(n):
                step(i)
            after = used()
            rows.append((name, n, after - before, time.perf_counter() - start))
            before = after
        total = before - base
        print(f"Redis {client.info('server')['redis_version']}, {n:,} archived articles")
        print("| entry | entries | MB | bytes each | µs each |")
        print("|---|---|---|---|---|")
        for name, count, size, seconds in rows:
            print(f"| {name} | {count:,} | {size / 1e6:.1f} | {size / count:.1f} | "
                  f"{seconds / count * 1e6:.1f} |")
        print(f"| **per archived article (all of the above)** | {n:,} | **{total / 1e6:.1f}** | "
              f"**{total / n:.1f}** | |")
        state.close()


if __name__ == "__main__":
    main()
