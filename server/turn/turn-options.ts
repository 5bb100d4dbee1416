/** What a TurnServer is configured with, and the RFC 5766 timers and our quotas it applies by default. */

export interface TurnServerOptions {
  listenIp: string;
  port: number;
  /** Address relay sockets bind to. */
  relayIp: string;
  /** Address advertised in XOR-RELAYED-ADDRESS when relays bind to a wildcard or a private address. */
  externalIp?: string | undefined;
  secret: string;
  realm?: string;
  isAllowedPeer: (address: string) => boolean;
  minRelayPort?: number;
  maxRelayPort?: number;
  /** Relay ports one credential may hold (allocations and EVEN-PORT reservations alike). */
  maxAllocationsPerUser?: number;
  /** Relay ports one client address may hold; keep it a small fraction of the port range (config.ts checks). */
  maxAllocationsPerClient?: number;
  /** Relay ports held in all. */
  maxAllocations?: number;
  /** Allocate requests one client address may make: a burst, then this many per second. */
  allocationBurstPerClient?: number;
  allocationsPerSecondPerClient?: number;
  /** Bandwidth cap of one allocation, each direction, in kbit/s (0 or undefined: none); datagrams over it are dropped. */
  allocationKbps?: number;
  log?: (line: string) => void;
  now?: () => number;
}

/** Allocation lifetime when none is asked for, and the most granted (RFC 5766 6.2). */
export const DEFAULT_LIFETIME_S = 600;
export const MAX_LIFETIME_S = 3600;
/** Permissions last 300 s and channel bindings 600 s (RFC 5766 8 and 11). */
export const PERMISSION_S = 300;
export const CHANNEL_S = 600;
/** Per allocation: enough for ICE's checks to every candidate of one peer, and no more. */
export const MAX_PERMISSIONS = 64;
export const MAX_CHANNELS = 64;
/** A page opens one allocation per peer connection (24 at most) and more on ICE restarts. */
export const ALLOCATION_BURST = 32;
export const ALLOCATIONS_PER_SECOND = 2;
