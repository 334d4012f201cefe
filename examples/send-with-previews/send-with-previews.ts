// Send an image, a video, a voice note and a document the way a phone shows them: previews,
// dimensions, durations, the voice note's waveform, the PDF's page count.
import {
  buildAudioMessage,
  buildDocumentMessage,
  buildImageMessage,
  buildVideoMessage,
  type MediaClient,
  uploadWithPreview,
} from '@wa-media/client';
import { fileSource } from '@wa-media/client/node';
import type { Message } from '@wa-media/protocol';

export interface Files {
  photo: string;
  clip: string;
  voice: string;
  pdf: string;
}

export async function sendWithPreviews(
  client: MediaClient,
  send: (message: Message) => Promise<void>,
  files: Files,
): Promise<void> {
  const photo = await uploadWithPreview(client, await fileSource(files.photo), 'image');
  await send(buildImageMessage(photo, { caption: 'A photo' }));
  const clip = await uploadWithPreview(client, await fileSource(files.clip), 'video');
  await send(buildVideoMessage(clip, { caption: 'A clip' }));
  const voice = await uploadWithPreview(client, await fileSource(files.voice), 'audio', {
    kind: 'ptt',
  });
  await send(buildAudioMessage(voice));
  const pdf = await uploadWithPreview(client, await fileSource(files.pdf), 'document');
  await send(buildDocumentMessage(pdf, { fileName: 'report.pdf' }));
}
