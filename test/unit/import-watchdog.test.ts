/**
 * No endless hashing (web/engine/import-share.ts): an import whose workers stop answering fails after
 * IMPORT_STALL_MS with a message and can be tried again; one that keeps making progress is left alone.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { IMPORT_STALL_MS } from '../../web/engine/constants.js';
import { ImportStalledError, ShareImports } from '../../web/engine/import-share.js';
import { initialState } from '../../web/engine/state.js';
import { StateWriter } from '../../web/engine/state-writer.js';
import { Store } from '../../web/engine/store.js';

beforeEach(() => mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'] }));
afterEach(() => mock.timers.reset());

/** Workers that stop answering (as a worker that never loaded), but give up when cancelled, as the real ones do. */
function setup(onHash: (progress: (n: number) => void) => void) {
  const state = new StateWriter(new Store(initialState('me', false)));
  const cancelled: number[] = [];
  let giveUp: (error: Error) => void = () => undefined;
  const workers = {
    hasher: {
      hashFile: (_file: Blob, _job: number, progress: (n: number) => void) => {
        onHash(progress);
        return new Promise<never>((_, reject) => (giveUp = reject));
      },
      cancel: (job: number) => {
        cancelled.push(job);
        giveUp(new Error('hashing was cancelled'));
      },
    },
    storage: { importFile: () => new Promise<never>(() => undefined), cancelImport: () => undefined, discardImport: async () => undefined },
  };
  return { imports: new ShareImports(workers as never, state), state, cancelled };
}

test('an import that makes no progress fails after the stall time, says why, and can be retried', async () => {
  const { imports, state, cancelled } = setup(() => undefined);
  const running = imports.run(new File([new Uint8Array(1000)], 'stuck.bin'), ['']);
  const failed = assert.rejects(running, ImportStalledError);
  mock.timers.tick(IMPORT_STALL_MS - 1_000);
  assert.equal(state.current.shares[0]?.status, 'hashing', 'still hashing before the stall time');
  mock.timers.tick(2_000);
  await failed;
  const [entry] = state.current.shares;
  assert.equal(entry?.status, 'error');
  assert.match(entry!.error!, /no progress for 60 s.*Retry/);
  assert.ok(cancelled.length >= 1, 'the hashing was told to stop');
  const again = imports.takeFailed(entry!.id);
  assert.equal((again?.input as File).name, 'stuck.bin');
  assert.deepEqual(again?.rooms, ['']);
  assert.deepEqual(state.current.shares, [], 'its entry makes way for the new try');
  assert.equal(imports.takeFailed(entry!.id), undefined, 'once');
});

test('an import that keeps making progress is never stopped, however long it takes', async () => {
  let report!: (n: number) => void;
  const { imports, state } = setup((progress) => (report = progress));
  void imports.run(new File([new Uint8Array(1000)], 'slow.bin'), ['']).catch(() => undefined);
  await Promise.resolve();
  for (let minute = 0; minute < 5; minute++) {
    mock.timers.tick(IMPORT_STALL_MS / 2);
    report(minute);
  }
  assert.equal(state.current.shares[0]?.status, 'hashing');
  imports.cancelAll();
});
