/**
 * What a user can share: one file, one file with its handle (shared from disk, not copied), or a
 * folder of files (one multi-file share). A folder's files are
 * ordered by path, so the same folder always yields the same share id, and every path segment is
 * made safe for the metadata's rules.
 */
import { MAX_SHARE_FILES, type ShareFile } from '../../protocol/index.js';

export interface FolderInput {
  name: string;
  files: { path: string; file: File }[];
}

/** A file the browser gave us a handle to (file picker, drop): seeded from disk, no copy kept. */
export interface HandleInput {
  handle: FileSystemFileHandle;
  file: File;
}

export type ShareInput = File | FolderInput | HandleInput;

export class FolderError extends Error {
  override name = 'FolderError';
}

/** Characters browsers allow in a file name but our metadata forbids are replaced. */
export function safeName(name: string): string {
  const cleaned = name.replace(/[\u0000-\u001f/\\]/g, '_').slice(0, 255);
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'file' : cleaned;
}

export function isFolder(source: ShareInput): source is FolderInput {
  return !(source instanceof Blob) && 'files' in source;
}

export function isHandleInput(source: ShareInput): source is HandleInput {
  return !(source instanceof Blob) && 'handle' in source;
}

export function inputName(source: ShareInput): string {
  return safeName(isHandleInput(source) ? source.file.name : source.name);
}

export function inputSize(source: ShareInput): number {
  if (isFolder(source)) return source.files.reduce((n, f) => n + f.file.size, 0);
  return isHandleInput(source) ? source.file.size : source.size;
}

/** The MIME type a single file reports ('' for a folder). */
export function inputType(source: ShareInput): string {
  if (isFolder(source)) return '';
  return (isHandleInput(source) ? source.file.type : source.type).slice(0, 255);
}

/** The folder's bytes as the share sees them: its files concatenated in order (a lazy Blob, not a copy). */
export function inputBlob(source: ShareInput): Blob {
  if (isFolder(source)) return new Blob(source.files.map((f) => f.file));
  return isHandleInput(source) ? source.file : source;
}

/** A folder's file list for its metadata: safe paths in a stable order; refuses empty or huge folders. */
export function folderFiles(folder: FolderInput): { files: ShareFile[]; ordered: FolderInput['files'] } {
  if (folder.files.length === 0) throw new FolderError(`"${folder.name}" has no files to share`);
  if (folder.files.length > MAX_SHARE_FILES) throw new FolderError(`"${folder.name}" has ${folder.files.length} files; a share holds at most ${MAX_SHARE_FILES}`);
  const safe = folder.files.map((f) => ({ path: f.path.split('/').filter((s) => s !== '').map(safeName).join('/'), file: f.file }));
  safe.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 1; i < safe.length; i++) {
    if (safe[i]!.path === safe[i - 1]!.path) throw new FolderError(`"${safe[i]!.path}" appears twice in "${folder.name}"`);
  }
  return { files: safe.map((f) => ({ path: f.path, size: f.file.size })), ordered: safe };
}

/**
 * Groups files picked with `<input webkitdirectory>` (each with a `webkitRelativePath` such as
 * `photos/2024/a.jpg`) into one folder per top-level directory.
 */
export function foldersFromPicked(files: File[]): FolderInput[] {
  const folders = new Map<string, FolderInput>();
  for (const file of files) {
    const [top, ...rest] = (file.webkitRelativePath || file.name).split('/');
    const name = rest.length > 0 ? top! : 'files';
    const folder = folders.get(name) ?? { name, files: [] };
    folder.files.push({ path: rest.length > 0 ? rest.join('/') : top!, file });
    folders.set(name, folder);
  }
  return [...folders.values()];
}
