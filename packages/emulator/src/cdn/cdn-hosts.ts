// Opening the CDN: one HTTP server per host on 127.0.0.1, all answering through the same CDN
// context, and the request activity they share (the log, arrival order, requests in flight).

import { createServer, type Server } from 'node:http';
import type { HostPlan } from '../emulator-options.js';
import type { EmulatorHost } from '../emulator-types.js';
import { closeServer, listen } from '../servers.js';
import { type CdnContext, handleCdnClientError, handleCdnRequest } from './cdn-handler.js';
import type { RequestLogEntry } from './request-log.js';

/** The CDN's finished requests and the ones in flight, across hosts. */
export class CdnActivity {
  #log: RequestLogEntry[] = [];
  #seq = 0;
  #inFlight = 0;
  #idleWaiters: (() => void)[] = [];

  /** Finished requests, oldest first (a copy). */
  get log(): RequestLogEntry[] {
    return [...this.#log];
  }

  clearLog(): void {
    this.#log = [];
  }

  record(entry: RequestLogEntry): void {
    this.#log.push(entry);
  }

  /** The next arrival number (1-based). */
  nextSeq(): number {
    return ++this.#seq;
  }

  /** One request more or less in flight; the last one ending wakes `whenIdle()`. */
  inFlight(delta: 1 | -1): void {
    this.#inFlight += delta;
    if (this.#inFlight === 0) this.wakeIdleWaiters();
  }

  /** Resolves once no request is in flight. */
  whenIdle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Resolves every `whenIdle()` waiting (also on close, when nothing will end any more). */
  wakeIdleWaiters(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * Opens one server per planned host, in order. On a listen error the servers already open are
 * closed and the error is thrown.
 */
export async function openCdnHosts(
  cdn: CdnContext,
  plans: readonly HostPlan[],
): Promise<{ hosts: EmulatorHost[]; servers: Server[] }> {
  const servers: Server[] = [];
  const hosts: EmulatorHost[] = [];
  try {
    for (const { index, port, type } of plans) {
      const ref = { index, hostname: '' };
      const server = createServer((req, res) => {
        void handleCdnRequest(cdn, ref, req, res);
      });
      server.on('clientError', handleCdnClientError);
      servers.push(server);
      const bound = await listen(server, port);
      ref.hostname = `127.0.0.1:${bound}`;
      hosts.push({
        index,
        hostname: ref.hostname,
        port: bound,
        type,
        origin: `http://${ref.hostname}`,
      });
    }
  } catch (error) {
    await Promise.all(servers.map(closeServer));
    throw error;
  }
  return { hosts, servers };
}
