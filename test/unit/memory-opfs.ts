/**
 * An in-memory stand-in for OPFS directory and file handles, as much of them as the inbox code uses
 * (sw/share-target.ts, workers/inbox.ts): folders, files written through createWritable (with abort),
 * getFile, entries and recursive removal. A file may claim a size it does not hold (a stored GiB).
 */
export class MemoryFile {
  kind = 'file' as const;
  bytes = new Uint8Array(0);
  claimedSize: number | undefined;
  constructor(readonly name: string) {}

  async getFile(): Promise<File> {
    const file = new File([this.bytes], this.name);
    return this.claimedSize === undefined ? file : (Object.defineProperty(file, 'size', { value: this.claimedSize }) as File);
  }

  async createWritable() {
    const chunks: Uint8Array[] = [];
    let done = false;
    return {
      write: async (data: Uint8Array | string) => void chunks.push(typeof data === 'string' ? new TextEncoder().encode(data) : data.slice()),
      close: async () => {
        if (done) throw new Error('closed twice');
        done = true;
        this.bytes = new Uint8Array(Buffer.concat(chunks));
      },
      abort: async () => void (done = true),
    };
  }
}

export class MemoryDirectory {
  kind = 'directory' as const;
  readonly children = new Map<string, MemoryDirectory | MemoryFile>();
  constructor(readonly name = '') {}

  async getDirectoryHandle(name: string, options: { create?: boolean } = {}): Promise<MemoryDirectory> {
    const found = this.children.get(name);
    if (found instanceof MemoryDirectory) return found;
    if (found || !options.create) throw new DOMException(`no folder ${name}`, 'NotFoundError');
    const made = new MemoryDirectory(name);
    this.children.set(name, made);
    return made;
  }

  async getFileHandle(name: string, options: { create?: boolean } = {}): Promise<MemoryFile> {
    const found = this.children.get(name);
    if (found instanceof MemoryFile) return found;
    if (found || !options.create) throw new DOMException(`no file ${name}`, 'NotFoundError');
    const made = new MemoryFile(name);
    this.children.set(name, made);
    return made;
  }

  async removeEntry(name: string, options: { recursive?: boolean } = {}): Promise<void> {
    const found = this.children.get(name);
    if (!found) throw new DOMException(`no entry ${name}`, 'NotFoundError');
    if (found instanceof MemoryDirectory && found.children.size > 0 && !options.recursive) throw new DOMException('not empty', 'InvalidModificationError');
    this.children.delete(name);
  }

  async *entries(): AsyncIterableIterator<[string, MemoryDirectory | MemoryFile]> {
    for (const entry of [...this.children]) yield entry;
  }

  /** Every file path under this folder, for assertions. */
  paths(prefix = ''): string[] {
    return [...this.children].flatMap(([name, child]) => (child instanceof MemoryDirectory ? child.paths(`${prefix}${name}/`) : [`${prefix}${name}`]));
  }
}
