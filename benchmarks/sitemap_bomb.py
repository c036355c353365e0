"""A blog whose gzipped sitemap inflates to ~50 MB (the protocol's cap): the crawl process's peak
memory and wall time, and what the run counted. Not a test: figures for the README.

``python -m benchmarks.sitemap_bomb [--inflated-mb 50]`` (from the repository root: it uses the
tests' crawl helper) builds the blog in a temporary folder,
serves it on 127.0.0.1 and runs ``scrapy crawl blogs`` on it as cron would.
``--reactor-lag`` instead parses such a sitemap the way the blogs spider does (in the reactor's
thread pool) while a 10 ms timer runs on the reactor, and prints the longest pause between ticks.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import resource
import tempfile
import time
from pathlib import Path

from newsarchive.demo.server import serving
from tests.crawling import crawl

STORY = ("<html><head><title>Post {n}</title></head><body><article><h1>Post {n}</h1><p>"
         + "Notes from the towpath on a cold morning by the lock. " * 15 + "</p></article></body></html>")


def build(root: Path) -> None:
    blog = root / "blog"
    blog.mkdir(parents=True)
    (blog / "index.html").write_text("<html><head><title>Blog</title></head><body></body></html>")
    (blog / "robots.txt").write_text("User-agent: *\nAllow: /\nSitemap: {{host:blog}}/sitemap-big.xml.gz\n"
                                     "Sitemap: {{host:blog}}/post-sitemap.xml\n")
    (blog / "post-sitemap.xml").write_text(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{{{{host:blog}}}}/post-{i}.html</loc></url>" for i in range(3))
        + "</urlset>")
    for i in range(3):
        (blog / f"post-{i}.html").write_text(STORY.format(n=i))


def big_sitemap(blog: Path, base: str, inflated_mb: int) -> int:
    """Written once the port is known: every link stays on loopback (the site answers 404)."""
    entry = base + "/{y}/{m:02d}/{n}-a-post-with-a-long-slug/</loc>" \
        "<lastmod>2024-{m:02d}-01T10:00:00+00:00</lastmod></url>\n"
    entry = "<url><loc>" + entry
    path = blog / "sitemap-big.xml.gz"
    # Written line by line: this process stays small, and the crawl, started by vfork, inherits
    # its peak RSS as its own starting ru_maxrss.
    with gzip.open(path, "wt", compresslevel=9, encoding="utf-8") as sitemap:
        sitemap.write('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
        # the blog's 3 real posts first: whichever sitemap gives the posts, the crawl extracts them
        sitemap.write("".join(f"<url><loc>{base}/post-{i}.html</loc></url>" for i in range(3)))
        size, n = 0, 0
        while size < inflated_mb * 1024 * 1024:
            line = entry.format(y=2000 + n % 25, m=1 + n % 12, n=n)
            sitemap.write(line)
            size += len(line)
            n += 1
        sitemap.write("</urlset>")
    return path.stat().st_size


def reactor_lag(inflated_mb: int) -> None:
    from twisted.internet import reactor, task, threads

    from newsarchive.parsing.feeds import parse_sitemap

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "blog").mkdir()
        big_sitemap(Path(folder) / "blog", "http://127.0.0.1:9", inflated_mb)
        data = (Path(folder) / "blog" / "sitemap-big.xml.gz").read_bytes()
    ticks: list[float] = [time.monotonic()]
    timer = task.LoopingCall(lambda: ticks.append(time.monotonic()))

    def parse() -> None:
        started = time.monotonic()
        deferred = threads.deferToThread(parse_sitemap, "http://127.0.0.1:9/s.xml.gz", data,
                                         16 * 1024 * 1024)

        def done(result: object) -> None:
            gaps = [b - a for a, b in itertools.pairwise(ticks)]
            links = len(result[1]) if isinstance(result, tuple) else result
            print(f"{inflated_mb} MB sitemap: parsed in {time.monotonic() - started:.1f} s "
                  f"({links} links), longest reactor pause {max(gaps) * 1000:.0f} ms")
            timer.stop()
            reactor.stop()

        deferred.addBoth(done)

    timer.start(0.01)
    reactor.callLater(0.2, parse)
    reactor.run()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inflated-mb", type=int, default=50)
    parser.add_argument("--reactor-lag", action="store_true")
    args = parser.parse_args()
    if args.reactor_lag:
        reactor_lag(args.inflated_mb)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        build(root / "site")
        with serving(root / "site") as hosts:
            compressed = big_sitemap(root / "site" / "blog", hosts["blog"], args.inflated_mb)
            started = time.monotonic()
            run = crawl("blogs", root / "out", {"start_urls": hosts["blog"] + "/", "max_posts": "3"},
                        {"LOG_LEVEL": "INFO"}, timeout=600)
            elapsed = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the crawl process
    own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"sitemap: {compressed / 1024 / 1024:.1f} MB gzip, {args.inflated_mb} MB inflated")
    print(f"exit {run.returncode}, wall {elapsed:.1f} s, crawl process peak RSS {peak_mb:.0f} MB "
          f"(this process: {own_mb:.0f} MB)")
    print(f"dropped: {run.manifest.get('dropped')}, articles: {len(run.records.get('article', []))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
