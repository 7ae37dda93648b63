#!/usr/bin/env node
// Runs the RAC scenario (scenario.mjs) with every installed authentik TypeScript client
// against a running racd and prints a per-client, per-operation matrix, then the cause
// of every failure. Exits 1 when any step fails or is skipped.
//
//   node run.mjs --url http://127.0.0.1:9000 --token KEY [--clients 2024.6.0,2026.8.3] [--json out.json]
//
// run.sh builds racd, starts it on a fresh SQLite database and runs this.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CLIENTS } from './lib/clients.mjs';
import { ClientUnderTest } from './lib/harness.mjs';
import { GENUINE, adapterFor, runScenario } from './scenario.mjs';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.RACD_URL },
    token: { type: 'string', default: process.env.RACD_TOKEN },
    clients: { type: 'string' },
    json: { type: 'string' },
  },
});
if (!args.url || !args.token) {
  console.error('usage: node run.mjs --url http://host:port --token API_TOKEN [--clients v1,v2] [--json file]');
  process.exit(2);
}
const wanted = args.clients ? args.clients.split(',').map((v) => v.trim()) : null;
const selected = CLIENTS.filter((c) => !wanted || wanted.some((w) => c.version.startsWith(w)));
if (selected.length === 0) {
  console.error(`no client matches ${args.clients}`);
  process.exit(2);
}

const short = (c) => c.version.replace(/-\d{10}$/, '');
const runs = [];
for (const [i, client] of selected.entries()) {
  const cut = new ClientUnderTest(client, args.url.replace(/\/$/, ''), args.token, GENUINE);
  const tag = `${short(client).replace(/\./g, '-')}-${Date.now().toString(36)}${i}`;
  await runScenario(cut, adapterFor(CLIENTS, client.version), tag);
  runs.push({ client, entry: cut.entry, steps: cut.results });
}

// ---- the matrix ----
const stepNames = [...new Set(runs.flatMap((r) => r.steps.map((s) => s.name)))];
const cols = runs.map((r) => short(r.client));
const w0 = Math.max(...stepNames.map((n) => n.length), 9);
const widths = cols.map((c) => Math.max(c.length, 4));
const row = (first, cells) => `${first.padEnd(w0)} | ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')}`;
const out = [];
out.push(row('operation', cols));
out.push(`${'-'.repeat(w0)}-|-${widths.map((w) => '-'.repeat(w)).join('-|-')}`);
for (const name of stepNames) {
  out.push(row(name, runs.map((r) => r.steps.find((s) => s.name === name)?.status ?? '-')));
}
const count = (st) => runs.map((r) => String(r.steps.filter((s) => s.status === st).length));
out.push(`${'-'.repeat(w0)}-|-${widths.map((w) => '-'.repeat(w)).join('-|-')}`);
for (const st of ['ok', 'FAIL', 'skip', 'n/a']) out.push(row(`${st} (count)`, count(st)));
console.log(out.join('\n'));

// ---- causes ----
let failed = 0;
let skipped = 0;
for (const r of runs) {
  const bad = r.steps.filter((s) => s.status === 'FAIL' || s.status === 'skip');
  if (!bad.length) continue;
  console.log(`\n== @goauthentik/api ${r.client.version} (${r.client.alias}, loaded from ${r.entry})`);
  for (const s of bad) {
    if (s.status === 'skip') {
      skipped++;
      console.log(`  ${s.name}: skip: ${s.note}`);
      continue;
    }
    failed++;
    console.log(`  ${s.name}: FAIL`);
    for (const p of s.problems) console.log(`    [${p.kind}] ${p.detail}`);
  }
}
const total = runs.reduce((n, r) => n + r.steps.length, 0);
const na = runs.reduce((n, r) => n + r.steps.filter((s) => s.status === 'n/a').length, 0);
console.log(`\n${runs.length} clients, ${total} steps: ${total - failed - skipped - na} ok, ${failed} failed, ${skipped} skipped, ${na} not applicable`);
// The plain closing line test-result readers look for.
console.log(`compat: ${total - failed - skipped - na} passed, ${failed} failed, ${skipped + na} skipped`);
if (args.json) writeFileSync(args.json, JSON.stringify(runs.map((r) => ({ version: r.client.version, entry: r.entry, steps: r.steps })), null, 2));
process.exit(failed || skipped ? 1 : 0);
