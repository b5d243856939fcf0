// An HTTP proxy that adds a fixed delay to every request, to stand for the round trip to a
// DynamoDB endpoint in a remote region. Node only, no dependencies.
//
//   node bench/delay_proxy.mjs --port P --target http://127.0.0.1:PORT --delay-ms 20
//
// The model: each request is read in full, held for delay-ms, then forwarded to the target over
// a keep-alive connection; the response is streamed back as it arrives. Requests in flight at
// the same time wait concurrently (the delay is latency, not a shared queue), and bandwidth is
// not limited. Prints "listening on PORT" once ready.

import http from 'node:http';

function parseArgs(argv) {
  const out = { port: 0, target: '', delayMs: 20 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--port') out.port = Number(value);
    else if (flag === '--target') out.target = value;
    else if (flag === '--delay-ms') out.delayMs = Number(value);
    else throw new Error(`unknown argument ${flag}`);
  }
  if (!out.target) throw new Error('--target is required');
  return out;
}

const opts = parseArgs(process.argv.slice(2));
const target = new URL(opts.target);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    setTimeout(() => {
      const headers = { ...req.headers, 'content-length': body.length };
      const upstream = http.request({
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
        agent,
      }, (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      });
      upstream.on('error', (err) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`delay proxy: ${err.message}`);
      });
      upstream.end(body);
    }, opts.delayMs);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(opts.port, '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
