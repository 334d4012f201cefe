/**
 * `@wa-media/transport/node` — the node:http/https adapter (keep-alive agents, truly streaming
 * uploads). Separate from the main entry so browser bundles never see `node:http`.
 *
 * @packageDocumentation
 */
export type {
  NodeHttpClient,
  NodeHttpClientConfig,
  NodeHttpClientOptions,
} from './adapters/node-http.js';
export { createNodeHttpClient } from './adapters/node-http.js';
