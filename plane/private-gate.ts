/**
 * The proof exchange of a private share (spec §11.3), on a data channel before its HANDSHAKE. The
 * downloader names the share's opaque id and a nonce; the seeder answers with its nonce and its
 * proof; the downloader sends its own and checks the seeder's, and the seeder checks the downloader's. Each proof is an HMAC, keyed by the share's
 * secret, over both nonces and the two DTLS fingerprints as its end sees them: a man in the middle
 * who put his own certificates into the SDPs leaves the two ends seeing different pairs, and both
 * proofs fail. Nothing of the share is sent before both are checked.
 */
import {
  AUTH_NONCE_BYTES,
  encodeAuthConfirm,
  encodeAuthHello,
  encodeAuthProof,
  proofMac,
  verifyProof,
  WireErrorCode,
  type ConnectionFingerprints,
  type PrivateKeys,
  type WireMessage,
} from '../protocol/index.js';
import type { WireChannel } from './wire-channel.js';

/** How long a downloader waits for the seeder's proof. */
export const AUTH_TIMEOUT_MS = 10_000;

/** What the user is told when a proof does not match the connection: a downloader, and a seeder. */
export const INTERCEPTED = 'this connection was intercepted (the private share\'s proof does not match it): nothing was taken from it';
export const INTERCEPTED_SEEDER = 'this connection was intercepted, or the peer lacks the link (its proof of the private share does not match): nothing of the share was sent';

export class NotAuthenticatedError extends Error {
  static readonly errorName = 'NotAuthenticatedError';
  override name = NotAuthenticatedError.errorName;
}

const nonce = () => globalThis.crypto.getRandomValues(new Uint8Array(AUTH_NONCE_BYTES));

/**
 * Downloader side: proves the secret to the seeder and checks the seeder's proof; resolves when both
 * hold (the channel then goes on with HANDSHAKE). Rejects with NotAuthenticatedError, the channel
 * failed, when the seeder's proof does not match, the seeder refuses ours, or no proof comes.
 */
export function proveToSeeder(wire: WireChannel, keys: PrivateKeys, fingerprints: ConnectionFingerprints, timeoutMs = AUTH_TIMEOUT_MS): Promise<void> {
  const nonceD = nonce();
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (reason: string, code: number = WireErrorCode.NotAuthenticated) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      wire.fail(code, reason);
      reject(new NotAuthenticatedError(reason));
    };
    const timer = setTimeout(() => fail('the seeder sent no proof of the private share\'s secret'), timeoutMs);
    void wire.closed.then(() => fail('the channel closed before the private share\'s proof'));
    wire.onMessage((message: WireMessage) => {
      if (settled || message.type === 'keep-alive') return;
      if (message.type === 'error') return fail(message.code === WireErrorCode.NotAuthenticated ? `the seeder refused this connection: ${message.reason}` : `the seeder does not offer this private share (${message.reason})`);
      if (message.type !== 'auth-proof') return fail(`${message.type} before the private share's proof`, WireErrorCode.ProtocolViolation);
      const context = { keys, nonceD, nonceS: message.nonce, fingerprints };
      // Our proof goes first, whatever theirs says: bound to the fingerprints we see, it is no use on
      // another connection, and it lets an honest seeder behind a man in the middle detect him too.
      void proofMac('downloader', 'downloader', context).then(async (mac) => {
        if (settled || !wire.isOpen) return fail('the channel closed during the private share\'s proof');
        wire.send(encodeAuthConfirm(mac));
        if (!(await verifyProof('seeder', 'downloader', context, message.mac))) return fail(INTERCEPTED);
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve();
      });
    });
    wire.send(encodeAuthHello(keys.privateId, nonceD));
  });
}

/** What the seeder side needs: the keys of a private share it seeds, by opaque id. */
export interface SeederProofParts {
  findPrivate: (privateId: string) => PrivateKeys | undefined;
  /** The channel's fingerprints as this end sees them (undefined: unknown, so no private share is served on it). */
  fingerprints: ConnectionFingerprints | undefined;
  /** A downloader's proof did not match: told to the user (intercepted, or a peer without the secret). */
  onRefused: (shareId: string, reason: string) => void;
}

/**
 * Seeder side, in front of the channel's usual handling: answers AUTH-HELLO and checks AUTH-CONFIRM,
 * holding every other frame while a check runs. `handle` gets the frames after; `unlocked()` names
 * the share a proof opened (undefined before).
 */
export class SeederProof {
  #keys: PrivateKeys | undefined;
  #nonceD: Uint8Array | undefined;
  #nonceS: Uint8Array | undefined;
  #unlocked: string | undefined;
  #held: WireMessage[] | undefined;

  constructor(
    private readonly wire: WireChannel,
    private readonly parts: SeederProofParts,
    private readonly handle: (message: WireMessage) => void,
  ) {}

  /** The share id a proof unlocked on this channel. */
  get unlocked(): string | undefined {
    return this.#unlocked;
  }

  receive(message: WireMessage): void {
    if (this.#held) {
      if (this.#held.push(message) > 64) this.wire.fail(WireErrorCode.ProtocolViolation, 'too many frames during the private share\'s proof');
      return;
    }
    if (message.type === 'auth-hello') return this.#hello(message.privateId, message.nonce);
    if (message.type === 'auth-confirm') return this.#confirm(message.mac);
    this.handle(message);
  }

  #hello(privateId: string, nonceD: Uint8Array): void {
    if (this.#keys) return this.wire.fail(WireErrorCode.ProtocolViolation, 'second auth-hello');
    const keys = this.parts.findPrivate(privateId);
    // Unknown, or no fingerprints to bind a proof to: as for a share not held.
    if (!keys || !this.parts.fingerprints) return this.wire.fail(WireErrorCode.UnknownShare, 'share not available here');
    this.#keys = keys;
    this.#nonceD = nonceD;
    this.#nonceS = nonce();
    this.#hold(async () => {
      const mac = await proofMac('seeder', 'seeder', this.#context());
      if (this.wire.isOpen) this.wire.send(encodeAuthProof(this.#nonceS!, mac));
    });
  }

  #confirm(mac: Uint8Array): void {
    if (!this.#keys || this.#unlocked) return this.wire.fail(WireErrorCode.ProtocolViolation, 'auth-confirm out of turn');
    this.#hold(async () => {
      if (await verifyProof('downloader', 'seeder', this.#context(), mac)) {
        this.#unlocked = this.#keys!.shareId;
        return;
      }
      this.parts.onRefused(this.#keys!.shareId, INTERCEPTED_SEEDER);
      this.wire.fail(WireErrorCode.NotAuthenticated, 'your proof of the private share does not match this connection');
    });
  }

  #context() {
    return { keys: this.#keys!, nonceD: this.#nonceD!, nonceS: this.#nonceS!, fingerprints: this.parts.fingerprints! };
  }

  /** Runs a check, holding frames that arrive meanwhile; then handles them in order. */
  #hold(check: () => Promise<void>): void {
    this.#held = [];
    void check().then(() => {
      const held = this.#held ?? [];
      this.#held = undefined;
      if (!this.wire.isOpen) return;
      for (const message of held) this.receive(message);
    });
  }
}
