"""One run, many workers: the run's membership, its end, and its merged report, in Redis.

Every worker runs the same command. The workers of one *run group* (same spider, same
arguments, same key prefix) agree on one run id through Redis (``join``): the first one creates
the run and seeds its start requests, the others (late joiners too) join it. A run that is
finished, or whose workers all stopped beating, is not joined: the next worker starts a new one.

The run ends when its request queue is empty and every live worker is idle (``idle``). Taking a
request from the queue marks the worker busy in the same Lua script (``scheduler.RunQueue``), so
no worker can see "queue empty, everybody idle" while another holds a request it has not yet
processed. A worker beats every ``heartbeat / 3`` seconds; one that stops beating for
``heartbeat`` seconds is dropped from the run (``lost``) so that it cannot hold the run open.

A worker killed mid-run (SIGKILL, a machine gone) loses its output: its feeds never got their
final names and the state never saw its writes (a worker commits its state only after its feeds
are stored). So every request a worker takes is also added to its *taken* set
(``<run>:taken:<worker>``, in the pop's own script) and stays there until the worker leaves the
run with its feeds stored. Once a worker is lost, the run is not done while its taken set exists
(``idle`` answers ``RECOVER`` instead): a surviving worker claims the set (``claim_taken``:
moved into its own ``recover:<worker>`` set by one script, so exactly one survivor gets it, and
a survivor that dies in turn hands it on the same way), repairs the run's links
(``SourceSettler.recover``), and puts the requests back in the queue (``RunQueue.requeue``,
one MULTI/EXEC that also deletes its ``recover`` set). The run's other workers fetch them again,
in the same run. A worker lost *after* the run was found done (while storing its feeds) is
left to the next run, which archives what it had taken.

Each worker files its manifest part when it leaves (``leave``); the last one to leave gets every
part, to write the run's manifest, and removes the run's keys.

Keys: ``<prefix>:group:<group>`` (the current run id) and ``<prefix>:run:<run_id>:<name>``.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from newsarchive.scaleout.once import OnceScript

logger = logging.getLogger(__name__)

HEARTBEAT = 10.0
# ``RunCoordinator.idle``'s answers
BUSY, DONE, RECOVER = 0, 1, 2

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""
# Drop the workers whose heartbeat lapsed (KEYS: workers, idle, hb, lost).
_PRUNE = """
local function prune(now)
  for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    local deadline = redis.call('HGET', KEYS[3], m)
    if (not deadline) or tonumber(deadline) < now then
      redis.call('SREM', KEYS[1], m)
      redis.call('SREM', KEYS[2], m)
      redis.call('HDEL', KEYS[3], m)
      redis.call('SADD', KEYS[4], m)
    end
  end
end
"""
# KEYS: group; ARGV: new run id, worker, heartbeat ms, prefix. Returns {run id, seeder}.
_JOIN = _NOW + """
local run = redis.call('GET', KEYS[1])
if run then
  local base = ARGV[4] .. ':run:' .. run
  local alive = false
  if redis.call('EXISTS', base .. ':done') == 0 then
    for _, deadline in ipairs(redis.call('HVALS', base .. ':hb')) do
      if tonumber(deadline) >= now then alive = true end
    end
  end
  if not alive then run = nil end
end
local seeder = 0
if not run then
  run = ARGV[1]
  seeder = 1
  redis.call('SET', KEYS[1], run)
end
local base = ARGV[4] .. ':run:' .. run
redis.call('SADD', base .. ':workers', ARGV[2])
redis.call('SREM', base .. ':lost', ARGV[2])
redis.call('HSET', base .. ':hb', ARGV[2], now + tonumber(ARGV[3]))
return {run, seeder}
"""
# KEYS: workers, idle, hb, lost; ARGV: worker, heartbeat ms. A worker no longer in the run
# (it left; a beat sent again late, after Redis came back) is not put back in it.
_BEAT = _NOW + """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 and
   redis.call('SISMEMBER', KEYS[4], ARGV[1]) == 0 then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], now + tonumber(ARGV[2]))
"""
# KEYS: workers, idle, hb, lost, queue, done; ARGV: worker, heartbeat ms, finish (1/0), run base.
# Returns 1 when the run is quiescent (queue empty, every worker idle, nothing a lost worker took
# left to put back); with finish, it is then marked done for every worker. Returns 2 while a
# lost worker's taken requests wait for a survivor to claim them (or the caller's own claim to be
# put back: a first try failed half-way), 0 otherwise.
_IDLE = _NOW + _PRUNE + """
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], now + tonumber(ARGV[2]))
redis.call('SADD', KEYS[2], ARGV[1])
prune(now)
if redis.call('EXISTS', KEYS[6]) == 1 then return 1 end
for _, m in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  if redis.call('EXISTS', ARGV[4] .. ':taken:' .. m) == 1 or
     redis.call('EXISTS', ARGV[4] .. ':recover:' .. m) == 1 then return 2 end
end
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[4] .. ':recover:' .. m) == 1 then
    if m == ARGV[1] then return 2 end  -- the caller's own claim, not put back yet: again
    return 0
  end
end
if redis.call('ZCARD', KEYS[5]) == 0 and
   redis.call('SCARD', KEYS[1]) == redis.call('SCARD', KEYS[2]) then
  if ARGV[3] == '1' then redis.call('SET', KEYS[6], '1') end
  return 1
end
return 0
"""
# Move a lost worker's taken (and claimed-for-recovery) requests into the caller's recover set.
# KEYS: lost, taken:<lost>, recover:<lost>, recover:<caller>; ARGV: lost worker.
# Returns every request in the caller's recover set (none unless the worker is still lost).
_CLAIM = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return {} end
for i = 2, 3 do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('SUNIONSTORE', KEYS[4], KEYS[4], KEYS[i])
    redis.call('DEL', KEYS[i])
  end
end
return redis.call('SMEMBERS', KEYS[4])
"""
# KEYS: workers, idle, hb, lost, reports, group, taken:<worker>; ARGV: worker, report, run id.
# Returns {} unless this worker is the last: then {lost workers, report, report, ...}.
_LEAVE = _NOW + _PRUNE + """
redis.call('DEL', KEYS[7])
redis.call('HSET', KEYS[5], ARGV[1], ARGV[2])
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
prune(now)
if redis.call('SCARD', KEYS[1]) > 0 then return {} end
if redis.call('GET', KEYS[6]) == ARGV[3] then redis.call('DEL', KEYS[6]) end
local out = {cjson.encode(redis.call('SMEMBERS', KEYS[4]))}
for _, report in ipairs(redis.call('HVALS', KEYS[5])) do table.insert(out, report) end
return out
"""


class RunCoordinator:
    """A worker's membership in a run group (see the module docstring)."""

    def __init__(
        self, client: Any, prefix: str, group: str, worker_id: str, heartbeat: float = HEARTBEAT
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.group_key = f"{prefix}:group:{group}"
        self.worker_id = worker_id
        self.heartbeat_ms = int(heartbeat * 1000)
        self.run_id: str | None = None
        self.seeder = False
        # joining and leaving must not be applied twice (see ``once``): a join tried again
        # would lose its "you seed the run"; a leave, hand the run's end to two workers
        self._join = OnceScript(client, _JOIN, prefix)
        self._beat = client.register_script(_BEAT)
        self._idle = client.register_script(_IDLE)
        self._leave = OnceScript(client, _LEAVE, prefix)
        self._claim = client.register_script(_CLAIM)
        self._stop = threading.Event()
        self._beater: threading.Thread | None = None

    @property
    def base(self) -> str:
        """The prefix of this run's keys."""
        if self.run_id is None:
            raise RuntimeError("not in a run yet: call join() first")
        return f"{self.prefix}:run:{self.run_id}"

    def key(self, name: str) -> str:
        """The Redis key ``name`` of this run."""
        return f"{self.base}:{name}"

    def taken_key(self, worker_id: str) -> str:
        """The requests ``worker_id`` took from the queue in this run (until it leaves)."""
        return self.key(f"taken:{worker_id}")

    def recover_key(self, worker_id: str) -> str:
        """Requests of lost workers that ``worker_id`` claimed and is putting back."""
        return self.key(f"recover:{worker_id}")

    def _member_keys(self) -> list[str]:
        return [self.key("workers"), self.key("idle"), self.key("hb"), self.key("lost")]

    # -- membership ----------------------------------------------------------------------------
    def join(self, new_run_id: str) -> str:
        """Join the group's current run, or start ``new_run_id`` (then this worker seeds it)."""
        run_id, seeder = self._join(keys=[self.group_key],
                                    args=[new_run_id, self.worker_id, self.heartbeat_ms,
                                          self.prefix])
        self.run_id = run_id.decode("utf-8") if isinstance(run_id, bytes) else str(run_id)
        self.seeder = bool(int(seeder))
        return self.run_id

    def beat(self) -> None:
        self._beat(keys=self._member_keys(), args=[self.worker_id, self.heartbeat_ms])

    def start_heartbeat(self) -> None:
        """Beat from a thread: a worker busy in a long callback must not look dead."""
        if self._beater is not None:
            return
        self._stop.clear()
        self._beater = threading.Thread(target=self._beat_forever, name="run-heartbeat",
                                        daemon=True)
        self._beater.start()

    def _beat_forever(self) -> None:
        while not self._stop.wait(self.heartbeat_ms / 3000):
            try:
                self.beat()
            except Exception as error:  # Redis away for a moment: the next beat tries again
                logger.warning("run heartbeat failed: %s", error)

    def stop_heartbeat(self) -> None:
        self._stop.set()
        if self._beater is not None:
            self._beater.join(timeout=5)
            self._beater = None

    # -- the run's end -------------------------------------------------------------------------
    def idle(self) -> int:
        """This worker has no work: ``DONE`` when the whole run is done (for every worker),
        ``RECOVER`` when a lost worker's requests wait to be claimed (``claim_taken``), else
        ``BUSY``."""
        return self._check(finish=True)

    def quiescent(self) -> bool:
        """This worker has no work: whether no worker has (the run may still go on: the
        caller is about to queue more, like the events spider's articles)."""
        return self._check(finish=False) == DONE

    def _check(self, finish: bool) -> int:
        keys = [*self._member_keys(), self.key("requests"), self.key("done")]
        return int(self._idle(keys=keys, args=[self.worker_id, self.heartbeat_ms, int(finish),
                                               self.base]))

    def claim_taken(self, lost_worker: str) -> list[bytes]:
        """Take over what a lost worker had taken (exactly one caller gets each request):
        every request now in this worker's recover set, to put back (``RunQueue.requeue``)."""
        keys = [self.key("lost"), self.taken_key(lost_worker), self.recover_key(lost_worker),
                self.recover_key(self.worker_id)]
        return list(self._claim(keys=keys, args=[lost_worker]))

    def run_alive(self, run_id: str) -> bool:
        """Whether any worker of run ``run_id`` (of this prefix) still beats."""
        now_s, now_us = self.client.time()
        now = now_s * 1000 + now_us // 1000
        deadlines = self.client.hvals(f"{self.prefix}:run:{run_id}:hb")
        return any(int(deadline) >= now for deadline in deadlines)

    def lost_workers(self) -> list[str]:
        """Workers of this run that stopped beating before they finished."""
        return sorted(m.decode("utf-8") for m in self.client.smembers(self.key("lost")))

    def leave(self, report: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]] | None:
        """File this worker's report and leave the run. The last worker to leave gets every
        report and the workers lost on the way, and the run's keys are removed; others None."""
        self.stop_heartbeat()
        keys = [*self._member_keys(), self.key("reports"), self.group_key,
                self.taken_key(self.worker_id)]
        out = self._leave(keys=keys, args=[self.worker_id, json.dumps(report), self.run_id])
        if not out:
            return None
        lost = json.loads(out[0]) if out[0] not in (b"{}", "{}") else []
        reports = [json.loads(item) for item in out[1:]]
        keys = list(self.client.scan_iter(self.key("*"), count=1000))
        for start in range(0, len(keys), 500):
            self.client.delete(*keys[start : start + 500])
        return reports, sorted(lost)
