import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { credentialsForEndpoint } from '../aws/credentials';
import type { Queue } from './queue';

/**
 * SQS SendMessage (with DelaySeconds) as one SigV4-signed HTTPS call of the JSON protocol: all the worker needs
 * to send its batch-mode groups' delayed checks, without bundling @aws-sdk/client-sqs into a function that is
 * at its 1 MiB budget. Credentials come from the environment (Lambda always sets them) or, for a local endpoint,
 * the stand-ins' placeholder ones.
 */
type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Data): Buffer =>
  typeof d === 'string'
    ? Buffer.from(d, 'utf8')
    : ArrayBuffer.isView(d)
      ? Buffer.from(d.buffer, d.byteOffset, d.byteLength)
      : Buffer.from(d);

class Sha256 {
  private h: Hash | Hmac;
  constructor(private readonly secret?: Data) {
    this.h = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(data: Data): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    this.h = this.fresh();
  }
}

export interface SqsSenderOptions {
  queueUrl: string;
  region: string;
  /** AWS_ENDPOINT_URL_SQS (local stand-in); else https://sqs.<region>.amazonaws.com */
  endpoint?: string;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export function createSqsSender(opts: SqsSenderOptions): Pick<Queue, 'send'> {
  const env = opts.env ?? process.env;
  const url = new URL(opts.endpoint ?? `https://sqs.${opts.region}.amazonaws.com/`);
  const signer = new SignatureV4({
    service: 'sqs',
    region: opts.region,
    sha256: Sha256,
    credentials: async () => {
      const local = credentialsForEndpoint(opts.endpoint, env);
      if (local) return local;
      if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY)
        throw new Error('No AWS credentials in the environment');
      return {
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
      };
    },
  });
  const doFetch = opts.fetch ?? fetch;
  return {
    async send(body, sendOpts = {}) {
      const delay = sendOpts.delaySeconds ? Math.max(0, Math.min(900, Math.round(sendOpts.delaySeconds))) : 0;
      const payload = JSON.stringify({
        QueueUrl: opts.queueUrl,
        MessageBody: body,
        ...(delay > 0 ? { DelaySeconds: delay } : {}),
      });
      const signed = await signer.sign({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname || '/',
        query: {},
        headers: {
          host: url.host,
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'AmazonSQS.SendMessage',
        },
        body: payload,
      });
      const res = await doFetch(url, {
        method: 'POST',
        headers: signed.headers as Record<string, string>,
        body: payload,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`SQS SendMessage failed: HTTP ${res.status} ${text.slice(0, 300)}`);
      return { messageId: String((JSON.parse(text) as { MessageId?: string }).MessageId ?? '') };
    },
  };
}
