// Cost of the safety layers around the generated codec, measured against the raw ts-proto
// functions in the same process: decodeMessage = wire-structure check + decode;
// encodeMessage = encode + field-number ordering (a copy only when unknown fields are present).
//
//   pnpm --filter @wa-media/protocol bench        (BENCH_ROUNDS=… to change the sample count)
import { decodeMessage, encodeMessage, Message } from '../src/index.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const itemsPerRound = 2_000;

// A realistic forwarded image: hashes, a 6 KB inline thumbnail, and contextInfo (17) which we
// do not model, so it travels as an unknown field and forces the reordering path.
const thumbnail = new Uint8Array(6_000).map((_, i) => (i * 31) & 0xff);
const modelled = encodeMessage({
  ephemeralMessage: {
    message: {
      imageMessage: {
        url: 'https://mmg.whatsapp.net/v/t62.7118-24/1_2_3.enc?ccb=11-4&oh=01_Q5Aa&oe=6650A1B2',
        mimetype: 'image/jpeg',
        fileSha256: new Uint8Array(32).fill(1),
        fileLength: 123_456n,
        height: 1280,
        width: 960,
        mediaKey: new Uint8Array(32).fill(2),
        fileEncSha256: new Uint8Array(32).fill(3),
        directPath: '/v/t62.7118-24/1_2_3.enc?ccb=11-4&oh=01_Q5Aa&oe=6650A1B2',
        mediaKeyTimestamp: 1_700_000_000n,
        jpegThumbnail: thumbnail,
        thumbnailDirectPath: '/v/t62.36145-24/thumb.enc',
      },
    },
  },
});
// Splice a contextInfo (field 17, 200 bytes) into the image by re-encoding with an unknown field.
const decodedOnce = decodeMessage(modelled);
const image = decodedOnce.ephemeralMessage?.message?.imageMessage;
if (image === undefined) throw new Error('bench setup failed');
image._unknownFields = {
  [(17 << 3) | 2]: [Uint8Array.of(0xc8, 0x01, ...new Uint8Array(200).fill(7))],
};
const sample = encodeMessage(decodedOnce);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function measure(run: () => void): number {
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    for (let i = 0; i < itemsPerRound; i++) run();
    times.push(((performance.now() - start) * 1000) / itemsPerRound);
  }
  return median(times);
}

const decoded = decodeMessage(sample);
// Warm up both paths before measuring.
measure(() => Message.decode(sample));
measure(() => decodeMessage(sample));

const rows = [
  ['decode', measure(() => Message.decode(sample)), measure(() => decodeMessage(sample))],
  [
    'encode',
    measure(() => Message.encode(decoded).finish()),
    measure(() => encodeMessage(decoded)),
  ],
] as const;

console.log(
  `protocol codec bench: ${sample.length}-byte Message, median of ${rounds} rounds × ${itemsPerRound}`,
);
for (const [name, baseline, ours] of rows) {
  console.log(
    `  ${name}: ts-proto ${baseline.toFixed(2)} µs, ours ${ours.toFixed(2)} µs, ratio ${(ours / baseline).toFixed(2)}×`,
  );
}
