/**
 * The import direction (README, "Layers"): protocol imports no other layer; the data plane only the
 * protocol; workers the plane and the protocol; the service worker the protocol and the storage
 * modules of workers/; the page all of those but the service worker; the server only the protocol.
 * Inside the page, its interface (web/ui) reaches the data plane and the workers only through the
 * engine. The headless peer (headless/) builds the engine with Node's ports; nothing imports it. A relative import that runs against it fails this test, with the file and the import named.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';

/** Layer -> the layers it may import (besides itself and npm packages). */
export const LAYERS: Record<string, readonly string[]> = {
  protocol: [],
  plane: ['protocol'],
  workers: ['protocol', 'plane'],
  sw: ['protocol', 'workers'],
  web: ['protocol', 'plane', 'workers', 'web/ui'],
  'web/ui': ['protocol', 'web'],
  server: ['protocol'],
  // The headless peer: the engine with Node's ports, and a command-line interface beside the app's.
  headless: ['protocol', 'plane', 'workers', 'web', 'web/ui'],
};

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'(\.{1,2}\/[^']+)'/gm;

/** Every import in `files` (path -> source text) that leaves its layer for one it may not use. */
export function violations(files: Map<string, string>): string[] {
  const found: string[] = [];
  for (const [file, text] of files) {
    const layer = layerOf(file);
    const allowed = LAYERS[layer];
    if (!allowed) continue;
    for (const match of text.matchAll(IMPORT)) {
      const target = layerOf(normalize(join(dirname(file), match[1]!)));
      if (target !== layer && !allowed.includes(target)) found.push(`${file} imports ${match[1]} (${layer} → ${target})`);
    }
  }
  return found;
}

/** The innermost layer a path is in: `web/ui/x.ts` is in web/ui, `web/engine/x.ts` in web. */
function layerOf(path: string): string {
  const [top, sub] = path.split('/');
  return LAYERS[`${top}/${sub}`] ? `${top}/${sub}` : top!;
}

function sources(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) files.set(relative(root, path), readFileSync(path, 'utf8'));
    }
  };
  for (const layer of Object.keys(LAYERS)) walk(join(root, layer));
  return files;
}

test('every import in the tree runs with the layers', () => {
  const files = sources(process.cwd());
  assert.ok(files.size > 50, `found only ${files.size} source files`);
  assert.deepEqual(violations(files), []);
});

test('the check catches an import against the direction, static or dynamic', () => {
  const files = new Map([
    ['workers/storage.worker.ts', "import { DataPlane } from '../web/engine/data-plane.js';"],
    ['protocol/wire.ts', "const x = await import('../plane/constants.js');"],
    ['plane/download.ts', "import '../server/log.js';\nimport { CHUNK_SIZE } from '../protocol/index.js';"],
    ['web/engine/engine.ts', "import { x } from '../../plane/download.js';\nimport { y } from './state.js';"],
    ['web/ui/views/transfers-view.ts', "import type { X } from '../../../plane/data-plane.js';\nimport { e } from '../../engine/engine.js';\nimport { t } from '../theme.js';"],
  ]);
  assert.deepEqual(violations(files), [
    'workers/storage.worker.ts imports ../web/engine/data-plane.js (workers → web)',
    'protocol/wire.ts imports ../plane/constants.js (protocol → plane)',
    'plane/download.ts imports ../server/log.js (plane → server)',
    'web/ui/views/transfers-view.ts imports ../../../plane/data-plane.js (web/ui → plane)',
  ]);
});
