/**
 * The headless peer (`shoal`, dist/headless/shoal.js) against the real server and real Chromium:
 * Node seeds and Chromium downloads through the app; Chromium seeds and Node downloads; a Chromium
 * leecher pulls from a Node seeder and a Chromium seeder at once; a `shoal get` killed with SIGKILL half-way resumes; a Node seeder serving corrupted chunks is
 * banned; and a 1 GiB Node→Node transfer keeps the receiver's memory flat. Through our TURN (which
 * loopback cannot prove: every address is 127.0.0.1) in the network lab: lab-nat.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { engineState, launchBrowser, openApp, sha256ThroughServiceWorker, shareFromDisk, startServer, testFiles, waitForState, type LaunchedBrowser, type RunningServer } from './harness.js';
import { runShoal, type CliEvent, type CliRun } from './shoal-cli.js';

const CHUNK = 65536;

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const data of createReadStream(path)) hash.update(data as Buffer);
  return hash.digest('hex');
}

/** Resident memory of a process, in bytes (VmRSS). */
async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) * 1024;
}

describe('headless peer: shoal seed / get against browsers', { timeout: 600_000 }, () => {
  let server: RunningServer;
  let work: string;
  const files = testFiles();
  const running: CliRun[] = [];
  const browsers: LaunchedBrowser[] = [];

  /** Starts `shoal` with its own state folder under the test's; stopped (Ctrl-C) after the suite. */
  const shoal = (args: string[], state: string, cwd = work) => {
    const run = runShoal([...args, '--server', server.url, '--state', join(work, state)], { cwd });
    running.push(run);
    return run;
  };

  /** Seeds `path` as `name` and waits until the room hears it; returns the run and the share id. */
  async function seed(path: string, name: string): Promise<{ run: CliRun; shareId: string }> {
    const run = shoal(['seed', path, '--name', name], `state-${name}`);
    const seeding = await run.waitFor((e) => e.event === 'seeding', 60_000, `${name} seeding`);
    return { run, shareId: seeding.id as string };
  }

  async function stop(run: CliRun): Promise<number | string> {
    if (run.child.exitCode === null) run.child.kill('SIGINT');
    return run.exited;
  }

  before(async () => {
    server = await startServer();
    work = await mkdtemp(join(tmpdir(), 'shoal-headless-'));
  });

  after(async () => {
    for (const run of running) await stop(run);
    for (const browser of browsers) await browser.close();
    await server?.stop();
    await files.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  let nodeShared: { path: string; sha256: string };
  let nodeShareId: string;
  let nodeSeeder: CliRun;
  let browserSeeder: LaunchedBrowser;

  test('Node seeds, Chromium downloads through the app: the same SHA-256, every chunk from the Node seeder', async () => {
    nodeShared = await files.file('from-node.bin', 12 * 1024 * 1024 + 4321);
    ({ run: nodeSeeder, shareId: nodeShareId } = await seed(nodeShared.path, 'node-seeder'));
    const seeding = nodeSeeder.events.find((e) => e.event === 'seeding')!;
    assert.match(seeding.link as string, new RegExp(`^${server.url}/#/s/${nodeShareId}$`), 'the share link names the server and the share');
    browserSeeder = await launchBrowser();
    browsers.push(browserSeeder);
    await openApp(browserSeeder.page, server.url);
    await browserSeeder.page.getByRole('button', { name: 'Download from-node.bin' }).click({ timeout: 15_000 });
    await waitForState(browserSeeder.page, (s) => s.shares.some((x) => x.id === nodeShareId && x.status === 'seeding'), 60_000, 'the browser finished downloading from Node');
    assert.equal(await sha256ThroughServiceWorker(browserSeeder.page, `/files/${nodeShareId}/from-node.bin`), nodeShared.sha256);
    const fromNode = (await engineState(browserSeeder.page)).peers.find((p) => p.name === 'node-seeder');
    assert.ok(fromNode && fromNode.chunksReceived === Math.ceil((12 * 1024 * 1024 + 4321) / CHUNK), `every chunk came from the Node seeder: ${JSON.stringify(fromNode)}`);
  });

  test('Chromium seeds, Node downloads: the file on disk has the SHA-256; no .part is left; exit code 0', async () => {
    const shared = await files.file('from-browser.bin', 9 * 1024 * 1024 + 99);
    const shareId = await shareFromDisk(browserSeeder.page, shared.path, 'from-browser.bin');
    const out = join(work, 'from-browser-out');
    const get = shoal(['get', shareId, '--out', out, '--name', 'node-getter'], 'state-getter');
    const done = await get.waitFor((e) => e.event === 'done', 60_000, 'the Node download');
    assert.equal(await get.exited, 0, `exit code 0; stderr: ${get.stderr()}`);
    assert.equal(done.path, join(out, 'from-browser.bin'));
    assert.equal(await sha256OfFile(join(out, 'from-browser.bin')), shared.sha256, 'the downloaded bytes are the original');
    assert.deepEqual(await readdir(out), ['from-browser.bin'], 'only the finished file is left');
  });

  test('a swarm: a Chromium leecher pulls from a Node seeder and a Chromium seeder at once', async () => {
    const leecher = await launchBrowser();
    browsers.push(leecher);
    await openApp(leecher.page, server.url);
    // Both hold from-node.bin: the Node seeder, and the first browser that downloaded it.
    await waitForState(leecher.page, (s) => (s.roomFiles.find((f) => f.id === nodeShareId)?.holders.length ?? 0) >= 2, 15_000, 'two holders of from-node.bin');
    await leecher.page.getByRole('button', { name: 'Download from-node.bin' }).click({ timeout: 15_000 });
    const state = await waitForState(leecher.page, (s) => s.shares.some((x) => x.id === nodeShareId && x.status === 'seeding'), 60_000, 'the swarm download');
    assert.equal(await sha256ThroughServiceWorker(leecher.page, `/files/${nodeShareId}/from-node.bin`), nodeShared.sha256);
    const browserSeederId = (await engineState(browserSeeder.page)).selfId;
    const fromNode = state.peers.find((p) => p.name === 'node-seeder')?.chunksReceived ?? 0;
    const fromBrowser = state.peers.find((p) => p.peerId === browserSeederId)?.chunksReceived ?? 0;
    assert.ok(fromNode > 0 && fromBrowser > 0, `chunks came from both seeders: Node ${fromNode}, Chromium ${fromBrowser}`);
    await leecher.close();
    browsers.splice(browsers.indexOf(leecher), 1);
  });

  test('resume: shoal get killed with SIGKILL refetches at most 64 chunks; stopped with Ctrl-C it loses nothing', async (t) => {
    const size = 48 * 1024 * 1024;
    const shared = await files.file('resume.bin', size);
    const { shareId } = await seed(shared.path, 'resume-seeder');
    const chunks = size / CHUNK;
    const out = join(work, 'resume-out');
    const get = (limit: string[]) => shoal(['get', shareId, '--out', out, ...limit, '--name', 'resumer'], 'state-resumer');
    const fetched = (done: CliEvent) => (done.peers as { chunksReceived: number }[]).reduce((n, p) => n + p.chunksReceived, 0);

    // SIGKILL at about a third: no chance to save; the bitfield sidecar is behind by at most a batch.
    const first = get(['--down-limit', '4M']);
    const third = await first.waitFor((e) => e.event === 'progress' && (e.bytesDone as number) >= size / 3, 60_000, 'a third of resume.bin');
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');
    const reportedAtKill = Math.floor((third.bytesDone as number) / CHUNK);

    // Ctrl-C at about two thirds: everything verified is saved, and said.
    const second = get(['--down-limit', '4M']);
    // Its first report is where it starts: what the killed run left on disk.
    const resumedAt = Math.floor(((await second.waitFor((e) => e.event === 'progress', 30_000, 'the second run\'s start')).bytesDone as number) / CHUNK);
    await second.waitFor((e) => e.event === 'progress' && (e.bytesDone as number) >= (2 * size) / 3, 60_000, 'two thirds of resume.bin');
    second.child.kill('SIGINT');
    const stopped = await second.waitFor((e) => e.event === 'stopped', 30_000, 'the stop to save progress');
    assert.equal(await second.exited, 130);
    const chunksAtStop = stopped.chunksDone as number;
    assert.ok(chunksAtStop < chunks, 'stopped before it finished');

    const third_ = get([]);
    const done = await third_.waitFor((e) => e.event === 'done', 60_000, 'the resumed download');
    assert.equal(await third_.exited, 0);
    assert.equal(await sha256OfFile(join(out, 'resume.bin')), shared.sha256);
    assert.deepEqual(await readdir(out), ['resume.bin']);
    t.diagnostic(`SIGKILL at ${reportedAtKill}/${chunks} chunks reported, the next run resumed at ${resumedAt}; Ctrl-C saved ${chunksAtStop}/${chunks}; the last run fetched ${fetched(done)}`);
    assert.ok(resumedAt >= reportedAtKill - 64, `after SIGKILL at ${reportedAtKill} chunks the next run resumed at ${resumedAt}: at most 64 to fetch again`);
    assert.equal(fetched(done), chunks - chunksAtStop, 'after Ctrl-C, exactly the missing chunks are fetched: nothing verified was lost');
  });

  test('shoal get --seed keeps seeding what it fetched: another peer gets it from there once the first seeder is gone; shoal ls lists the room', async () => {
    const shared = await files.file('relay-race.bin', 5 * 1024 * 1024 + 3);
    const { run: origin, shareId } = await seed(shared.path, 'origin-seeder');
    const middle = shoal(['get', shareId, '--out', join(work, 'middle-out'), '--seed', '--name', 'middle'], 'state-middle');
    await middle.waitFor((e) => e.event === 'done', 60_000, 'the middle download');
    assert.equal(await stop(origin), 130);
    const ls = shoal(['ls', '--name', 'lister'], 'state-lister');
    const listed = await ls.waitFor((e) => e.event === 'share' && e.id === shareId, 30_000, 'the share listed');
    assert.deepEqual([listed.name, listed.size, listed.holders], ['relay-race.bin', 5 * 1024 * 1024 + 3, 1], 'only the middle peer holds it now');
    assert.equal(await ls.exited, 0);
    const last = shoal(['get', shareId, '--out', join(work, 'last-out'), '--name', 'last'], 'state-last');
    const done = await last.waitFor((e) => e.event === 'done', 60_000, 'the download from the middle peer');
    assert.equal(await last.exited, 0);
    assert.deepEqual((done.peers as { name: string }[]).map((p) => p.name), ['middle']);
    assert.equal(await sha256OfFile(join(work, 'last-out', 'relay-race.bin')), shared.sha256);
    assert.equal(await stop(middle), 130);
  });

  test('a hostile Node seeder serving corrupted chunks is refused and banned; the download completes from an honest one', async () => {
    const shared = await files.file('honest.bin', 6 * 1024 * 1024);
    const evilDir = await mkdtemp(join(work, 'evil-'));
    const evilPath = join(evilDir, 'honest.bin');
    await copyFile(shared.path, evilPath);
    // A whole second, which utimes sets exactly (a Date's milliseconds can come back 1 ms off).
    const mtime = 1_700_000_000;
    await utimes(evilPath, mtime, mtime);
    const { shareId } = await seed(evilPath, 'evil-seeder');
    // Every chunk of its copy is corrupted after it was hashed; its modification time is put back,
    // so it still passes for the share it announced (a seeder whose file changed stops serving it)
    // and serves the bad bytes.
    const handle = await open(evilPath, 'r+');
    for (let offset = 100; offset < 6 * 1024 * 1024; offset += CHUNK) await handle.write(Buffer.from([0xff ^ (offset & 0xff)]), 0, 1, offset);
    await handle.close();
    await utimes(evilPath, mtime, mtime);
    assert.equal((await stat(evilPath)).mtimeMs, mtime * 1000);
    // At first the hostile seeder is the only one: the download must refuse it, then ban it.
    const out = join(work, 'hostile-out');
    const get = shoal(['get', shareId, '--out', out, '--name', 'victim'], 'state-victim');
    await get.waitFor((e) => e.event === 'note' && /Stopped using evil-seeder/.test(e.message as string), 60_000, 'the hostile seeder banned');
    await seed(shared.path, 'honest-seeder');
    const done = await get.waitFor((e) => e.event === 'done', 90_000, 'the download past a hostile seeder');
    assert.equal(await get.exited, 0);
    assert.equal(await sha256OfFile(join(out, 'honest.bin')), shared.sha256, 'no corrupted byte was kept');
    const ban = get.events.find((e: CliEvent) => e.event === 'note' && /Stopped using evil-seeder/.test(e.message as string));
    assert.match(ban!.message as string, /\d+ chunks failed SHA-256 verification/);
    // A banned peer may have left the list by the end (its connection closed); if it is there, none of its chunks was kept.
    const evil = (done.peers as { name: string; badChunks: number; chunksReceived: number }[]).find((p) => p.name === 'evil-seeder');
    assert.ok(!evil || (evil.badChunks > 0 && evil.chunksReceived === 0), `the hostile seeder's chunks were all refused: ${JSON.stringify(done.peers)}`);
  });

  test('1 GiB Node to Node: the receiver’s memory grows less than 150 MiB', async () => {
    const size = 1024 * 1024 * 1024;
    const shared = await files.file('big.bin', size);
    const { run: seeder, shareId } = await seed(shared.path, 'big-seeder');
    const out = join(work, 'big-out');
    const get = shoal(['get', shareId, '--out', out, '--name', 'big-getter'], 'state-big');
    await get.waitFor((e) => e.event === 'progress' && e.status === 'downloading', 60_000, 'the 1 GiB download to start');
    const start = await rss(get.child.pid!);
    let peak = start;
    const sampler = setInterval(() => void rss(get.child.pid!).then((r) => (peak = Math.max(peak, r))).catch(() => undefined), 250);
    try {
      await get.waitFor((e) => e.event === 'done', 240_000, 'the 1 GiB download');
    } finally {
      clearInterval(sampler);
    }
    assert.equal(await get.exited, 0);
    console.log(`# 1 GiB Node->Node: receiver RSS ${(start / 2 ** 20).toFixed(0)} MiB at start, peak ${(peak / 2 ** 20).toFixed(0)} MiB (+${((peak - start) / 2 ** 20).toFixed(0)} MiB)`);
    assert.ok(peak - start < 150 * 2 ** 20, `receiver RSS grew ${((peak - start) / 2 ** 20).toFixed(0)} MiB`);
    assert.equal(await sha256OfFile(join(out, 'big.bin')), shared.sha256);
    await stop(seeder);
    await rm(out, { recursive: true, force: true });
  });

  test('a private share: shoal seed --private gives a #/p/ link; a browser in the room sees nothing without it, opens it and downloads; the server log never holds its id or name', async () => {
    const shared = await files.file('private-7d1e.bin', 3 * 1024 * 1024 + 17);
    const run = shoal(['seed', shared.path, '--private', '--room', 'headless-private', '--name', 'private-seeder'], 'state-private');
    const seeding = await run.waitFor((e) => e.event === 'seeding', 60_000, 'the private share seeding');
    const shareId = seeding.id as string;
    assert.match(seeding.link as string, new RegExp(`^${server.url}/\\?room=headless-private#/p/${shareId}\\.[A-Za-z0-9_-]{22}$`));
    const friend = await launchBrowser();
    browsers.push(friend);
    await openApp(friend.page, `${server.url}/?room=headless-private`);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.deepEqual((await engineState(friend.page)).roomFiles, [], 'without the link the room lists nothing');
    await friend.page.goto('about:blank');
    await friend.page.goto(seeding.link as string);
    await waitForState(friend.page, (s) => s.shares.some((x) => x.id === shareId && x.status === 'seeding'), 60_000, 'the private download');
    assert.equal(await sha256ThroughServiceWorker(friend.page, `/files/${shareId}/private-7d1e.bin`), shared.sha256);
    for (const secretThing of [shareId, 'private-7d1e']) assert.equal(server.log().includes(secretThing), false, `the server log holds ${secretThing}`);
    await stop(run);
  });

  test('a folder: shoal seed DIR is one share a browser downloads file by file, and shoal get writes back as the same tree', async () => {
    const dir = await mkdtemp(join(work, 'folder-src-'));
    const tree: Record<string, Buffer> = { 'a.txt': Buffer.from('alpha\n'), 'sub/deep/b.bin': randomBytes(200_000), 'sub/empty.txt': Buffer.alloc(0), 'z.bin': randomBytes(70_000) };
    for (const [path, bytes] of Object.entries(tree)) {
      await mkdir(dirname(join(dir, 'album', path)), { recursive: true });
      await writeFile(join(dir, 'album', path), bytes);
    }
    const { run, shareId } = await seed(join(dir, 'album'), 'folder-seeder');
    const viewer = await launchBrowser();
    browsers.push(viewer);
    await openApp(viewer.page, server.url);
    await viewer.page.getByRole('button', { name: 'Download album' }).click({ timeout: 15_000 });
    await waitForState(viewer.page, (s) => s.shares.some((x) => x.id === shareId && x.status === 'seeding'), 60_000, 'the folder in the browser');
    const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    assert.equal(await sha256ThroughServiceWorker(viewer.page, `/files/${shareId}/album/sub/deep/b.bin`), sha(tree['sub/deep/b.bin']!));
    const out = join(work, 'folder-out');
    const get = shoal(['get', shareId, '--out', out, '--name', 'folder-getter'], 'state-folder-getter');
    await get.waitFor((e) => e.event === 'done', 60_000, 'the folder download');
    assert.equal(await get.exited, 0);
    for (const [path, bytes] of Object.entries(tree)) assert.equal(sha(await readFile(join(out, 'album', path))), sha(bytes), path);
    await stop(run);
  });

  test('a disk that fills mid-download pauses it with a message (exit code 3); once there is room, a rerun finishes it', { skip: process.getuid?.() === 0 ? false : 'mounting a small tmpfs needs root' }, async () => {
    const size = 24 * 1024 * 1024;
    const shared = await files.file('fills-disk.bin', size);
    const { run, shareId } = await seed(shared.path, 'disk-seeder');
    const small = await mkdtemp(join(tmpdir(), 'shoal-small-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', small]);
    try {
      const first = shoal(['get', shareId, '--out', small, '--down-limit', '4M', '--name', 'disk-getter'], 'state-disk-getter');
      await first.waitFor((e) => e.event === 'progress' && (e.bytesDone as number) > 4 * 1024 * 1024, 60_000, 'the download under way');
      // Something else fills the disk: what is left is less than the download still needs.
      await writeFile(join(small, 'filler'), Buffer.alloc(12 * 1024 * 1024));
      const paused = await first.waitFor((e) => e.event === 'error', 60_000, 'the pause');
      assert.equal(paused.code, 'disk-full');
      assert.match(paused.message as string, /full/);
      assert.equal(await first.exited, 3);
      await rm(join(small, 'filler'));
      const second = shoal(['get', shareId, '--out', small, '--name', 'disk-getter'], 'state-disk-getter');
      await second.waitFor((e) => e.event === 'done', 60_000, 'the download after room was made');
      assert.equal(await second.exited, 0);
      assert.equal(await sha256OfFile(join(small, 'fills-disk.bin')), shared.sha256);
    } finally {
      execFileSync('umount', [small]);
      await rm(small, { recursive: true, force: true });
      await stop(run);
    }
  });

  test('Ctrl-C: a seeder stops with exit code 130 and its records stay for the next run', async () => {
    assert.equal(await stop(nodeSeeder), 130, `stderr: ${nodeSeeder.stderr()}`);
    const again = shoal(['seed', nodeShared.path, '--name', 'node-seeder'], 'state-node-seeder');
    const hashed = await again.waitFor((e) => e.event === 'hashed', 30_000, 'the second seed');
    assert.equal(hashed.cached, true, 'an unchanged file is not hashed again');
    assert.equal(hashed.id, nodeShareId);
    await again.waitFor((e) => e.event === 'seeding', 30_000, 'seeding again');
  });
});
