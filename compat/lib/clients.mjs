// The official authentik TypeScript clients under test, installed side by side under npm
// aliases (package.json), and how to load each of them.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Root of compat/ (where node_modules lives). */
export const compatDir = join(here, '..');

/**
 * Every client, oldest first: the npm alias it is installed under and the published
 * version. Timestamped versions are builds of authentik's main branch.
 */
export const CLIENTS = [
  { alias: 'ak-2024-6-0', version: '2024.6.0-1720200294' },
  { alias: 'ak-2024-6-4', version: '2024.6.4-1724423607' },
  { alias: 'ak-2024-10-5', version: '2024.10.5-1734528783' },
  { alias: 'ak-2025-2-4', version: '2025.2.4-1745325566' },
  { alias: 'ak-2025-6-4', version: '2025.6.4-1755003758' },
  { alias: 'ak-2025-10-4', version: '2025.10.4' },
  { alias: 'ak-2025-12-6', version: '2025.12.6' },
  { alias: 'ak-2026-8-3', version: '2026.8.3' },
];

/** Directory of an installed client package. */
export function packageDir(alias) {
  return join(compatDir, 'node_modules', alias);
}

/**
 * Loads one client's CommonJS build. Every version's package.json names
 * ./dist/index.js as "main", but 2025.10.4 and 2025.12.6 were published without it;
 * their ./dist/esm/ tree is CommonJS too (no "type": "module"), so it is loaded
 * instead. The 2024.x/2025.2 dist/esm trees are real ESM with extension-less imports,
 * which Node cannot load, so they are never used. All versions use the global fetch
 * (Node >= 18), so nothing else is needed.
 */
export function loadClient(alias) {
  const dir = packageDir(alias);
  for (const entry of ['dist/index.js', 'dist/esm/index.js']) {
    const file = join(dir, entry);
    if (existsSync(file)) return { module: require(file), entry };
  }
  throw new Error(`${alias}: no loadable entry point (dist/index.js, dist/esm/index.js)`);
}
