/**
 * Room news of announcements on its way to a room, paid for by the announcing address's egress
 * budget: shares announced (`announce-file`) and taken back (`withdraw-file`). News goes out at once
 * while the budget lasts; what the budget cannot pay for yet waits (in order) and goes out as the
 * budget refills. Nothing is lost: the room's index already holds the change (snapshots and
 * `request-file` see it at once); only the news of it is paced. A share withdrawn while its
 * announcement still waits is simply never announced. A peer that leaves takes its waiting news
 * with it (the room hears `peer-left`, which takes back everything it held).
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

type News = { kind: 'announce'; share: ShareSummary } | { kind: 'withdraw'; id: string };

/** JSON of an envelope around its items: {"type":"announce-file","from":"<22>","shares":[…]}. */
const ENVELOPE_BYTES = 64;
/** One withdrawn id in `ids`: 64 hex digits, quotes, a comma. */
const WITHDRAWN_ID_BYTES = 67;

const newsBytes = (news: News): number => (news.kind === 'announce' ? JSON.stringify(news.share).length + 1 : WITHDRAWN_ID_BYTES);

export class AnnounceFanout {
  readonly #waiting = new Map<string, News[]>();

  constructor(private readonly parts: AnnounceFanoutParts) {}

  /** Items of news waiting for their address's budget, in all. */
  get waiting(): number {
    let count = 0;
    for (const news of this.#waiting.values()) count += news.length;
    return count;
  }

  announce(peerId: string, added: ShareSummary[]): void {
    this.#queue(peerId, added.map((share) => ({ kind: 'announce', share })));
  }

  /** Shares the peer took back (each one it had announced): an announcement still waiting is cancelled instead. */
  withdraw(peerId: string, ids: string[]): void {
    const waiting = this.#waiting.get(peerId) ?? [];
    const withdrawn: News[] = [];
    for (const id of ids) {
      const pending = waiting.findIndex((news) => news.kind === 'announce' && news.share.id === id);
      if (pending >= 0) waiting.splice(pending, 1);
      else withdrawn.push({ kind: 'withdraw', id });
    }
    this.#queue(peerId, withdrawn);
  }

  /** The peer left its room: its news is no longer news. */
  drop(peerId: string): void {
    this.#waiting.delete(peerId);
  }

  /** Sends on what the budgets allow now. */
  flush(): void {
    for (const peerId of [...this.#waiting.keys()]) this.#flushPeer(peerId);
  }

  #queue(peerId: string, news: News[]): void {
    if (news.length === 0) return;
    const waiting = this.#waiting.get(peerId);
    if (waiting) waiting.push(...news);
    else this.#waiting.set(peerId, [...news]);
    this.#flushPeer(peerId);
  }

  #flushPeer(peerId: string): void {
    const waiting = this.#waiting.get(peerId);
    const address = this.parts.addressOf(peerId);
    const recipients = this.parts.recipientsOf(peerId);
    if (!waiting || waiting.length === 0 || address === undefined || recipients.length === 0) {
      this.#waiting.delete(peerId); // no one to tell: later joiners get the room's snapshot
      return;
    }
    const budget = this.parts.egress.for(address);
    // Runs of one kind go out as one message each, in order, as far as the budget pays.
    while (waiting.length > 0) {
      const kind = waiting[0]!.kind;
      let count = 0;
      let envelope = ENVELOPE_BYTES; // paid with the run's first item
      while (count < waiting.length && waiting[count]!.kind === kind && budget.take((envelope + newsBytes(waiting[count]!)) * recipients.length)) {
        count++;
        envelope = 0;
      }
      if (count === 0) return;
      const run = waiting.splice(0, count);
      const message: ServerMessage =
        kind === 'announce'
          ? { type: 'announce-file', from: peerId, shares: run.map((news) => (news as Extract<News, { kind: 'announce' }>).share) }
          : { type: 'withdraw-file', from: peerId, ids: run.map((news) => (news as Extract<News, { kind: 'withdraw' }>).id) };
      for (const recipient of recipients) this.parts.send(recipient, message);
    }
    this.#waiting.delete(peerId);
  }
}
