#!/usr/bin/env node
// Compares the installed clients' generated code for the resources racd serves: which
// of racd's routes each client calls (and under which method name), which other paths
// on those resources newer clients call, list filters, response keys, request members
// and enum values, each with the versions where it appears. Everything is read from the
// clients themselves (lib/ops.mjs, lib/models.mjs); racd's routes from its own OpenAPI
// document, internal/httpapi/openapi.yaml (a Go test keeps it in step with the route
// table both ways). Prints Markdown.
//
//   node diff.mjs            # the whole comparison
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENTS, compatDir, loadClient, packageDir } from './lib/clients.mjs';
import { ModelIndex } from './lib/models.mjs';
import { operationTable } from './lib/ops.mjs';

const norm = (p) => p.replace(/\{[^}]+\}/g, '{}');

function racdRoutes() {
  // The document's paths are two-space keys, their operations four-space method keys.
  const src = readFileSync(join(compatDir, '..', 'internal', 'httpapi', 'openapi.yaml'), 'utf8');
  const out = [];
  let path = null;
  for (const line of src.split('\n')) {
    const p = /^  (\/[^:]*):\s*$/.exec(line);
    if (p) {
      path = p[1].startsWith('/api/v3/') ? p[1].slice('/api/v3'.length) : null;
      continue;
    }
    if (/^\S/.test(line)) path = null;
    const m = /^    (get|post|put|patch|delete):/.exec(line);
    if (path && m) out.push(`${m[1].toUpperCase()} ${norm(path)}`);
  }
  return out;
}

const short = (c) => c.version.replace(/-\d{10}$/, '');

/** "all", "from X", "X–Y" or a list: where a feature appears among CLIENTS. */
function span(flags) {
  const idx = flags.map((f, i) => (f ? i : -1)).filter((i) => i >= 0);
  if (idx.length === 0) return 'none';
  if (idx.length === CLIENTS.length) return 'all';
  const contiguous = idx.every((v, i) => i === 0 || v === idx[i - 1] + 1);
  if (contiguous && idx.at(-1) === CLIENTS.length - 1) return `from ${short(CLIENTS[idx[0]])}`;
  if (contiguous) return `${short(CLIENTS[idx[0]])}–${short(CLIENTS[idx.at(-1)])}`;
  return idx.map((i) => short(CLIENTS[i])).join(', ');
}

const clients = CLIENTS.map((c) => {
  const { module } = loadClient(c.alias);
  const table = operationTable(module);
  const byNorm = new Map();
  for (const op of table.byName.values()) byNorm.set(`${op.method} ${norm(op.path)}`, op);
  return { ...c, table, byNorm, models: new ModelIndex(packageDir(c.alias)) };
});

const served = racdRoutes().filter((r) => !r.includes('/-/') && !r.endsWith('/schema/'));
const servedSet = new Set(served);
const families = [...new Set(served.map((r) => r.split(' ')[1].split('/').slice(0, 3).join('/') + '/'))];
// Paths newer clients use for RAC property mappings live under a prefix racd does not serve.
families.push('/propertymappings/provider/rac/');

const out = [];
const line = (s = '') => out.push(s);

line('## Routes racd serves, per client');
line();
line('| route | method name(s) in the clients | present |');
line('|---|---|---|');
for (const r of served) {
  const names = new Map();
  const flags = clients.map((c) => {
    const op = c.byNorm.get(r);
    if (op) names.set(op.name, [...(names.get(op.name) || []), short(c)]);
    return Boolean(op);
  });
  const nameText = [...names.entries()].map(([n, vs]) => (names.size > 1 ? `\`${n}\` (${vs.join(', ')})` : `\`${n}\``)).join('; ');
  line(`| \`${r}\` | ${nameText || '—'} | ${span(flags)} |`);
}
line();
line('## Paths on the same resources that clients call and racd does not serve');
line();
line('| route | method name | present |');
line('|---|---|---|');
const extra = new Map();
for (const c of clients) {
  for (const [route, op] of c.byNorm) {
    const path = route.split(' ')[1];
    if (servedSet.has(route) || !families.some((f) => path.startsWith(f))) continue;
    if (!extra.has(route)) extra.set(route, { name: op.name, flags: clients.map(() => false) });
    extra.get(route).flags[clients.indexOf(c)] = true;
  }
}
for (const [route, { name, flags }] of [...extra.entries()].sort()) line(`| \`${route}\` | \`${name}\` | ${span(flags)} |`);

line();
line('## List filters (query parameters) that change between clients');
line();
for (const r of served.filter((x) => x.startsWith('GET '))) {
  const all = new Set(clients.flatMap((c) => c.byNorm.get(r)?.query || []));
  const changes = [...all].map((q) => [q, span(clients.map((c) => (c.byNorm.get(r)?.query || []).includes(q)))]).filter(([, s]) => s !== 'all' && s !== 'none');
  if (changes.length) line(`- \`${r}\`: ${changes.map(([q, s]) => `\`${q}\` (${s})`).join(', ')}`);
}

// Models reachable from the request and response models of racd's routes.
const roots = new Set();
for (const c of clients) {
  for (const r of served) {
    const op = c.byNorm.get(r);
    if (op?.responseModel) roots.add(op.responseModel);
    if (op?.bodyModel) roots.add(op.bodyModel);
  }
}
// Enums that list filters take (declared on the operation's request interface).
const apiSources = new Map();
for (const c of clients) {
  for (const r of served.filter((x) => x.startsWith('GET '))) {
    const op = c.byNorm.get(r);
    if (!op) continue;
    const file = join(packageDir(c.alias), 'src', 'apis', `${op.api}.ts`);
    const key = `${c.alias}/${op.api}`;
    if (!apiSources.has(key)) apiSources.set(key, readFileSync(file, 'utf8'));
    const iface = apiSources.get(key).match(new RegExp(`export interface ${op.name[0].toUpperCase()}${op.name.slice(1)}Request \\{([\\s\\S]*?)\\n\\}`));
    if (!iface) continue;
    for (const m of iface[1].matchAll(/\b([A-Z]\w*Enum)\b/g)) if (c.models.get(m[1])?.kind === 'enum') roots.add(m[1]);
  }
}
if (process.env.DIFF_DEBUG) console.error([...roots].filter((r) => /Enum$/.test(r)));
const reach = new Set();
const visit = (name) => {
  if (reach.has(name)) return;
  reach.add(name);
  for (const c of clients) {
    const m = c.models.get(name);
    if (m?.kind === 'model') m.props.forEach((p) => p.refs.forEach(visit));
    if (m?.kind === 'alias') m.refs.forEach(visit);
  }
};
roots.forEach(visit);

line();
line('## Model keys that change between clients (models reachable from racd\'s routes)');
line();
line('`!` required (instanceOf checks it), `?` optional, `~` nullable. "from X" = first client whose model has it.');
line();
for (const name of [...reach].sort()) {
  const metas = clients.map((c) => c.models.get(name));
  if (metas.every((m) => !m)) continue;
  const kind = metas.find(Boolean).kind;
  const present = span(metas.map(Boolean));
  if (kind === 'enum') {
    const values = [...new Set(metas.flatMap((m) => m?.values || []))];
    const changes = values.map((v) => [v, span(metas.map((m) => Boolean(m?.values.includes(v))))]).filter(([, s]) => s !== span(metas.map(Boolean)));
    if (changes.length || present !== 'all') line(`- enum **${name}** (${present}): ${changes.map(([v, s]) => `\`${v}\` (${s})`).join(', ') || 'no value changes'}`);
    continue;
  }
  if (kind !== 'model') continue;
  const keys = [...new Set(metas.flatMap((m) => (m?.kind === 'model' ? m.props.map((p) => p.wire) : [])))];
  const changes = [];
  for (const k of keys) {
    const sig = metas.map((m) => {
      const p = m?.kind === 'model' ? m.props.find((x) => x.wire === k) : null;
      return p ? `${p.required ? '!' : ''}${p.optional ? '?' : ''}${p.nullable ? '~' : ''}${p.type.replace(/\s+/g, ' ')}` : null;
    });
    const has = span(sig.map(Boolean));
    const distinct = [...new Set(sig.filter(Boolean))];
    if (has === present && distinct.length === 1) continue;
    const detail = distinct.length > 1 ? ` [${distinct.map((d) => `${d}: ${span(sig.map((s) => s === d))}`).join('; ')}]` : ` ${distinct[0]}`;
    changes.push(`\`${k}\` (${has})${detail}`);
  }
  if (changes.length || present !== 'all') line(`- **${name}** (${present}): ${changes.join(', ') || 'no key changes'}`);
}
console.log(out.join('\n'));
