// Builds the offline GraphiQL playground into dist/ with esbuild.
//
// Run through `npm run build` (after `npm ci`). The output is committed, so
// `go build` never needs Node: dist/index.html plus content-hashed files in
// dist/assets/, which web.Handler serves with immutable cache headers.
//
// Monaco's web workers are bundled as separate classic (IIFE) scripts and
// their hashed names are compiled into the main bundle, so the page never
// loads a worker from a CDN or a blob: URL.
import * as esbuild from 'esbuild';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const outdir = 'dist/assets';
const common = {
  bundle: true,
  minify: true,
  sourcemap: false,
  target: ['es2022'],
  platform: 'browser',
  legalComments: 'external',
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
};

await rm('dist', { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

// outputFor returns the emitted file name (relative to dist/assets) of entry.
function outputFor(metafile, entry) {
  for (const [file, info] of Object.entries(metafile.outputs)) {
    if (info.entryPoint === entry && file.endsWith('.js')) {
      return path.relative(outdir, file);
    }
  }
  throw new Error(`no output for ${entry}`);
}

const workerEntries = {
  'editor.worker': 'node_modules/monaco-editor/esm/vs/editor/editor.worker.js',
  'json.worker': 'node_modules/monaco-editor/esm/vs/language/json/json.worker.js',
  'graphql.worker': 'node_modules/monaco-graphql/esm/graphql.worker.js',
};
const workers = await esbuild.build({
  ...common,
  entryPoints: workerEntries,
  outdir,
  format: 'iife',
});
const workerFiles = {};
for (const [name, entry] of Object.entries(workerEntries)) {
  workerFiles[name] = outputFor(workers.metafile, entry);
}

const main = await esbuild.build({
  ...common,
  entryPoints: { main: 'src/main.jsx' },
  outdir,
  format: 'esm',
  jsx: 'automatic',
  loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'dataurl' },
  define: { ...common.define, __WORKER_FILES__: JSON.stringify(workerFiles) },
});
const mainJS = outputFor(main.metafile, 'src/main.jsx');
const mainCSS = main.metafile.outputs[path.join(outdir, mainJS)].cssBundle;
if (!mainCSS) throw new Error('no CSS output for src/main.jsx');

// Asset paths are relative so the page also works when mounted under a prefix.
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Reimburse GraphQL playground</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/${path.relative(outdir, mainCSS)}">
<style>html,body,#root{height:100%;margin:0}</style>
</head>
<body>
<div id="root"></div>
<noscript>The GraphQL playground needs JavaScript.</noscript>
<script type="module" src="assets/${mainJS}"></script>
</body>
</html>
`;
await writeFile('dist/index.html', html);

for (const [file, info] of Object.entries({ ...workers.metafile.outputs, ...main.metafile.outputs })) {
  console.log(`${String(info.bytes).padStart(9)}  ${file}`);
}
