// `startEmulator`, composing: resolve the options (emulator-options.ts), build the CDN's state,
// open its hosts (cdn/cdn-hosts.ts), start the signalling peer, hand back the handle
// (emulator-handle.ts) and, unless disabled, open the control endpoint.

import { AuthTokens } from './cdn/auth-tokens.js';
import type { CdnContext } from './cdn/cdn-handler.js';
import { CdnActivity, openCdnHosts } from './cdn/cdn-hosts.js';
import { MediaStore } from './cdn/media-store.js';
import { createClock } from './clock.js';
import { startControlServer } from './control/control-server.js';
import { createEmulatorHandle } from './emulator-handle.js';
import { type EmulatorPlan, resolveEmulatorOptions } from './emulator-options.js';
import type { Emulator, EmulatorOptions } from './emulator-types.js';
import { Faults } from './faults/fault-controller.js';
import { Pacer } from './faults/pacer.js';
import { closeServer } from './servers.js';
import { SignalingPeer } from './signaling/peer.js';
import { Phone } from './signaling/phone.js';

export type {
  Emulator,
  EmulatorHost,
  EmulatorHostOptions,
  EmulatorMedia,
  EmulatorOptions,
} from './emulator-types.js';

/**
 * Starts a local WhatsApp media CDN (one HTTP server per host on 127.0.0.1) with a signalling
 * peer and, unless disabled, a JSON control endpoint.
 *
 * @throws {EmulatorError} `bad-option` for invalid options (the message names the option).
 * @throws {Error} the listen error (e.g. `EADDRINUSE`) when a fixed port is taken.
 * @example
 * ```ts
 * const emulator = await startEmulator();
 * const signaling = emulator.signaling({ ownJid: '15550001111:2@s.whatsapp.net' });
 * // … point the client at signaling with cdn: { scheme: 'http', allowPrivateAddresses: true } …
 * await emulator.close();
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const plan = resolveEmulatorOptions(options);
  const clock = createClock(options.startTimeMs);
  const store = new MediaStore(plan.secret, clock, plan.media.ttlMs);
  const auth = new AuthTokens(clock);
  const faults = new Faults();
  for (const rule of options.faults ?? []) faults.add(rule);
  if (options.randomFaults !== undefined) faults.random(options.randomFaults);
  if (options.bandwidthBytesPerSec !== undefined) faults.setBandwidth(options.bandwidthBytesPerSec);
  const phone = new Phone(store, clock);
  const activity = new CdnActivity();
  const cdn = cdnContext(plan, { store, auth, clock, faults, activity });

  const { hosts, servers } = await openCdnHosts(cdn, plan.hosts);
  const closeServers = async (): Promise<void> => {
    await Promise.all(servers.map(closeServer));
  };
  const peer = new SignalingPeer(auth, phone, () => hosts, plan.mediaConn, options.signaling ?? {});
  const emulator = createEmulatorHandle({
    hosts,
    clock,
    store,
    auth,
    faults,
    phone,
    peer,
    activity,
    mediaConn: plan.mediaConn,
    startTimeMs: options.startTimeMs,
    signaling: options.signaling,
    closeServers,
  });
  if (plan.control !== undefined) {
    const { port, token } = plan.control;
    try {
      const control = await startControlServer({ target: emulator, peer, port, token });
      servers.push(control.server);
      (emulator as { control: Emulator['control'] }).control = { url: control.url, token };
    } catch (error) {
      await emulator.close();
      throw error;
    }
  }
  return emulator;
}

/** The context every CDN request is answered with. */
function cdnContext(
  plan: EmulatorPlan,
  parts: Pick<CdnContext, 'store' | 'auth' | 'clock' | 'faults'> & { activity: CdnActivity },
): CdnContext {
  const { activity, faults } = parts;
  let pacer: Pacer | undefined;
  return {
    store: parts.store,
    auth: parts.auth,
    clock: parts.clock,
    faults,
    secret: plan.secret,
    settings: {
      expiredStatus: plan.media.expiredStatus,
      maxUploadBytes: plan.media.maxUploadBytes,
      uploadIdleTimeoutMs: plan.media.uploadIdleTimeoutMs,
    },
    globalPacer() {
      const limit = faults.bandwidth;
      if (limit === null) return undefined;
      if (pacer?.bytesPerSec !== limit) pacer = new Pacer(limit);
      return pacer;
    },
    nextSeq: () => activity.nextSeq(),
    record: (entry) => activity.record(entry),
    inFlight: (delta) => activity.inFlight(delta),
  };
}
