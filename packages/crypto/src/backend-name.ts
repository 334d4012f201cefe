import defaultBackend from '#crypto-backend';

/**
 * Name of the backend this build selected through export conditions: `'node'` under Node,
 * `'noble'` elsewhere (browsers, workers, Deno without the node condition).
 */
export const backendName: string = defaultBackend.name;
