// Child process of the benchmark: streams one verified download into a discarding writer and
// reports its peak RSS above the RSS it started with. Run alone so nothing else counts.
import { createMediaClient } from '@wa-media/client';
import { createNodeHttpClient } from '@wa-media/transport/node';

const params = JSON.parse(process.env.BENCH_RSS_PARAMS ?? '{}') as {
  host: string;
  directPath: string;
  mediaKey: string;
  fileSha256: string;
  fileEncSha256: string;
};
const bytes = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));

const client = createMediaClient({
  http: createNodeHttpClient(),
  cdn: { scheme: 'http', allowPrivateAddresses: true, defaultHosts: [params.host] },
});
globalThis.gc?.();
const startRss = process.memoryUsage().rss;
let peakRss = startRss;
const timer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
let received = 0;
const result = await client.downloadToWriter(
  {
    type: 'video',
    directPath: params.directPath,
    mediaKey: bytes(params.mediaKey),
    fileSha256: bytes(params.fileSha256),
    fileEncSha256: bytes(params.fileEncSha256),
  },
  {
    write(chunk) {
      received += chunk.length;
    },
  },
);
clearInterval(timer);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
process.stdout.write(
  `${JSON.stringify({ startRss, peakRss, received, fileLength: result.fileLength })}\n`,
);
