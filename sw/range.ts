/**
 * HTTP Range parsing for single byte ranges (RFC 9110 §14): pure, table-tested. Multi-range
 * requests are answered with the whole file, which the RFC allows.
 */
export type RangeResult = { start: number; end: number } | 'unsatisfiable' | null;

/** Parses a Range header against a body of `size` bytes; end is exclusive. null = serve everything. */
export function parseRange(header: string | null, size: number): RangeResult {
  if (header === null) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size : Math.min(Number(last) + 1, size);
  if (end <= start) return 'unsatisfiable';
  return { start, end };
}

/** `Content-Disposition` for a name with any characters (RFC 6266, RFC 8187 filename*). */
export function contentDisposition(name: string, attachment: boolean): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${attachment ? 'attachment' : 'inline'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
