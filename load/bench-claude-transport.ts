/**
 * CPU of one call to Claude by transport (docs/performance.md, "The next levers"): the agent's first-turn
 * request (system prompt, the seven tools, the question; ~9 KB) sent to the Claude stand-in, in its own
 * process and answering at once, one call at a time, through
 *   - the Anthropic adapter (the SDK over undici's fetch, as deployed),
 *   - the same SDK over node:http (load/node-http-fetch.ts),
 *   - undici's fetch alone with the same body, and node:http alone with the same body.
 * Prints this process's CPU per call (process.cpuUsage: all threads) and wall time per call. Asserts nothing.
 *   npx tsx load/bench-claude-transport.ts      (BENCH_CALLS, default 300)
 */
import './bench-env';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SUBMIT_TOOL } from '../layers/core/src/agent/analysis-schema';
import { SYSTEM_PROMPT } from '../layers/core/src/agent/prompt';
import { toMessageParams } from '../layers/core/src/llm/anthropic';
import type { LlmRequest } from '../layers/core/src/llm/types';
import { createBuiltinRegistry } from '../layers/core/src/skills/builtin';
import { standInLlm } from '../test/support/analyze-services';
import { nodeHttpFetch } from './node-http-fetch';

const CALLS = Number(process.env.BENCH_CALLS ?? 300);
const cli = fileURLToPath(new URL('../test/support/fake-anthropic-cli.ts', import.meta.url));
const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', cli], {
  env: { ...process.env, FAKE_TTFT_MS: '0', FAKE_SCENARIO: 'two-turn-analysis', FAKE_API_KEY: '' },
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});
const stop = () => {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
};
process.on('exit', stop);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    stop();
    process.exit(130);
  });
const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
const url = (JSON.parse(line) as { url: string }).url;

const llmRequest: LlmRequest = {
  system: SYSTEM_PROMPT,
  tools: [...createBuiltinRegistry().toolDefinitions(), SUBMIT_TOOL],
  messages: [{ role: 'user', content: 'Should we invest $2M in a new product line?' }],
  toolChoice: { type: 'auto' },
};
const body = JSON.stringify(toMessageParams(llmRequest, 'claude-sonnet-5-5', 4096));
const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' };
const sdk = standInLlm(url);
const sdkOverNodeHttp = standInLlm(url, {}, { fetch: nodeHttpFetch() });
const agent = new Agent({ keepAlive: true });

const legs: Array<[string, () => Promise<unknown>]> = [
  ['SDK over undici fetch (the adapter as deployed)', () => sdk.complete(llmRequest)],
  ['SDK over node:http (load/node-http-fetch.ts)', () => sdkOverNodeHttp.complete(llmRequest)],
  [
    "undici's fetch alone, same body",
    async () => (await fetch(`${url}/v1/messages`, { method: 'POST', headers, body })).json(),
  ],
  [
    'node:http alone, same body',
    () =>
      new Promise((resolve, reject) => {
        const req = request(
          `${url}/v1/messages`,
          { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
  ],
];

console.log(
  `# one call to the Claude stand-in by transport: ${body.length}-byte request, ${CALLS} calls one at a time, Node ${process.version}`,
);
for (const [label, call] of legs) {
  for (let i = 0; i < 20; i++) await call(); // warm-up: JIT, the keep-alive connection
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < CALLS; i++) await call();
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `  ${label.padEnd(48)} CPU ${((cpu.user + cpu.system) / 1000 / CALLS).toFixed(2)} ms per call, ` +
      `wall ${((performance.now() - t0) / CALLS).toFixed(2)} ms`,
  );
}
agent.destroy();
stop();
process.exit(0);
