/**
 * A streaming multipart/form-data reader (RFC 7578): each part's headers are parsed, and its body is
 * handed to the part's sink piece by piece as it arrives, with backpressure (the next read waits for
 * the sink's write), so a file of any size passes through in bounded memory. What a sender controls
 * is bounded: header block size and part count; sizes are the sinks' to bound. Pure: no storage.
 */

/** A body that is not well-formed multipart, or breaks a bound. */
export class MultipartError extends Error {
  override name = 'MultipartError';
}

export interface PartHead {
  /** The form field's name. */
  name: string;
  /** Present for a file part (possibly empty), absent for a plain field. */
  filename: string | undefined;
  contentType: string;
}

export interface PartSink {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export interface MultipartLimits {
  /** One part's header block, in bytes. */
  maxHeaderBytes: number;
  /** Parts in the body. */
  maxParts: number;
}

const CRLF = new Uint8Array([13, 10]);
const HEAD_END = new Uint8Array([13, 10, 13, 10]);
const text = new TextDecoder();

/** The boundary of a `multipart/form-data` Content-Type, or undefined when it is not one. */
export function multipartBoundary(contentType: string | null): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/** Parses one part's header block (`Name: value` lines); only Content-Disposition and Content-Type matter. */
function parseHead(block: string): PartHead {
  const headers = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MultipartError('a part header line has no name');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get('content-disposition');
  if (!disposition || !/^form-data\s*(;|$)/i.test(disposition)) throw new MultipartError('a part is not form-data');
  const param = (key: string): string | undefined => {
    const match = new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"|;\\s*${key}=([^;\\s]+)`, 'i').exec(disposition);
    const value = match?.[1] ?? match?.[2];
    return value === undefined ? undefined : value.replace(/\\(.)/g, '$1');
  };
  const name = param('name');
  if (name === undefined) throw new MultipartError('a part has no field name');
  // Browsers escape '"', CR and LF in names as %22, %0D and %0A (HTML's multipart/form-data encoding).
  const unescape = (value: string | undefined) => value?.replace(/%(22|0D|0A)/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return { name: unescape(name)!, filename: unescape(param('filename')), contentType: headers.get('content-type') ?? 'text/plain' };
}

/** Index of `needle` in `haystack` from `from`, or -1. */
function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0]!;
  for (let i = haystack.indexOf(first, from); i >= 0 && i <= haystack.length - needle.length; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Reads `body` part by part: `onPart` gives each part's sink (or null to skip its body), which gets
 * the body's bytes in order and is closed at the part's end. Throws MultipartError for a malformed
 * body or a broken bound, and whatever a sink throws; the body is cancelled then.
 */
export async function readMultipart(body: ReadableStream<Uint8Array>, boundary: string, onPart: (head: PartHead) => Promise<PartSink | null>, limits: MultipartLimits): Promise<void> {
  const encoder = new TextEncoder();
  // A delimiter is CRLF "--" boundary; the body's first one may come without its CRLF, so one is put in front.
  const delimiter = encoder.encode(`\r\n--${boundary}`);
  const reader = body.getReader();
  let buffer: Uint8Array = CRLF;
  let ended = false;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const { value, done } = await reader.read();
    if (done) return !(ended = true);
    buffer = concat(buffer, value);
    return true;
  };
  try {
    // The preamble, up to the first delimiter.
    for (let at = indexOf(buffer, delimiter); ; at = indexOf(buffer, delimiter)) {
      if (at >= 0) {
        buffer = buffer.subarray(at + delimiter.length);
        break;
      }
      if (buffer.length > limits.maxHeaderBytes) throw new MultipartError('no multipart boundary where the body starts');
      if (!(await more())) throw new MultipartError('the body holds no multipart boundary');
    }
    for (let parts = 0; ; parts++) {
      // After a delimiter: "--" ends the body, CRLF starts a part.
      while (buffer.length < 2) if (!(await more())) throw new MultipartError('the body ends inside a boundary');
      if (buffer[0] === 45 && buffer[1] === 45) return;
      if (buffer[0] !== 13 || buffer[1] !== 10) throw new MultipartError('a boundary is followed by neither CRLF nor "--"');
      if (parts >= limits.maxParts) throw new MultipartError(`more than ${limits.maxParts} parts`);
      buffer = buffer.subarray(2);
      let headEnd: number;
      while ((headEnd = indexOf(buffer, HEAD_END)) < 0) {
        if (buffer.length > limits.maxHeaderBytes) throw new MultipartError(`a part's headers are over ${limits.maxHeaderBytes} bytes`);
        if (!(await more())) throw new MultipartError('the body ends inside a part\'s headers');
      }
      if (headEnd > limits.maxHeaderBytes) throw new MultipartError(`a part's headers are over ${limits.maxHeaderBytes} bytes`);
      const sink = await onPart(parseHead(text.decode(buffer.subarray(0, headEnd))));
      buffer = buffer.subarray(headEnd + 4);
      // The body, up to the next delimiter; all but a possible start of one goes on at once.
      for (;;) {
        const at = indexOf(buffer, delimiter);
        if (at >= 0) {
          if (at > 0) await sink?.write(buffer.slice(0, at));
          buffer = buffer.subarray(at + delimiter.length);
          await sink?.close();
          break;
        }
        const safe = buffer.length - (delimiter.length - 1);
        if (safe > 0) {
          await sink?.write(buffer.slice(0, safe));
          buffer = buffer.subarray(safe);
        }
        if (!(await more())) throw new MultipartError('the body ends inside a part');
      }
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
}
