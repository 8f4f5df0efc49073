import { TitanEmbeddings } from '#core/embeddings/titan';

/**
 * Titan embeddings on the real Bedrock SDK against a closed port (127.0.0.1:9): every call is a genuine
 * connection failure, fast (one attempt, 500 ms timeout). Close it when done.
 */
export function unreachableEmbeddings(): TitanEmbeddings {
  return new TitanEmbeddings({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    timeoutMs: 500,
    concurrency: 1,
    maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}
