/** One file on disk as a ByteFile (workers/byte-store.ts): a download's bitfield sidecar in the headless peer. */
import { open, type FileHandle } from 'node:fs/promises';
import type { ByteFile } from '../workers/byte-store.js';

export class PlainFile implements ByteFile {
  private constructor(
    private readonly handle: FileHandle,
    private length: number,
  ) {}

  /** Opens `path` to read and write, creating it empty if it does not exist. */
  static async open(path: string): Promise<PlainFile> {
    const handle = await open(path, 'a+').then(async (h) => (await h.close(), open(path, 'r+')));
    return new PlainFile(handle, (await handle.stat()).size);
  }

  size(): number {
    return this.length;
  }

  async truncate(size: number): Promise<void> {
    await this.handle.truncate(size);
    this.length = size;
  }

  async write(bytes: Uint8Array, at: number): Promise<number> {
    const { bytesWritten } = await this.handle.write(bytes, 0, bytes.byteLength, at);
    this.length = Math.max(this.length, at + bytesWritten);
    return bytesWritten;
  }

  async read(into: Uint8Array, at: number): Promise<number> {
    const { bytesRead } = await this.handle.read(into, 0, into.byteLength, at);
    return bytesRead;
  }

  async flush(): Promise<void> {
    await this.handle.datasync();
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
