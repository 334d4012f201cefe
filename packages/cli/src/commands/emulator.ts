import { type EmulatorOptions, startEmulator } from '@wa-media/emulator';
import { type CommandSpec, integerFlag, stringFlag } from '../command.js';
import { UsageError } from '../errors.js';
import { waitForAbort } from './wait.js';

/** `wa-media emulator`: a local WhatsApp media CDN + signalling peer until Ctrl-C. */
export const emulatorCommand: CommandSpec = {
  name: 'emulator',
  summary: 'run a local WhatsApp media CDN + signalling peer (for tests and offline use)',
  usage: ['emulator [--hosts N] [--port P] [--control-port P] [--token T] [--ttl DAYS]'],
  details: [
    'Prints the CDN hosts and the control URL and token, then runs until SIGINT / SIGTERM and',
    'closes cleanly. Point upload / download / reupload at it with',
    '--emulator <control url> --emulator-token <token>.',
  ],
  flags: {
    hosts: { type: 'string', value: 'N', description: 'number of CDN hosts, 1–16 (default 2)' },
    port: {
      type: 'string',
      short: 'p',
      value: 'P',
      description: 'port of the first CDN host; host i listens on P+i (default: free ports)',
    },
    'control-port': {
      type: 'string',
      value: 'P',
      description: 'port of the JSON control endpoint (default: a free port)',
    },
    token: {
      type: 'string',
      value: 'T',
      description: 'control bearer token (default: random; a secret)',
    },
    ttl: {
      type: 'string',
      value: 'DAYS',
      description: 'days media stays downloadable (default 14)',
    },
    'expired-status': {
      type: 'string',
      value: '404|410',
      description: 'status of expired media (default 404)',
    },
    'auth-ttl': {
      type: 'string',
      value: 'SEC',
      description: 'lifetime of upload auth tokens in seconds (default 21600)',
    },
    bandwidth: {
      type: 'string',
      value: 'BYTES',
      description: 'limit all CDN bodies together to BYTES per second',
    },
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'wa-media emulator',
    'wa-media emulator --json --port 7000 --control-port 7100 --token secret-token',
  ],
  async run(context) {
    const hostCount = integerFlag(context, 'hosts', { min: 1, max: 16 }, 2) ?? 2;
    const port = integerFlag(context, 'port', { min: 1, max: 65535 - hostCount });
    const controlPort = integerFlag(context, 'control-port', { min: 0, max: 65535 }, 0) ?? 0;
    const ttlDays = integerFlag(context, 'ttl', { min: 1, max: 3650 });
    const authTtlSec = integerFlag(context, 'auth-ttl', { min: 1, max: 31_536_000 });
    const bandwidth = integerFlag(context, 'bandwidth', { min: 1, max: Number.MAX_SAFE_INTEGER });
    const expired = stringFlag(context, 'expired-status');
    if (expired !== undefined && expired !== '404' && expired !== '410') {
      throw new UsageError('--expired-status must be 404 or 410');
    }
    const token = stringFlag(context, 'token');
    if (token !== undefined && token.length < 8) {
      throw new UsageError('--token must be at least 8 characters');
    }
    context.out.secrets.add(token);

    const options: EmulatorOptions = {
      hosts: Array.from({ length: hostCount }, (_, index) =>
        port === undefined ? {} : { port: port + index },
      ),
      control: token === undefined ? { port: controlPort } : { port: controlPort, token },
      ...(ttlDays === undefined && expired === undefined
        ? {}
        : {
            media: {
              ...(ttlDays === undefined ? {} : { ttlDays }),
              ...(expired === undefined ? {} : { expiredStatus: Number(expired) as 404 | 410 }),
            },
          }),
      ...(authTtlSec === undefined ? {} : { mediaConn: { authTtlSec } }),
      ...(bandwidth === undefined ? {} : { bandwidthBytesPerSec: bandwidth }),
    };
    const emulator = await startEmulator(options);
    try {
      const control = emulator.control;
      if (control === undefined)
        throw new Error('the emulator started without its control endpoint');
      context.out.result(
        [
          'wa-media emulator running (Ctrl-C to stop)',
          ...emulator.hosts.map((host) => `  CDN host:  ${host.hostname} (${host.type})`),
          `  control:   ${control.url}`,
          `  token:     ${control.token}`,
          '',
          `try: wa-media upload --emulator ${control.url} --emulator-token ${control.token} --type image FILE`,
        ],
        {
          hosts: emulator.hosts.map((host) => ({
            hostname: host.hostname,
            type: host.type,
            origin: host.origin,
          })),
          control: { url: control.url, token: control.token },
        },
      );
      await waitForAbort(context.signal);
      context.out.note('wa-media emulator: closing');
    } finally {
      await emulator.close();
    }
  },
};
