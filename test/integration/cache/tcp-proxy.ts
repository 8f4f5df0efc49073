import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'up' | 'down' | 'stall';

/**
 * A TCP proxy between a client and a server that a test can cut (`down`: every connection is dropped and
 * new ones are reset) or stall (`stall`: connections stay open but nothing is forwarded), then restore —
 * so a test can "kill" a shared Redis without touching it.
 */
export interface TcpProxy {
  port: number;
  readonly mode: ProxyMode;
  readonly connections: number;
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let mode: ProxyMode = 'up';
  const pairs = new Set<[Socket, Socket]>();
  const destroyAll = () => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  const server: Server = createServer((client) => {
    client.on('error', () => {});
    if (mode === 'down') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const forget = () => pairs.delete(pair);
    client.on('close', () => {
      forget();
      upstream.destroy();
    });
    upstream.on('close', () => {
      forget();
      client.destroy();
    });
    // Forward only while up; in `stall` bytes are held (paused), never dropped (RESP must stay in sync).
    client.on('data', (chunk: Buffer) => {
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => {
      if (mode === 'up') upstream.resume();
    });
    upstream.on('drain', () => {
      if (mode === 'up') client.resume();
    });
    if (mode === 'stall') {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get mode() {
      return mode;
    },
    get connections() {
      return pairs.size;
    },
    setMode(next: ProxyMode) {
      const prev = mode;
      mode = next;
      if (next === 'down') destroyAll();
      if (next === 'stall') {
        for (const [a, b] of pairs) {
          a.pause();
          b.pause();
        }
      }
      // Leaving a stall: held connections are dropped (their callers gave up long ago); clients reconnect.
      if (next === 'up' && prev === 'stall') destroyAll();
    },
    async close() {
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
