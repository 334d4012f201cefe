// The 64-value voice-note waveform WhatsApp draws: the decoded audio (first channel) cut into 64
// equal blocks, each block's mean |sample|, scaled so the loudest block is 100 (values 0–100).
// Decoding streams the Ogg Opus bytes through ogg-opus-decoder chunk by chunk.

import { MediaInfoError, UnreadableMediaError } from '../errors.js';
import { loadOptional } from '../optional.js';
import type { MediaBytes } from '../source.js';

/** Number of values in a WhatsApp waveform. */
export const WAVEFORM_SAMPLES = 64;

interface DecodedAudio {
  channelData: Float32Array[];
  samplesDecoded: number;
}

interface OggOpusDecoderInstance {
  ready: Promise<void>;
  // Typed as synchronous by the package, but returns a promise.
  decode(data: Uint8Array): DecodedAudio | Promise<DecodedAudio>;
  flush(): Promise<DecodedAudio>;
  free(): void;
}

interface OggOpusDecoderModule {
  OggOpusDecoder: new (options?: { forceStereo?: boolean }) => OggOpusDecoderInstance;
}

/** Sums |sample| into 64 blocks of `blockSize` samples; samples past 64 blocks are dropped. */
export class WaveformAccumulator {
  readonly #sums = new Float64Array(WAVEFORM_SAMPLES);
  readonly #blockSize: number;
  #index = 0;

  constructor(totalSamples: number) {
    this.#blockSize = Math.max(1, Math.floor(totalSamples / WAVEFORM_SAMPLES));
  }

  add(samples: Float32Array): void {
    const blockSize = this.#blockSize;
    for (let i = 0; i < samples.length; i++, this.#index++) {
      const block = Math.floor(this.#index / blockSize);
      if (block >= WAVEFORM_SAMPLES) return;
      this.#sums[block] = (this.#sums[block] ?? 0) + Math.abs(samples[i] ?? 0);
    }
  }

  /** The 64 values, 0–100, the loudest block 100 (all 0 for silence). */
  result(): Uint8Array {
    const max = Math.max(...this.#sums);
    const waveform = new Uint8Array(WAVEFORM_SAMPLES);
    if (!(max > 0)) return waveform;
    for (let i = 0; i < WAVEFORM_SAMPLES; i++) {
      waveform[i] = Math.min(100, Math.floor((100 * (this.#sums[i] ?? 0)) / max));
    }
    return waveform;
  }
}

/**
 * Decodes an Ogg Opus file and computes its waveform.
 * @param totalSamples decoded samples per channel (from the last Ogg page), for the block size.
 * @throws {MissingDependencyError} when ogg-opus-decoder is not installed.
 * @throws {MediaInfoError} `aborted` when `signal` aborts.
 */
export async function opusWaveform(
  media: MediaBytes,
  totalSamples: number,
  signal?: AbortSignal,
): Promise<Uint8Array | undefined> {
  const { OggOpusDecoder } = await loadOptional<OggOpusDecoderModule>(
    'ogg-opus-decoder',
    'The voice-note waveform',
  );
  const decoder = new OggOpusDecoder();
  await decoder.ready;
  const waveform = new WaveformAccumulator(totalSamples);
  let decoded = 0;
  const take = (audio: DecodedAudio) => {
    const channel = audio.channelData[0];
    if (channel !== undefined && audio.samplesDecoded > 0) {
      waveform.add(channel.subarray(0, audio.samplesDecoded));
      decoded += audio.samplesDecoded;
    }
  };
  try {
    for await (const chunk of media.chunks()) {
      if (signal?.aborted) throw new MediaInfoError('aborted', 'describeMedia was aborted');
      take(await decoder.decode(chunk));
    }
    take(await decoder.flush());
  } catch (error) {
    if (error instanceof MediaInfoError) throw error;
    // The decoder's own errors (damaged pages or packets) are the file's fault.
    throw new UnreadableMediaError('The Opus audio cannot be decoded', error);
  } finally {
    try {
      decoder.free();
    } catch {
      // A decoder that never saw an Opus header has nothing to free.
    }
  }
  return decoded > 0 ? waveform.result() : undefined;
}
