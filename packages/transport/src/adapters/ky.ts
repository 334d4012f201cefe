// The ky adapter (the default). ky's own retry, timeout and status errors are switched off:
// this package does those itself, identically for every adapter. ky is an optional peer
// dependency, imported dynamically when a client is created (unless an instance is passed), so
// importing this package works without it.

import type { KyInstance } from 'ky';
import type { SendFunction } from '../core/adapter-contract.js';
import { defineHttpClient } from '../core/define-client.js';
import { HttpError } from '../errors.js';
import type { HttpClient, HttpClientConfig, HttpClientOptions } from '../types.js';
import {
  type FetchClientOptions,
  type FetchFunction,
  fromFetchResponse,
  toRequestInit,
  withDispatcher,
} from './fetch.js';

/** Options of {@link createKyClient}. */
export interface KyClientOptions extends HttpClientOptions {
  /**
   * A ky instance to send through (e.g. from `ky.extend(...)` with your own fetch or hooks).
   * Its `retry`, `timeout` and `throwHttpErrors` are overridden per request.
   * @default ky
   */
  readonly ky?: KyInstance;
  /**
   * The fetch ky ends up calling (it replaces the instance's own `fetch` option, because the
   * request body is attached there).
   * @default globalThis.fetch
   */
  readonly fetch?: FetchFunction;
  /**
   * undici's `dispatcher`, added to the init of every fetch ky makes: a proxy
   * (`new ProxyAgent('http://proxy:3128')` from the `undici` package). See
   * {@link FetchClientOptions.dispatcher}.
   * @default none
   */
  readonly dispatcher?: object;
}

/** ky's default instance once imported: later requests use it without waiting. */
let loadedKy: KyInstance | undefined;
let loadingKy: Promise<KyInstance> | undefined;

/** Imports ky's default instance once; a clear error when ky is not installed. */
function loadKy(): Promise<KyInstance> {
  loadingKy ??= import('ky').then(
    (module) => {
      loadedKy = module.default;
      return loadedKy;
    },
    (cause: unknown) => {
      loadingKy = undefined; // installed later (or a transient failure): try again next time
      throw new HttpError(
        'createKyClient() needs the optional peer dependency ky (npm install ky), or use createFetchClient() / createNodeHttpClient() from @wa-media/transport/node',
        { cause },
      );
    },
  );
  return loadingKy;
}

/**
 * Creates the default client, sending through ky 1.x. ky (an optional peer dependency) is
 * imported when the first such client is created, unless `options.ky` is given; without it
 * installed, requests fail with an {@link HttpError} saying so.
 *
 * ky clones every `Request` it sends (to be able to retry); cloning a streamed body tees it and
 * the unread branch would buffer the whole upload in memory. So ky gets a body-less request and
 * the body is attached in the `fetch` ky calls, after the clone.
 *
 * @example
 * ```ts
 * const http = createKyClient({ timeouts: { headersTimeoutMs: 20_000 } });
 * const response = await http.request({ url });
 * ```
 * @throws {RangeError} invalid timeouts or `maxRedirects`.
 * @throws {TypeError} no fetch function is available.
 */
export function createKyClient(options: KyClientOptions = {}): HttpClient<
  HttpClientConfig & {
    /** The ky instance given as `options.ky`; `undefined` when requests use ky's default. */
    readonly ky: KyInstance | undefined;
  }
> {
  const given = options.ky;
  // Start the import now, so requests rarely wait for it; a failure is reported per request.
  if (given === undefined && loadedKy === undefined) loadKy().catch(() => {});
  const fetchImpl = options.fetch ?? (globalThis.fetch as FetchFunction | undefined);
  if (typeof fetchImpl !== 'function') {
    throw new TypeError(
      'options.fetch must be a fetch-compatible function (no global fetch found)',
    );
  }
  const send: SendFunction = async (hop) => {
    const init = toRequestInit(hop);
    const body = init.body ?? null;
    const instance = given ?? loadedKy ?? (await loadKy());
    const response = await instance(hop.url.href, {
      method: hop.method,
      headers: hop.headers,
      signal: hop.signal,
      redirect: 'manual',
      retry: 0,
      timeout: false,
      throwHttpErrors: false,
      fetch: (input, fetchInit) =>
        fetchImpl(
          body === null
            ? input
            : new Request(input as Request, { body, duplex: 'half' } as RequestInit),
          withDispatcher(fetchInit ?? {}, options.dispatcher),
        ),
    });
    return fromFetchResponse(response);
  };
  const { ky: _instance, fetch: _fetch, dispatcher: _dispatcher, ...common } = options;
  return defineHttpClient({ name: 'ky', send, options: common, extraConfig: { ky: given } });
}
