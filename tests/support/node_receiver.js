// Webhook receiver written the way many users write one: it re-serializes the
// parsed JSON body and checks X-Webhook-Signature as hex HMAC-SHA256 of that.
//
// Usage: node node_receiver.js --secret <secret> [--port <port>]
// Prints {"port": <port>} on stdout once listening on 127.0.0.1.
// GET /results answers the list of checks made so far.
'use strict';

const crypto = require('node:crypto');
const http = require('node:http');

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

function parseArgs(argv) {
  const options = { port: 0, secret: null };
  for (let i = 0; i < argv.length - 1; i += 2) {
    if (argv[i] === '--secret') options.secret = argv[i + 1];
    else if (argv[i] === '--port') options.port = Number(argv[i + 1]);
  }
  if (options.secret === null) {
    process.stderr.write('missing --secret\n');
    process.exit(2);
  }
  return options;
}

function verify(secret, rawBody, signature) {
  let canonical;
  try {
    canonical = JSON.stringify(JSON.parse(rawBody));
  } catch (error) {
    return { verified: false, reason: 'body is not JSON' };
  }
  if (typeof signature !== 'string') {
    return { verified: false, reason: 'no signature header' };
  }
  if (!HEX_SHA256.test(signature)) {
    return { verified: false, reason: 'signature is not lowercase hex SHA-256' };
  }
  const expected = crypto.createHmac('sha256', secret).update(canonical).digest();
  const given = Buffer.from(signature, 'hex');
  const verified = crypto.timingSafeEqual(expected, given);
  return { verified, reason: verified ? 'ok' : 'signature mismatch' };
}

function sendJson(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const results = [];

  const server = http.createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/results') {
        sendJson(res, 200, results);
        return;
      }
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const signature = req.headers['x-webhook-signature'];
      const check = verify(options.secret, rawBody, signature);
      results.push({ method: req.method, path: req.url, ...check });
      sendJson(res, check.verified ? 200 : 401, check);
    });
  });

  server.listen(options.port, '127.0.0.1', () => {
    process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main();
