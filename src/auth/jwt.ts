import { createHash } from 'node:crypto'
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose'

/**
 * Asymmetric algorithms only: `none` and the HS* family are never accepted, so a public key from
 * the JWKS can never be used as an HMAC secret (algorithm confusion).
 */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const

/** Reasons a token is refused, answered to the caller (never the token itself). */
export type JwtRejection = 'expired' | 'not yet valid' | 'wrong issuer' | 'wrong audience' | 'bad signature or unknown key' | 'algorithm not allowed' | 'malformed token' | 'missing claim'

export class JwtRejectedError extends Error {
  override name = 'JwtRejectedError'
  constructor (readonly reason: JwtRejection, options?: ErrorOptions) {
    super(`token rejected: ${reason}`, options)
  }
}

/** The identity provider's keys could not be fetched: not the caller's fault. */
export class JwksUnavailableError extends Error {
  override name = 'JwksUnavailableError'
}

export interface JwtVerifierOptions {
  jwksUrl: string
  issuer: string
  audience: readonly string[]
  /** Allowed clock difference for `exp`, `nbf` and `iat`. */
  clockToleranceSeconds?: number
  /** Least time between two JWKS fetches caused by an unknown `kid`. */
  cooldownMs?: number
  /** Keys are refetched after this age even when every `kid` is known. */
  cacheMaxAgeMs?: number
  timeoutMs?: number
}

export interface VerifiedCaller {
  /** `jwt:<short hash of issuer and subject>`, stable across instances. */
  id: string
  subject: string
  claims: JWTPayload
}

function rejectionOf (err: unknown): JwtRejection | null {
  if (err instanceof errors.JWTExpired) return 'expired'
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return 'wrong issuer'
    if (err.claim === 'aud') return 'wrong audience'
    if (err.claim === 'nbf') return 'not yet valid'
    if (err.reason === 'missing') return 'missing claim'
    return 'malformed token'
  }
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) return 'bad signature or unknown key'
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return 'algorithm not allowed'
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JWKInvalid) return 'malformed token'
  return null
}

/**
 * Verifies callers' JWTs locally against the identity provider's JWKS (jose's remote key set:
 * cached, refetched on an unknown `kid` no more often than the cooldown, one fetch in flight).
 */
export class JwtVerifier {
  readonly #keys: ReturnType<typeof createRemoteJWKSet>
  readonly #issuer: string
  readonly #audience: string[]
  readonly #clockTolerance: number

  constructor (options: JwtVerifierOptions) {
    this.#keys = createRemoteJWKSet(new URL(options.jwksUrl), {
      cooldownDuration: options.cooldownMs ?? 30_000,
      cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
      timeoutDuration: options.timeoutMs ?? 5000
    })
    this.#issuer = options.issuer
    this.#audience = [...options.audience]
    this.#clockTolerance = options.clockToleranceSeconds ?? 30
  }

  async verify (token: string): Promise<VerifiedCaller> {
    let payload: JWTPayload
    try {
      ({ payload } = await jwtVerify(token, this.#keys, {
        algorithms: [...JWT_ALGORITHMS],
        issuer: this.#issuer,
        audience: this.#audience,
        clockTolerance: this.#clockTolerance,
        requiredClaims: ['exp']
      }))
    } catch (err) {
      const reason = rejectionOf(err)
      if (reason) throw new JwtRejectedError(reason, { cause: err })
      throw new JwksUnavailableError('the JWKS could not be fetched', { cause: err })
    }
    const subject = [payload.sub, payload.azp, payload.client_id].find((value): value is string => typeof value === 'string' && value !== '')
    if (!subject) throw new JwtRejectedError('missing claim')
    const id = createHash('sha256').update(`${payload.iss}\n${subject}`).digest('hex').slice(0, 12)
    return { id: `jwt:${id}`, subject, claims: payload }
  }
}
