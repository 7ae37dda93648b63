// Builds racd's browser pages into ../internal/web/dist, which is committed and
// embedded in the binary (go:embed), so `go run ./cmd/racd` needs no Node.
//
// Every src/*.ts and src/*.css whose name does not start with "_" is an entry point
// and becomes dist/<name>.js or dist/<name>.css. The output is deterministic for a given
// lock file: CI rebuilds it with `npm ci && npm run build` and fails when it differs
// from what is committed.
//
// The licence of every third-party package that ends up in a bundle is written to
// dist/THIRD_PARTY_LICENSES.txt, beside the bundles.
import * as esbuild from "esbuild";
import { readdirSync, readFileSync, writeFileSync, rmSync, mkdirSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, "src");
const out = join(here, "..", "internal", "web", "dist");

const entries = readdirSync(src)
  .filter((f) => /\.(ts|css)$/.test(f) && !f.startsWith("_"))
  .sort()
  .map((f) => join(src, f));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await esbuild.build({
  entryPoints: entries,
  outdir: out,
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
  charset: "utf8",
});

// Third-party packages that ended up in a bundle, from the inputs esbuild read.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (m) packages.add(m[1]);
}
const licences = [...packages].sort().map((name) => {
  const dir = join(here, "node_modules", name);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = ["LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "COPYING"].find((f) => existsSync(join(dir, f)));
  if (!file) throw new Error(`${name}: no licence file to ship beside the bundle`);
  let text = `${name} ${pkg.version} (${pkg.license})\n\n${readFileSync(join(dir, file), "utf8").trim()}\n`;
  for (const notice of ["NOTICE", "NOTICE.txt", "NOTICE.md"]) {
    if (existsSync(join(dir, notice))) text += `\n${readFileSync(join(dir, notice), "utf8").trim()}\n`;
  }
  return text;
});
writeFileSync(
  join(out, "THIRD_PARTY_LICENSES.txt"),
  "Third-party software bundled in racd's pages.\n\n" + licences.join("\n" + "=".repeat(72) + "\n\n"),
);
const files = readdirSync(out).sort();
console.log(`built ${files.length} files into internal/web/dist: ${files.join(", ")}`);
