/** The part of node-turn 0.0.6 we use: its STUN Binding responder (turn-process.ts). */
declare module 'node-turn' {
  interface TurnServerOptions {
    listeningPort?: number;
    listeningIps?: string[];
    relayIps?: string[];
    authMech?: 'none' | 'short-term' | 'long-term';
    realm?: string;
    debugLevel?: 'OFF' | 'FATAL' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE' | 'ALL';
    log?: (message: string) => void;
  }
  class TurnServer {
    constructor(options?: TurnServerOptions);
    /** Its UDP sockets; turn-process.ts puts a filter in front of their `message` listeners. */
    network: { sockets: import('node:dgram').Socket[] };
    start(): void;
    stop(): void;
  }
  export default TurnServer;
}
