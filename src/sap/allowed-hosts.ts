/**
 * The hosts `POST /api/tenants/test-connection` may be pointed at: `SAP_ALLOWED_HOSTS` entries
 * (`*.hana.ondemand.com`, `host`, `host:port`, `http://host:port`) plus exact trusted origins
 * (the configured tenant's api and token origins). Anything else gets no connection at all.
 */

interface Rule {
  protocol: 'https:' | 'http:'
  host: string
  wildcard: boolean
  /** '' for the protocol's default port, as `URL.port` spells it. */
  port: string
}

const ENTRY = /^(?:(https?):\/\/)?(\*\.)?([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::(\d{1,5}))?\/?$/

/** One allowlist entry, or undefined when it is not one (a bare `*` is not: it would allow all). */
export function parseHostRule (entry: string): Rule | undefined {
  const match = ENTRY.exec(entry.trim().toLowerCase())
  if (!match) return undefined
  const protocol = match[1] === 'http' ? 'http:' : 'https:'
  const defaultPort = protocol === 'https:' ? '443' : '80'
  const port = match[4] === undefined || match[4] === defaultPort ? '' : String(Number(match[4]))
  return { protocol, host: match[3] as string, wildcard: match[2] !== undefined, port }
}

export class HostAllowlist {
  readonly #rules: Rule[]
  readonly #origins: Set<string>
  /** Entries that could not be read (reported at boot, never matched). */
  readonly invalid: string[]

  constructor (entries: readonly string[], trustedOrigins: readonly string[] = []) {
    this.invalid = []
    this.#rules = []
    for (const entry of entries) {
      const rule = parseHostRule(entry)
      if (rule) this.#rules.push(rule)
      else this.invalid.push(entry)
    }
    this.#origins = new Set(trustedOrigins.map((origin) => new URL(origin).origin))
  }

  /** Whether a connection to `url` is allowed. Urls with user info are never allowed. */
  allows (url: string): boolean {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      return false
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false
    if (parsed.username !== '' || parsed.password !== '') return false
    if (this.#origins.has(parsed.origin)) return true
    const hostname = parsed.hostname.replace(/\.$/, '')
    return this.#rules.some((rule) =>
      rule.protocol === parsed.protocol &&
      rule.port === parsed.port &&
      (rule.wildcard ? hostname.endsWith(`.${rule.host}`) : hostname === rule.host))
  }
}
