/**
 * Content types for stored files. A share's type is whatever its sharer claimed, and its bytes are
 * served from our own origin: a peer must not be able to make "Open" run HTML, SVG or script with
 * access to the app's storage. So only types that cannot script are served as themselves, every
 * other text type becomes text/plain, and everything else a download (application/octet-stream).
 * Responses also carry a sandboxing Content-Security-Policy (see fileSecurityHeaders).
 */
const INLINE = /^(image\/(png|jpeg|gif|webp|avif|bmp)|video\/(mp4|webm|ogg|quicktime)|audio\/(mpeg|ogg|wav|webm|flac|mp4|aac)|application\/pdf|application\/json|text\/plain)$/;

const BY_EXTENSION: Record<string, string> = {
  txt: 'text/plain', md: 'text/plain', csv: 'text/plain', log: 'text/plain', json: 'application/json', pdf: 'application/pdf',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', avif: 'image/avif',
  mp4: 'video/mp4', webm: 'video/webm', mov: 'video/quicktime', mp3: 'audio/mpeg', ogg: 'audio/ogg', wav: 'audio/wav', flac: 'audio/flac',
};

export function safeContentType(claimed: string): string {
  const essence = claimed.split(';')[0]!.trim().toLowerCase();
  if (INLINE.test(essence)) return essence === 'text/plain' || essence === 'application/json' ? `${essence}; charset=utf-8` : essence;
  if (essence.startsWith('text/') || essence.endsWith('+xml') || essence.endsWith('/xml') || essence.includes('javascript')) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}

/** A folder share's files carry no type: it is guessed from the extension, then made safe the same way. */
export function contentTypeOfPath(path: string): string {
  const dot = path.lastIndexOf('.');
  return safeContentType(dot < 0 ? '' : (BY_EXTENSION[path.slice(dot + 1).toLowerCase()] ?? ''));
}

/**
 * Headers every stored-file response carries: no sniffing, no script even if a browser renders it,
 * and no other site may frame it (a page that frames a user's file could overlay it to trick clicks).
 */
export function fileSecurityHeaders(contentType: string): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    // Chromium's PDF viewer does not load in a sandboxed document (a PDF cannot run page script
    // anyway), and since its viewer became an out-of-process iframe it frames the PDF inside the
    // PDF's own document: 'self' keeps that working while no other site may frame it.
    'content-security-policy':
      contentType === 'application/pdf' ? "frame-ancestors 'self'" : "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  };
}
