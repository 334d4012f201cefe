// `wa-media serve`: the flags of the store's HTTP API server, the signalling it uses (in-process
// emulator, remote emulator or none), and running it until SIGINT / SIGTERM.

import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createNodeMediaClient } from '@wa-media/client/node';
import { type Emulator, type EmulatorSignaling, startEmulator } from '@wa-media/emulator';
import { booleanFlag, type CommandSpec, integerFlag, requireFlag, stringFlag } from '../command.js';
import { CliError, describeError, UsageError } from '../errors.js';
import {
  CONNECTION_FLAGS,
  connectSignaling,
  DEFAULT_OWN_JID,
  emulatorControl,
} from './connection.js';
import { waitForAbort } from './wait.js';

/**
 * `@wa-media/store`, imported only when `serve` runs: it brings the SQLite addon, which the other
 * commands never need (a machine without a build of it still encrypts, uploads and downloads).
 * @throws {CliError} `notAvailable` (exit 8) when the store or its addon cannot be loaded.
 */
async function loadStore(): Promise<typeof import('@wa-media/store')> {
  try {
    return await import('@wa-media/store');
  } catch (error) {
    throw new CliError(
      'notAvailable',
      `serve needs @wa-media/store and its SQLite addon (better-sqlite3), which could not be loaded: ${describeError(error)}`,
      { cause: error, code: 'store-unavailable' },
    );
  }
}

// --blobs s3://… and how to reach the bucket; credentials only ever come from the environment.
function blobsOptions(context: Parameters<CommandSpec['run']>[0]): {
  blobs?: string;
  s3?: { endpoint?: string; forcePathStyle?: boolean };
} {
  const blobs = stringFlag(context, 'blobs') ?? context.env.WA_MEDIA_BLOBS;
  const endpoint = stringFlag(context, 's3-endpoint');
  const pathStyle = booleanFlag(context, 's3-path-style');
  if (blobs === undefined) {
    if (endpoint !== undefined || pathStyle) {
      throw new UsageError('--s3-endpoint and --s3-path-style need --blobs s3://bucket/prefix');
    }
    return {};
  }
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?:\/|$)/.test(blobs)) {
    throw new UsageError('--blobs must be an s3://bucket/prefix URL');
  }
  if (endpoint !== undefined && !/^https?:\/\//.test(endpoint)) {
    throw new UsageError('--s3-endpoint must be an http(s) URL');
  }
  return {
    blobs,
    s3: {
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(pathStyle ? { forcePathStyle: true } : {}),
    },
  };
}

/** `wa-media serve`: the durable media store's HTTP API until Ctrl-C. */
export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'run the durable media store’s HTTP API (download, keep, retry, webhooks)',
  usage: [
    'serve --data-dir DIR [--database postgres://…] [--blobs s3://bucket/prefix [--s3-endpoint URL] [--s3-path-style]] [--keep 30d] [--max-bytes N] [--port P] [--token T] [--webhook-url URL --webhook-secret S] [--start-emulator | --emulator URL --emulator-token T]',
  ],
  details: [
    'Stores inbound media in DIR (SQLite + files) and serves the API of @wa-media/store:',
    'with --database, records and the job queue live in PostgreSQL instead, shared by every',
    'node started with the same URL (DIR then holds only the blobs, and is not locked).',
    'With --blobs s3://bucket/prefix, the verified bytes live in an S3-compatible bucket',
    '(credentials and region from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION…).',
    'POST /v1/media, GET /v1/media/{id}, GET /v1/media/{id}/download (retry), GET /v1/status…,',
    'every call with Authorization: Bearer <token>. Without --token a random one is printed;',
    'a token given by flag or environment is never printed.',
    '--start-emulator starts an in-process emulator and connects the client to it (for trying',
    'it out); its control URL and token are printed so `wa-media upload` can feed it.',
    '--emulator URL --emulator-token T uses a running `wa-media emulator`, as every command does.',
    'Without an emulator, downloads go to WhatsApp’s default hosts and expired media cannot be',
    're-requested (that needs a live socket: library use). Runs until SIGINT / SIGTERM.',
  ],
  flags: {
    'data-dir': {
      type: 'string',
      short: 'd',
      value: 'DIR',
      description: 'where the store keeps its database and files',
    },
    database: {
      type: 'string',
      value: 'URL',
      description: 'PostgreSQL URL for records and the queue (or env WA_MEDIA_DATABASE_URL)',
    },
    blobs: {
      type: 'string',
      value: 'URL',
      description: 's3://bucket/prefix: keep the bytes in that bucket (or env WA_MEDIA_BLOBS)',
    },
    's3-endpoint': {
      type: 'string',
      value: 'URL',
      description:
        'endpoint of an S3-compatible service such as MinIO (or env AWS_ENDPOINT_URL_S3)',
    },
    's3-path-style': {
      type: 'boolean',
      description: 'path-style bucket addressing (most self-hosted S3 services need it)',
    },
    keep: {
      type: 'string',
      value: 'AGE',
      description:
        'retention: evict records older than AGE (30d, 12h, 90m), each announced by webhook',
    },
    'max-bytes': {
      type: 'string',
      value: 'N',
      description: 'size quota in bytes: evict the oldest downloaded records above it',
    },
    port: {
      type: 'string',
      short: 'p',
      value: 'P',
      description: 'API port (default: a free port)',
    },
    host: { type: 'string', value: 'HOST', description: 'interface to bind (default 127.0.0.1)' },
    token: {
      type: 'string',
      value: 'T',
      description:
        'API bearer token, ≥ 16 characters (or env WA_MEDIA_STORE_TOKEN; default random)',
    },
    'webhook-url': {
      type: 'string',
      value: 'URL',
      description: 'where completion webhooks are POSTed',
    },
    'webhook-secret': {
      type: 'string',
      value: 'S',
      description: 'HMAC key of the webhook signature (or env WA_MEDIA_WEBHOOK_SECRET)',
    },
    concurrency: { type: 'string', value: 'N', description: 'downloads at once (default 4)' },
    'start-emulator': { type: 'boolean', description: 'start an in-process emulator and use it' },
    ...CONNECTION_FLAGS,
  },
  valueHints: {
    emulator: 'to start an emulator in-process, use --start-emulator',
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'wa-media serve --data-dir ./media-store --start-emulator --port 8080',
    'wa-media serve --data-dir ./media-store --emulator "$URL" --emulator-token "$TOKEN"',
  ],
  async run(context) {
    const dataDir = resolve(requireFlag(context, 'data-dir'));
    const database = stringFlag(context, 'database') ?? context.env.WA_MEDIA_DATABASE_URL;
    context.out.secrets.add(database);
    if (database !== undefined && !/^postgres(?:ql)?:\/\//.test(database)) {
      throw new UsageError('--database must be a postgres:// URL');
    }
    const blobs = blobsOptions(context);
    const port = integerFlag(context, 'port', { min: 0, max: 65535 }, 0) ?? 0;
    const host = stringFlag(context, 'host') ?? '127.0.0.1';
    const concurrency = integerFlag(context, 'concurrency', { min: 1, max: 64 });
    const keep = stringFlag(context, 'keep');
    if (keep !== undefined && !/^\d{1,12}(?:ms|s|m|h|d)$/.test(keep)) {
      throw new UsageError('--keep must be a duration such as 30d, 12h or 90m');
    }
    const maxBytes = integerFlag(context, 'max-bytes', { min: 1, max: Number.MAX_SAFE_INTEGER });
    const givenToken = stringFlag(context, 'token') ?? context.env.WA_MEDIA_STORE_TOKEN;
    // Only a token made here is shown: one given to us is known to whoever gave it, and
    // printing it would put it in logs and scrollback.
    const token = givenToken ?? randomBytes(18).toString('hex');
    if (token.length < 16) throw new UsageError('--token must be at least 16 characters');
    context.out.secrets.add(token);
    const webhookUrl = stringFlag(context, 'webhook-url');
    const webhookSecret =
      stringFlag(context, 'webhook-secret') ?? context.env.WA_MEDIA_WEBHOOK_SECRET;
    context.out.secrets.add(webhookSecret);
    if ((webhookUrl === undefined) !== (webhookSecret === undefined)) {
      throw new UsageError('--webhook-url and --webhook-secret go together');
    }
    const ownJid = stringFlag(context, 'own-jid') ?? DEFAULT_OWN_JID;
    const inProcess = booleanFlag(context, 'start-emulator');
    const control = emulatorControl(context);
    if (inProcess && control !== undefined) {
      throw new UsageError('give either --start-emulator or --emulator URL, not both');
    }
    await mkdir(dataDir, { recursive: true, mode: 0o700 });

    const cleanups: (() => Promise<void> | void)[] = [];
    try {
      let emulator: Emulator | undefined;
      let signaling: EmulatorSignaling | undefined;
      if (inProcess) {
        emulator = await startEmulator();
        cleanups.unshift(() => emulator?.close());
        signaling = emulator.signaling({ ownJid });
      } else if (control !== undefined) {
        signaling = await connectSignaling(control, ownJid);
        const connected = signaling;
        cleanups.unshift(() => connected.close());
      }
      const client = createNodeMediaClient(
        signaling === undefined
          ? {}
          : { signaling, cdn: { scheme: 'http', allowPrivateAddresses: true } },
      );
      cleanups.unshift(() => client.close());
      const { createMediaStore } = await loadStore();
      const store = await createMediaStore({
        client,
        dataDir,
        ...(database === undefined ? {} : { database }),
        ...blobs,
        ...(keep === undefined ? {} : { keep }),
        ...(maxBytes === undefined ? {} : { maxBytes }),
        ...(webhookUrl === undefined || webhookSecret === undefined
          ? {}
          : { webhook: { url: webhookUrl, secret: webhookSecret } }),
        ...(concurrency === undefined ? {} : { concurrency }),
        onError: (event) =>
          context.out.note(`store (${event.context}): ${describeError(event.error)}`),
      });
      cleanups.unshift(() => store.close());
      const server = await store.listen({ port, host, token });
      cleanups.unshift(() => server.close());
      const started = emulator?.control;
      context.out.result(
        [
          'wa-media store serving (Ctrl-C to stop)',
          `  API:       ${server.url}`,
          `  token:     ${givenToken === undefined ? token : '(the one given; not shown)'}`,
          `  data dir:  ${dataDir}`,
          ...(database === undefined ? [] : ['  database:  PostgreSQL (shared queue)']),
          ...(blobs.blobs === undefined ? [] : [`  blobs:     ${blobs.blobs}`]),
          ...(emulator === undefined
            ? []
            : [
                `  emulator:  ${emulator.hostnames.join(', ')}`,
                ...(started === undefined
                  ? []
                  : [`  control:   ${started.url} (token ${started.token})`]),
              ]),
        ],
        {
          url: server.url,
          ...(givenToken === undefined ? { token } : {}),
          dataDir,
          ...(emulator === undefined
            ? {}
            : { emulator: { hosts: emulator.hostnames, control: started ?? null } }),
        },
      );
      await waitForAbort(context.signal);
      context.out.note('wa-media serve: closing');
    } finally {
      for (const cleanup of cleanups) {
        try {
          await cleanup();
        } catch {
          // Closing goes on: one failing cleanup must not keep the others from running.
        }
      }
    }
  },
};
