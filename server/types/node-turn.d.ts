declare module 'node-turn' {
  interface TurnServerOptions {
    listeningPort?: number;
    listeningIps?: string[];
    relayIps?: string[];
    externalIps?: Record<string, string> | string | null;
    minPort?: number;
    maxPort?: number;
    authMech?: 'none' | 'short-term' | 'long-term';
    credentials?: Record<string, string>;
    realm?: string;
    debugLevel?: 'OFF' | 'FATAL' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE' | 'ALL';
    log?: (message: string) => void;
    debug?: (level: string, message: string) => void;
  }
  class TurnServer {
    constructor(options?: TurnServerOptions);
    authentification: { credentials: Record<string, string> };
    allocations: Record<string, unknown>;
    network: { sockets: unknown[] };
    start(): void;
    stop(): void;
    on(event: string, listener: (...args: any[]) => void): this;
    prependListener(event: string, listener: (...args: any[]) => void): this;
    emit(event: string, ...args: unknown[]): boolean;
  }
  export default TurnServer;
}
