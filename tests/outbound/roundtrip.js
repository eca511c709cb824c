// Reads a JSON array of base64 bodies on stdin; prints, for each, whether
// JSON.stringify(JSON.parse(body)) gives back the same bytes, and what it gave.
'use strict';

const input = require('node:fs').readFileSync(0, 'utf8');
const answers = JSON.parse(input).map((encoded) => {
  const sent = Buffer.from(encoded, 'base64');
  const again = Buffer.from(JSON.stringify(JSON.parse(sent.toString('utf8'))), 'utf8');
  return { same: Buffer.compare(sent, again) === 0, again: again.toString('base64') };
});
process.stdout.write(JSON.stringify(answers));
