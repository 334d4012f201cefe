// The adapter-neutral request pipeline. Adapters only implement `send` (one hop, bytes in and
// out); everything the product promises lives in the core once, so every adapter behaves the
// same. This file composes it: resolve the request (resolve.ts), send hops (hop.ts), apply the
// redirect rule (redirect.ts) and run the hooks.

import { AbortError, type ErrorRequestInfo, type HttpError, NetworkError } from '../errors.js';
import type {
  HttpClient,
  HttpClientConfig,
  HttpClientOptions,
  HttpHooks,
  HttpRequest,
  HttpResponse,
  ResolvedRequest,
} from '../types.js';
import type { SendFunction } from './adapter-contract.js';
import { privateDestination } from './addresses.js';
import { Hop } from './hop.js';
import { decideRedirect } from './redirect.js';
import { resolveConfig, resolveRequest } from './resolve.js';

/** Input of {@link defineHttpClient}. */
export interface DefineHttpClientOptions<TExtra extends object> {
  /** Adapter name, shown as `client.name`. */
  readonly name: string;
  /** Sends one hop; the shared core does redirects, timeouts, progress and errors. */
  readonly send: SendFunction;
  /** The user's options (timeouts, default headers, redirects, hooks). */
  readonly options?: HttpClientOptions | undefined;
  /** @default true */
  readonly supportsStreaming?: boolean;
  /** Adapter-specific settings added to `client.config`. */
  readonly extraConfig?: TExtra;
}

/**
 * Builds an {@link HttpClient} from a one-hop `send` function: the way to plug in another
 * runtime or library while keeping every behaviour of the built-in adapters.
 *
 * @example
 * ```ts
 * const client = defineHttpClient({ name: 'mine', send: async (hop) => mySend(hop) });
 * ```
 * @throws {TypeError | RangeError} invalid `options` (negative timeouts, bad redirect bound).
 */
export function defineHttpClient<TExtra extends object = Record<never, never>>(
  definition: DefineHttpClientOptions<TExtra>,
): HttpClient<HttpClientConfig & TExtra> {
  const config = Object.freeze({
    ...resolveConfig(definition.options),
    ...(definition.extraConfig ?? ({} as TExtra)),
  });
  const send = definition.send;
  return {
    name: definition.name,
    config,
    supportsStreaming: definition.supportsStreaming ?? true,
    request: (request) => runRequest(config, send, request),
  };
}

/** One request: hops until the redirect rule delivers an answer, hooks around each step. */
async function runRequest(
  config: HttpClientConfig,
  send: SendFunction,
  request: HttpRequest,
): Promise<HttpResponse> {
  const plan = resolveRequest(config, request);
  const { headers, timeouts } = plan;
  let { method, url, body } = plan;
  const hooks = config.hooks;
  const current = (): ResolvedRequest => ({
    method,
    url,
    headers,
    contentLength: body?.contentLength ?? null,
    hasBody: body !== null,
  });
  const info = (): ErrorRequestInfo => ({ method, url, headers });
  const finalizeError = (error: HttpError): Promise<HttpError> =>
    runBeforeErrorHooks(hooks, current, error);

  if (request.signal?.aborted) {
    throw await finalizeError(
      new AbortError({ request: info(), phase: 'headers', cause: request.signal.reason }),
    );
  }
  const publicAddressesOnly = request.destinations?.publicAddressesOnly === true;
  const refused = privateDestination(url, publicAddressesOnly);
  if (refused !== undefined) {
    throw await finalizeError(new NetworkError(refused, { request: info(), phase: 'headers' }));
  }
  for (let redirectCount = 0; ; redirectCount++) {
    const requestState = current();
    for (const hook of hooks.beforeRequest ?? []) {
      await hook({ request: requestState, redirectCount });
    }
    const hop = await new Hop({
      send,
      method,
      url,
      headers,
      body,
      timeouts,
      signal: request.signal,
      finalizeError,
      onUploadProgress: request.onUploadProgress,
      onDownloadProgress: request.onDownloadProgress,
      range: request.range,
      redirected: redirectCount > 0,
      publicAddressesOnly,
    }).run();
    // Not a spread copy: `body` is a getter that hands the body out (see response.ts).
    const response = hop.response;
    const decision = decideRedirect({
      mode: plan.redirect,
      status: response.status,
      location: response.headers.location,
      method,
      url,
      redirectCount,
      maxRedirects: config.maxRedirects,
      body: body === null ? 'none' : body.bytes ? 'bytes' : 'stream',
      allowRedirect: request.destinations?.allowRedirect,
      publicAddressesOnly,
    });
    if (decision.kind === 'deliver') {
      for (const hook of hooks.afterResponse ?? []) {
        await hook({ request: current(), response, durationMs: hop.durationMs });
      }
      return response;
    }
    await response.cancel();
    if (decision.kind === 'fail') {
      throw await finalizeError(
        new NetworkError(decision.message, {
          request: info(),
          phase: 'headers',
          ...(decision.cause === undefined ? {} : { cause: decision.cause }),
        }),
      );
    }
    for (const name of decision.dropHeaders) delete headers[name];
    method = decision.method;
    url = decision.url;
    if (decision.dropBody) body = null;
  }
}

/** Runs the `beforeError` hooks in order; each may replace the error. */
async function runBeforeErrorHooks(
  hooks: HttpHooks,
  request: () => ResolvedRequest,
  error: HttpError,
): Promise<HttpError> {
  let current = error;
  for (const hook of hooks.beforeError ?? []) {
    const replaced = await hook({ request: request(), error: current });
    if (replaced) current = replaced;
  }
  return current;
}
