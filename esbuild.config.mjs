// Builds everything into dist/: the page (dist/web), its workers and service worker, the server
// (dist/server) and the headless peer (dist/headless). Flags: --watch (rebuild on change and restart the server: `npm run dev`),
// --if-needed (skip when dist/ is newer than every source: `npm start`), --out DIR (build into DIR
// instead of dist/: the tests that serve two builds one after the other).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { injectManifest } from 'workbox-build';

const watch = process.argv.includes('--watch');
const ifNeeded = process.argv.includes('--if-needed');
const production = !watch && process.env.NODE_ENV !== 'development';
const outFlag = process.argv.indexOf('--out');
const out = outFlag > 0 ? process.argv[outFlag + 1] : 'dist';
const stamp = join(out, '.build-stamp');
const sources = ['protocol', 'plane', 'web', 'workers', 'sw', 'server', 'headless', 'package.json', 'esbuild.config.mjs'];

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

if (ifNeeded && existsSync(stamp) && statSync(stamp).mtimeMs >= Math.max(...sources.map(newestMtime))) {
  console.log('build: dist/ is up to date');
  process.exit(0);
}

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const common = {
  bundle: true,
  sourcemap: true,
  minify: production,
  logLevel: 'warning',
  target: 'es2022',
  // The build's time names it (About shows it; a new build is a new service worker, hence an update).
  define: { 'process.env.NODE_ENV': JSON.stringify(production ? 'production' : 'development'), __SHOAL_VERSION__: JSON.stringify(version), __SHOAL_BUILD__: JSON.stringify(new Date().toISOString()) },
};

function copyStatic() {
  mkdirSync(join(out, 'web'), { recursive: true });
  for (const file of ['index.html', 'base.css', 'manifest.webmanifest', 'screenshot-wide.png', 'screenshot-narrow.png']) cpSync(join('web', file), join(out, 'web', file));
  cpSync(join('web', 'icons'), join(out, 'web', 'icons'), { recursive: true });
}

/** After the service worker is bundled, Workbox writes the precache list (file + revision) into it. */
const precacheManifest = {
  name: 'precache-manifest',
  setup(build) {
    build.onEnd(async (result) => {
      if (result.errors.length > 0) return;
      const { count, warnings } = await injectManifest({
        swSrc: join(out, 'web', 'sw.js'),
        swDest: join(out, 'web', 'sw.js'),
        globDirectory: join(out, 'web'),
        globPatterns: ['**/*.{html,js,css,svg,png,webmanifest}'],
        globIgnores: ['sw.js', '**/*.map', 'screenshot-*.png'],
        maximumFileSizeToCacheInBytes: 5 * 1024 * 1024,
      });
      for (const warning of warnings) console.warn(`workbox: ${warning}`);
      if (watch) console.log(`build: service worker precaches ${count} files`);
    });
  },
};

const builds = [
  // Split: what the shell imports on demand (chart.js for the dashboard) is its own file, loaded when first shown.
  { ...common, entryPoints: { app: 'web/main.ts' }, outdir: join(out, 'web'), format: 'esm', platform: 'browser', splitting: true, chunkNames: 'chunks/[name]-[hash]' },
  {
    ...common,
    entryPoints: { hasher: 'workers/hasher.worker.ts', 'whole-hash': 'workers/whole-hash.worker.ts', storage: 'workers/storage.worker.ts' },
    outdir: join(out, 'web', 'workers'),
    format: 'esm',
    platform: 'browser',
  },
  {
    ...common,
    entryPoints: { main: 'server/main.ts', 'turn-process': 'server/turn/turn-process.ts' },
    outdir: join(out, 'server'),
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    minify: false,
  },
  // The headless peer (`shoal`): the engine with Node's ports; its npm packages (node-datachannel's binary among them) load from node_modules.
  { ...common, entryPoints: { shoal: 'headless/shoal.ts' }, outdir: join(out, 'headless'), format: 'esm', platform: 'node', target: 'node20', packages: 'external', minify: false },
];
// Last, so the precache list sees the page and workers it just built.
const serviceWorker = { ...common, entryPoints: { sw: 'sw/sw.ts' }, outdir: join(out, 'web'), format: 'iife', platform: 'browser', plugins: [precacheManifest] };

// Chunk names carry content hashes: old ones would pile up and be precached with the new.
rmSync(join(out, 'web', 'chunks'), { recursive: true, force: true });
copyStatic();
if (!watch) {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  await esbuild.build(serviceWorker);
  writeFileSync(stamp, new Date().toISOString());
  console.log(`build: ${production ? 'production' : 'development'} build in ${out}/`);
} else {
  const contexts = await Promise.all([...builds, serviceWorker].map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((context) => context.rebuild()));
  await Promise.all(contexts.map((context) => context.watch()));
  // node --watch restarts the server whenever its bundle changes.
  const server = spawn(process.execPath, ['--watch-path', join(out, 'server'), join(out, 'server', 'main.js')], {
    stdio: 'inherit',
    env: { NODE_ENV: 'development', ...process.env },
  });
  const stop = () => {
    server.kill('SIGTERM');
    void Promise.all(contexts.map((context) => context.dispose())).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  console.log('dev: watching for changes');
}
