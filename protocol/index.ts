export * from './constants.js';
export * from './chunks.js';
export * from './hex.js';
export * from './metadata.js';
export * from './signaling.js';
export * from './wire.js';
export * from './bitfield.js';
export * from './file-urls.js';
