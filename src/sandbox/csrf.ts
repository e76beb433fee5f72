import { randomBytes } from 'node:crypto'

/**
 * CSRF as SAP documents it: `X-CSRF-Token: Fetch` on a GET returns a token bound to a session
 * cookie (`JSESSIONID`, with a `__VCAP_ID__` routing cookie beside it, as on Cloud Foundry); a
 * modifying request must bring the token together with that cookie. A caller that already has
 * a session gets that session's token again.
 */

const MAX_SESSIONS = 10_000

export interface FetchedToken {
  token: string
  setCookies: string[]
}

export function readCookie (header: string | string[] | undefined, name: string): string | undefined {
  const all = Array.isArray(header) ? header.join('; ') : header ?? ''
  for (const part of all.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

export class CsrfSessions {
  readonly #sessions = new Map<string, string>()

  fetch (cookieHeader: string | string[] | undefined): FetchedToken {
    const existing = readCookie(cookieHeader, 'JSESSIONID')
    const known = existing === undefined ? undefined : this.#sessions.get(existing)
    if (existing !== undefined && known !== undefined) return { token: known, setCookies: [] }
    const session = randomBytes(16).toString('hex').toUpperCase()
    const token = randomBytes(16).toString('base64')
    if (this.#sessions.size >= MAX_SESSIONS) {
      const oldest = this.#sessions.keys().next().value
      if (oldest !== undefined) this.#sessions.delete(oldest)
    }
    this.#sessions.set(session, token)
    return {
      token,
      setCookies: [
        `JSESSIONID=${session}; Path=/; HttpOnly`,
        `__VCAP_ID__=${randomBytes(12).toString('hex')}; Path=/; HttpOnly`
      ]
    }
  }

  /** Is `token` the one issued for the session named by the request's cookie? */
  valid (cookieHeader: string | string[] | undefined, token: string | string[] | undefined): boolean {
    const session = readCookie(cookieHeader, 'JSESSIONID')
    if (session === undefined || typeof token !== 'string') return false
    const expected = this.#sessions.get(session)
    return expected !== undefined && expected === token
  }
}
