import type { Dispatcher } from 'undici'

export type CsrfMode = 'auto' | 'always' | 'off'

export interface CsrfSession {
  token: string
  cookie: string
}

/** SAP refuses a write for lack of a CSRF token with 403 (and, in Gateway style, `X-CSRF-Token: Required`). */
export function isCsrfRefusal (statusCode: number, headers: Record<string, string | string[] | undefined>): boolean {
  const marker = headers['x-csrf-token']
  return statusCode === 403 && typeof marker === 'string' && marker.toLowerCase() === 'required'
}

/** `name=value` pairs of Set-Cookie headers, joined for a Cookie header. */
export function cookiePairs (setCookie: string | string[] | undefined): string {
  const values = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie]
  return values.map((value) => value.split(';', 1)[0]!.trim()).filter(Boolean).join('; ')
}

export type FetchCsrf = () => Promise<{ statusCode: number, headers: Record<string, string | string[] | undefined>, body: Dispatcher.ResponseData['body'] }>

/**
 * The proxy's own CSRF session with SAP: token and cookies are kept here, per tenant, and never
 * handed to callers. Concurrent writers share one fetch.
 */
export class CsrfTokens {
  #session: CsrfSession | undefined
  #pending: Promise<CsrfSession> | undefined
  fetches = 0

  constructor (private readonly fetchFromSap: FetchCsrf) {}

  get current (): CsrfSession | undefined {
    return this.#session
  }

  /** Fetches a fresh session, unless one newer than `stale` is already there. */
  async renew (stale?: CsrfSession): Promise<CsrfSession> {
    if (this.#session && this.#session !== stale) return this.#session
    this.#pending ??= this.#fetch().finally(() => { this.#pending = undefined })
    return this.#pending
  }

  async #fetch (): Promise<CsrfSession> {
    this.fetches++
    const response = await this.fetchFromSap()
    await response.body.dump()
    const token = response.headers['x-csrf-token']
    if (response.statusCode >= 400 || typeof token !== 'string' || token === '' || token.toLowerCase() === 'required') {
      throw new Error(`CSRF token fetch answered ${response.statusCode}`)
    }
    this.#session = { token, cookie: cookiePairs(response.headers['set-cookie']) }
    return this.#session
  }
}
