// Internal: the one module that talks to Redis (npm:ioredis). The manager (redis_manager.ts) and
// the daemon (redis_worker.ts) see only this small, typed surface; the Lua scripts here are the
// steps that must be atomic on the server (Redis runs a script as one unit, like MULTI, but it
// can also decide on what it reads: the lease holder's check and the first-writer-wins record).
import { Redis } from "npm:ioredis@6.1.0";
import { Buffer } from "node:buffer";

export { Buffer };

/** A connection; `blocking` ones serve XREAD(GROUP) BLOCK, which would hold up other commands. */
export type RedisConnection = Redis & RedisScripts;

interface RedisScripts {
  /**
   * Records the result of rows `from`..`to` (within the chunk) if `owner` still holds the chunk's
   * lease and none of those rows is recorded yet; the chunk is acknowledged (done) once all its
   * `total` rows are. Returns 1 when recorded, 0 when the lease is lost, -1 when rows overlap.
   */
  psweepRecord(
    tasks: string,
    results: string,
    done: string,
    parts: string,
    group: string,
    owner: string,
    id: string,
    chunk: string,
    from: number,
    to: number,
    total: number,
    payload: Buffer,
  ): Promise<number>;
  /**
   * Records `payload` for every row of the chunk not yet recorded (the root's verdict on a chunk
   * that no daemon finished, whoever holds it) and acknowledges the chunk.
   */
  psweepFill(
    tasks: string,
    results: string,
    done: string,
    parts: string,
    group: string,
    id: string,
    chunk: string,
    total: number,
    payload: Buffer,
  ): Promise<number>;
  /**
   * Renews a root's lock for `ms` if it holds `token` (or the lock expired and the sweep's next
   * row is still `next`: no other root published); 1 when renewed, 0 when it is another's.
   */
  psweepHold(root: string, meta: string, token: string, ms: number, next: string): Promise<number>;
  /**
   * Publishes chunks (each `c s n d`: number, first row, rows, row bytes), appends `packed` to
   * the ranges and sets the next row to `newNext`, if the lock is the root's (as psweepHold);
   * 1 when published, 0 when another root holds the sweep.
   */
  psweepPublish(
    root: string,
    tasks: string,
    ranges: string,
    meta: string,
    token: string,
    ms: number,
    next: string,
    newNext: string,
    packed: Buffer,
    ...chunks: (string | Buffer)[]
  ): Promise<number>;
  /**
   * With `numberOfKeys` keys: the root lock, the set of sweeps, then keys to delete (the lock
   * among them), and the arguments `token` and a sweep id (or ""): deletes those keys and takes
   * the id off the set, only if the lock holds `token`; 1 when done, 0 when another root holds it.
   */
  psweepRelease(numberOfKeys: number, ...keysThenArgs: string[]): Promise<number>;
  /** Renews the leases `owner` still holds; returns the ids it no longer holds. */
  psweepRenew(tasks: string, group: string, owner: string, ...ids: string[]): Promise<string[]>;
  /** Takes chunks idle past the lease and delivered fewer than `max` times. */
  psweepClaimBuffer(
    tasks: string,
    group: string,
    owner: string,
    leaseMs: number,
    count: number,
    max: number,
  ): Promise<[Buffer, Buffer[]][]>;
  /** Says a daemon is alive, by the server's clock. */
  psweepHeartbeat(workers: string, info: string, name: string, slots: number): Promise<number>;
  /** The server's clock in milliseconds. */
  psweepNow(): Promise<number>;
}

// A chunk's rows are recorded in runs (parts): `parts` holds, per chunk, the runs recorded so far
// as "from-to," text, and each run's result is the field "chunk:from:to" of `results`. A run is
// recorded only by the daemon that holds the chunk (or the root, owner ""), and only when none of
// its rows was recorded before: a row is recorded once, whichever daemon ran it.
const RECORD = `
if ARGV[2] ~= '' then
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
  if (not p[1]) or p[1][2] ~= ARGV[2] then return 0 end
end
local from, to, total = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local have = redis.call('HGET', KEYS[4], ARGV[4]) or ''
local covered = to - from
for a, b in string.gmatch(have, '(%d+)-(%d+)') do
  a, b = tonumber(a), tonumber(b)
  if a < to and from < b then return -1 end
  covered = covered + b - a
end
local field = ARGV[4] .. ':' .. from .. ':' .. to
redis.call('HSET', KEYS[2], field, ARGV[8])
redis.call('HSET', KEYS[4], ARGV[4], have .. from .. '-' .. to .. ',')
redis.call('XADD', KEYS[3], '*', 'c', ARGV[4], 'f', field)
if covered >= total then
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
  redis.call('XDEL', KEYS[1], ARGV[3])
end
return 1`;

const FILL = `
local total = tonumber(ARGV[4])
local have = redis.call('HGET', KEYS[4], ARGV[3]) or ''
local runs = {}
for a, b in string.gmatch(have, '(%d+)-(%d+)') do runs[#runs + 1] = { tonumber(a), tonumber(b) } end
table.sort(runs, function(x, y) return x[1] < y[1] end)
local function put(from, to)
  local field = ARGV[3] .. ':' .. from .. ':' .. to
  redis.call('HSET', KEYS[2], field, ARGV[5])
  redis.call('XADD', KEYS[3], '*', 'c', ARGV[3], 'f', field)
  have = have .. from .. '-' .. to .. ','
end
local at = 0
for _, run in ipairs(runs) do
  if run[1] > at then put(at, run[1]) end
  if run[2] > at then at = run[2] end
end
if at < total then put(at, total) end
redis.call('HSET', KEYS[4], ARGV[3], have)
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1`;

const RENEW = `
local lost = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
  else
    lost[#lost + 1] = ARGV[i]
  end
end
return lost`;

const CLAIM = `
local p = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', ARGV[3], '-', '+', 100)
local ids = {}
for _, e in ipairs(p) do
  if #ids < tonumber(ARGV[4]) and e[4] < tonumber(ARGV[5]) then ids[#ids + 1] = e[1] end
end
if #ids == 0 then return {} end
return redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], unpack(ids))`;

const HEARTBEAT = `
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], ms, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return ms`;

// The root lock (KEYS[1]) is this root's (token ARGV[1]), or it expired unclaimed and no other
// root published since (the sweep's next row, KEYS[meta]'s "next", is still this root's ARGV[3]):
// then it is this root's again, for ARGV[2] ms.
const HELD = `
local function held(meta)
  local v = redis.call('GET', KEYS[1])
  if v ~= ARGV[1] and (v or redis.call('HGET', meta, 'next') ~= ARGV[3]) then return false end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return true
end`;

const HOLD = `${HELD}
if held(KEYS[2]) then return 1 end
return 0`;

// Published once: a command the client sends again after a lost connection finds its chunks
// there already (the next row moved on to ARGV[4]); the next row anywhere else is not this
// root's view of the sweep.
const PUBLISH = `${HELD}
if not held(KEYS[4]) then return 0 end
local at = redis.call('HGET', KEYS[4], 'next')
if at == ARGV[4] then return 1 end
if at ~= ARGV[3] then return 0 end
for i = 6, #ARGV, 4 do
  redis.call('XADD', KEYS[2], '*', 'c', ARGV[i], 's', ARGV[i + 1], 'n', ARGV[i + 2], 'd', ARGV[i + 3])
end
redis.call('APPEND', KEYS[3], ARGV[5])
redis.call('HSET', KEYS[4], 'next', ARGV[4])
return 1`;

// KEYS[1] the root lock, KEYS[2] the set of sweeps, then the keys to delete (the lock too).
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then redis.call('SREM', KEYS[2], ARGV[2]) end
for i = 3, #KEYS do redis.call('DEL', KEYS[i]) end
return 1`;

const NOW = `
local t = redis.call('TIME')
return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * Opens a connection. Commands fail (rather than wait forever) once Redis has been unreachable
 * for a few reconnection attempts; the callers turn that into a clear error.
 */
export function connectRedis(
  url: string,
  options: { commandTimeoutMs?: number } = {},
): RedisConnection {
  const client = new Redis(url, {
    lazyConnect: false,
    maxRetriesPerRequest: 20,
    // A link that is cut (not closed) looks alive to TCP for minutes: without a bound, a command
    // sent into it waits that long, and a daemon told to stop could not leave.
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeout: options.commandTimeoutMs }),
    enableAutoPipelining: false,
    // Reconnect quickly at first (a restarted Redis is up in tens of ms), then every second.
    retryStrategy: (times: number) => Math.min(50 * times, 1000),
  });
  // Without a listener, ioredis reports connection errors on stderr; the callers report them.
  client.on("error", () => {});
  client.defineCommand("psweepRecord", { numberOfKeys: 4, lua: RECORD });
  client.defineCommand("psweepFill", { numberOfKeys: 4, lua: FILL });
  client.defineCommand("psweepRenew", { numberOfKeys: 1, lua: RENEW });
  client.defineCommand("psweepClaim", { numberOfKeys: 1, lua: CLAIM });
  client.defineCommand("psweepHeartbeat", { numberOfKeys: 2, lua: HEARTBEAT });
  client.defineCommand("psweepNow", { numberOfKeys: 0, lua: NOW });
  client.defineCommand("psweepHold", { numberOfKeys: 2, lua: HOLD });
  client.defineCommand("psweepPublish", { numberOfKeys: 4, lua: PUBLISH });
  // (Its number of keys varies: ioredis then takes it as the first argument.)
  client.defineCommand("psweepRelease", { lua: RELEASE });
  return client as RedisConnection;
}

/** Closes a connection, politely if it can. */
export async function closeRedis(client: RedisConnection | undefined): Promise<void> {
  if (!client) return;
  try {
    if (client.status === "ready") await client.quit();
    else client.disconnect();
  } catch {
    client.disconnect();
  }
}
