import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { EmbeddingError, type Embeddings } from './types';

export const TITAN_V2_MODEL_ID = 'amazon.titan-embed-text-v2:0';

export interface TitanEmbeddingsOptions {
  modelId?: string;
  /** 256, 512 or 1024 (Titan V2); the database columns are vector(256). */
  dimensions?: number;
  region: string;
  /** A stand-in endpoint (tests, local runtime); the SDK also honours AWS_ENDPOINT_URL_BEDROCK_RUNTIME. */
  endpoint?: string;
  /** Abort one InvokeModel call after this long (each attempt of the SDK's retries included). */
  timeoutMs: number;
  /** Titan embeds one text per call: a batch runs with at most this many calls in flight. */
  concurrency: number;
  maxAttempts: number;
  /** Texts are cut to this many characters (Titan V2 accepts up to 50,000 characters / 8,192 tokens). */
  maxChars?: number;
  paraphraseThreshold?: number;
  /** Injected for the stand-in; defaults to the SDK's credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  client?: BedrockRuntimeClient;
}

interface TitanResponse {
  embedding?: unknown;
  inputTextTokenCount?: number;
}

/** Runs `fn` over `items` with at most `limit` promises in flight; results in input order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next;
      next += 1;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** Amazon Bedrock Titan Text Embeddings V2 (`dimensions: 256`, `normalize: true`). */
export class TitanEmbeddings implements Embeddings {
  readonly id: string;
  readonly dimensions: number;
  readonly paraphraseThreshold: number;
  private readonly client: BedrockRuntimeClient;
  private readonly modelId: string;

  constructor(private readonly opts: TitanEmbeddingsOptions) {
    this.modelId = opts.modelId ?? TITAN_V2_MODEL_ID;
    this.dimensions = opts.dimensions ?? 256;
    this.paraphraseThreshold = opts.paraphraseThreshold ?? 0.85;
    this.id = `bedrock:${this.modelId}:${this.dimensions}`;
    this.client =
      opts.client ??
      new BedrockRuntimeClient({
        region: opts.region,
        endpoint: opts.endpoint,
        maxAttempts: opts.maxAttempts,
        credentials: opts.credentials,
      });
  }

  async embed(texts: string[]): Promise<number[][]> {
    return mapBounded(texts, this.opts.concurrency, (t) => this.embedOne(t));
  }

  private async embedOne(text: string): Promise<number[]> {
    const inputText = text.slice(0, this.opts.maxChars ?? 20_000);
    if (inputText.trim() === '') throw new EmbeddingError('cannot embed an empty text');
    let raw: Uint8Array | undefined;
    try {
      const res = await this.client.send(
        new InvokeModelCommand({
          modelId: this.modelId,
          contentType: 'application/json',
          accept: 'application/json',
          body: JSON.stringify({ inputText, dimensions: this.dimensions, normalize: true }),
        }),
        { abortSignal: AbortSignal.timeout(this.opts.timeoutMs) },
      );
      raw = res.body;
    } catch (err) {
      throw new EmbeddingError(
        `Titan InvokeModel failed: ${(err as Error).name}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    let parsed: TitanResponse;
    try {
      parsed = JSON.parse(new TextDecoder().decode(raw)) as TitanResponse;
    } catch (err) {
      throw new EmbeddingError('Titan returned a body that is not JSON', { cause: err });
    }
    const e = parsed.embedding;
    if (
      !Array.isArray(e) ||
      e.length !== this.dimensions ||
      !e.every((x) => typeof x === 'number' && Number.isFinite(x))
    ) {
      throw new EmbeddingError(`Titan returned no ${this.dimensions}-dimension embedding`);
    }
    return e as number[];
  }

  close(): void {
    this.client.destroy();
  }
}
