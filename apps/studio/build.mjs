#!/usr/bin/env node
/**
 * Builds Studio into `apps/studio/dist`: `src/main.tsx` bundled with esbuild (content-hashed names under
 * `assets/`), `index.html`, the service worker `sw.js`, and pdf.js's worker and standard fonts.
 * `--dev` builds unminified, unhashed, with a live-reload snippet (see `dev.mjs`).
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const dist = join(here, 'dist');
const require = createRequire(import.meta.url);
const pdfjsDir = dirname(require.resolve('pdfjs-dist/package.json'));

/** `@syncline/*` from their TypeScript sources: the app does not wait for (or go stale against) `tsc`. */
const workspaceSources = {
  name: 'syncline-sources',
  setup(build) {
    build.onResolve({ filter: /^@syncline\/(protocol|doc|client|react)$/ }, (args) => ({
      path: join(root, 'packages', args.path.slice('@syncline/'.length), 'src/index.ts'),
    }));
  },
};

/** esbuild options for the app; `dev` adds the live-reload banner and skips minifying and hashing. */
export function appOptions({ dev = false } = {}) {
  return {
    entryPoints: { main: join(here, 'src/main.tsx') },
    bundle: true,
    format: 'esm',
    splitting: false,
    outdir: join(dist, 'assets'),
    entryNames: dev ? '[name]' : '[name]-[hash]',
    assetNames: dev ? '[name]' : '[name]-[hash]',
    metafile: true,
    minify: !dev,
    sourcemap: true,
    target: ['chrome115', 'firefox115', 'safari16.4'],
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': JSON.stringify(dev ? 'development' : 'production') },
    plugins: [workspaceSources],
    logLevel: 'warning',
  };
}

/** Writes `index.html` (and `sw.js`) for the app's outputs, and copies pdf.js's static files. */
export async function finish(result, { dev = false, devScript = '' } = {}) {
  const outputs = Object.keys(result.metafile.outputs).map(
    (p) => `/${relative(dist, join(process.cwd(), p))}`,
  );
  const js = outputs.find((p) => /\/assets\/main(-[A-Z0-9]+)?\.js$/.test(p));
  const css = outputs.find((p) => /\/assets\/main(-[A-Z0-9]+)?\.css$/.test(p));
  if (!js || !css) throw new Error(`build outputs are missing main.js or main.css: ${outputs.join(', ')}`);
  const template = await readFile(join(here, 'src/index.html'), 'utf8');
  const html = template
    .replace('%JS%', js)
    .replace('%CSS%', css)
    .replace('%DEV%', dev ? `<script>window.SYNCLINE_DEV = true;${devScript}</script>\n    ` : '');
  await writeFile(join(dist, 'index.html'), html);
  await cp(join(pdfjsDir, 'build/pdf.worker.min.mjs'), join(dist, 'pdf.worker.min.mjs'));
  await cp(join(pdfjsDir, 'standard_fonts'), join(dist, 'pdfjs/standard_fonts'), { recursive: true });
  const assets = [...outputs.filter((p) => !p.endsWith('.map')), '/pdf.worker.min.mjs'];
  const version = (js.match(/main-([A-Z0-9]+)\.js$/) ?? [])[1] ?? `dev-${Date.now()}`;
  await esbuild.build({
    entryPoints: [join(here, 'src/sw.ts')],
    bundle: true,
    format: 'iife',
    outfile: join(dist, 'sw.js'),
    minify: !dev,
    target: ['chrome115', 'firefox115', 'safari16.4'],
    define: { STUDIO_ASSETS: JSON.stringify(assets), STUDIO_VERSION: JSON.stringify(version) },
    logLevel: 'warning',
  });
}

async function main() {
  const started = Date.now();
  await rm(join(dist, 'assets'), { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
  const result = await esbuild.build(appOptions());
  await finish(result);
  const size = Object.entries(result.metafile.outputs)
    .filter(([p]) => p.endsWith('.js') || p.endsWith('.css'))
    .map(([p, o]) => `${relative(dist, join(process.cwd(), p))} ${(o.bytes / 1024).toFixed(0)} KB`);
  console.log(`studio: built in ${Date.now() - started} ms: ${size.join(', ')}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
