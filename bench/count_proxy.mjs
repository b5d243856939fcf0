// An HTTP proxy that counts the bytes of the responses it forwards, to measure what a workload
// receives from DynamoDB. Node only, no dependencies.
//
//   node bench/count_proxy.mjs --port P --target http://127.0.0.1:PORT
//
// GET /__count answers {"requests": n, "response_bytes": n} (bodies as sent, without headers)
// and starts the counts again from zero. Prints "listening on PORT" once ready.

import http from 'node:http';

function parseArgs(argv) {
  const out = { port: 0, target: '' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--port') out.port = Number(value);
    else if (flag === '--target') out.target = value;
    else throw new Error(`unknown argument ${flag}`);
  }
  if (!out.target) throw new Error('--target is required');
  return out;
}

const opts = parseArgs(process.argv.slice(2));
const target = new URL(opts.target);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
let requests = 0;
let responseBytes = 0;

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/__count') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ requests, response_bytes: responseBytes }));
    requests = 0;
    responseBytes = 0;
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    requests++;
    const upstream = http.request({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, 'content-length': body.length },
      agent,
    }, (up) => {
      res.writeHead(up.statusCode, up.headers);
      up.on('data', (c) => { responseBytes += c.length; });
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`count proxy: ${err.message}`);
    });
    upstream.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(opts.port, '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
