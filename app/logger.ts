// The process logger (pino, JSON lines on stdout). Fastify logs through the same one.

import { type Logger, pino } from 'pino';
import type { LogLevel } from './config/types.ts';

export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
