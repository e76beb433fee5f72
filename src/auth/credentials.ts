import type { IncomingHttpHeaders } from 'node:http'

export type PresentedCredential =
  | { kind: 'api-key' | 'bearer', value: string }
  | { kind: 'malformed', reason: string }

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i
/** Three base64url parts: the compact JWS form. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/
/** Longer values are refused before any hashing or parsing. */
const MAX_CREDENTIAL_LENGTH = 8192

/** The caller's credential: `X-API-Key` first, else `Authorization: Bearer …`; null when none is sent. */
export function presentedCredential (headers: IncomingHttpHeaders): PresentedCredential | null {
  const apiKey = headers['x-api-key']
  if (apiKey !== undefined) {
    if (typeof apiKey !== 'string' || apiKey.length === 0 || apiKey.length > MAX_CREDENTIAL_LENGTH) return { kind: 'malformed', reason: 'malformed X-API-Key header' }
    return { kind: 'api-key', value: apiKey }
  }
  const authorization = headers.authorization
  if (authorization === undefined) return null
  const match = BEARER.exec(authorization)
  if (!match?.[1] || authorization.length > MAX_CREDENTIAL_LENGTH) return { kind: 'malformed', reason: 'expected Authorization: Bearer <credential>' }
  return { kind: 'bearer', value: match[1] }
}

export function looksLikeJwt (value: string): boolean {
  return JWT_SHAPE.test(value)
}
