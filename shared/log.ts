// Logger construction. Only composition roots (main.ts files) call createLogger; everything else
// receives a Logger in its deps and derives children from it.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  '*.accessKeyId',
  '*.secretAccessKey',
  '*.sessionToken',
  '*.aws_secret_access_key',
  '*.aws_access_key_id',
  'headers.authorization',
  '*.headers.authorization',
  '*.GitHubAccessToken',
];

export interface LoggerOptions {
  level?: string;
  name: string;
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const opts = { level: options.level ?? 'info', base: { svc: options.name }, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

/** A logger that drops everything, for library callers that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
