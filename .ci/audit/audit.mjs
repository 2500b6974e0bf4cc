// Runs graphql-http's GraphQL-over-HTTP server audit against a running
// reimburse server and fails on any error or warning (notices, the spec's
// MAYs, are printed but pass).
//
//   node audit.mjs URL            # e.g. http://127.0.0.1:8080/graphql
//
// It first waits (up to 30 s) for the server's /readyz to answer 200.
// REIMBURSE_TOKEN, when set, is sent as "Authorization: Bearer <token>" on
// every request: the endpoint answers 401 without one.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}
const token = process.env.REIMBURSE_TOKEN ?? '';

// fetchWithToken adds the bearer token to the audit's requests.
function fetchWithToken(input, init = {}) {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const ready = new URL('/readyz', url);
for (let i = 0; ; i++) {
  try {
    if ((await fetch(ready)).ok) break;
  } catch {
    // not listening yet
  }
  if (i === 60) {
    console.error(`${ready} did not answer 200 within 30 s`);
    process.exit(2);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}

const results = await auditServer({ url, fetchFn: fetchWithToken });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const r of results) {
  counts[r.status]++;
  if (r.status === 'ok') {
    console.log(`ok     ${r.id} ${r.name}`);
    continue;
  }
  let body = '';
  try {
    body = (await r.response.text()).slice(0, 300);
  } catch {
    // the audit may have read the body already
  }
  console.log(`${r.status.padEnd(6)} ${r.id} ${r.name}\n       ${r.reason}` +
    `\n       response: ${r.response.status} ${r.response.headers.get('content-type') ?? ''} ${body}`);
}
console.log(`\n${counts.ok} ok, ${counts.notice} notices, ${counts.warn} warnings, ${counts.error} errors`);
process.exit(counts.warn + counts.error > 0 ? 1 : 0);
