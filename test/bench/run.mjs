// `npm run bench -- NAME…`: runs test/bench/NAME.bench.ts for each NAME (all when none is given).
// Each benchmark prints one JSON line per case.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const available = readdirSync('test/bench').filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace('.bench.ts', ''));
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!available.includes(name)) {
    console.error(`bench: no benchmark "${name}"; available: ${available.join(', ')}`);
    process.exit(2);
  }
}
const build = spawnSync(process.execPath, ['esbuild.config.mjs', '--if-needed'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
let failed = false;
for (const name of wanted.length > 0 ? wanted : available) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', `test/bench/${name}.bench.ts`], { stdio: 'inherit' });
  if (run.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
