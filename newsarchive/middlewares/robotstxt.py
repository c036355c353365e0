"""Scrapy's ``RobotsTxtMiddleware``, with every request waiting for robots.txt given the parser.

In Scrapy 2.19 with the asyncio reactor, the requests that arrive while a host's robots.txt is
being downloaded all await one shared ``Deferred`` through ``Deferred.asFuture``, which consumes
its result: the first waiter gets the parser and every later one gets ``None`` ("no robots.txt")
and is let through, disallowed or not. Here each waiter gets its own ``Deferred``, fed from the
shared one without consuming it (what Scrapy did before ``robot_parser`` became a coroutine).
Remove when Scrapy fixes ``RobotsTxtMiddleware.robot_parser``.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.http import Request
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        waiter: Deferred[RobotParser | None] = Deferred()

        def relay(parser: RobotParser | None) -> RobotParser | None:
            waiter.callback(parser)
            return parser  # leave the result for the next waiter

        pending.addCallback(relay)
        return await maybe_deferred_to_future(waiter)
