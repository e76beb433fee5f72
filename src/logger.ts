import type { PinoLoggerOptions } from 'fastify/types/logger.js'

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

/** Where a secret could sit in a log line; pino replaces each with `[redacted]`. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-csrf-token"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'clientSecret',
  'client_secret',
  'access_token',
  'accessToken',
  'token'
]

export interface LoggerSettings {
  level?: string | undefined
  /** Human-friendly output, for a person watching a terminal in development. */
  pretty: boolean
}

export function loggerOptions ({ level, pretty }: LoggerSettings): PinoLoggerOptions {
  return {
    level: level && LEVELS.has(level) ? level : 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } } : {})
  }
}
