/** One JSON object per line on stdout: time, level, message, fields. */
import type { Logger } from './signaling.js';

export function createLogger(): Logger & { error(msg: string, fields?: object): void } {
  const write = (level: string, msg: string, fields?: object) =>
    process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + '\n');
  return {
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}
