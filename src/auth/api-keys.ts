import { createHash, timingSafeEqual } from 'node:crypto'
import { ConfigError, listSetting } from '../config.js'

/** Shorter keys are guessable from their logged hash; `openssl rand -base64 32` gives 44 characters. */
export const MIN_API_KEY_LENGTH = 16

function sha256 (value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

/** A stable, short, one-way name for a credential: tells callers apart in logs and rate-limit buckets. */
export function shortHash (value: string): string {
  return sha256(value).toString('hex').slice(0, 12)
}

/** `API_KEYS` as a list; a one-line ConfigError that never shows a key. */
export function parseApiKeys (value: string | undefined): string[] {
  const keys = listSetting('API_KEYS', value)
  const short = keys.findIndex((key) => key.length < MIN_API_KEY_LENGTH)
  if (short !== -1) {
    throw new ConfigError(`Invalid setting API_KEYS: key #${short + 1} is shorter than ${MIN_API_KEY_LENGTH} characters (generate keys with e.g. \`openssl rand -base64 32\`)`)
  }
  return keys
}

/**
 * The configured caller keys, held only as SHA-256 digests. A presented key is hashed and compared
 * with every digest by `timingSafeEqual` (fixed length, no early exit), so neither the answer time
 * nor its length tells how much of a key was right.
 */
export class ApiKeys {
  readonly #digests: Buffer[]

  constructor (keys: readonly string[]) {
    this.#digests = keys.map(sha256)
  }

  get size (): number {
    return this.#digests.length
  }

  /** The caller id (`key:<short hash>`) of a matching key, else null. */
  match (candidate: string): string | null {
    const digest = sha256(candidate)
    let matched: Buffer | null = null
    for (const known of this.#digests) {
      if (timingSafeEqual(digest, known)) matched = known
    }
    return matched ? `key:${matched.toString('hex').slice(0, 12)}` : null
  }
}
