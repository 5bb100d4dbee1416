/**
 * Structured logs through pino: one JSON object per line on stdout (time, level, msg, fields).
 * NODE_ENV=development adds debug lines (each refused signaling message, with its reason).
 */
import { pino } from 'pino';

export interface Logger {
  debug(msg: string, fields?: object): void;
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
}

export function createLogger(env: string = process.env.NODE_ENV ?? 'production'): Logger {
  const logger = pino({ level: env === 'development' ? 'debug' : 'info', base: { service: 'shoal' } });
  return {
    debug: (msg, fields) => logger.debug(fields ?? {}, msg),
    info: (msg, fields) => logger.info(fields ?? {}, msg),
    warn: (msg, fields) => logger.warn(fields ?? {}, msg),
    error: (msg, fields) => logger.error(fields ?? {}, msg),
  };
}
