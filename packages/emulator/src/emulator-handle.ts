// The running `Emulator` handed back by `startEmulator`: a view over the parts it opened (CDN
// hosts, media store, auth tokens, faults, phone, signalling peer) and their shutdown.

import type { AuthTokens } from './cdn/auth-tokens.js';
import type { CdnActivity } from './cdn/cdn-hosts.js';
import { type MediaStore, PUBLIC_MEDIA_ORIGIN, type StoredMedia } from './cdn/media-store.js';
import { routeForMmsType } from './cdn/upload-routes.js';
import type { EmulatorClock } from './clock.js';
import type { Emulator, EmulatorHost, EmulatorMedia, EmulatorOptions } from './emulator-types.js';
import { EmulatorError } from './errors.js';
import type { Faults } from './faults/fault-controller.js';
import { checkOwnJid, InProcessSignaling } from './signaling/in-process.js';
import { authLifetimeMs, type MediaConnOptions, type SignalingPeer } from './signaling/peer.js';
import type { Phone } from './signaling/phone.js';

/** What the handle is a view over. */
export interface EmulatorParts {
  readonly hosts: readonly EmulatorHost[];
  readonly clock: EmulatorClock;
  readonly store: MediaStore;
  readonly auth: AuthTokens;
  readonly faults: Faults;
  readonly phone: Phone;
  readonly peer: SignalingPeer;
  readonly activity: CdnActivity;
  readonly mediaConn: Required<MediaConnOptions>;
  /** What `reset()` returns to. */
  readonly startTimeMs: number | undefined;
  readonly signaling: EmulatorOptions['signaling'];
  /** Closes every server opened so far. */
  readonly closeServers: () => Promise<void>;
}

function describe(media: StoredMedia): EmulatorMedia {
  return {
    directPath: media.directPath,
    url: `${PUBLIC_MEDIA_ORIGIN}${media.directPath}`,
    token: media.token,
    size: media.bytes.length,
    mmsType: media.route.mmsType,
    expiresAtMs: media.expiresAtMs,
    ...(media.handle === undefined ? {} : { handle: media.handle }),
  };
}

/** The handle over `parts`; `control` is set once the control endpoint listens. */
export function createEmulatorHandle(parts: EmulatorParts): Emulator {
  const { hosts, clock, store, auth, faults, phone, peer, activity } = parts;
  const sessions = new Set<InProcessSignaling>();
  let closed = false;
  return {
    hosts,
    hostnames: hosts.map((host) => host.hostname),
    control: undefined,
    clock,
    faults,
    phone,
    get log() {
      return activity.log;
    },
    clearLog() {
      activity.clearLog();
    },
    reset() {
      activity.clearLog();
      faults.clear();
      store.clear();
      auth.clear();
      phone.clear();
      clock.reset();
      if (parts.startTimeMs !== undefined) clock.set(parts.startTimeMs);
      peer.setBehavior({
        replyDelayMs: 0,
        mediaConn: 'reply',
        mediaRetry: 'reply',
        ...parts.signaling,
      });
    },
    issueAuth() {
      return auth.issue(authLifetimeMs(parts.mediaConn)).auth;
    },
    signaling(signalingOptions = {}) {
      if (closed) throw new EmulatorError('closed', 'the emulator is closed');
      const ownJid = checkOwnJid(signalingOptions.ownJid);
      const session = new InProcessSignaling(peer, ownJid, (self) => sessions.delete(self));
      sessions.add(session);
      return session;
    },
    setSignalingBehavior(behavior) {
      peer.setBehavior(behavior);
    },
    putMedia(bytes, putOptions = {}) {
      const route = routeForMmsType(putOptions.mmsType ?? 'image');
      if (route === undefined) {
        throw new EmulatorError(
          'bad-option',
          `mmsType ${JSON.stringify(putOptions.mmsType)} is not known`,
        );
      }
      return describe(store.put(Buffer.from(bytes), route));
    },
    getMedia(directPath) {
      const found = store.byDirectPath(directPath);
      return found === undefined ? undefined : describe(found);
    },
    expireMedia(directPath) {
      const found = store.byDirectPath(directPath);
      if (found === undefined) return false;
      found.expiresAtMs = Math.min(found.expiresAtMs, clock.now());
      return true;
    },
    downloadUrls(directPath) {
      return hosts.map((host) => `${host.origin}${directPath}`);
    },
    whenIdle() {
      return activity.whenIdle();
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const session of [...sessions]) session.close();
      peer.close();
      await parts.closeServers();
      activity.wakeIdleWaiters();
    },
  };
}
