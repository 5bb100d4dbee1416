/**
 * The headless peer: the app's engine (signaling, peer connections, rooms, private shares, the
 * data plane and its verification) with Node's parts in its ports: WebRTC from libdatachannel
 * (node-rtc.ts), the WebSocket from `ws`, storage on a plain disk (node-storage.ts), hashing with
 * Node's crypto (node-hasher.ts). The data plane runs in this process beside storage.
 */
import WebSocketClient from 'ws';
import { DataPlane } from '../plane/data-plane.js';
import { Engine } from '../web/engine/engine.js';
import { MemoryTransferLog } from '../web/engine/transfer-history.js';
import { NodeHasher } from './node-hasher.js';
import { NodePeerConnection } from './node-rtc.js';
import { NodeStorage, type NodeStorageOptions } from './node-storage.js';

export interface HeadlessPeerOptions extends NodeStorageOptions {
  /** The Shoal server: http(s)://host[:port] (its signaling and ICE servers are found from there). */
  server: URL;
  /** A room code; undefined: the room of this machine's network address, as in the app. */
  room?: string;
  name: string;
  relayOnly?: boolean;
}

export interface HeadlessPeer {
  engine: Engine;
  storage: NodeStorage;
  /** Saves every download's progress, leaves the room and closes every connection and file. */
  stop(): Promise<void>;
}

/**
 * The browser APIs the engine's transport-independent parts use, filled from Node: set once per
 * process. The WebSocket sends the server's own origin, as the app does (a server with
 * ALLOWED_ORIGINS refuses others).
 */
function installWebApis(server: URL): void {
  const origin = server.origin;
  class OriginWebSocket extends WebSocketClient {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { origin });
      // A browser's WebSocket reports a failed connection by its close event; ws also emits 'error', which would throw unheard.
      this.on('error', () => undefined);
    }
  }
  Object.assign(globalThis, { WebSocket: OriginWebSocket, RTCPeerConnection: NodePeerConnection });
}

export async function startHeadlessPeer(options: HeadlessPeerOptions): Promise<HeadlessPeer> {
  installWebApis(options.server);
  const storage = new NodeStorage(options);
  const signaling = new URL('/signaling', options.server);
  signaling.protocol = options.server.protocol === 'https:' ? 'wss:' : 'ws:';
  const engine = new Engine(
    {
      hasher: new NodeHasher(),
      storage,
      openPlane: async (events) => ({ plane: new DataPlane(storage, events), host: 'process' }),
      transferLog: new MemoryTransferLog(),
    },
    {
      signalingUrl: signaling.href,
      iceServersUrl: new URL('/api/ice-servers', options.server).href,
      selfName: options.name,
      forceRelay: options.relayOnly ?? false,
      ...(options.room ? { room: options.room } : {}),
    },
  );
  await engine.start();
  return {
    engine,
    storage,
    async stop() {
      await engine.flush();
      engine.stop();
      await storage.close();
    },
  };
}
