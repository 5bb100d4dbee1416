/** How a share's state reads in words, wherever it is shown. */
import type { ShareStatus } from '../engine/state.js';

export const STATUS_TEXT: Record<ShareStatus, string> = {
  hashing: 'Hashing',
  seeding: 'Seeding',
  connecting: 'Connecting',
  downloading: 'Downloading',
  verifying: 'Verifying',
  paused: 'Paused',
  stalled: 'Waiting for peers',
  error: 'Failed',
  'needs-access': 'Needs permission',
};

/**
 * Downloads whose files open before they finish: the service worker reads them through the data
 * plane, which fetches the part being read first.
 */
export const OPENS_WHILE_DOWNLOADING = new Set<ShareStatus>(['downloading', 'stalled', 'verifying']);
