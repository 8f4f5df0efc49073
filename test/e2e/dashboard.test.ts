/**
 * The local dashboard (GET /dashboard): Powertools Metrics' EMF output is captured (not switched off), the
 * page computes the CloudWatch dashboard's widgets from it, and headless Chromium renders every chart with
 * data. Set DASHBOARD_SCREENSHOT=docs/dashboard.png to refresh the screenshot in docs/.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emfSink } from '#core/observability/metrics';
import { demoMetricRows, insertMetricRows } from '#core/orgs/seed';
import { setServices } from '#core/runtime/services';
import { type LocalJobs, startLocalJobs } from '../../bin/local/aws/local-jobs';
import { registerDashboard, sqsJobsGauge } from '../../bin/local/dashboard';
import { type EmfCapture, installEmfCapture } from '../../bin/local/emf-capture';
import { analyzeHarness, type TestApi } from '../support/analyze-harness';
import { addUser } from '../support/api';
import { headlessChromium } from '../support/chromium';
import { postSse } from '../support/sse-client';

const run = promisify(execFile);

const chromium = headlessChromium();
const CHROME_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--hide-scrollbars',
  '--virtual-time-budget=15000',
];

describe('the local dashboard', () => {
  let api: TestApi;
  // the Claude stand-in answers (with token usage and cost), the instance's metrics go out as EMF
  const harness = analyzeHarness('dashboard');
  let jobs: LocalJobs;
  let capture: EmfCapture;
  let gauge: ReturnType<typeof sqsJobsGauge>;
  const dir = mkdtempSync(join(tmpdir(), 'ceo-dash-'));

  beforeAll(async () => {
    capture = installEmfCapture();
    jobs = await startLocalJobs({
      loadWorker: async () => (await import('../../functions/analysis-worker/handler')).handler,
    });
    ({ api } = await harness.start({ analyst: { numbered: false } }));
    setServices(harness.instance({ metrics: emfSink }));
    gauge = sqsJobsGauge({
      region: jobs.aws!.region,
      endpoint: jobs.aws!.sqsEndpoint,
      queueUrl: jobs.aws!.queueUrl,
      dlqUrl: jobs.aws!.dlqUrl,
    });
    registerDashboard(capture.store, { jobsGauge: gauge.gauge });

    // traffic: fresh and cached answers, a stream, search, list, and one queued analysis to completion
    const user = await addUser(api.db);
    await insertMetricRows(api.db, user.orgId, demoMetricRows(6));
    const token = await api.login(user);
    for (const query of [
      'Should we expand to new markets?',
      'Should we expand to new markets?',
      'Build vs buy for our CRM: which option?',
      'Should we invest $2M in a new product line with expected revenue of $800k per year?',
    ]) {
      expect((await api.call('POST', '/api/v1/decision/analyze', { token, body: { query } })).status).toBe(
        200,
      );
    }
    await postSse(`${api.url}/api/v1/decision/analyze/stream`, {
      token,
      body: { query: 'What are the risks of raising prices by 10%?' },
    });
    await api.call('GET', '/api/v1/decisions?limit=5', { token });
    await api.call('GET', '/api/v1/decisions/search?q=markets', { token });
    await fetch(`${api.url}/dashboard/data`); // a first queue sample
    const started = await api.call('POST', '/api/v1/analysis/start', {
      token,
      body: { query: 'Should we open a second warehouse in 2027?', depth: 'quick' },
    });
    for (let i = 0; i < 600; i++) {
      const s = await api.call('GET', `/api/v1/analysis/${started.json.task_id}/status`, { token });
      if (s.json.status === 'SUCCEEDED' || s.json.status === 'FAILED') break;
      await fetch(`${api.url}/dashboard/data`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 120_000);

  afterAll(async () => {
    gauge?.close();
    await harness.close();
    await jobs?.stop();
    capture?.uninstall();
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    rmSync(dir, { recursive: true, force: true });
  });

  it('computes every CloudWatch widget from the captured EMF records', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: the JSON the page polls, inspected freely
    const d: any = await (await fetch(`${api.url}/dashboard/data`)).json();
    expect(d.records).toBeGreaterThan(0);
    const routes = d.latency.routes.map((r: { route: string }) => r.route);
    expect(routes).toEqual(
      expect.arrayContaining(['auth-login', 'decision-analyze', 'decision-analyze-stream']),
    );
    for (const r of d.latency.routes) expect(r.p99).toBeGreaterThanOrEqual(r.p50);
    expect(d.answered_from.agent).toBeGreaterThan(0);
    expect(d.answered_from.l1).toBeGreaterThan(0);
    expect(d.cache.find((c: { level: string }) => c.level === 'l1').hits).toBeGreaterThan(0);
    expect(d.time.agent.count).toBeGreaterThan(0);
    expect(d.per_decision.decisions).toBeGreaterThanOrEqual(5);
    expect(d.skills.map((s: { skill: string }) => s.skill)).toContain('company_metrics');
    expect(d.jobs.samples.length).toBeGreaterThan(0);
    expect(d.jobs.succeeded + d.jobs.failed).toBeGreaterThan(0);
  });

  it.skipIf(!chromium)(
    'renders every chart with data in headless Chromium (and takes a screenshot)',
    async () => {
      const dom = await run(chromium!, [...CHROME_FLAGS, '--dump-dom', `${api.url}/dashboard`], {
        timeout: 90_000,
        maxBuffer: 20 * 1024 * 1024,
      });
      const status = /<pre id="status"[^>]*>([^<]*)<\/pre>/.exec(dom.stdout)?.[1];
      expect(status, 'the page rendered its charts').toBeTruthy();
      const { charts, records } = JSON.parse(status!.replaceAll('&quot;', '"'));
      expect(records).toBeGreaterThan(0);
      expect(Object.keys(charts)).toEqual([
        'latency',
        'latency_over_time',
        'answered_from',
        'cache',
        'agent_llm_time',
        'tokens_per_decision',
        'skills',
        'jobs',
      ]);
      for (const [name, points] of Object.entries(charts))
        expect(points, `${name} has data`).toBeGreaterThan(0);

      const png = process.env.DASHBOARD_SCREENSHOT
        ? resolve(process.env.DASHBOARD_SCREENSHOT)
        : join(dir, 'dashboard.png');
      await run(
        chromium!,
        [...CHROME_FLAGS, '--window-size=1400,1500', `--screenshot=${png}`, `${api.url}/dashboard`],
        {
          timeout: 90_000,
        },
      );
      expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
      expect(statSync(png).size).toBeGreaterThan(40_000);
    },
    200_000,
  );
});
