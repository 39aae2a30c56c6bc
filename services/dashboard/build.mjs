// Builds the dashboard into dist/ (or the directory given): src/main.tsx bundled by esbuild as ES modules
// with code splitting (the new-agent page's YAML parser loads only there), minified, every file named by its
// content hash under assets/ (served as immutable), a .gz beside each (the API sends it to clients that accept
// gzip; nothing is compressed per request), index.html pointing at the hashed entry, and manifest.json listing
// the files with their sizes (tests and benchmarks/dashboard.py read it). Nothing is fetched at run time.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const out = process.argv[2] ?? 'dist';
const work = `${out}.tmp-${process.pid}`;
rmSync(work, { recursive: true, force: true });
mkdirSync(join(work, 'assets'), { recursive: true });

const result = await esbuild.build({
  entryPoints: ['src/main.tsx'],
  bundle: true,
  splitting: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  outdir: join(work, 'assets'),
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
  // node_modules is a link into the cache (scripts/dashboard-build.sh) here and a directory in the image's build
  // stage: keep its paths as they are, so both build the same files under the same hashed names.
  preserveSymlinks: true,
});

const assets = Object.entries(result.metafile.outputs);
const entry = assets.find(([, o]) => o.entryPoint === 'src/main.tsx');
if (!entry) throw new Error('no entry point in the build');
const url = (file) => '/' + relative(work, file).split('\\').join('/');
const css = entry[1].cssBundle ? url(entry[1].cssBundle) : null;
const template = readFileSync('src/index.html', 'utf8');
const html = template
  .replace('<!--styles-->', css ? `<link rel="stylesheet" href="${css}">` : '')
  .replace('<!--script-->', `<script type="module" src="${url(entry[0])}"></script>`);
writeFileSync(join(work, 'index.html'), html);

const files = {};
const walk = (dir) => readdirSync(dir).flatMap((name) => {
  const path = join(dir, name);
  return statSync(path).isDirectory() ? walk(path) : [path];
});
for (const path of walk(work)) {
  const body = readFileSync(path);
  const gz = gzipSync(body, { level: 9 });
  writeFileSync(`${path}.gz`, gz);
  files[url(path)] = { bytes: body.length, gzip: gz.length, sha256: createHash('sha256').update(body).digest('hex') };
}
const manifest = {
  entry: url(entry[0]),
  css,
  files,
  javascript: Object.fromEntries(Object.entries(files).filter(([name]) => name.endsWith('.js'))),
};
writeFileSync(join(work, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');

rmSync(out, { recursive: true, force: true });
renameSync(work, out);
const js = Object.values(manifest.javascript);
const kb = (n) => (n / 1024).toFixed(1);
console.log(`dashboard: ${out}: ${js.length} JavaScript file(s), ${kb(js.reduce((a, f) => a + f.bytes, 0))} KB, `
  + `${kb(js.reduce((a, f) => a + f.gzip, 0))} KB gzipped`);
