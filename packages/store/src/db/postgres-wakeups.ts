// LISTEN/NOTIFY for a PostgreSQL store: one dedicated connection listens on the store's
// channel and tells subscribers that another node queued work; it reconnects after a drop.

import pg from 'pg';

type Listener = (what: 'jobs' | 'events') => void;

/** A LISTEN connection that survives server restarts. */
export class PostgresWakeups {
  readonly #config: pg.ClientConfig;
  readonly #channel: string;
  readonly #onError: (error: unknown) => void;
  readonly #listeners = new Set<Listener>();
  #client: pg.Client | undefined;
  #retry: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(config: pg.ClientConfig, channel: string, onError: (error: unknown) => void) {
    this.#config = config;
    this.#channel = channel;
    this.#onError = onError;
  }

  /** Connects and listens. @throws {Error} when the first connection fails */
  async start(): Promise<void> {
    await this.#connect();
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ ...this.#config, application_name: 'wa-media-store-listen' });
    client.on('notification', (message) => {
      const what = message.payload === 'events' ? 'events' : 'jobs';
      for (const listener of this.#listeners) listener(what);
    });
    client.on('error', (error) => {
      this.#onError(error);
      this.#reconnectLater(client);
    });
    client.on('end', () => this.#reconnectLater(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.#channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.#client = client;
    // Work queued while we were not listening: look once.
    for (const listener of this.#listeners) {
      listener('jobs');
      listener('events');
    }
  }

  #reconnectLater(client: pg.Client): void {
    if (this.#stopped || this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => undefined);
    const attempt = (): void => {
      this.#retry = undefined;
      if (this.#stopped) return;
      this.#connect().catch((error: unknown) => {
        this.#onError(error);
        this.#retry = setTimeout(attempt, 1000);
        this.#retry.unref?.();
      });
    };
    this.#retry = setTimeout(attempt, 250);
    this.#retry.unref?.();
  }
}
