/**
 * The private shares this page knows the secret of (its own, and those a private link named), and
 * what signaling sees of them (spec §11.2): never the share id, name, size or type. At the signaling
 * boundary, each private share's id becomes its opaque id on the way out, announced with its sealed
 * summary instead of a name; on the way in, an opaque id this page knows becomes the share id again
 * (named from the opened summary), and one it does not know is dropped: a room member without the
 * link never sees a private share at all.
 */
import {
  connectionFingerprints,
  derivePrivateKeys,
  openSummary,
  parsePrivateSecret,
  sealSummary,
  type ClientMessage,
  type ConnectionFingerprints,
  type PrivateKeys,
  type SealedSummary,
  type ServerMessage,
  type ShareSummary,
} from '../../protocol/index.js';
import type { SignalingPort } from './engine-components.js';
import type { StateWriter } from './state-writer.js';

interface Known {
  secret: string;
  keys: PrivateKeys;
  /** What the room is told, once name and size are known. */
  sealed?: string;
  /** What an announcement's sealed summary said (for a share this page has not got yet). */
  opened?: SealedSummary;
}

/** What a private share is called before its sealed summary is opened. */
export const UNNAMED_PRIVATE = 'Private file';

export class PrivateShares {
  readonly #byShare = new Map<string, Known>();
  readonly #byOpaque = new Map<string, Known>();

  /** `onOpened`: a sealed summary was opened, so a share's name is known now (the page re-lists it). */
  constructor(private readonly onOpened: (shareId: string, summary: SealedSummary) => void = () => undefined) {}

  /** Knows a share's secret (PrivateLinkError when it is malformed); with its summary, seals what the room is told. */
  async add(shareId: string, secret: string, summary?: SealedSummary): Promise<void> {
    let known = this.#byShare.get(shareId);
    if (!known || known.secret !== secret) {
      known = { secret, keys: await derivePrivateKeys(parsePrivateSecret(secret), shareId) };
      this.#byShare.set(shareId, known);
      this.#byOpaque.set(known.keys.privateId, known);
    }
    if (summary && !known.sealed) known.sealed = await sealSummary(known.keys, summary);
  }

  /**
   * Knows a private share's secret (undefined: a public share, nothing to do), sealing its summary
   * for the room; returns what the share's state holds of it.
   */
  async know(shareId: string, secret: string | undefined, meta: SealedSummary): Promise<{ secret?: string }> {
    if (secret === undefined) return {};
    await this.add(shareId, secret, { name: meta.name, size: meta.size, type: meta.type });
    return { secret };
  }

  secretOf(shareId: string): string | undefined {
    return this.#byShare.get(shareId)?.secret;
  }

  /** A message on its way to the server: private share ids replaced, private summaries sealed. */
  outgoing(message: ClientMessage): ClientMessage {
    switch (message.type) {
      case 'announce-file':
        return { ...message, shares: message.shares.flatMap((share) => this.#announced(share)) };
      case 'withdraw-file':
        return { ...message, ids: message.ids.map((id) => this.#byShare.get(id)?.keys.privateId ?? id) };
      case 'request-file':
        return { ...message, id: this.#byShare.get(message.id)?.keys.privateId ?? message.id };
      default:
        return message;
    }
  }

  /** A message from the server: opaque ids this page knows become share ids; other sealed shares are dropped. */
  incoming(message: ServerMessage): ServerMessage {
    switch (message.type) {
      case 'announce-file':
        return { ...message, shares: message.shares.flatMap((share) => this.#received(share)) };
      case 'files':
        return { ...message, holders: message.holders.map((holder) => ({ ...holder, shares: holder.shares.flatMap((share) => this.#received(share)) })) };
      case 'withdraw-file':
        return { ...message, ids: message.ids.map((id) => this.#byOpaque.get(id)?.keys.shareId ?? id) };
      default:
        return message;
    }
  }

  #announced(share: ShareSummary): ShareSummary[] {
    const known = this.#byShare.get(share.id);
    if (!known) return [share];
    // Not sealed yet (a download before its metadata): announced once it is.
    return known.sealed ? [{ id: known.keys.privateId, name: '', size: 0, sealed: known.sealed }] : [];
  }

  #received(share: ShareSummary): ShareSummary[] {
    const known = this.#byOpaque.get(share.id);
    if (!known) return share.sealed === undefined ? [share] : [];
    const { shareId } = known.keys;
    if (!known.opened && share.sealed) {
      void openSummary(known.keys, share.sealed).then(
        (summary) => {
          known.opened ??= summary;
          this.onOpened(shareId, summary);
        },
        () => undefined, // not sealed with this secret: it stays unnamed
      );
    }
    return [{ id: shareId, name: known.opened?.name ?? UNNAMED_PRIVATE, size: known.opened?.size ?? 0 }];
  }
}

/** A connection's DTLS fingerprints as this end sees them; undefined when not known (nothing private goes on it). */
export function fingerprintsOf(connection: Parameters<typeof connectionFingerprints>[0]): ConnectionFingerprints | undefined {
  try {
    return connectionFingerprints(connection);
  } catch {
    return undefined;
  }
}

/** The signaling port as the engine uses it: what it sends goes out with private shares sealed. */
export function sealedSignaling(port: SignalingPort, shares: PrivateShares): SignalingPort {
  return {
    connect: () => port.connect(),
    close: () => port.close(),
    join: (room) => port.join(room),
    rename: (name) => port.rename(name),
    send: (message) => port.send(shares.outgoing(message)),
  };
}

/** Names a private share once its sealed summary is opened: in the room's list, and a download that has no name yet. */
export const nameOpenedShare = (state: () => StateWriter) => (shareId: string, summary: SealedSummary) => {
  const writer = state();
  writer.set({ roomFiles: writer.current.roomFiles.map((f) => (f.id === shareId ? { ...f, name: summary.name, size: summary.size } : f)) });
  const share = writer.share(shareId);
  if (share && share.size === 0 && share.status !== 'seeding') writer.patchShare(shareId, { name: summary.name, size: summary.size });
};
