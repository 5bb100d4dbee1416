/**
 * A share's metadata as it arrives on the wire, METADATA-PART by METADATA-PART (spec §5.2): parts
 * come in order, all but the last exactly METADATA_PART_BYTES, with one `total` that keeps the whole
 * under MAX_METADATA_BYTES. Anything else is malformed. The joined bytes still need checking against
 * the share id (decodeVerifiedMetadata) before anyone trusts them.
 */
import { MAX_METADATA_BYTES, METADATA_PART_BYTES } from '../protocol/index.js';

const MAX_PARTS = Math.ceil(MAX_METADATA_BYTES / METADATA_PART_BYTES);

export type PartResult = { state: 'more'; next: number } | { state: 'complete'; encoded: Uint8Array } | { state: 'malformed' };

export class MetadataParts {
  #parts: Uint8Array[] = [];
  #total = 0;

  /** Takes part `part` of `total`: what to ask for next, the whole metadata, or a refusal. */
  add(part: number, total: number, data: Uint8Array): PartResult {
    if (part === 0) this.#total = total;
    if (part !== this.#parts.length || total !== this.#total || total === 0 || total > MAX_PARTS || (part < total - 1 && data.byteLength !== METADATA_PART_BYTES)) {
      return { state: 'malformed' };
    }
    this.#parts.push(new Uint8Array(data));
    if (part + 1 < total) return { state: 'more', next: part + 1 };
    const encoded = new Uint8Array(this.#parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of this.#parts) {
      encoded.set(p, at);
      at += p.byteLength;
    }
    this.#parts = [];
    return { state: 'complete', encoded };
  }
}
