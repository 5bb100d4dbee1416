/**
 * Announcements on their way to a room, paid for by the announcing address's egress budget: a delta
 * goes out at once while the budget lasts, and what the budget cannot pay for yet waits (in order)
 * and goes out as the budget refills. Nothing is lost: the room's index already holds the shares
 * (snapshots and `request-file` see them at once); only the news of them is paced. A peer that
 * leaves takes its waiting news with it.
 */
import type { ServerMessage, ShareSummary } from '../protocol/index.js';
import type { AddressBuckets } from './address-buckets.js';

export interface AnnounceFanoutParts {
  egress: AddressBuckets;
  /** The announcing peer's client address (undefined once it is gone). */
  addressOf: (peerId: string) => string | undefined;
  /** The peers to tell (this instance's members of its room, not itself). */
  recipientsOf: (peerId: string) => string[];
  send: (to: string, message: ServerMessage) => void;
}

/** JSON of an announce-file envelope around its shares: {"type":"announce-file","from":"<22>","shares":[…]}. */
const ENVELOPE_BYTES = 64;

export class AnnounceFanout {
  readonly #waiting = new Map<string, ShareSummary[]>();

  constructor(private readonly parts: AnnounceFanoutParts) {}

  /** Shares waiting for their address's budget, in all. */
  get waiting(): number {
    let count = 0;
    for (const shares of this.#waiting.values()) count += shares.length;
    return count;
  }

  announce(peerId: string, added: ShareSummary[]): void {
    if (added.length === 0) return;
    const waiting = this.#waiting.get(peerId);
    if (waiting) waiting.push(...added);
    else this.#waiting.set(peerId, [...added]);
    this.#flushPeer(peerId);
  }

  /** The peer left its room: its news is no longer news. */
  drop(peerId: string): void {
    this.#waiting.delete(peerId);
  }

  /** Sends on what the budgets allow now. */
  flush(): void {
    for (const peerId of [...this.#waiting.keys()]) this.#flushPeer(peerId);
  }

  #flushPeer(peerId: string): void {
    const waiting = this.#waiting.get(peerId);
    const address = this.parts.addressOf(peerId);
    const recipients = this.parts.recipientsOf(peerId);
    if (!waiting || address === undefined || recipients.length === 0) {
      this.#waiting.delete(peerId); // no one to tell: later joiners get the room's snapshot
      return;
    }
    const budget = this.parts.egress.for(address);
    let count = 0;
    let envelope = ENVELOPE_BYTES; // paid with the first share
    while (count < waiting.length && budget.take((envelope + JSON.stringify(waiting[count]).length + 1) * recipients.length)) {
      count++;
      envelope = 0;
    }
    if (count === 0) return;
    const message: ServerMessage = { type: 'announce-file', from: peerId, shares: waiting.splice(0, count) };
    for (const recipient of recipients) this.parts.send(recipient, message);
    if (waiting.length === 0) this.#waiting.delete(peerId);
  }
}
