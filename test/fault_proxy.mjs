// A fault-injection HTTP proxy for tests: forwards DynamoDB requests to an upstream endpoint and,
// by rule and rate, answers some of them with a fault instead. No dependencies beyond Node.
//
//   node test/fault_proxy.mjs --upstream http://127.0.0.1:PORT [--port N] [--control-port N]
//                             [--seed N] [--ready-file FILE]
//
// Prints "proxy http://127.0.0.1:P control http://127.0.0.1:C" on stdout once both listen (and
// writes the same line to --ready-file when given).
//
// Control endpoint (JSON bodies):
//   POST   /rules   add one rule or an array of rules:
//                   {"operation":"Scan","rate":0.2,"fault":"throttle"}
//                   operation: a DynamoDB operation name (X-Amz-Target suffix) or "*" (default);
//                   rate: probability in [0, 1] (default 1); fault: one name or an array of
//                   names, one picked at random per injected fault; count: inject at most this
//                   many times (default unlimited); after: let this many matching requests
//                   through before the rule starts (default 0); per_second: a table's
//                   capacity in requests: the rule injects its fault only into the matching
//                   requests beyond this many in the last second (those let through count).
//   PUT    /rules   replace all rules (same body as POST)
//   DELETE /rules   remove all rules
//   POST   /seed    {"seed":N}: restart the random sequence
//   POST   /reset   remove all rules, zero the counters, reseed with the start seed
//   GET    /stats   {"requests":N,"forwarded":N,"faults":{"throttle":N,...},
//                    "operations":{"Scan":N,...},"tokens":[...]} (operations: requests received, by
//                    operation; tokens: the ClientRequestToken of each TransactWriteItems received)
//   PUT    /answers start recording every forwarded answer (the record is cleared)
//   GET    /answers [{"operation":"Scan","at":ms,"units":U},...]: each answer's time (ms since
//                   recording started) and the ConsumedCapacity it reports (0 when none)
//   DELETE /answers stop recording
//   PUT    /keys    {"<access key id>":"<secret access key>",...}: from now on the proxy checks
//                   requests as DynamoDB does: one signed (SigV4) with a key id not listed is
//                   refused (400 UnrecognizedClientException), one whose signature is not made
//                   with the listed secret too (400 InvalidSignatureException); counts zeroed
//   DELETE /keys    no more checks (the default), counts zeroed
//   GET    /keys    requests by access key id since the last PUT or DELETE:
//                   {"<key id>":{"accepted":N,"refused":N}} (only "unchecked":N without a PUT)
// The others answer with an empty 204, so that `curl -s` prints nothing.
//
// Faults:
//   throttle    400 ProvisionedThroughputExceededException
//   throttling  400 ThrottlingException
//   500         500 InternalServerError
//   503         503 ServiceUnavailable
//   drop        the connection is closed before any answer
//   cut         the upstream answer's headers and half its body, then the connection is closed
//   badjson     200 with the upstream body truncated (invalid JSON), Content-Length matching
//   stall       no answer at all until the client gives up
//   unprocessed BatchWriteItem and BatchGetItem: only the first half of each table's writes (or
//               keys) is forwarded; the answer returns the rest in UnprocessedItems (or
//               UnprocessedKeys), as DynamoDB does when it runs short of capacity. Requests of
//               other operations, and batches of one, are forwarded untouched.
// Requests answered by throttle, throttling, 500, 503, drop and stall never reach the upstream;
// cut and badjson forward the request and spoil the answer; unprocessed forwards part of it.
import crypto from 'node:crypto';
import http from 'node:http';

const FAULTS = ['throttle', 'throttling', '500', '503', 'drop', 'cut', 'badjson', 'stall', 'unprocessed'];

function parseArgs(argv) {
  const args = { port: 0, controlPort: 0, seed: 1, upstream: process.env.DYNAMODB_ENDPOINT };
  for (let i = 2; i < argv.length; i++) {
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
      return argv[++i];
    };
    switch (argv[i]) {
      case '--upstream': args.upstream = next(); break;
      case '--port': args.port = Number(next()); break;
      case '--control-port': args.controlPort = Number(next()); break;
      case '--seed': args.seed = Number(next()); break;
      case '--ready-file': args.readyFile = next(); break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (!args.upstream) throw new Error('--upstream (or DYNAMODB_ENDPOINT) is required');
  return args;
}

// mulberry32: a small seeded generator, so a seed gives the same fault sequence every run.
function makeRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function validateRule(r) {
  if (r === null || typeof r !== 'object') throw new Error('a rule is a JSON object');
  const faults = Array.isArray(r.fault) ? r.fault.map(String) : [String(r.fault)];
  for (const f of faults) {
    if (!FAULTS.includes(f)) throw new Error(`unknown fault "${f}" (one of ${FAULTS.join(', ')})`);
  }
  const rate = r.rate === undefined ? 1 : Number(r.rate);
  if (!(rate >= 0 && rate <= 1)) throw new Error('rate must be in [0, 1]');
  const count = r.count === undefined ? Infinity : Number(r.count);
  if (!(count >= 0)) throw new Error('count must be a non-negative number');
  const after = r.after === undefined ? 0 : Number(r.after);
  if (!(after >= 0)) throw new Error('after must be a non-negative number');
  const perSecond = r.per_second === undefined ? 0 : Number(r.per_second);
  if (!(perSecond >= 0)) throw new Error('per_second must be a non-negative number');
  return { operation: r.operation ? String(r.operation) : '*', rate, faults, left: count, after,
    perSecond, passed: [] };
}

const args = parseArgs(process.argv);
const upstream = new URL(args.upstream);
const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

let rules = [];
let random = makeRandom(args.seed);
let stats = { requests: 0, forwarded: 0, faults: {}, operations: {}, tokens: [] };
let answers = null; // recorded answers, when recording
let answersStart = 0;
let keys = null; // access key id -> secret access key, when requests are checked
let keyCounts = {};

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();

// The SigV4 signature of the request, computed with `secret` from what the Authorization header
// says was signed.
function signature(req, body, secret, auth) {
  const url = new URL(req.url, 'http://proxy');
  const query = [...url.searchParams]
    .map(([k, v]) => [encodeURIComponent(k), encodeURIComponent(v)])
    .sort()
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = auth.signedHeaders
    .split(';')
    .map((h) => `${h}:${String(req.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonical = [req.method, url.pathname, query, headers, auth.signedHeaders, sha256(body)].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', String(req.headers['x-amz-date'] ?? ''), scope, sha256(canonical)].join('\n');
  let k = hmac(`AWS4${secret}`, auth.date);
  for (const part of [auth.region, auth.service, 'aws4_request']) k = hmac(k, part);
  return hmac(k, toSign).toString('hex');
}

// With PUT /keys: the DynamoDB error that refuses the request's credentials, or null. Counts the
// request under its access key id either way.
function checkCredentials(req, body) {
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]*)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(
    String(req.headers.authorization ?? ''),
  );
  const keyId = m ? m[1] : '(unsigned)';
  const count = (keyCounts[keyId] = keyCounts[keyId] || {});
  const tally = (what) => {
    count[what] = (count[what] || 0) + 1;
  };
  if (keys === null) {
    tally('unchecked');
    return null;
  }
  if (!m) {
    tally('refused');
    return ['MissingAuthenticationTokenException', 'Request is missing Authentication Token'];
  }
  if (!Object.hasOwn(keys, keyId)) {
    tally('refused');
    return ['UnrecognizedClientException', 'The security token included in the request is invalid.'];
  }
  const auth = { date: m[2], region: m[3], service: m[4], signedHeaders: m[5] };
  if (signature(req, body, keys[keyId], auth) !== m[6]) {
    tally('refused');
    return ['InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.'];
  }
  tally('accepted');
  return null;
}

// Picks the fault for one request, or null. Draws from the generator once per matching rule
// (and once more to pick among several faults), in rule order.
function chooseFault(operation) {
  for (const r of rules) {
    if (r.left <= 0) continue;
    if (r.operation !== '*' && r.operation !== operation) continue;
    if (r.after > 0) {
      r.after--;
      continue;
    }
    if (r.perSecond > 0) {
      // Within the table's capacity: let it through (and count it).
      const now = Date.now();
      while (r.passed.length > 0 && r.passed[0] <= now - 1000) r.passed.shift();
      if (r.passed.length < r.perSecond) {
        r.passed.push(now);
        continue;
      }
    }
    if (random() >= r.rate) continue;
    r.left--;
    const f = r.faults.length === 1 ? r.faults[0] : r.faults[Math.floor(random() * r.faults.length)];
    stats.faults[f] = (stats.faults[f] || 0) + 1;
    return f;
  }
  return null;
}

function sendJson(res, status, type, message) {
  const body = JSON.stringify({ __type: type, message });
  res.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

// Forwards the request; calls done(status, headers, body) with the whole upstream answer.
function forward(req, body, res, done) {
  stats.forwarded++;
  const headers = { ...req.headers, host: upstream.host, 'content-length': body.length };
  const up = http.request(
    {
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers,
      agent: upstreamAgent,
    },
    (upres) => {
      const chunks = [];
      upres.on('data', (c) => chunks.push(c));
      upres.on('end', () => done(upres.statusCode, upres.headers, Buffer.concat(chunks)));
      upres.on('error', () => res.socket?.destroy());
    },
  );
  up.on('error', (e) => {
    // The upstream failed: the client sees a 502 with a JSON body, like a load balancer.
    if (!res.headersSent) sendJson(res, 502, 'ProxyUpstreamError', String(e.message));
    else res.socket?.destroy();
  });
  up.end(body);
}

function passHeaders(headers, length) {
  const out = {};
  for (const [k, v] of Object.entries(headers)) {
    const lk = k.toLowerCase();
    if (['connection', 'keep-alive', 'transfer-encoding', 'content-length'].includes(lk)) continue;
    out[k] = v;
  }
  out['Content-Length'] = length;
  return out;
}

// unprocessed: the request with the first half of each table's writes or keys, and the rest by
// table; null when there is nothing to keep back.
function splitBatch(operation, body) {
  if (operation !== 'BatchWriteItem' && operation !== 'BatchGetItem') return null;
  const request = JSON.parse(body.toString('utf8'));
  const held = {};
  let any = false;
  for (const [table, entry] of Object.entries(request.RequestItems || {})) {
    const list = operation === 'BatchWriteItem' ? entry : entry.Keys;
    if (!Array.isArray(list) || list.length < 2) continue;
    const keep = Math.ceil(list.length / 2);
    const rest = list.slice(keep);
    if (operation === 'BatchWriteItem') {
      request.RequestItems[table] = list.slice(0, keep);
      held[table] = rest;
    } else {
      request.RequestItems[table] = { ...entry, Keys: list.slice(0, keep) };
      held[table] = { ...entry, Keys: rest };
    }
    any = true;
  }
  return any ? { body: Buffer.from(JSON.stringify(request)), held } : null;
}

function handle(req, res, body) {
  stats.requests++;
  const target = String(req.headers['x-amz-target'] || '');
  const operation = target.includes('.') ? target.slice(target.lastIndexOf('.') + 1) : target;
  stats.operations[operation] = (stats.operations[operation] || 0) + 1;
  if (operation === 'TransactWriteItems') {
    let token = null;
    try { token = JSON.parse(body.toString('utf8')).ClientRequestToken ?? null; } catch { /* not JSON */ }
    stats.tokens.push(token);
  }
  const refused = checkCredentials(req, body);
  if (refused) return sendJson(res, 400, `com.amazon.coral.service#${refused[0]}`, refused[1]);
  const fault = chooseFault(operation);
  switch (fault) {
    case 'throttle':
      return sendJson(res, 400, 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
        'The level of configured provisioned throughput for the table was exceeded (injected by the fault proxy)');
    case 'throttling':
      return sendJson(res, 400, 'com.amazon.coral.availability#ThrottlingException',
        'Rate of requests exceeds the allowed throughput (injected by the fault proxy)');
    case '500':
      return sendJson(res, 500, 'com.amazonaws.dynamodb.v20120810#InternalServerError',
        'Internal server error (injected by the fault proxy)');
    case '503':
      return sendJson(res, 503, 'com.amazonaws.dynamodb.v20120810#ServiceUnavailable',
        'Service unavailable (injected by the fault proxy)');
    case 'drop':
      return req.socket.destroy();
    case 'stall':
      return undefined; // the socket stays open until the client closes it
    default:
      break;
  }
  let held = null; // unprocessed: what was kept back, by table
  if (fault === 'unprocessed') {
    const split = splitBatch(operation, body);
    if (split) {
      body = split.body;
      held = split.held;
    }
  }
  forward(req, body, res, (status, headers, upBody) => {
    if (answers !== null && status === 200) {
      let units = 0;
      try {
        const cc = JSON.parse(upBody.toString('utf8')).ConsumedCapacity;
        for (const c of Array.isArray(cc) ? cc : cc ? [cc] : []) units += Number(c.CapacityUnits || 0);
      } catch {
        units = 0;
      }
      answers.push({ operation, at: Date.now() - answersStart, units });
    }
    if (held && status === 200) {
      const answer = JSON.parse(upBody.toString('utf8'));
      const field = operation === 'BatchWriteItem' ? 'UnprocessedItems' : 'UnprocessedKeys';
      answer[field] = answer[field] || {};
      for (const [table, rest] of Object.entries(held)) {
        if (operation === 'BatchWriteItem') {
          answer[field][table] = (answer[field][table] || []).concat(rest);
        } else {
          const prev = answer[field][table];
          answer[field][table] = { ...rest, Keys: (prev ? prev.Keys : []).concat(rest.Keys) };
        }
      }
      upBody = Buffer.from(JSON.stringify(answer));
    }
    if (fault === 'cut') {
      res.writeHead(status, passHeaders(headers, upBody.length));
      res.write(upBody.subarray(0, Math.floor(upBody.length / 2)));
      // Half-close after the partial body has left, then drop the connection.
      const sock = res.socket;
      sock.end();
      setTimeout(() => sock.destroy(), 50);
      return;
    }
    if (fault === 'badjson') {
      const cut = upBody.subarray(0, Math.max(1, Math.floor(upBody.length / 2)));
      // A prefix of a JSON object never parses; "{" alone stands for an empty body.
      const spoiled = upBody.length > 1 ? cut : Buffer.from('{');
      res.writeHead(200, passHeaders(headers, spoiled.length));
      res.end(spoiled);
      return;
    }
    res.writeHead(status, passHeaders(headers, upBody.length));
    res.end(upBody);
  });
  return undefined;
}

const proxy = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => handle(req, res, Buffer.concat(chunks)));
});
proxy.keepAliveTimeout = 60000;

function readJson(req, done) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8').trim();
    try {
      done(null, text === '' ? null : JSON.parse(text));
    } catch (e) {
      done(e);
    }
  });
}

const control = http.createServer((req, res) => {
  const fail = (status, message) => {
    res.writeHead(status, { 'Content-Type': 'text/plain' });
    res.end(`${message}\n`);
  };
  const ok = () => {
    res.writeHead(204);
    res.end();
  };
  const path = new URL(req.url, 'http://control').pathname;
  readJson(req, (err, body) => {
    if (err) return fail(400, `invalid JSON: ${err.message}`);
    try {
      if (path === '/rules' && (req.method === 'POST' || req.method === 'PUT')) {
        const added = (Array.isArray(body) ? body : [body]).map(validateRule);
        rules = req.method === 'PUT' ? added : rules.concat(added);
        return ok();
      }
      if (path === '/rules' && req.method === 'DELETE') {
        rules = [];
        return ok();
      }
      if (path === '/rules' && req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(`${JSON.stringify(rules)}\n`);
      }
      if (path === '/seed' && req.method === 'POST') {
        random = makeRandom(Number(body?.seed ?? args.seed));
        return ok();
      }
      if (path === '/reset' && req.method === 'POST') {
        rules = [];
        random = makeRandom(args.seed);
        stats = { requests: 0, forwarded: 0, faults: {}, operations: {}, tokens: [] };
        answers = null;
        keys = null;
        keyCounts = {};
        return ok();
      }
      if (path === '/keys' && (req.method === 'PUT' || req.method === 'DELETE')) {
        if (req.method === 'PUT' && (body === null || typeof body !== 'object' || Array.isArray(body)))
          throw new Error('PUT /keys takes {"<access key id>":"<secret access key>",...}');
        keys = req.method === 'PUT' ? { ...body } : null;
        keyCounts = {};
        return ok();
      }
      if (path === '/keys' && req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(`${JSON.stringify(keyCounts)}\n`);
      }
      if (path === '/answers' && req.method === 'PUT') {
        answers = [];
        answersStart = Date.now();
        return ok();
      }
      if (path === '/answers' && req.method === 'DELETE') {
        answers = null;
        return ok();
      }
      if (path === '/answers' && req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(`${JSON.stringify(answers || [])}\n`);
      }
      if (path === '/stats' && req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(`${JSON.stringify(stats)}\n`);
      }
      return fail(404, `no ${req.method} ${path}`);
    } catch (e) {
      return fail(400, e.message);
    }
  });
});

proxy.listen(args.port, '127.0.0.1', () => {
  control.listen(args.controlPort, '127.0.0.1', async () => {
    const line = `proxy http://127.0.0.1:${proxy.address().port} control http://127.0.0.1:${control.address().port}`;
    if (args.readyFile) {
      const fs = await import('node:fs');
      fs.writeFileSync(args.readyFile, `${line}\n`);
    }
    console.log(line);
  });
});

for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
