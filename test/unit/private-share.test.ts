/**
 * Private shares (spec §11): the key derivation, sealing and proofs against the spec's vectors (HKDF
 * and HMAC checked with Node's own crypto too), links, fingerprints, the signaling translation, and
 * the proof exchange between a real seeder channel and a real downloader gate over linked channels:
 * the honest pair gets through; a man in the middle (each end sees other fingerprints), a peer with
 * the wrong secret and a peer that skips the proof get nothing.
 */
import assert from 'node:assert/strict';
import { createHmac, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  Bitfield,
  CHUNK_SIZE,
  decodeFrame,
  derivePrivateKeys,
  encodeAuthConfirm,
  encodeAuthHello,
  encodeAuthProof,
  encodeHandshake,
  FingerprintError,
  fromHex,
  openSummary,
  parsePrivateFragment,
  parsePrivateSecret,
  PrivateLinkError,
  proofMac,
  sdpFingerprint,
  sealSummary,
  toHex,
  parseClientMessage,
  WireErrorCode,
  type ConnectionFingerprints,
  type PrivateKeys,
  type ShareMetadata,
  type WireMessage,
} from '../../protocol/index.js';
import { serveChannel } from '../../plane/seed-channel.js';
import { proveToSeeder } from '../../plane/private-gate.js';
import type { Uploader } from '../../plane/uploader.js';
import { WireChannel } from '../../plane/wire-channel.js';
import { PrivateShares, UNNAMED_PRIVATE } from '../../web/engine/private-shares.js';

const ABC_ID = 'bdb34be6d10a6cf60058063f9bb8d2a48d62d1c4b02336c5a53d76aab32ef815';
const SECRET = Uint8Array.from({ length: 16 }, (_, i) => i);
const FP_S = `sha-256 ${Array(32).fill('AA').join(':')}`;
const FP_D = `sha-256 ${Array(32).fill('BB').join(':')}`;
const NONCE_D = new Uint8Array(32).fill(0x11);
const NONCE_S = new Uint8Array(32).fill(0x22);

const spec = readFileSync(new URL('../../protocol/README.md', import.meta.url), 'utf8');
const vectors = Object.fromEntries(
  /```private-vectors\n([\s\S]*?)```/
    .exec(spec)![1]!
    .trim()
    .split('\n')
    .map((line) => line.split(/\s+/) as [string, string]),
);

test('the spec\'s vectors: opaque id, sealed summary, both proofs and the three frames', async () => {
  const keys = await derivePrivateKeys(SECRET, ABC_ID);
  assert.equal(parsePrivateSecret(vectors.secret!).join(','), SECRET.join(','));
  assert.equal(keys.privateId, vectors['opaque-id']);
  // HKDF-SHA-256 as Node computes it, independently of WebCrypto
  assert.equal(Buffer.from(hkdfSync('sha256', SECRET, fromHex(ABC_ID), 'shoal/1 private id', 32)).toString('hex'), vectors['opaque-id']);
  const sealed = await sealSummary(keys, { name: 'abc.txt', size: 3, type: 'text/plain' }, Uint8Array.from({ length: 12 }, (_, i) => i));
  assert.equal(sealed, vectors.sealed);
  assert.deepEqual(await openSummary(keys, sealed), { name: 'abc.txt', size: 3, type: 'text/plain' });
  const context = { keys, nonceD: NONCE_D, nonceS: NONCE_S };
  const macS = await proofMac('seeder', 'seeder', { ...context, fingerprints: { local: FP_S, remote: FP_D } });
  const macD = await proofMac('downloader', 'downloader', { ...context, fingerprints: { local: FP_D, remote: FP_S } });
  assert.equal(toHex(macS), vectors['mac-s']);
  assert.equal(toHex(macD), vectors['mac-d']);
  // HMAC-SHA-256 as Node computes it, over the input the spec lays out
  const authKey = hkdfSync('sha256', SECRET, fromHex(ABC_ID), 'shoal/1 private auth', 32);
  const input = Buffer.concat([Buffer.from('shoal/1 seeder proof'), Buffer.from([0]), fromHex(keys.privateId), NONCE_D, NONCE_S, Buffer.from(FP_S), Buffer.from([0]), Buffer.from(FP_D)]);
  assert.equal(createHmac('sha256', Buffer.from(authKey)).update(input).digest('hex'), vectors['mac-s']);
  assert.equal(toHex(encodeAuthHello(keys.privateId, NONCE_D)), vectors['auth-hello']);
  assert.equal(toHex(encodeAuthProof(NONCE_S, macS)), vectors['auth-proof']);
  assert.equal(toHex(encodeAuthConfirm(macD)), vectors['auth-confirm']);
  assert.deepEqual(decodeFrame(fromHex(vectors['auth-confirm']!).buffer as ArrayBuffer), { type: 'auth-confirm', mac: macD });
});

test('a sealed summary opens only with its own secret and opaque id; a tampered one is refused', async () => {
  const keys = await derivePrivateKeys(SECRET, ABC_ID);
  const other = await derivePrivateKeys(new Uint8Array(16).fill(9), ABC_ID);
  const sealed = await sealSummary(keys, { name: 'holiday.mov', size: 5e9, type: 'video/quicktime' });
  assert.notEqual(keys.privateId, other.privateId);
  await assert.rejects(openSummary(other, sealed), { name: 'SealedMetadataError' });
  const flipped = sealed.slice(0, 20) + (sealed[20] === 'A' ? 'B' : 'A') + sealed.slice(21);
  await assert.rejects(openSummary(keys, flipped), { name: 'SealedMetadataError' });
  await assert.rejects(openSummary(keys, 'AAAA'), { name: 'SealedMetadataError' });
  await assert.rejects(openSummary(keys, '!!!'), { name: 'SealedMetadataError' });
  assert.equal(sealed.includes('holiday'), false);
});

test('links: a secret cut short, too long, not base64url or with stray bits is refused with a clear error', () => {
  assert.deepEqual(parsePrivateFragment(`${ABC_ID}.AAECAwQFBgcICQoLDA0ODw`), { shareId: ABC_ID, secret: 'AAECAwQFBgcICQoLDA0ODw' });
  assert.throws(() => parsePrivateFragment(`${ABC_ID}.AAECAwQFBgcICQoLDA0`), { name: 'PrivateLinkError', message: /cut short/ });
  for (const bad of [`${ABC_ID}.AAECAwQFBgcICQoLDA0ODwA`, `${ABC_ID}.AAECAwQFBgcICQoLDA0OD!`, `${ABC_ID}.AAECAwQFBgcICQoLDA0ODx`, `${ABC_ID.slice(1)}.AAECAwQFBgcICQoLDA0ODw`, ''])
    assert.throws(() => parsePrivateFragment(bad), PrivateLinkError, bad);
});

test('fingerprints come from the SDP, one per description; none or two different ones give no proof', () => {
  const sdp = (...lines: string[]) => ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', ...lines, 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel'].join('\r\n');
  assert.equal(sdpFingerprint(sdp('a=fingerprint:SHA-256 ab:cd:ef')), 'sha-256 AB:CD:EF');
  assert.equal(sdpFingerprint(sdp('a=fingerprint:sha-256 AB:CD:EF', 'a=fingerprint:sha-256 ab:cd:ef')), 'sha-256 AB:CD:EF', 'session and media level alike');
  assert.throws(() => sdpFingerprint(sdp()), FingerprintError);
  assert.throws(() => sdpFingerprint(sdp('a=fingerprint:sha-256 AB:CD', 'a=fingerprint:sha-256 AB:CE')), FingerprintError);
});

test('signaling sees opaque ids and sealed summaries; a peer without the secret sees nothing of the share', async () => {
  const named: string[] = [];
  const mine = new PrivateShares((shareId, summary) => named.push(`${shareId}:${summary.name}`));
  const secret = 'AAECAwQFBgcICQoLDA0ODw';
  await mine.add(ABC_ID, secret, { name: 'abc.txt', size: 3, type: 'text/plain' });
  const publicShare = { id: 'cd'.repeat(32), name: 'public.txt', size: 10 };
  const out = mine.outgoing({ type: 'announce-file', shares: [{ id: ABC_ID, name: 'abc.txt', size: 3 }, publicShare] });
  const text = JSON.stringify(out);
  assert.equal(text.includes(ABC_ID) || text.includes('abc.txt'), false, 'neither the share id nor the name goes out');
  assert.deepEqual(parseClientMessage(JSON.stringify(out)), out, 'and the server accepts it');
  assert.deepEqual(mine.outgoing({ type: 'request-file', id: ABC_ID }), { type: 'request-file', id: vectors['opaque-id'] });
  assert.deepEqual(mine.outgoing({ type: 'withdraw-file', ids: [ABC_ID] }), { type: 'withdraw-file', ids: [vectors['opaque-id']] });
  if (out.type !== 'announce-file') throw new Error('announce expected');
  const relayed = { type: 'announce-file' as const, from: 'peer1', shares: out.shares };

  // A room member with the link: the share id and, once opened, its name.
  const friend = new PrivateShares((shareId, summary) => named.push(`${shareId}:${summary.name}`));
  await friend.add(ABC_ID, secret);
  const seen = friend.incoming(relayed);
  assert.deepEqual(seen.type === 'announce-file' && seen.shares, [{ id: ABC_ID, name: UNNAMED_PRIVATE, size: 0 }, publicShare]);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(named, [`${ABC_ID}:abc.txt`]);
  const again = friend.incoming(relayed);
  assert.deepEqual(again.type === 'announce-file' && again.shares[0], { id: ABC_ID, name: 'abc.txt', size: 3 });

  // A stranger: only the public share.
  const stranger = new PrivateShares();
  const strangerSees = stranger.incoming(relayed);
  assert.deepEqual(strangerSees.type === 'announce-file' && strangerSees.shares, [publicShare]);

  // A private share not sealed yet (a download before its metadata) is not announced at all.
  const early = new PrivateShares();
  await early.add(ABC_ID, secret);
  const none = early.outgoing({ type: 'announce-file', shares: [{ id: ABC_ID, name: 'x', size: 1 }] });
  assert.deepEqual(none.type === 'announce-file' && none.shares, []);
  await assert.rejects(early.add('ef'.repeat(32), 'short'), PrivateLinkError);
});

test('the server\'s schema: a sealed summary has no name and no size; a plain one has a name', () => {
  const ok = (shares: unknown[]) => {
    try {
      parseClientMessage(JSON.stringify({ type: 'announce-file', shares }));
      return true;
    } catch {
      return false;
    }
  };
  assert.equal(ok([{ id: ABC_ID, name: '', size: 0, sealed: 'AAAA' }]), true);
  assert.equal(ok([{ id: ABC_ID, name: 'leak.txt', size: 0, sealed: 'AAAA' }]), false);
  assert.equal(ok([{ id: ABC_ID, name: '', size: 3, sealed: 'AAAA' }]), false);
  assert.equal(ok([{ id: ABC_ID, name: '', size: 0 }]), false);
  assert.equal(ok([{ id: ABC_ID, name: '', size: 0, sealed: 'not base64!' }]), false);
  assert.equal(ok([{ id: ABC_ID, name: '', size: 0, sealed: 'A'.repeat(1201) }]), false);
});

/** Two channels joined end to end: what one sends, the other receives (a task later, as on a network). */
class LinkedChannel extends EventTarget {
  readyState: RTCDataChannelState = 'open';
  binaryType = 'arraybuffer';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  onmessage: ((event: MessageEvent) => void) | null = null;
  peer!: LinkedChannel;
  readonly received: WireMessage[] = [];

  static pair(): [LinkedChannel, LinkedChannel] {
    const a = new LinkedChannel();
    const b = new LinkedChannel();
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  send(frame: Uint8Array): void {
    const data = frame.slice().buffer;
    setTimeout(() => {
      if (this.peer.readyState !== 'open') return;
      this.peer.received.push(decodeFrame(data)!);
      this.peer.onmessage?.({ data } as MessageEvent);
    }, 0);
  }

  /** As a data channel does, what was sent before close still arrives. */
  close(): void {
    const shut = (end: LinkedChannel) => {
      if (end.readyState === 'closed') return;
      end.readyState = 'closed';
      end.dispatchEvent(new Event('close'));
    };
    if (this.readyState === 'open') this.readyState = 'closing';
    setTimeout(() => {
      shut(this);
      shut(this.peer);
    }, 0);
  }
}

const meta: ShareMetadata = { version: 1, name: 'abc.txt', type: 'text/plain', size: 3, chunkSize: CHUNK_SIZE, fileHash: 'ba'.repeat(32), chunkHashes: ['ba'.repeat(32)] };

/** A seeder serving ABC privately on one end of a linked pair; resolves what each end saw. */
async function exchange(options: { seederSees: ConnectionFingerprints; downloaderSees: ConnectionFingerprints; downloaderKeys: PrivateKeys | 'skip-proof' }) {
  const seederKeys = await derivePrivateKeys(SECRET, ABC_ID);
  const [seederEnd, downloaderEnd] = LinkedChannel.pair();
  const refused: string[] = [];
  const uploader = { add: () => undefined, kick: () => undefined } as unknown as Uploader;
  serveChannel(new WireChannel(seederEnd as unknown as RTCDataChannel), 'downloader', {
    uploader,
    findShare: (id) => (id === ABC_ID ? { meta, encodedMetadata: new Uint8Array(1), bitfield: Bitfield.full(1), private: true } : undefined),
    onServing: () => undefined,
    proof: { findPrivate: (id) => (id === seederKeys.privateId ? seederKeys : undefined), fingerprints: options.seederSees, onRefused: (_, reason) => refused.push(reason) },
  });
  const wire = new WireChannel(downloaderEnd as unknown as RTCDataChannel);
  let outcome = 'proven';
  if (options.downloaderKeys === 'skip-proof') {
    wire.send(encodeHandshake(ABC_ID));
  } else {
    try {
      await proveToSeeder(wire, options.downloaderKeys, options.downloaderSees, 2_000);
      wire.send(encodeHandshake(ABC_ID));
    } catch (error) {
      outcome = `${(error as Error).name}: ${(error as Error).message}`;
    }
  }
  await new Promise((r) => setTimeout(r, 200));
  return { outcome, refused, toDownloader: downloaderEnd.received.map((m) => (m.type === 'error' ? `error ${m.code}` : m.type)), toSeeder: seederEnd.received.map((m) => (m.type === 'error' ? `error ${m.code}` : m.type)) };
}

test('the proof exchange: the honest pair gets the share; a man in the middle, a wrong secret or no proof gets nothing', async () => {
  const keys = await derivePrivateKeys(SECRET, ABC_ID);
  const honest = await exchange({ seederSees: { local: FP_S, remote: FP_D }, downloaderSees: { local: FP_D, remote: FP_S }, downloaderKeys: keys });
  assert.equal(honest.outcome, 'proven');
  assert.deepEqual(honest.toSeeder, ['auth-hello', 'auth-confirm', 'handshake']);
  assert.deepEqual(honest.toDownloader, ['auth-proof', 'handshake', 'bitfield', 'features']);

  // M terminated DTLS with each end: each sees M's certificate as the remote one.
  const FP_M1 = `sha-256 ${Array(32).fill('C1').join(':')}`;
  const FP_M2 = `sha-256 ${Array(32).fill('C2').join(':')}`;
  const intercepted = await exchange({ seederSees: { local: FP_S, remote: FP_M2 }, downloaderSees: { local: FP_D, remote: FP_M1 }, downloaderKeys: keys });
  assert.match(intercepted.outcome, /^NotAuthenticatedError: this connection was intercepted/);
  assert.equal(intercepted.toDownloader.filter((t) => !t.startsWith('error')).join(), 'auth-proof', 'no bitfield, no metadata, no piece');
  // (Which end's ERROR 6 reaches the other first is a race; that both detect him is not.)
  assert.deepEqual(intercepted.toSeeder.slice(0, 2), ['auth-hello', 'auth-confirm']);
  assert.equal(intercepted.refused.length, 1, 'the seeder detects it too, and says why');
  assert.match(intercepted.refused[0]!, /intercepted/);

  // The seeder's side of an interception: a downloader whose proof does not match is refused and told.
  const relayedProof = await (async () => {
    const seederKeys = keys;
    const [seederEnd, attackerEnd] = LinkedChannel.pair();
    const refused: string[] = [];
    serveChannel(new WireChannel(seederEnd as unknown as RTCDataChannel), 'm', {
      uploader: { add: () => undefined, kick: () => undefined } as unknown as Uploader,
      findShare: () => ({ meta, encodedMetadata: new Uint8Array(1), bitfield: Bitfield.full(1), private: true }),
      onServing: () => undefined,
      proof: { findPrivate: () => seederKeys, fingerprints: { local: FP_S, remote: FP_M2 }, onRefused: (_, reason) => refused.push(reason) },
    });
    // A downloader's genuine proof, computed over the fingerprints it saw (with M), relayed by M.
    attackerEnd.send(encodeAuthHello(keys.privateId, NONCE_D));
    await new Promise((r) => setTimeout(r, 20));
    const proof = attackerEnd.received.find((m) => m.type === 'auth-proof') as { nonce: Uint8Array };
    const macD = await proofMac('downloader', 'downloader', { keys, nonceD: NONCE_D, nonceS: proof.nonce, fingerprints: { local: FP_D, remote: FP_M1 } });
    attackerEnd.send(encodeAuthConfirm(macD));
    attackerEnd.send(encodeHandshake(ABC_ID));
    await new Promise((r) => setTimeout(r, 50));
    return { refused, sent: attackerEnd.received.map((m) => (m.type === 'error' ? `error ${m.code}` : m.type)) };
  })();
  assert.deepEqual(relayedProof.sent, ['auth-proof', `error ${WireErrorCode.NotAuthenticated}`], 'the HANDSHAKE behind it gets nothing');
  assert.equal(relayedProof.refused.length, 1);

  const wrongSecret = await exchange({ seederSees: { local: FP_S, remote: FP_D }, downloaderSees: { local: FP_D, remote: FP_S }, downloaderKeys: { ...(await derivePrivateKeys(new Uint8Array(16).fill(7), ABC_ID)), privateId: keys.privateId } });
  assert.match(wrongSecret.outcome, /^NotAuthenticatedError/);
  assert.equal(wrongSecret.toDownloader.includes('bitfield'), false);

  const noProof = await exchange({ seederSees: { local: FP_S, remote: FP_D }, downloaderSees: { local: FP_D, remote: FP_S }, downloaderKeys: 'skip-proof' });
  assert.deepEqual(noProof.toDownloader, [`error ${WireErrorCode.UnknownShare}`], 'a HANDSHAKE naming the private share without a proof: as if not held');
});
