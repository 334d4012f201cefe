// How upload / download / reupload reach a CDN and a signalling peer. From the command line
// that is the emulator (`--emulator <control url> --emulator-token <t>`); a real deployment
// plugs the client into a live WhatsApp socket instead (library use: `fromBaileysSocket`).
import { createNodeMediaClient, type NodeMediaClient } from '@wa-media/client/node';
import { connectEmulatorSignaling, type EmulatorSignaling } from '@wa-media/emulator';
import { type CommandContext, type FlagSpec, stringFlag } from '../command.js';
import { CliError, UsageError } from '../errors.js';

/** The logged-in account the CLI claims to be on the emulator. */
export const DEFAULT_OWN_JID = '15550001111:2@s.whatsapp.net';

export const CONNECTION_FLAGS: Readonly<Record<string, FlagSpec>> = {
  emulator: {
    type: 'string',
    value: 'URL',
    description: 'control URL of a running `wa-media emulator` (or env WA_MEDIA_EMULATOR_URL)',
  },
  'emulator-token': {
    type: 'string',
    value: 'T',
    description: 'its control token (or env WA_MEDIA_EMULATOR_TOKEN, kept out of `ps`)',
  },
  'own-jid': {
    type: 'string',
    value: 'JID',
    description: `the logged-in account's JID (default ${DEFAULT_OWN_JID})`,
  },
};

/** The emulator's control endpoint, when the command was pointed at one. */
export interface EmulatorControl {
  readonly url: string;
  readonly token: string;
}

/** A connected client and how to let it go. */
export interface Connection {
  readonly client: NodeMediaClient;
  readonly emulator: EmulatorControl | undefined;
  close(): void;
}

/** The `--emulator` / `--emulator-token` pair (flags first, then the environment). */
export function emulatorControl(context: CommandContext): EmulatorControl | undefined {
  const url = stringFlag(context, 'emulator') ?? context.env.WA_MEDIA_EMULATOR_URL;
  const token = stringFlag(context, 'emulator-token') ?? context.env.WA_MEDIA_EMULATOR_TOKEN;
  context.out.secrets.add(token);
  if (url === undefined || url === '') {
    if (token !== undefined) throw new UsageError('--emulator-token needs --emulator URL');
    return undefined;
  }
  if (token === undefined || token === '') {
    throw new UsageError('--emulator needs --emulator-token (or env WA_MEDIA_EMULATOR_TOKEN)');
  }
  return { url, token };
}

/**
 * A Node media client: over the emulator's signalling when `--emulator` is given, else without
 * signalling (downloads only, from WhatsApp's default hosts).
 * @throws {UsageError} when `needSignaling` and no emulator was given.
 * @throws {EmulatorError} `control-failed` when the emulator is unreachable or refuses the token.
 */
export async function connect(
  context: CommandContext,
  options: { needSignaling: boolean; what: string },
): Promise<Connection> {
  const control = emulatorControl(context);
  if (control === undefined) {
    if (options.needSignaling) {
      throw new UsageError(
        `${options.what} needs a WhatsApp connection: pass --emulator URL --emulator-token T ` +
          '(a real deployment plugs @wa-media/client into a live socket; see the README)',
        { code: 'no-signaling' },
      );
    }
    const client = createNodeMediaClient();
    return { client, emulator: undefined, close: () => client.close() };
  }
  const signaling = await connectSignaling(
    control,
    stringFlag(context, 'own-jid') ?? DEFAULT_OWN_JID,
  );
  const client = createNodeMediaClient({
    signaling,
    cdn: { scheme: 'http', allowPrivateAddresses: true },
  });
  return {
    client,
    emulator: control,
    close() {
      client.close();
      signaling.close();
    },
  };
}

/** A refused control token, said as such (the token itself is never printed). */
function tokenRefused(control: EmulatorControl, cause: unknown): CliError {
  return new CliError(
    'network',
    `the emulator at ${safeControlUrl(control.url)} refused the control token: pass the token ` +
      '`wa-media emulator` printed with --emulator-token (or env WA_MEDIA_EMULATOR_TOKEN)',
    { cause, code: 'emulator-token-refused' },
  );
}

/**
 * The emulator's signalling for `ownJid`, over its control endpoint.
 * @throws {CliError} `emulator-token-refused` (exit 4) for a wrong token, `emulator-unreachable`
 *   (exit 4, or 2 for a malformed URL) otherwise.
 */
export async function connectSignaling(
  control: EmulatorControl,
  ownJid: string,
): Promise<EmulatorSignaling> {
  try {
    return await connectEmulatorSignaling(control.url, { ownJid, token: control.token });
  } catch (error) {
    if ((error as { status?: unknown }).status === 401) throw tokenRefused(control, error);
    throw new CliError(
      (error as { code?: unknown }).code === 'bad-option' ? 'usage' : 'network',
      `cannot reach the emulator at ${safeControlUrl(control.url)}: ${(error as Error).message}`,
      { cause: error, code: 'emulator-unreachable' },
    );
  }
}

/** The control URL without credentials or query, for messages. */
export function safeControlUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return '(malformed URL)';
  }
}

/**
 * One JSON call to the emulator's control endpoint (documented in @wa-media/emulator's README).
 * @throws {CliError} `network` when it fails; the message never contains the token.
 */
export async function emulatorCall(
  control: EmulatorControl,
  path: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(new URL(path, control.url), {
      method: 'POST',
      headers: { Authorization: `Bearer ${control.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new CliError('network', `emulator control ${path} unreachable`, { cause: error });
  }
  const text = await response.text();
  if (response.status === 401) throw tokenRefused(control, undefined);
  if (!response.ok) {
    throw new CliError('network', `emulator control ${path} answered ${response.status}`, {
      code: 'control-failed',
    });
  }
  return JSON.parse(text) as Record<string, unknown>;
}
