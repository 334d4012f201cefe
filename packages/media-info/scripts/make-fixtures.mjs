// Makes the small real media files in fixtures/ (a few KiB each) and fixtures/truth.json, the
// numbers each file was made with, which the tests check describeMedia against.
// Needs sharp (a devDependency) and ffmpeg on PATH (Debian: `apt-get install ffmpeg`).
// Run: pnpm --filter @wa-media/media-info fixtures
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const dir = fileURLToPath(new URL('../fixtures/', import.meta.url));
const truth = {};

function ffmpeg(args, file) {
  execFileSync(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-y', ...args, '-map_metadata', '-1', dir + file],
    { stdio: 'inherit' },
  );
}

/** A smooth colour gradient, so JPEG stays small. */
function gradient(width, height) {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      pixels[at] = Math.round((255 * x) / width);
      pixels[at + 1] = Math.round((255 * y) / height);
      pixels[at + 2] = 128;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } });
}

// Images: a landscape JPEG, a portrait PNG smaller than the 32 px minimum side of a preview.
await gradient(640, 480).jpeg({ quality: 40 }).toFile(`${dir}photo.jpg`);
truth['photo.jpg'] = { mimetype: 'image/jpeg', width: 640, height: 480 };
await gradient(12, 20).png().toFile(`${dir}tiny.png`);
truth['tiny.png'] = { mimetype: 'image/png', width: 12, height: 20 };
// A JPEG whose EXIF orientation (6: rotate 90° clockwise) makes it display as 300×400.
await gradient(400, 300)
  .jpeg({ quality: 40 })
  .withMetadata({ orientation: 6 })
  .toFile(`${dir}rotated.jpg`);
truth['rotated.jpg'] = { mimetype: 'image/jpeg', width: 300, height: 400, stored: [400, 300] };

// Stickers: a static 512×512 WebP and an animated 96×96 one (three frames).
await gradient(512, 512).webp({ quality: 30 }).toFile(`${dir}sticker.webp`);
truth['sticker.webp'] = { mimetype: 'image/webp', width: 512, height: 512, animated: false };
const frames = await Promise.all(
  [0, 1, 2].map((index) =>
    gradient(96, 96)
      .rotate(index * 90)
      .png()
      .toBuffer(),
  ),
);
await sharp(frames, { join: { animated: true } })
  .webp({ quality: 30, loop: 0, delay: [200, 200, 200] })
  .toFile(`${dir}animated.webp`);
truth['animated.webp'] = { mimetype: 'image/webp', width: 96, height: 96, animated: true };

// Video: 2 s of ffmpeg's test pattern, 160×120 at 10 fps, H.264 in MP4 (moov at the end, as
// ffmpeg writes by default) and the same with the moov first (faststart); VP8 in WebM.
const testsrc = ['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10:duration=2'];
ffmpeg([...testsrc, '-c:v', 'libx264', '-crf', '40', '-pix_fmt', 'yuv420p'], 'video.mp4');
truth['video.mp4'] = { mimetype: 'video/mp4', width: 160, height: 120, seconds: 2 };
ffmpeg(
  [...testsrc, '-c:v', 'libx264', '-crf', '40', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'],
  'faststart.mp4',
);
truth['faststart.mp4'] = { mimetype: 'video/mp4', width: 160, height: 120, seconds: 2 };
ffmpeg(
  [
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=176x144:rate=10:duration=1.5',
    '-c:v',
    'libvpx',
    '-b:v',
    '40k',
  ],
  'video.webm',
);
truth['video.webm'] = { mimetype: 'video/webm', width: 176, height: 144, seconds: 1.5 };

// Voice note: 3 s of a 440 Hz tone whose loudness rises linearly from 0 to full, Opus in Ogg,
// mono 48 kHz. Its waveform (64 blocks of mean |sample|, the loudest = 100) is a straight ramp:
// block i ≈ 100·(i + 0.5)/63.5.
ffmpeg(
  [
    '-f',
    'lavfi',
    '-i',
    'aevalsrc=0.8*sin(2*PI*440*t)*t/3:s=48000:d=3',
    '-c:a',
    'libopus',
    '-b:a',
    '12k',
    '-ac',
    '1',
  ],
  'voice.ogg',
);
truth['voice.ogg'] = {
  mimetype: 'audio/ogg; codecs=opus',
  seconds: 3,
  waveform: Array.from({ length: 64 }, (_, i) => Math.floor((100 * (i + 0.5)) / 63.5)),
};
// Music: 2.5 s of a tone as MP3.
ffmpeg(
  [
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=330:sample_rate=44100:duration=2.5',
    '-c:a',
    'libmp3lame',
    '-b:a',
    '32k',
  ],
  'song.mp3',
);
truth['song.mp3'] = { mimetype: 'audio/mpeg', seconds: 2.5 };

// Document: a hand-written three-page PDF (uncompressed objects, classic xref table).
writeFileSync(`${dir}document.pdf`, pdf(3));
truth['document.pdf'] = { mimetype: 'application/pdf', pageCount: 3 };

writeFileSync(`${dir}truth.json`, `${JSON.stringify(truth, null, 2)}\n`);

function pdf(pages) {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${Array.from({ length: pages }, (_, i) => `${3 + i} 0 R`).join(' ')}] /Count ${pages} >>`,
    ...Array.from(
      { length: pages },
      () => '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
    ),
  ];
  let body = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return body;
}
