import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadEmbeddingsConfig } from '#core/embeddings/config';
import { createEmbeddings } from '#core/embeddings/index';
import { OfflineEmbeddings } from '#core/embeddings/offline';
import { TITAN_V2_MODEL_ID, TitanEmbeddings } from '#core/embeddings/titan';
import { EmbeddingError } from '#core/embeddings/types';
import { startTitanStub, type TitanStub } from './titan-stub';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

describe('Titan Text Embeddings V2 through the real Bedrock Runtime SDK against a local InvokeModel server', () => {
  let stub: TitanStub;
  const clients: TitanEmbeddings[] = [];
  const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret-test' };

  const titan = (over: Partial<ConstructorParameters<typeof TitanEmbeddings>[0]> = {}) => {
    const t = new TitanEmbeddings({
      region: 'us-east-1',
      endpoint: stub.endpoint,
      timeoutMs: 2_000,
      concurrency: 3,
      maxAttempts: 1,
      credentials,
      ...over,
    });
    clients.push(t);
    return t;
  };

  beforeAll(async () => {
    stub = await startTitanStub();
  });
  afterEach(() => {
    stub.mode = 'ok';
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await stub.close();
  });

  it('sends {inputText, dimensions: 256, normalize: true} to /model/amazon.titan-embed-text-v2:0/invoke, signed', async () => {
    const before = stub.requests.length;
    const [v] = await titan().embed(['Should we expand into Germany?']);
    expect(v).toHaveLength(256);
    expect(v).toEqual(new OfflineEmbeddings().embedOne('Should we expand into Germany?'));
    const req = stub.requests[before];
    expect(req?.modelId).toBe(TITAN_V2_MODEL_ID);
    expect(req?.body).toEqual({
      inputText: 'Should we expand into Germany?',
      dimensions: 256,
      normalize: true,
    });
    expect(req?.signed).toBe(true);
  });

  it('embeds a batch one text per call with bounded concurrency, results in input order', async () => {
    const texts = Array.from({ length: 12 }, (_, i) => `question number ${i} about market ${i}`);
    const out = await titan({ concurrency: 3 }).embed(texts);
    const offline = new OfflineEmbeddings();
    expect(out).toEqual(texts.map((t) => offline.embedOne(t)));
    expect(stub.maxInFlight).toBeLessThanOrEqual(3);
    expect(stub.maxInFlight).toBeGreaterThanOrEqual(2);
  });

  it('retries a throttled call through the SDK (maxAttempts 2)', async () => {
    stub.mode = 'throttle-once';
    const [v] = await titan({ maxAttempts: 2 }).embed(['retry me']);
    expect(v).toHaveLength(256);
  });

  it('surfaces throttling as an EmbeddingError when retries are exhausted', async () => {
    stub.mode = 'throttle-once';
    await expect(titan({ maxAttempts: 1 }).embed(['no retry'])).rejects.toThrow(/ThrottlingException/);
  });

  it('times out a stalled call', async () => {
    stub.mode = 'stall';
    await expect(titan({ timeoutMs: 150 }).embed(['stalls'])).rejects.toBeInstanceOf(EmbeddingError);
  });

  it('refuses a response with the wrong number of dimensions', async () => {
    stub.mode = 'wrong-dimensions';
    await expect(titan().embed(['short vector'])).rejects.toThrow(/256-dimension/);
  });

  it('is chosen by EMBEDDINGS_PROVIDER=bedrock with the endpoint from the environment', async () => {
    const cfg = loadEmbeddingsConfig({
      EMBEDDINGS_PROVIDER: 'bedrock',
      EMBEDDINGS_ENDPOINT_URL: stub.endpoint,
      AWS_REGION: 'eu-west-1',
    });
    const e = createEmbeddings(cfg, { credentials });
    expect(e).toBeInstanceOf(TitanEmbeddings);
    clients.push(e as TitanEmbeddings);
    expect(e.id).toBe('bedrock:amazon.titan-embed-text-v2:0:256');
    expect((await e.embed(['from config']))[0]).toHaveLength(256);
    expect(createEmbeddings(loadEmbeddingsConfig({}))).toBeInstanceOf(OfflineEmbeddings);
  });
});
