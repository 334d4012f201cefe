import type { MediaSignaling } from '@wa-media/protocol';

/**
 * A {@link MediaSignaling} that can also say when the connection dropped, so the client
 * invalidates its cached media connection (its hosts and auth belong to that session).
 */
export interface DisconnectAwareSignaling extends MediaSignaling {
  /**
   * Calls `listener` each time the underlying connection closes.
   * @returns a function that unsubscribes.
   */
  onDisconnect?(listener: () => void): () => void;
}
