// The runtime inside one function instance: a client of the Lambda Runtime API (the protocol the managed
// Node.js runtime and the `aws-lambda-ric` npm client speak), run by plain `node` from a folder outside the
// function's task root. Node built-ins only: nothing here may resolve a package.
//
//   GET  /2018-06-01/runtime/invocation/next            → the event, with Lambda-Runtime-* headers
//   POST /2018-06-01/runtime/invocation/{id}/response   → the result (JSON), or a chunked stream when the
//        handler is a streamifyResponse handler (Lambda-Runtime-Function-Response-Mode: streaming; errors after
//        the first byte go in the Lambda-Runtime-Function-Error-Type/-Body trailers)
//   POST /2018-06-01/runtime/invocation/{id}/error      → {errorType, errorMessage, stackTrace}
//   POST /2018-06-01/runtime/init/error                 → the same, when the handler module fails to load
import http from 'node:http';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const taskRoot = process.env.LAMBDA_TASK_ROOT;
const handlerSpec = process.env._HANDLER ?? 'index.handler';
const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
const PREFIX = '/2018-06-01/runtime';
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HTTP_INTEGRATION = 'application/vnd.awslambda.http-integration-response';

function request(method, urlPath, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const [host, port] = api.split(':');
    const req = http.request({ host, port: Number(port), method, path: urlPath, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function errorPayload(err) {
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    errorType: e.name || 'Error',
    errorMessage: e.message,
    stackTrace: String(e.stack ?? '')
      .split('\n')
      .slice(1)
      .map((l) => l.trim()),
  };
}

async function postError(urlPath, err, errorType) {
  const payload = errorPayload(err);
  if (errorType) payload.errorType = errorType;
  // Lambda writes the error to the function's log as well.
  console.error(`${errorType ?? 'Invoke Error'} \t${JSON.stringify(payload)}`);
  await request('POST', urlPath, {
    headers: {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Function-Error-Type': payload.errorType,
    },
    body: JSON.stringify(payload),
  });
}

// The `awslambda` global of the managed runtime, defined before the handler module is imported (handlers call
// awslambda.streamifyResponse at import time). Extends an object other libraries may already have put there.
const HttpResponseStream = {
  from(underlyingStream, prelude) {
    underlyingStream.setContentType(HTTP_INTEGRATION);
    const metadata = JSON.stringify(prelude ?? {});
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadata);
      write(new Uint8Array(8));
    };
    return underlyingStream;
  },
};
globalThis.awslambda = Object.assign(globalThis.awslambda ?? {}, {
  streamifyResponse(fn, options) {
    fn[STREAMING] = 'response';
    if (options) fn[Symbol.for('aws.lambda.runtime.handler.streaming.options')] = options;
    return fn;
  },
  HttpResponseStream,
});

async function loadHandler() {
  const dot = handlerSpec.lastIndexOf('.');
  const file = handlerSpec.slice(0, dot);
  const name = handlerSpec.slice(dot + 1);
  const base = path.resolve(taskRoot, file);
  const fs = await import('node:fs');
  const candidate = ['.mjs', '.js', '.cjs'].map((ext) => base + ext).find((p) => fs.existsSync(p));
  if (!candidate) {
    const err = new Error(`Cannot find module '${file}'`);
    err.name = 'Runtime.ImportModuleError';
    throw err;
  }
  const mod = await import(pathToFileURL(candidate).href);
  const fn = mod[name] ?? mod.default?.[name];
  if (typeof fn !== 'function') {
    const err = new Error(`${file}.${name} is undefined or not exported`);
    err.name = 'Runtime.HandlerNotFound';
    throw err;
  }
  return fn;
}

function contextFor(headers) {
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** The response stream handed to a streaming handler: chunked POST to the Runtime API, opened on first write. */
function responseStream(id) {
  let contentType = 'application/octet-stream';
  let req;
  let finished;
  const done = new Promise((resolve, reject) => {
    finished = { resolve, reject };
  });
  const open = () => {
    if (req) return;
    req = http.request({
      host: api.split(':')[0],
      port: Number(api.split(':')[1]),
      method: 'POST',
      path: `${PREFIX}/invocation/${id}/response`,
      agent,
      headers: {
        'Content-Type': contentType,
        'Lambda-Runtime-Function-Response-Mode': 'streaming',
        'Transfer-Encoding': 'chunked',
        Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => finished.resolve());
    });
    req.on('error', (e) => finished.reject(e));
    req.flushHeaders();
    if (stream._onBeforeFirstWrite) stream._onBeforeFirstWrite((chunk) => req.write(chunk));
  };
  const stream = new Writable({
    write(chunk, _enc, cb) {
      open();
      req.write(chunk, cb);
    },
    final(cb) {
      open();
      req.end(cb);
    },
  });
  stream.setContentType = (t) => {
    contentType = t;
  };
  stream.fail = (err) => {
    open();
    const payload = errorPayload(err);
    req.addTrailers({
      'Lambda-Runtime-Function-Error-Type': payload.errorType,
      'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify(payload)).toString('base64'),
    });
    req.end();
  };
  stream.done = done;
  return stream;
}

let handler;
try {
  handler = await loadHandler();
} catch (err) {
  // Local aid beyond the managed runtime's log: the whole error (fields such as `details` included).
  console.error(
    `Init error: ${inspect(err, { depth: 4, breakLength: Number.POSITIVE_INFINITY }).replace(/\n\s*/g, ' ')}`,
  );
  await postError(`${PREFIX}/init/error`, err, err?.name || 'Runtime.Unknown').catch(() => {});
  process.exit(1);
}

const streaming = handler[STREAMING] === 'response';
for (;;) {
  const next = await request('GET', `${PREFIX}/invocation/next`);
  const id = next.headers['lambda-runtime-aws-request-id'];
  if (next.headers['lambda-runtime-trace-id'])
    process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'];
  else delete process.env._X_AMZN_TRACE_ID;
  const context = contextFor(next.headers);
  let event;
  try {
    event = JSON.parse(next.body.toString('utf8'));
  } catch (err) {
    await postError(`${PREFIX}/invocation/${id}/error`, err, 'Runtime.UnmarshalError');
    continue;
  }
  if (streaming) {
    const stream = responseStream(id);
    try {
      await handler(event, stream, context);
      if (!stream.writableFinished) await new Promise((r) => stream.end(r));
      await stream.done;
    } catch (err) {
      console.error(`Invoke Error \t${JSON.stringify(errorPayload(err))}`);
      if (stream.writableFinished) continue;
      stream.fail(err);
      await stream.done.catch(() => {});
    }
    continue;
  }
  try {
    const result = await new Promise((resolve, reject) => {
      const callback = (err, value) => (err ? reject(err) : resolve(value));
      const out = handler(event, context, callback);
      if (out && typeof out.then === 'function') out.then(resolve, reject);
      else if (handler.length < 3) resolve(out);
    });
    await request('POST', `${PREFIX}/invocation/${id}/response`, {
      headers: { 'Content-Type': 'application/json' },
      body: result === undefined ? 'null' : JSON.stringify(result),
    });
  } catch (err) {
    await postError(`${PREFIX}/invocation/${id}/error`, err);
  }
}
