/**
 * `shoal`: the headless peer from a terminal. Commands (README, "Headless peer"):
 *   shoal seed PATH… [--room CODE]       hash, announce and seed files and folders until stopped
 *   shoal get LINK|SHARE_ID [--out DIR]  download (resuming what an earlier run left), verify; --seed keeps seeding
 *   shoal ls [--room CODE]               what a room offers
 * Common: --server URL, --name NAME, --state DIR, --relay, --up-limit/--down-limit, --json (one JSON object per line).
 * Exit codes: 0 done; 1 failed; 2 bad usage; 3 paused because the disk is full (run again to
 * resume); 130 stopped by Ctrl-C or SIGTERM (everything verified is kept).
 */
import { hostname, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Bitfield, isSha256Hex } from '../protocol/index.js';
import { roomFromInput } from '../web/ui/room-code.js';
import { parseShoalLink, shareLink } from '../web/ui/routes.js';
import { formatBytes } from '../web/ui/format.js';
import { roomKeyOf } from '../web/engine/share-rooms.js';
import type { EngineState, ShareState } from '../web/engine/state.js';
import { startHeadlessPeer, type HeadlessPeer, type HeadlessPeerOptions } from './peer.js';
import { planSeed, recordSeed } from './seed-paths.js';
import { NodeStorage } from './node-storage.js';
import { Output } from './output.js';

const EXIT = { ok: 0, failed: 1, usage: 2, diskFull: 3, interrupted: 130 } as const;

class UsageError extends Error {
  override name = 'UsageError';
}

const USAGE = `Usage:
  shoal seed PATH... [--room CODE] [--private]
  shoal get LINK|SHARE_ID [--out DIR] [--seed] [--room CODE]
  shoal ls [--room CODE]
Options: --server URL (default $SHOAL_SERVER or http://localhost:8080; a link names its own),
  --name NAME, --state DIR (default $SHOAL_STATE or ~/.local/share/shoal), --relay (TURN only),
  --up-limit RATE, --down-limit RATE (bytes per second: 500K, 2M), --json (one JSON object per line
  on stdout), --help`;

const OPTIONS = {
  server: { type: 'string' },
  room: { type: 'string' },
  out: { type: 'string' },
  state: { type: 'string' },
  name: { type: 'string' },
  seed: { type: 'boolean', default: false },
  private: { type: 'boolean', default: false },
  relay: { type: 'boolean', default: false },
  'up-limit': { type: 'string' },
  'down-limit': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`shoal: ${(error as Error).message}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const { values: flags, positionals } = parsed;
  const [command, ...args] = positionals;
  if (flags.help || !command) {
    (flags.help ? process.stdout : process.stderr).write(`${USAGE}\n`);
    return flags.help ? EXIT.ok : EXIT.usage;
  }
  const out = new Output(flags.json);
  try {
    // Every option is checked before any work (a typo must not show up after hashing 50 GB).
    rate(flags['up-limit'], 'up-limit');
    rate(flags['down-limit'], 'down-limit');
    room(flags);
    server(flags);
    if (command === 'seed') return await seed(args, flags, out);
    if (command === 'get') return await get(args, flags, out);
    if (command === 'ls') return await list(flags, out);
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    if (error instanceof UsageError) {
      out.error(error.message, 'usage');
      process.stderr.write(`${USAGE}\n`);
      return EXIT.usage;
    }
    out.error((error as Error).message, (error as Error).name);
    return EXIT.failed;
  }
}

function room(flags: Flags, fromLink?: string): string | undefined {
  const given = flags.room ?? fromLink;
  if (given === undefined) return undefined;
  const code = roomFromInput(given);
  if (!code) throw new UsageError(`"${given}" is not a room code (letters, digits, - and _, up to 64)`);
  return code;
}

function server(flags: Flags, fromLink?: string): URL {
  const text = flags.server ?? fromLink ?? process.env.SHOAL_SERVER ?? 'http://localhost:8080';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`"${text}" is not a server URL such as https://shoal.example`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`the server URL must be http: or https:, not ${url.protocol}`);
  return url;
}

function stateDir(flags: Flags): string {
  return resolve(flags.state ?? process.env.SHOAL_STATE ?? join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'shoal'));
}

const peerName = (flags: Flags) => (flags.name ?? `${hostname()} (shoal)`).slice(0, 64);

/** A rate such as 500K or 2M (bytes per second, K and M of 1024), or null without one. */
function rate(text: string | undefined, flag: string): number | null {
  if (text === undefined) return null;
  const match = /^(\d+(?:\.\d+)?)([KMG]?)$/i.exec(text.trim());
  const value = match ? Number(match[1]) * 1024 ** ' KMG'.indexOf((match[2] || ' ').toUpperCase()) : NaN;
  if (!Number.isFinite(value) || value < 1024) throw new UsageError(`--${flag} ${text}: give bytes per second, at least 1K (e.g. 500K or 2M)`);
  return Math.round(value);
}

async function start(flags: Flags, options: Omit<HeadlessPeerOptions, 'name' | 'stateDir' | 'relayOnly'> & { stateDir?: string }): Promise<HeadlessPeer> {
  const limits = { upload: rate(flags['up-limit'], 'up-limit'), download: rate(flags['down-limit'], 'down-limit') };
  const peer = await startHeadlessPeer({ name: peerName(flags), stateDir: stateDir(flags), relayOnly: flags.relay, ...options });
  peer.engine.setRateLimits(limits);
  return peer;
}

/** Resolves with the exit code once Ctrl-C or SIGTERM comes (the peer is stopped first). */
function untilStopped(peer: HeadlessPeer, out: Output): Promise<number> {
  return new Promise((resolveStop) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      out.note('stopping: saving progress');
      void peer.stop().finally(() => resolveStop(EXIT.interrupted));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** How long `ls` waits for the server before it gives up (seed and get keep trying, and say so). */
const LS_CONNECT_TIMEOUT_MS = 15_000;
const UNREACHABLE_NOTE_MS = 5_000;

class ServerUnreachableError extends Error {
  override name = 'ServerUnreachableError';
}

/** Resolves once the server has welcomed the peer into its room (rejects after `timeoutMs`, if given). */
function welcomed(peer: HeadlessPeer, server: URL, out: Output, timeoutMs?: number): Promise<EngineState> {
  return new Promise((resolveWelcome, reject) => {
    const note = setTimeout(() => out.note(`cannot reach ${server.origin} yet; still trying`), UNREACHABLE_NOTE_MS);
    const deadline = timeoutMs === undefined ? undefined : setTimeout(() => (finish(), reject(new ServerUnreachableError(`cannot reach the Shoal server at ${server.origin}`))), timeoutMs);
    const finish = () => {
      clearTimeout(note);
      clearTimeout(deadline);
      unsubscribe();
    };
    const check = (state: EngineState) => {
      if (state.selfId === undefined) return;
      finish();
      resolveWelcome(state);
      // From now on, losing the server is said (the engine reconnects on its own and resumes).
      let last = state.signaling;
      peer.engine.store.subscribe(({ signaling }) => {
        if (signaling !== last && (signaling === 'open' || last === 'open')) out.note(signaling === 'open' ? 'back in touch with the server' : 'lost the server; reconnecting (transfers in progress go on)');
        last = signaling;
      });
    };
    const unsubscribe = peer.engine.store.subscribe(check);
    check(peer.engine.store.state);
  });
}

async function seed(paths: string[], flags: Flags, out: Output): Promise<number> {
  if (paths.length === 0) throw new UsageError('seed needs at least one file or folder');
  const base = server(flags);
  const code = room(flags);
  const stateDirectory = stateDir(flags);
  const storage = new NodeStorage({ stateDir: stateDirectory, downloadDir: process.cwd() });
  const ids = new Set<string>();
  const seeded: { id: string; name: string; size: number }[] = [];
  for (const path of paths) {
    const plan = await planSeed(path);
    const bar = out.bar(`hashing ${plan.name}`, plan.size);
    const { id, meta, hashed } = await recordSeed(plan, storage, roomKeyOf(code), { private: flags.private }, (done) => bar.update(done));
    bar.stop();
    out.event({ event: 'hashed', id, name: meta.name, size: meta.size, path: plan.root, cached: !hashed });
    ids.add(id);
    seeded.push({ id, name: meta.name, size: meta.size });
  }
  const peer = await start(flags, { server: base, stateDir: stateDirectory, downloadDir: process.cwd(), only: ids, ...(code ? { room: code } : {}) });
  const state = await welcomed(peer, base, out);
  for (const share of seeded) {
    const secret = peer.engine.store.state.shares.find((s) => s.id === share.id)?.secret;
    out.event({ event: 'seeding', ...share, room: code ?? null, roomName: state.room ?? null, link: shareLink(base.href, share.id, code ?? null, secret) }, `seeding ${share.name}: ${shareLink(base.href, share.id, code ?? null, secret)}`);
  }
  out.note(`in ${code ? `room ${code}` : `the room of this network (${state.room ?? '?'})`} as ${peerName(flags)}; Ctrl-C stops`);
  const status = out.status(() => seedingStatus(peer.engine.store.state, ids));
  const code_ = await untilStopped(peer, out);
  status.stop();
  return code_;
}

function seedingStatus(state: EngineState, ids: Set<string>): string {
  const shares = state.shares.filter((s) => ids.has(s.id));
  const problems = shares.filter((s) => s.status === 'error').map((s) => `${s.name}: ${s.error}`);
  const sent = state.peers.reduce((n, p) => n + p.bytesSent, 0);
  return `${shares.filter((s) => s.status === 'seeding').length}/${shares.length} seeding to ${state.peers.length} peers, ${formatBytes(sent)} sent${problems.length ? ` (${problems.join('; ')})` : ''}`;
}

async function get(args: string[], flags: Flags, out: Output): Promise<number> {
  if (args.length !== 1) throw new UsageError('get needs one share link or share id');
  const link = parseShoalLink(args[0]!);
  const shareId = link?.shareId ?? args[0]!.toLowerCase();
  if (!link && !isSha256Hex(shareId)) throw new UsageError(`"${args[0]}" is neither a share link nor a share id`);
  const linkServer = link && /^https?:/.test(args[0]!) ? new URL(args[0]!).origin : undefined;
  const base = server(flags, linkServer);
  const code = room(flags, link?.room);
  const stateDirectory = stateDir(flags);
  const downloadDir = resolve(flags.out ?? '.');
  const peer = await start(flags, { server: base, stateDir: stateDirectory, downloadDir, only: new Set([shareId]), ...(code ? { room: code } : {}) });
  // Ctrl-C at any point from here saves what is verified, says how much, and exits 130.
  const stopped = untilStopped(peer, out).then(async (exit) => {
    const left = await peer.storage.partial(shareId).catch(() => undefined);
    if (left) out.event({ event: 'stopped', id: shareId, chunksDone: new Bitfield(left.meta.chunkHashes.length, left.bitfield).count, chunks: left.meta.chunkHashes.length }, 'progress saved: run the same command again to resume');
    await peer.storage.close();
    return { exit };
  });
  if (link?.secret) await peer.engine.expectPrivate(shareId, link.secret);
  const interrupted = await Promise.race([welcomed(peer, base, out).then(() => undefined), stopped]);
  if (interrupted) return interrupted.exit;
  const current = () => peer.engine.store.state.shares.find((s) => s.id === shareId);
  // A download left by an earlier run resumes on its own in its room; download() joins it, or starts one.
  if (current()?.status !== 'seeding') void peer.engine.download(shareId);
  const finished = downloadEnd(peer, shareId, out);
  const outcome = await Promise.race([finished, stopped]);
  if ('exit' in outcome) return outcome.exit;
  if (outcome.share.status !== 'seeding') {
    const paused = outcome.share.status === 'paused';
    const why = paused ? `Paused: the disk holding ${downloadDir} is full. Everything received so far is kept; free some space and run this command again.` : (outcome.share.error ?? 'the download failed');
    out.error(why, paused ? 'disk-full' : 'failed');
    await peer.stop();
    return paused ? EXIT.diskFull : EXIT.failed;
  }
  const record = await peer.storage.getShare(shareId);
  const path = (record?.source?.handle as unknown as { root?: string } | undefined)?.root;
  // Who gave what this run, and how each was reached (host, srflx or relay).
  const connections = await peer.engine.connectionStats();
  const peers = peer.engine.store.state.peers
    .filter((p) => p.chunksReceived > 0 || p.badChunks > 0)
    .map((p) => ({ id: p.peerId, name: p.name, chunksReceived: p.chunksReceived, badChunks: p.badChunks, path: connections[p.peerId]?.localCandidateType ?? p.path ?? null, remotePath: connections[p.peerId]?.remoteCandidateType ?? null }));
  out.event({ event: 'done', id: shareId, name: outcome.share.name, size: outcome.share.size, sha256: record?.meta.fileHash, path, peers, seconds: round(outcome.seconds), fromFirstChunk: round(outcome.fromFirstChunk) }, `done: ${path} (SHA-256 ${record?.meta.fileHash} verified)`);
  if (!flags.seed) {
    await peer.stop();
    return EXIT.ok;
  }
  out.note('seeding it; Ctrl-C stops');
  return (await stopped).exit;
}

/** Resolves with the share once its download ends: seeding (done), failed, or paused for a full disk. */
function downloadEnd(peer: HeadlessPeer, shareId: string, out: Output): Promise<{ share: ShareState; seconds: number; fromFirstChunk: number }> {
  const started = performance.now();
  let firstChunk = 0;
  return new Promise((resolveEnd) => {
    let bar: ReturnType<Output['bar']> | undefined;
    let lastNotice: string | undefined;
    const unsubscribe = peer.engine.store.subscribe((state) => {
      if (state.notice && state.notice !== lastNotice) out.note((lastNotice = state.notice));
      const share = state.shares.find((s) => s.id === shareId);
      if (!share) return;
      if (share.bytesDone > 0 && firstChunk === 0) firstChunk = performance.now();
      if (share.size > 0 && !bar) bar = out.bar(share.name, share.size);
      bar?.update(share.bytesDone, { speed: share.speed, etaSeconds: share.etaSeconds, peers: share.sources, status: share.status });
      out.progress({ event: 'progress', id: shareId, status: share.status, bytesDone: share.bytesDone, size: share.size, speed: Math.round(share.speed), eta: share.etaSeconds, peers: share.sources });
      const diskFull = share.status === 'paused' && share.error !== undefined;
      if (share.status === 'seeding' || share.status === 'error' || diskFull) {
        bar?.stop();
        unsubscribe();
        const now = performance.now();
        resolveEnd({ share, seconds: (now - started) / 1000, fromFirstChunk: (now - (firstChunk || now)) / 1000 });
      }
    });
  });
}

async function list(flags: Flags, out: Output): Promise<number> {
  const code = room(flags);
  const base = server(flags);
  const peer = await start(flags, { server: base, downloadDir: process.cwd(), only: new Set(), ...(code ? { room: code } : {}) });
  let state: EngineState;
  try {
    state = await welcomed(peer, base, out, LS_CONNECT_TIMEOUT_MS);
  } catch (error) {
    await peer.stop();
    throw error;
  }
  // The room's list follows the welcome at once; a moment more lets it and any announcement land.
  await new Promise((r) => setTimeout(r, 1_000));
  const files = peer.engine.store.state.roomFiles;
  out.event({ event: 'room', room: code ?? null, roomName: state.room ?? null, peers: peer.engine.store.state.peers.length, files: files.length }, `${code ? `room ${code}` : `room of this network (${state.room ?? '?'})`}: ${peer.engine.store.state.peers.length} peers, ${files.length} shares`);
  for (const file of files) out.event({ event: 'share', id: file.id, name: file.name, size: file.size, holders: file.holders.length }, `${file.id}  ${formatBytes(file.size).padStart(10)}  ${String(file.holders.length).padStart(3)} holders  ${file.name}`);
  await peer.stop();
  return EXIT.ok;
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;
