"""Redis scripts applied once per call, however often the client has to send them.

The client retries a command whose connection broke (``scaleout.connection``). If Redis had
applied it and only the reply was lost (a server killed or failed over between the two), the
retry applies it again: a queue pop takes a second request and strands the first, a ``SADD``
claim answers "someone else has it", a join loses the "you seed the run" answer, and a push
puts back a request another worker took in between (fetched twice). Each such script is
therefore wrapped: a call carries a token, and the script keeps its reply under a
*slot* (one key per script object and thread, whose calls come one at a time) in the same
atomic step that applies it; a retry whose token is already there gets that reply back instead
of running the script again.

Hand-written: redis-py has no idempotent retries, and Redis no request ids. Writes whose
second run does no harm, even with other workers' writes in between (a heartbeat, a ``HSET``
under the linker's lock, a compare-and-delete), need none of this.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections.abc import Sequence
from typing import Any

# Longer than any retry (``NEWSARCHIVE_REDIS_RETRY_SECONDS``) that could still want the reply;
# a run's slots go with the run's keys anyway.
SLOT_TTL_MS = 3_600_000
_TOKEN_BYTES = 8

# ``SADD`` as a claim (1: the caller's now; 0: it was someone's already).
ADD_TO_SET = "return redis.call('SADD', KEYS[1], ARGV[1])"

_WRAPPER = """
local slot, token = KEYS[#KEYS], ARGV[#ARGV]
local saved = redis.call('GET', slot)
if saved and string.sub(saved, 1, {n}) == token then
  return cmsgpack.unpack(string.sub(saved, {n} + 1))
end
local reply = (function()
{body}
end)()
redis.call('SET', slot, token .. cmsgpack.pack(reply), 'PX', {ttl})
return reply
"""


class OnceScript:
    """``client.register_script(body)`` that Redis applies at most once per call.

    ``body`` must not look at ``#KEYS`` or ``#ARGV`` (the slot and the token are appended to
    them). ``slot_prefix``: where the slots live (a run's key prefix: they go with the run).
    """

    def __init__(self, client: Any, body: str, slot_prefix: str) -> None:
        self._script = client.register_script(
            _WRAPPER.format(n=_TOKEN_BYTES, body=body, ttl=SLOT_TTL_MS))
        self._slot_prefix = f"{slot_prefix}:once:{secrets.token_hex(6)}"
        self._calls = itertools.count()

    def __call__(self, keys: Sequence[Any] = (), args: Sequence[Any] = ()) -> Any:
        slot = f"{self._slot_prefix}:{threading.get_ident()}"
        token = next(self._calls).to_bytes(_TOKEN_BYTES, "big")
        return self._script(keys=[*keys, slot], args=[*args, token])
