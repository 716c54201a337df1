// Runs graphql-http's GraphQL-over-HTTP server audits against one URL, signed in with a bearer
// token, and prints one line per audit and a summary. Exits 1 if any audit is an error (a MUST
// that fails), 0 otherwise: warnings and notices are recommendations.
//
// Usage: node graphql-http-audit.mjs URL   (token in JTAI_AUDIT_TOKEN)
// Run by scripts/graphql-http-audit.sh, which copies it next to an install of graphql-http.

import { serverAudits } from 'graphql-http';

const url = process.argv[2];
const token = process.env.JTAI_AUDIT_TOKEN;
if (!url || !token) {
  console.error('usage: JTAI_AUDIT_TOKEN=<token> node graphql-http-audit.mjs <url>');
  process.exit(2);
}

// The API refuses anonymous requests (401), so every audit request carries the token.
function fetchWithToken(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
const failures = [];
for (const audit of serverAudits({ url, fetchFn: fetchWithToken })) {
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    result = { id: audit.id, name: audit.name, status: 'error', reason: `threw: ${err}` };
  }
  counts[result.status] += 1;
  if (result.status === 'ok') {
    console.log(`ok      ${result.name}`);
  } else {
    let detail = '';
    const response = result.response;
    if (response) {
      detail = ` [HTTP ${response.status} ${response.headers.get('content-type') ?? '-'}]`;
      if (response.body && !response.bodyUsed) await response.body.cancel(); // no leaked sockets
    }
    const line = `${result.status.padEnd(7)} ${result.name}: ${result.reason}${detail}`;
    console.log(line);
    failures.push(line);
  }
}

const total = Object.values(counts).reduce((a, b) => a + b, 0);
console.log('');
console.log(
  `graphql-http audit: ${total} audits, ${counts.ok} ok, ${counts.notice} notices, ` +
    `${counts.warn} warnings, ${counts.error} errors`,
);
for (const line of failures) console.log(`  ${line}`);
process.exit(counts.error > 0 ? 1 : 0);
