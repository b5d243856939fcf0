// An https front for the DynamoDB emulator, for the TLS tests: terminates TLS with the given
// key and certificate and forwards each request, as it came, to the plain-http upstream.
//
//   node test/tls_proxy.mjs --upstream http://127.0.0.1:PORT --key KEY.pem --cert CERT.pem
//                           [--port N] [--ready-file FILE]
//
// Prints "proxy https://127.0.0.1:P" on stdout once it listens (and writes the same line to
// --ready-file when given).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const args = { port: 0 };
for (let i = 2; i < process.argv.length; i += 2) {
  const flag = process.argv[i];
  const value = process.argv[i + 1];
  if (value === undefined) throw new Error(`missing value for ${flag}`);
  if (flag === '--upstream') args.upstream = new URL(value);
  else if (flag === '--key') args.key = fs.readFileSync(value);
  else if (flag === '--cert') args.cert = fs.readFileSync(value);
  else if (flag === '--port') args.port = Number(value);
  else if (flag === '--ready-file') args.readyFile = value;
  else throw new Error(`unknown option ${flag}`);
}
if (!args.upstream || !args.key || !args.cert) {
  console.error('usage: node test/tls_proxy.mjs --upstream URL --key FILE --cert FILE');
  process.exit(2);
}

const agent = new http.Agent({ keepAlive: true });
const server = https.createServer({ key: args.key, cert: args.cert }, (req, res) => {
  const upstream = http.request(
    {
      host: args.upstream.hostname,
      port: args.upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
});
server.listen(args.port, '127.0.0.1', () => {
  const line = `proxy https://127.0.0.1:${server.address().port}`;
  console.log(line);
  if (args.readyFile) fs.writeFileSync(args.readyFile, `${line}\n`);
});
