// The signalling peer: answers media_conn queries (hosts, auth, ttl) and routes media retry
// requests to the emulated phone, with configurable delays and silences.

import { type BinaryNode, getChild, getChildren } from '@wa-media/protocol';
import type { AuthTokens } from '../cdn/auth-tokens.js';
import {
  foreignRetryNotifications,
  garbageMediaConnReply,
  garbageRetryNotifications,
} from './hostile-nodes.js';
import type { Phone } from './phone.js';

/**
 * How the emulated server answers signalling. JSON-friendly (the control endpoint and a CLI set
 * it as is).
 */
export interface SignalingBehavior {
  /** Delay before every answer (media_conn replies and mediaretry notifications). @default 0 */
  replyDelayMs?: number;
  /**
   * `'ignore'` never answers media_conn queries (to test query timeouts); `'garbage'` answers
   * with malformed media_conn replies (no auth, bad lifetimes, hosts that are URLs or paths).
   * @default 'reply'
   */
  mediaConn?: 'reply' | 'ignore' | 'garbage';
  /**
   * `'ignore'` never answers server-error receipts (to test the 30 s wait quickly);
   * `'garbage'` sends malformed mediaretry notifications with the request's message id before
   * the real answer; `'foreign'` sends notifications with that id for another chat, another
   * participant, and one sealed with another key, before the real answer.
   * @default 'reply'
   */
  mediaRetry?: 'reply' | 'ignore' | 'garbage' | 'foreign';
}

/** media_conn settings. JSON-friendly. */
export interface MediaConnOptions {
  /**
   * `ttl` in seconds: how long the connection (hosts and auth) stays valid. The auth token is
   * refused (401 `auth expired`) after min(ttl, auth_ttl). @default 300
   */
  ttlSec?: number;
  /** `auth_ttl` in seconds: the auth token's own lifetime (see `ttlSec`). @default 21600 */
  authTtlSec?: number;
  /** `max_buckets`. @default 12 */
  maxBuckets?: number;
}

/**
 * How long an auth token is accepted: min(ttl, auth_ttl) (docs/protocol.md §3), so a client that
 * keeps a media_conn past its `ttl` fails with 401 like it would against WhatsApp.
 */
export function authLifetimeMs(mediaConn: Required<MediaConnOptions>): number {
  return Math.min(mediaConn.ttlSec, mediaConn.authTtlSec) * 1000;
}

export interface HostDescription {
  readonly hostname: string;
  readonly type: 'primary' | 'fallback';
}

/** Where the peer delivers what it sends unprompted (mediaretry notifications). */
export interface SignalingSession {
  /** The session's own JID (with device), if logged in. */
  readonly jid: string | undefined;
  deliver(node: BinaryNode): void;
  readonly closed: boolean;
}

function errorIq(query: BinaryNode, code: number, text: string): BinaryNode {
  const attrs: Record<string, string> = { type: 'error', from: 's.whatsapp.net' };
  if (query.attrs.id !== undefined) attrs.id = query.attrs.id;
  return { tag: 'iq', attrs, content: [{ tag: 'error', attrs: { code: String(code), text } }] };
}

/** The server side of signalling: answers media_conn IQs and relays the phone's answers. */
export class SignalingPeer {
  readonly #auth: AuthTokens;
  readonly #phone: Phone;
  readonly #hosts: () => readonly HostDescription[];
  readonly #mediaConn: Required<MediaConnOptions>;
  #behavior: Required<SignalingBehavior> = {
    replyDelayMs: 0,
    mediaConn: 'reply',
    mediaRetry: 'reply',
  };
  readonly #timers = new Set<NodeJS.Timeout>();
  #garbageSeq = 0;

  constructor(
    auth: AuthTokens,
    phone: Phone,
    hosts: () => readonly HostDescription[],
    mediaConn: Required<MediaConnOptions>,
    behavior: SignalingBehavior,
  ) {
    this.#auth = auth;
    this.#phone = phone;
    this.#hosts = hosts;
    this.#mediaConn = mediaConn;
    this.setBehavior(behavior);
  }

  get behavior(): Required<SignalingBehavior> {
    return { ...this.#behavior };
  }

  setBehavior(behavior: SignalingBehavior): void {
    this.#behavior = { ...this.#behavior, ...behavior };
  }

  /**
   * Answers an IQ. Resolves with the reply, or never resolves when told to ignore it (the
   * caller's timeout decides).
   */
  query(node: BinaryNode): Promise<BinaryNode> | undefined {
    const reply = this.#answerIq(node);
    if (reply === undefined) return undefined;
    return new Promise((resolve) => this.#later(() => resolve(reply)));
  }

  /** Takes a node the client sends; answers receipts through the session, later. */
  send(node: BinaryNode, session: SignalingSession): void {
    if (node.tag !== 'receipt' || node.attrs.type !== 'server-error') return;
    const mode = this.#behavior.mediaRetry;
    if (mode === 'ignore') return;
    const answer = this.#phone.answerReceipt(node, session.jid);
    if (answer === undefined) return;
    const decoys =
      mode === 'garbage'
        ? garbageRetryNotifications(node)
        : mode === 'foreign'
          ? foreignRetryNotifications(node)
          : [];
    this.#later(() => {
      for (const decoy of [...decoys, answer]) if (!session.closed) session.deliver(decoy);
    });
  }

  /** The `<media_conn>` reply for the current hosts, with a fresh auth token. */
  mediaConnReply(id: string | undefined): BinaryNode {
    const { ttlSec, authTtlSec, maxBuckets } = this.#mediaConn;
    const { auth } = this.#auth.issue(authLifetimeMs(this.#mediaConn));
    const attrs: Record<string, string> = { type: 'result', from: 's.whatsapp.net' };
    if (id !== undefined) attrs.id = id;
    return {
      tag: 'iq',
      attrs,
      content: [
        {
          tag: 'media_conn',
          attrs: {
            auth,
            ttl: String(ttlSec),
            auth_ttl: String(authTtlSec),
            max_buckets: String(maxBuckets),
          },
          content: this.#hosts().map((host) => ({
            tag: 'host',
            attrs: { hostname: host.hostname, type: host.type },
          })),
        },
      ],
    };
  }

  #answerIq(node: BinaryNode): BinaryNode | undefined {
    if (node.tag !== 'iq') return errorIq(node, 400, 'bad-request');
    const mediaConn = getChild(node, 'media_conn');
    if (mediaConn === undefined) return errorIq(node, 501, 'feature-not-implemented');
    if (this.#behavior.mediaConn === 'ignore') return undefined;
    if (this.#behavior.mediaConn === 'garbage') {
      return garbageMediaConnReply(node.attrs.id, this.#garbageSeq++);
    }
    // Strict: exactly the IQ of docs/protocol.md §3, so a malformed request fails in tests.
    const { xmlns, type, to } = node.attrs;
    if (
      xmlns !== 'w:m' ||
      type !== 'set' ||
      to !== 's.whatsapp.net' ||
      getChildren(node).length !== 1
    ) {
      return errorIq(node, 400, 'bad-request');
    }
    return this.mediaConnReply(node.attrs.id);
  }

  #later(run: () => void): void {
    const delay = this.#behavior.replyDelayMs;
    if (delay <= 0) {
      queueMicrotask(run);
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, delay);
    this.#timers.add(timer);
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
