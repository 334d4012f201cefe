// Calls to the HTTP API of a running `wa-media serve`, as an integration would make them.
import { encodeMessage, type Message } from '@wa-media/protocol';
import { expect } from 'vitest';

/**
 * Registers `message` (received in a 1:1 chat, not from us) with `POST /v1/media`; fails the test
 * unless the API answers 201. Returns the new media item's id.
 */
export async function registerMedia(
  apiUrl: string,
  token: string,
  message: Message,
  msgId: string,
): Promise<string> {
  const registered = await fetch(`${apiUrl}/v1/media`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      message: Buffer.from(encodeMessage(message)).toString('base64'),
      msgId,
      chatJid: '15550002222@s.whatsapp.net',
      isFromMe: false,
    }),
  });
  expect(registered.status).toBe(201);
  return ((await registered.json()) as { media_items: { id: string }[] }).media_items[0]!.id;
}
