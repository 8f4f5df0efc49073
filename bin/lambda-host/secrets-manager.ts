import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Secrets Manager stand-in: enough of the AWS JSON 1.1 protocol for `GetSecretValue` (what Powertools
 * Parameters' `getSecret` calls through `@aws-sdk/client-secrets-manager`) and `DescribeSecret`. Requests are
 * `POST /` with `X-Amz-Target: secretsmanager.<Operation>` and a JSON body; errors are a 400 with
 * `{"__type": "ResourceNotFoundException", "message": …}`. SigV4 signatures are not checked.
 */
export interface SecretEntry {
  arn: string;
  name: string;
  value: string;
}

export interface SecretsStandIn {
  endpoint: string;
  put(entry: SecretEntry): void;
  /** GetSecretValue calls served, per secret name (tests and the host summary). */
  reads: Map<string, number>;
  stop(): Promise<void>;
}

export async function startSecretsManager(): Promise<SecretsStandIn> {
  const byId = new Map<string, SecretEntry & { versionId: string; created: number }>();
  const reads = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, {
          'Content-Type': 'application/x-amz-json-1.1',
          'x-amzn-RequestId': randomUUID(),
          ...(status >= 400 ? { 'x-amzn-ErrorType': (body as { __type: string }).__type } : {}),
        });
        res.end(JSON.stringify(body));
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      let input: { SecretId?: string } = {};
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        return send(400, { __type: 'SerializationException', message: 'Malformed JSON body' });
      }
      const op = target.replace(/^secretsmanager\./, '');
      const entry = input.SecretId ? byId.get(input.SecretId) : undefined;
      if (op !== 'GetSecretValue' && op !== 'DescribeSecret') {
        return send(400, { __type: 'UnknownOperationException', message: `${op} is not emulated locally` });
      }
      if (!entry) {
        return send(400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
      }
      if (op === 'DescribeSecret') {
        return send(200, { ARN: entry.arn, Name: entry.name, CreatedDate: entry.created });
      }
      reads.set(entry.name, (reads.get(entry.name) ?? 0) + 1);
      return send(200, {
        ARN: entry.arn,
        Name: entry.name,
        VersionId: entry.versionId,
        SecretString: entry.value,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: entry.created,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    reads,
    put(entry) {
      const stored = { ...entry, versionId: randomUUID(), created: Date.now() / 1000 };
      byId.set(entry.arn, stored);
      byId.set(entry.name, stored);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
