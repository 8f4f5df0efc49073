/**
 * Runs the Claude stand-in as its own process (benchmarks, the local runtime): prints one JSON line
 * `{"url": …}` on stdout and serves until SIGTERM/SIGINT.
 *   FAKE_SCENARIO (default two-turn-analysis), FAKE_TTFT_MS, FAKE_TOKENS_PER_SECOND, FAKE_API_KEY,
 *   FAKE_BATCH_MS (how long a Message Batch stays in progress)
 *   node --import tsx test/support/fake-anthropic-cli.ts
 */
import { startFakeAnthropic } from './fake-anthropic';
import { SCENARIOS, type ScenarioName } from './fake-anthropic-scenarios';

const name = (process.env.FAKE_SCENARIO ?? 'two-turn-analysis') as ScenarioName;
const scenario = SCENARIOS[name];
if (!scenario) {
  console.error(`unknown FAKE_SCENARIO ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
const fake = await startFakeAnthropic({
  ttftMs: Number(process.env.FAKE_TTFT_MS ?? 0),
  tokensPerSecond: Number(process.env.FAKE_TOKENS_PER_SECOND ?? 0),
  apiKey: process.env.FAKE_API_KEY || undefined,
  batchProcessingMs: Number(process.env.FAKE_BATCH_MS ?? 0),
  fallback: scenario,
});
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
const stop = async () => {
  await fake.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
