"""This run's dedupe claims shared by its workers, in Redis (``RunState(store, shared=...)``).

One worker's article must be found by another's dedupe stage during the run, before any worker
commits: the URLs archived this run, the first record of each content hash, and the MinHash
sketches (near duplicates) live under ``<prefix>:run:<run_id>:dedupe``. Each worker still
commits only its own claims to the crawl state, after its own feeds are written; claims of a
worker that died are never committed (the next run makes them again).

The sketch index is the in-memory ``NearDuplicateIndex``'s banding (``BANDS`` bands of
``ROWS`` bytes; a candidate counts when ``values_needed`` of its values are equal; the
first-added match wins), kept in Redis hashes and searched and extended in one Lua script, so
two workers never both take a story as new. Hand-written: no Redis LSH library keeps this
footprint or these semantics.
"""

from __future__ import annotations

from typing import Any

from newsarchive.dedupe.index import BANDS, ROWS
from newsarchive.dedupe.minhash import SKETCH_SIZE, values_needed
from newsarchive.scaleout.once import OnceScript
from newsarchive.state.base import UrlRecord

_SEP = "\x1f"

# KEYS: seq, sketches, band 0..BANDS-1; ARGV: sketch, key, values needed, add when new (1/0).
# Returns the key of the first-added sketch with enough equal values, else false (then added).
_CLAIM = f"""
local sketch = ARGV[1]
local candidates, seen = {{}}, {{}}
for i = 0, {BANDS - 1} do
  local ids = redis.call('HGET', KEYS[3 + i], string.sub(sketch, {ROWS} * i + 1, {ROWS} * i + {ROWS}))
  if ids then
    for j = 1, #ids, 4 do
      local id = string.sub(ids, j, j + 3)
      if not seen[id] then seen[id] = true; table.insert(candidates, id) end
    end
  end
end
table.sort(candidates)  -- big-endian sequence numbers: insertion order
local needed = tonumber(ARGV[3])
for _, id in ipairs(candidates) do
  local stored = redis.call('HGET', KEYS[2], id)
  local equal = 0
  for k = 1, {SKETCH_SIZE} do
    if string.byte(stored, k) == string.byte(sketch, k) then equal = equal + 1 end
  end
  if equal >= needed then return string.sub(stored, {SKETCH_SIZE + 1}) end
end
if ARGV[4] ~= '1' then return false end
local id = struct.pack('>I4', redis.call('INCR', KEYS[1]))
redis.call('HSET', KEYS[2], id, sketch .. ARGV[2])
for i = 0, {BANDS - 1} do
  local band = string.sub(sketch, {ROWS} * i + 1, {ROWS} * i + {ROWS})
  local ids = redis.call('HGET', KEYS[3 + i], band) or ''
  redis.call('HSET', KEYS[3 + i], band, ids .. id)
end
return false
"""
# KEYS: urls; ARGV: count, record id, value (record id, separator, content hash), URL keys.
# The record another of the keys belongs to, else false (then every key is the caller's). Sent
# again after a lost reply it finds the caller's own claim: no ``OnceScript`` needed.
_CLAIM_URLS = """
for i = 4, 3 + tonumber(ARGV[1]) do
  local value = redis.call('HGET', KEYS[1], ARGV[i])
  if value then
    local owner = string.match(value, '^[^\\31]*')  -- up to the separator (0x1f)
    if owner ~= ARGV[2] then return owner end
  end
end
for i = 4, 3 + tonumber(ARGV[1]) do redis.call('HSET', KEYS[1], ARGV[i], ARGV[3]) end
return false
"""
_CLAIM_CONTENT = """
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if owner then return owner end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return ARGV[2]
"""


class SharedRun:
    """A run's dedupe claims in Redis under ``base`` (see the module docstring)."""

    def __init__(self, client: Any, base: str) -> None:
        self.client = client
        self.base = base
        # applied twice, a claim would find its own sketch: once (see ``scaleout.once``)
        self._claim = OnceScript(client, _CLAIM, base)
        self._claim_content = client.register_script(_CLAIM_CONTENT)
        self._claim_urls = client.register_script(_CLAIM_URLS)
        self._index_keys = [f"{base}:seq", f"{base}:sketches",
                            *(f"{base}:band{i}" for i in range(BANDS))]

    # -- URLs ----------------------------------------------------------------------------------
    def url_record(self, key: str) -> UrlRecord | None:
        value = self.client.hget(f"{self.base}:urls", key)
        if value is None:
            return None
        record_id, _, content_hash = value.decode("utf-8").partition(_SEP)
        return UrlRecord(record_id, content_hash or None)

    def add_url(self, key: str, record_id: str, content_hash: str | None) -> None:
        self.client.hset(f"{self.base}:urls", key, f"{record_id}{_SEP}{content_hash or ''}")

    def claim_urls(self, keys: list[str], record_id: str, content_hash: str | None) -> str | None:
        """The record another worker claimed one of ``keys`` for, else None: then they are all
        ``record_id``'s. Atomic: two workers with two pages of one story (the same canonical
        URL) cannot both find it free."""
        owner = self._claim_urls(keys=[f"{self.base}:urls"],
                                 args=[len(keys), record_id,
                                       f"{record_id}{_SEP}{content_hash or ''}", *keys])
        return owner.decode("utf-8") if owner else None

    # -- exact duplicates ----------------------------------------------------------------------
    def claim_content(self, content_hash: str, record_id: str) -> str:
        owner = self._claim_content(keys=[f"{self.base}:contents"], args=[content_hash, record_id])
        return owner.decode("utf-8")

    def give_content(self, content_hash: str, record_id: str) -> None:
        self.client.hset(f"{self.base}:contents", content_hash, record_id)

    # -- near duplicates -----------------------------------------------------------------------
    def claim_sketch(self, sketch: bytes, key: str, min_similarity: float, add: bool = True
                     ) -> str | None:
        """Key of the first sketch of this run similar enough, or None (then ``key`` is added
        when ``add``). Atomic across workers."""
        if len(sketch) != SKETCH_SIZE:
            raise ValueError(f"a sketch has {SKETCH_SIZE} bytes, got {len(sketch)}")
        owner = self._claim(keys=self._index_keys,
                            args=[bytes(sketch), key, values_needed(min_similarity), int(add)])
        return owner.decode("utf-8") if owner else None

    def add_sketch(self, key: str, sketch: bytes) -> None:
        """Index a sketch whatever it matches (a story's own update, kept as its own record)."""
        # a similarity above 1 is never reached: the search finds nothing and the sketch is added
        self._claim(keys=self._index_keys, args=[bytes(sketch), key, SKETCH_SIZE + 1, 1])
