// A StoreMediaClient driven by the test (the store's port, not a fetch mock).
import { createHash, randomBytes } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { getMediaContent, Message } from '@wa-media/protocol';
import type { StoreDownloadOptions, StoreMediaClient } from '../client-port.js';

/** A message whose media is `plaintext`, on `host` (for per-host limits). */
export function fakeMessage(plaintext: Uint8Array, host = 'mmg.whatsapp.net'): Message {
  return Message.fromPartial({
    imageMessage: {
      url: `https://${host}/v/t62/${randomBytes(4).toString('hex')}.enc`,
      directPath: `/v/t62/${randomBytes(4).toString('hex')}.enc`,
      mimetype: 'image/png',
      mediaKey: new Uint8Array(randomBytes(32)),
      fileSha256: new Uint8Array(createHash('sha256').update(plaintext).digest()),
    },
  });
}

type Behaviour = (call: {
  message: Message;
  path: string;
  options: StoreDownloadOptions;
  host: string;
}) => Promise<Uint8Array>;

/**
 * A StoreMediaClient driven by the test (the store's port, not a fetch mock): `behaviour`
 * returns the bytes to write (temp + rename) or throws the client error to simulate.
 */
export function createScriptedClient(behaviour: Behaviour): StoreMediaClient & {
  active: Map<string, number>;
  maxActive: number;
  maxActivePerHost: Map<string, number>;
  calls: number;
} {
  const client = {
    active: new Map<string, number>(),
    maxActive: 0,
    maxActivePerHost: new Map<string, number>(),
    calls: 0,
    async downloadToFile(message: Message, path: string, options: StoreDownloadOptions = {}) {
      client.calls++;
      const content = getMediaContent(message)!.content as { url?: string };
      const host = new URL(content.url!).host;
      client.active.set(host, (client.active.get(host) ?? 0) + 1);
      const total = [...client.active.values()].reduce((a, b) => a + b, 0);
      client.maxActive = Math.max(client.maxActive, total);
      client.maxActivePerHost.set(
        host,
        Math.max(client.maxActivePerHost.get(host) ?? 0, client.active.get(host)!),
      );
      try {
        const bytes = await behaviour({ message, path, options, host });
        const temp = `${path}.tmp`;
        await writeFile(temp, bytes);
        await rename(temp, path);
      } finally {
        client.active.set(host, client.active.get(host)! - 1);
      }
    },
  };
  return client;
}
