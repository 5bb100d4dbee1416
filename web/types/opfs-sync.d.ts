// The page's DOM lib lacks the worker-only OPFS sync API that workers/storage.worker.ts uses; the
// page only sees that module's types (through Comlink), so declaring the shapes here is enough.
interface FileSystemReadWriteOptions {
  at?: number;
}
interface FileSystemSyncAccessHandle {
  read(buffer: AllowSharedBufferSource, options?: FileSystemReadWriteOptions): number;
  write(buffer: AllowSharedBufferSource, options?: FileSystemReadWriteOptions): number;
  truncate(newSize: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}
interface FileSystemFileHandle {
  createSyncAccessHandle(): Promise<FileSystemSyncAccessHandle>;
}
