/**
 * The default room: peers behind one public address share it, as on a LAN. Only the server puts a
 * client there, from the connection's address; a client can never name it (protocol/ reserves the
 * prefix). The name is a keyed hash of the address, so it cannot be computed from an address by
 * anyone without the server's secret, and room names in logs and metrics reveal no address.
 */
import { createHmac } from 'node:crypto';
import { ADDRESS_ROOM_PREFIX } from '../protocol/index.js';

/** 128 bits of HMAC-SHA256: unguessable and collision-free for any number of addresses. */
const NAME_BYTES = 16;

export function addressRoomName(address: string, secret: string): string {
  return ADDRESS_ROOM_PREFIX + createHmac('sha256', secret).update(address).digest().subarray(0, NAME_BYTES).toString('base64url');
}
