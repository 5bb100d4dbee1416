/**
 * A fixed-length set of chunk indexes, packed as on the wire: bit i is byte i>>3, mask 0x80>>(i&7)
 * (most significant bit first, as BitTorrent does). Spare bits in the last byte stay zero.
 */
export class BitfieldLengthError extends RangeError {
  override name = 'BitfieldLengthError';
}

/** Whether bit `index` of packed bitfield bytes is set (no bounds check: callers hold the length). */
export function bitIsSet(bytes: Uint8Array, index: number): boolean {
  return (bytes[index >> 3]! & (0x80 >> (index & 7))) !== 0;
}

/** Sets bit `index` of packed bitfield bytes (no bounds check: callers hold the length). */
export function setBit(bytes: Uint8Array, index: number): void {
  bytes[index >> 3]! |= 0x80 >> (index & 7);
}

export class Bitfield {
  readonly bytes: Uint8Array;
  #count = 0;

  constructor(
    readonly length: number,
    bytes?: Uint8Array,
  ) {
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad bitfield length ${length}`);
    const byteLength = Math.ceil(length / 8);
    if (bytes === undefined) {
      this.bytes = new Uint8Array(byteLength);
      return;
    }
    if (bytes.byteLength !== byteLength) throw new BitfieldLengthError(`bitfield of ${bytes.byteLength} bytes for ${length} chunks needs ${byteLength}`);
    const spare = byteLength * 8 - length;
    if (spare > 0 && (bytes[byteLength - 1]! & ((1 << spare) - 1)) !== 0) throw new BitfieldLengthError('bitfield sets bits past its length');
    this.bytes = new Uint8Array(bytes);
    for (let i = 0; i < length; i++) if (this.has(i)) this.#count++;
  }

  has(index: number): boolean {
    if (index < 0 || index >= this.length) return false;
    return bitIsSet(this.bytes, index);
  }

  /** Sets bit `index`; returns false if it was already set. */
  set(index: number): boolean {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) throw new RangeError(`index ${index} outside bitfield of ${this.length}`);
    if (this.has(index)) return false;
    setBit(this.bytes, index);
    this.#count++;
    return true;
  }

  /** How many bits are set. */
  get count(): number {
    return this.#count;
  }

  get complete(): boolean {
    return this.#count === this.length;
  }

  static full(length: number): Bitfield {
    const field = new Bitfield(length);
    for (let i = 0; i < length; i++) field.set(i);
    return field;
  }
}
