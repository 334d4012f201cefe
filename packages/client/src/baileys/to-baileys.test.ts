// Builder output through Baileys' own encoder (proto.Message.encode) loses nothing once
// toBaileysMessage converted it; type-checked against Baileys' .d.ts by `pnpm typecheck`.
import { decodeMessage, type Message, toBaileysMessage } from '@wa-media/protocol';
import { proto } from 'baileys';
import { describe, expect, it } from 'vitest';
import {
  buildAlbumParent,
  buildAudioMessage,
  buildDocumentMessage,
  buildImageMessage,
  buildStickerMessage,
  buildVideoMessage,
  forwardMediaMessage,
  wrapAsAlbumChild,
} from '../messages/build-message.js';
import type { UploadResult } from '../upload/upload-engine.js';

const upload: UploadResult = {
  url: 'https://mmg.whatsapp.net/v/t62.7118-24/1.enc?ccb=11-4&oh=abc&oe=def',
  directPath: '/v/t62.7118-24/1.enc?ccb=11-4&oh=abc&oe=def',
  mediaKey: new Uint8Array(32).fill(1),
  fileSha256: new Uint8Array(32).fill(2),
  fileEncSha256: new Uint8Array(32).fill(3),
  fileLength: 12_345_678_901,
  mediaKeyTimestamp: 1_700_000_000,
  streamingSidecar: new Uint8Array(10).fill(4),
  type: 'video',
  encrypted: true,
};

const image = buildImageMessage(upload, { caption: 'hi', width: 10, height: 20 });
const built: [string, Message][] = [
  ['image', image],
  ['video', buildVideoMessage(upload, { seconds: 3, caption: 'v', gifPlayback: true })],
  ['audio', buildAudioMessage(upload, { ptt: true, seconds: 4 })],
  ['document', buildDocumentMessage(upload, { fileName: 'a.pdf', caption: 'doc' })],
  ['sticker', buildStickerMessage(upload)],
  ['forwarded', forwardMediaMessage(image, { caption: 'again' })],
  ['album parent', buildAlbumParent({ expectedImageCount: 2, expectedVideoCount: 1 })],
  [
    'album child',
    wrapAsAlbumChild(image, { id: 'PARENT', remoteJid: '1@s.whatsapp.net', fromMe: true }),
  ],
];

describe('toBaileysMessage', () => {
  it.each(built)('%s: every field survives Baileys proto.Message.encode', (_name, message) => {
    const forBaileys: proto.IMessage = toBaileysMessage(message);
    const wire = proto.Message.encode(forBaileys).finish();
    const back = decodeMessage(new Uint8Array(wire));
    // Compared in one form (no `undefined` keys, no empty `_unknownFields`): every field is back.
    expect(toBaileysMessage(back)).toStrictEqual(forBaileys);
    expect(Object.keys(back._unknownFields ?? {})).toEqual([]);
  });

  it('fileLength and mediaKeyTimestamp arrive as Baileys reads them (not 0)', () => {
    const wire = proto.Message.encode(toBaileysMessage(image)).finish();
    const decoded = proto.Message.decode(wire).imageMessage;
    expect(Number(decoded?.fileLength)).toBe(12_345_678_901);
    expect(Number(decoded?.mediaKeyTimestamp)).toBe(1_700_000_000);
    expect(new Uint8Array(decoded?.mediaKey ?? [])).toEqual(upload.mediaKey);
  });

  it('forwards through relayMessage as the README shows (a socket that encodes like Baileys)', async () => {
    let sent: Uint8Array | undefined;
    const sock = {
      async relayMessage(_jid: string, content: proto.IMessage, _options: object) {
        sent = proto.Message.encode(content).finish();
      },
    };
    const [jid, received] = ['1@s.whatsapp.net', image];
    await sock.relayMessage(jid, toBaileysMessage(forwardMediaMessage(received)), {});
    const forwarded = decodeMessage(new Uint8Array(sent ?? [])).imageMessage;
    expect(forwarded?.fileLength).toBe(12_345_678_901n);
    expect(forwarded?.mediaKeyTimestamp).toBe(1_700_000_000n);
  });

  it('refuses a 64-bit value a number cannot hold, naming it', () => {
    const huge: Message = { documentMessage: { fileLength: 2n ** 60n } };
    expect(() => toBaileysMessage(huge)).toThrow(
      expect.objectContaining({ parameter: 'message.documentMessage.fileLength' }),
    );
  });
});
