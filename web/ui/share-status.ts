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
};
