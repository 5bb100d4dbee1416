/**
 * The STUN/TURN servers for new connections, from the server's GET /api/ice-servers. The answer is
 * checked before RTCPeerConnection sees it: a broken one is an error with a reason, not a
 * connection that fails later for no visible cause.
 */
export class IceServersError extends Error {
  override name = 'IceServersError';
}

function isUrls(urls: unknown): boolean {
  const list = typeof urls === 'string' ? [urls] : urls;
  return Array.isArray(list) && list.length > 0 && list.every((u) => typeof u === 'string' && /^(stun|stuns|turn|turns):/.test(u));
}

export async function loadIceServers(fetchFn: typeof fetch, url: string): Promise<RTCIceServer[]> {
  const response = await fetchFn(url);
  if (!response.ok) throw new IceServersError(`HTTP ${response.status}`);
  const body = (await response.json()) as { iceServers?: unknown };
  const servers = body?.iceServers;
  if (!Array.isArray(servers)) throw new IceServersError('the answer has no iceServers list');
  for (const server of servers as { urls?: unknown; username?: unknown; credential?: unknown }[]) {
    if (!server || !isUrls(server.urls)) throw new IceServersError('an ICE server without stun:/turn: URLs');
    if ((server.username !== undefined && typeof server.username !== 'string') || (server.credential !== undefined && typeof server.credential !== 'string')) {
      throw new IceServersError('an ICE server with a malformed credential');
    }
  }
  return servers as RTCIceServer[];
}
