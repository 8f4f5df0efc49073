import { type AddressInfo, createServer, type Socket } from 'node:net';

/**
 * A small in-process Redis stand-in speaking RESP2 over TCP (like dynalite for DynamoDB), used by the test
 * suite only when no real Redis is reachable outside CI. It implements exactly the commands our clients
 * send (ioredis handshake, the L2 adapters, the Upstash REST stand-in, the test helpers) with Redis's reply
 * types and error messages; anything else is `-ERR unknown command`. No Lua (EVAL/EVALSHA/SCRIPT), no
 * pub/sub, one database. Keys and values are kept as latin1 strings (one char per byte), so any bytes
 * round-trip exactly. Expiry is absolute wall-clock milliseconds, checked on access and swept every second.
 */
export interface RespServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

class RespError extends Error {}
class Status {
  constructor(readonly text: string) {}
}
type Reply = null | number | bigint | string | Status | RespError | Reply[];
type Value = { kind: 'string'; data: string } | { kind: 'hash'; data: Map<string, string> };
/** `seq` orders keys by creation (a Map keeps insertion order): the SCAN cursor is the last seq examined. */
interface Entry {
  value: Value;
  expiresAt: number | null;
  seq: number;
}
interface Conn {
  name: string | null;
  multi: string[][] | null;
  multiFailed: boolean;
}

const OK = new Status('OK');
const HELLO: Reply = ['server', 'redis', 'version', '7.0.0', 'proto', 2, 'mode', 'standalone', 'modules', []];
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INT = 'ERR value is not an integer or out of range';
const INT64_MAX = 2n ** 63n - 1n;

function encode(r: Reply): string {
  if (r === null) return '$-1\r\n';
  if (typeof r === 'number' || typeof r === 'bigint') return `:${r}\r\n`;
  if (typeof r === 'string') return `$${r.length}\r\n${r}\r\n`;
  if (r instanceof Status) return `+${r.text}\r\n`;
  if (r instanceof RespError) return `-${r.message.replace(/[\r\n]+/g, ' ')}\r\n`;
  return `*${r.length}\r\n${r.map(encode).join('')}`;
}

function toInt(s: string): number {
  if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new RespError(NOT_INT);
  return Number(s);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** Redis glob (`*`, `?`, `[a-z]`, `[^x]`, `\` escapes) → RegExp. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    const close = glob.indexOf(']', i + 2);
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '\\' && i + 1 < glob.length) re += escapeRe(glob[++i]!);
    else if (c === '[' && close > i) {
      const body = glob.slice(i + 1, close);
      re += body.startsWith('^') ? `[^${body.slice(1)}]` : `[${body}]`;
      i = close;
    } else re += escapeRe(c);
  }
  try {
    return new RegExp(`^${re}$`, 's');
  } catch {
    return /(?!)/; // a malformed class (e.g. `[z-a]`) matches nothing
  }
}

/**
 * Parses one request at `offset` (multibulk `*N\r\n$len\r\narg\r\n…` or an inline line); returns null while
 * the frame is incomplete (the rest arrives in a later TCP chunk). Throws RespError on a protocol error.
 */
function parseRequest(buf: Buffer, offset: number): { args: string[]; next: number } | null {
  const lineEnd = (from: number) => {
    const i = buf.indexOf('\r\n', from, 'latin1');
    return i < 0 ? null : i;
  };
  if (buf[offset] !== 0x2a /* '*' */) {
    const nl = buf.indexOf(0x0a, offset);
    if (nl < 0) return null;
    const line = buf.toString('latin1', offset, nl).replace(/\r$/, '');
    return { args: line.split(/[ \t]+/).filter(Boolean), next: nl + 1 };
  }
  let end = lineEnd(offset);
  if (end === null) return null;
  const count = Number(buf.toString('latin1', offset + 1, end));
  if (!Number.isInteger(count) || count > 1024 * 1024)
    throw new RespError('ERR Protocol error: invalid multibulk length');
  const args: string[] = [];
  let pos = end + 2;
  for (let i = 0; i < count; i++) {
    if (pos >= buf.length) return null;
    if (buf[pos] !== 0x24 /* '$' */)
      throw new RespError(`ERR Protocol error: expected '$', got '${String.fromCharCode(buf[pos]!)}'`);
    end = lineEnd(pos);
    if (end === null) return null;
    const len = Number(buf.toString('latin1', pos + 1, end));
    if (!Number.isInteger(len) || len < 0 || len > 512 * 1024 * 1024)
      throw new RespError('ERR Protocol error: invalid bulk length');
    if (end + 2 + len + 2 > buf.length) return null;
    args.push(buf.toString('latin1', end + 2, end + 2 + len));
    pos = end + 2 + len + 2;
  }
  return { args, next: pos };
}

export async function startRespServer(opts: { port?: number } = {}): Promise<RespServer> {
  const data = new Map<string, Entry>();
  let seq = 0;

  const live = (key: string): Entry | undefined => {
    const e = data.get(key);
    if (e && e.expiresAt !== null && e.expiresAt <= Date.now()) {
      data.delete(key);
      return undefined;
    }
    return e;
  };
  const typed = <K extends Value['kind']>(key: string, kind: K) => {
    const e = live(key);
    if (e && e.value.kind !== kind) throw new RespError(WRONGTYPE);
    return e as (Entry & { value: Extract<Value, { kind: K }> }) | undefined;
  };
  const put = (key: string, value: Value, expiresAt: number | null) => {
    const e = live(key);
    if (e) Object.assign(e, { value, expiresAt });
    else data.set(key, { value, expiresAt, seq: ++seq });
  };
  const incrBy = (key: string, by: bigint): bigint => {
    const e = typed(key, 'string');
    const cur = e ? e.value.data : '0';
    if (!/^-?\d{1,19}$/.test(cur) || BigInt(cur) > INT64_MAX || BigInt(cur) < -INT64_MAX - 1n)
      throw new RespError(NOT_INT);
    const n = BigInt(cur) + by;
    if (n > INT64_MAX || n < -INT64_MAX - 1n)
      throw new RespError('ERR increment or decrement would overflow');
    put(key, { kind: 'string', data: String(n) }, e ? e.expiresAt : null);
    return n;
  };
  const expire = (key: string, ms: number): number => {
    const e = live(key);
    if (!e) return 0;
    if (ms <= 0) data.delete(key);
    else e.expiresAt = Date.now() + ms;
    return 1;
  };
  const ttl = (key: string, unit: number): number => {
    const e = live(key);
    if (!e) return -2;
    return e.expiresAt === null ? -1 : Math.max(0, Math.round((e.expiresAt - Date.now()) / unit));
  };

  const set = (a: string[]): Reply => {
    let [mode, get, expiresAt, keepTtl] = ['', false, null as number | null, false];
    for (let i = 2; i < a.length; i++) {
      const opt = a[i]!.toUpperCase();
      if ((opt === 'NX' || opt === 'XX') && !mode) mode = opt;
      else if (opt === 'GET') get = true;
      else if (opt === 'KEEPTTL' && expiresAt === null) keepTtl = true;
      else if (
        ['EX', 'PX', 'EXAT', 'PXAT'].includes(opt) &&
        expiresAt === null &&
        !keepTtl &&
        i + 1 < a.length
      ) {
        const n = toInt(a[++i]!);
        if (n <= 0) throw new RespError("ERR invalid expire time in 'set' command");
        const ms = opt.startsWith('E') ? n * 1000 : n;
        expiresAt = opt.endsWith('AT') ? ms : Date.now() + ms;
      } else throw new RespError('ERR syntax error');
    }
    const old = get ? typed(a[0]!, 'string') : live(a[0]!);
    const previous = old ? (old.value.data as string) : null;
    if ((mode === 'NX' && old) || (mode === 'XX' && !old)) return get ? previous : null;
    put(a[0]!, { kind: 'string', data: a[1]! }, keepTtl && old ? old.expiresAt : expiresAt);
    return get ? previous : OK;
  };

  const scan = (a: string[]): Reply => {
    if (!/^\d+$/.test(a[0]!)) throw new RespError('ERR invalid cursor');
    const cursor = Number(a[0]);
    let [match, count] = [/^/, 10];
    for (let i = 1; i < a.length; i += 2) {
      const opt = a[i]!.toUpperCase();
      if (i + 1 >= a.length) throw new RespError('ERR syntax error');
      if (opt === 'MATCH') match = globToRegExp(a[i + 1]!);
      else if (opt === 'COUNT') count = toInt(a[i + 1]!);
      else throw new RespError('ERR syntax error');
      if (count < 1) throw new RespError('ERR syntax error');
    }
    const keys: string[] = [];
    let [last, examined] = [0, 0];
    for (const [key, e] of data) {
      if (e.seq <= cursor) continue;
      if (examined++ === count) return [String(last), keys];
      last = e.seq;
      if (live(key) && match.test(key)) keys.push(key);
    }
    return ['0', keys];
  };

  /** name → [arity as in Redis's COMMAND (negative: at least), handler(args after the name, connection)] */
  const commands: Record<string, [number, (a: string[], c: Conn) => Reply]> = {
    PING: [
      -1,
      (a) =>
        a.length === 0
          ? new Status('PONG')
          : a.length === 1
            ? a[0]!
            : new RespError("ERR wrong number of arguments for 'ping' command"),
    ],
    ECHO: [2, (a) => a[0]!],
    HELLO: [
      -1,
      (a) =>
        a.length > 0 && a[0] !== '2'
          ? new RespError('NOPROTO sorry, this protocol version is not supported.')
          : HELLO,
    ],
    INFO: [
      -1,
      () =>
        `# Server\r\nredis_version:7.0.0\r\nredis_mode:standalone\r\n# Persistence\r\nloading:0\r\n# Keyspace\r\ndb0:keys=${data.size},expires=0\r\n`,
    ],
    CLIENT: [
      -2,
      (a, c) => {
        const sub = a[0]!.toUpperCase();
        if (sub === 'SETNAME' && a.length === 2) {
          c.name = a[1]!;
          return OK;
        }
        if (sub === 'GETNAME') return c.name;
        if (sub === 'SETINFO' && a.length === 3) return OK;
        return new RespError(`ERR unknown subcommand '${a[0]}'.`);
      },
    ],
    SELECT: [2, (a) => (a[0] === '0' ? OK : new RespError('ERR DB index is out of range'))],
    COMMAND: [-1, () => []],
    GET: [2, (a) => typed(a[0]!, 'string')?.value.data ?? null],
    SET: [-3, set],
    DEL: [-2, (a) => a.filter((k) => live(k) && data.delete(k)).length],
    EXISTS: [-2, (a) => a.filter((k) => live(k)).length],
    INCR: [2, (a) => incrBy(a[0]!, 1n)],
    INCRBY: [3, (a) => incrBy(a[0]!, BigInt(toInt(a[1]!)))],
    PEXPIRE: [3, (a) => expire(a[0]!, toInt(a[1]!))],
    EXPIRE: [3, (a) => expire(a[0]!, toInt(a[1]!) * 1000)],
    PTTL: [2, (a) => ttl(a[0]!, 1)],
    TTL: [2, (a) => ttl(a[0]!, 1000)],
    SCAN: [-2, scan],
    HSET: [
      -4,
      (a) => {
        if (a.length % 2 === 0) throw new RespError("ERR wrong number of arguments for 'hset' command");
        const e = typed(a[0]!, 'hash');
        const h = e?.value.data ?? new Map<string, string>();
        if (!e) put(a[0]!, { kind: 'hash', data: h }, null);
        let added = 0;
        for (let i = 1; i < a.length; i += 2) {
          if (!h.has(a[i]!)) added++;
          h.set(a[i]!, a[i + 1]!);
        }
        return added;
      },
    ],
    HGETALL: [2, (a) => [...(typed(a[0]!, 'hash')?.value.data ?? [])].flat()],
  };

  /** Runs one request; MULTI queues until EXEC (single-threaded, so EXEC is atomic by construction). */
  const execute = (args: string[], c: Conn): Reply => {
    const name = args[0]!.toUpperCase();
    const rest = args.slice(1);
    if (name === 'MULTI') {
      if (c.multi) return new RespError('ERR MULTI calls can not be nested');
      [c.multi, c.multiFailed] = [[], false];
      return OK;
    }
    if (name === 'EXEC' || name === 'DISCARD') {
      if (!c.multi) return new RespError(`ERR ${name} without MULTI`);
      const [queued, failed] = [c.multi, c.multiFailed];
      c.multi = null;
      if (name === 'DISCARD') return OK;
      if (failed) return new RespError('EXECABORT Transaction discarded because of previous errors.');
      return queued.map((q) => execute(q, c));
    }
    const cmd = commands[name];
    let error: RespError | null = null;
    if (!cmd) {
      const shown = rest
        .slice(0, 3)
        .map((x) => `'${x.slice(0, 64)}' `)
        .join('');
      error = new RespError(`ERR unknown command '${args[0]}', with args beginning with: ${shown}`);
    } else if (cmd[0] >= 0 ? args.length !== cmd[0] : args.length < -cmd[0]) {
      error = new RespError(`ERR wrong number of arguments for '${name.toLowerCase()}' command`);
    }
    if (c.multi) {
      if (error) c.multiFailed = true;
      else c.multi.push(args);
      return error ?? new Status('QUEUED');
    }
    if (error) return error;
    try {
      return cmd![1](rest, c);
    } catch (err) {
      // a bug in the stand-in answers an error instead of crashing the test runner that hosts it
      return err instanceof RespError
        ? err
        : new RespError(`ERR stand-in failure: ${(err as Error).message}`);
    }
  };

  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const conn: Conn = { name: null, multi: null, multiFailed: false };
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let [offset, out, quit] = [0, '', false];
      while (offset < pending.length && !quit) {
        let req: ReturnType<typeof parseRequest>;
        try {
          req = parseRequest(pending, offset);
        } catch (err) {
          out += encode(err as RespError);
          quit = true;
          break;
        }
        if (!req) break;
        offset = req.next;
        if (req.args.length === 0) continue;
        quit = req.args[0]!.toUpperCase() === 'QUIT';
        out += encode(quit ? OK : execute(req.args, conn));
      }
      pending = pending.subarray(offset);
      if (out) socket.write(Buffer.from(out, 'latin1'));
      if (quit) socket.end();
    });
  });
  const sweeper = setInterval(() => {
    for (const key of data.keys()) live(key);
  }, 1_000).unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async close() {
      clearInterval(sweeper);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
