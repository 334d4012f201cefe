// Loopback server for bench/throughput.ts, run in its own process so that the server's work
// does not share the event loop with the client being measured.
//   GET /bytes?size=N → N bytes (Content-Length);  PUT /upload → drains, replies the byte count.
import http from 'node:http';

const chunk = Buffer.alloc(64 * 1024, 0x5a);
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/bytes') {
    const size = Number(url.searchParams.get('size'));
    res.writeHead(200, { 'content-length': String(size) });
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n)))
          return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
    return;
  }
  let received = 0;
  req.on('data', (c) => {
    received += c.length;
  });
  req.on('end', () => res.end(String(received)));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: server.address().port });
});
process.on('disconnect', () => process.exit(0));
