import { randomBytes, randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { readSmallBody } from './body.js'
import type { SandboxState } from './state.js'

/**
 * The XSUAA-like token endpoint (`POST /oauth/token`, client_credentials) and the registry of the
 * tokens it issued. The client may authenticate by HTTP Basic (id and secret taken as-is, not
 * url-decoded), by form fields or by query parameters, as XSUAA accepts all three.
 */

const SCOPES = 'uaa.resource it!b2.IntegrationContent.Read it!b2.IntegrationContent.Write it!b2.MonitoringDataRead it!b2.WorkspacePackagesEdit'

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url')

export class TokenRegistry {
  readonly #tokens = new Map<string, number>()
  readonly #now: () => number

  constructor (now: () => number = Date.now) {
    this.#now = now
  }

  issue (clientId: string, expiresIn: number, issuer: string): { token: string, jti: string } {
    const now = this.#now()
    const jti = randomUUID().replace(/-/g, '')
    const header = { alg: 'RS256', jku: `${issuer}/token_keys`, kid: 'default-jwt-key-sandbox', typ: 'JWT' }
    const payload = {
      jti,
      ext_attr: { enhancer: 'XSUAA', subaccountid: 'sandbox', zdn: 'sandbox' },
      sub: clientId,
      authorities: SCOPES.split(' '),
      scope: SCOPES.split(' '),
      client_id: clientId,
      cid: clientId,
      azp: clientId,
      grant_type: 'client_credentials',
      rev_sig: randomBytes(4).toString('hex'),
      iat: Math.floor(now / 1000),
      exp: Math.floor(now / 1000) + expiresIn,
      iss: `${issuer}/oauth/token`,
      zid: 'sandbox-zone',
      aud: ['uaa', 'it!b2', clientId]
    }
    const token = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${b64url(randomBytes(256))}`
    this.#prune(now)
    this.#tokens.set(token, now + expiresIn * 1000)
    return { token, jti }
  }

  /** Valid = issued by this sandbox, not revoked, not expired (by wall clock). */
  verify (token: string): boolean {
    const expiresAt = this.#tokens.get(token)
    return expiresAt !== undefined && this.#now() < expiresAt
  }

  revokeAll (): void {
    this.#tokens.clear()
  }

  #prune (now: number): void {
    if (this.#tokens.size < 10_000) return
    for (const [token, expiresAt] of this.#tokens) if (expiresAt <= now) this.#tokens.delete(token)
  }
}

function basicCredentials (header: string | undefined): { id: string, secret: string } | undefined {
  const m = /^Basic\s+(\S+)\s*$/i.exec(header ?? '')
  if (m?.[1] === undefined) return undefined
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
}

function oauthError (status: number, error: string, description: string): { status: number, body: { error: string, error_description: string } } {
  return { status, body: { error, error_description: description } }
}

export async function oauthRoutes (app: FastifyInstance, state: SandboxState): Promise<void> {
  app.post('/oauth/token', async (request, reply) => {
    reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache')
    if (state.tokenEndpointDown) {
      return reply.code(503).send({ error: 'temporarily_unavailable', error_description: 'The token endpoint is down (sandbox).' })
    }
    const raw = request.raw.url ?? ''
    const q = raw.indexOf('?')
    const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1))
    const type = String(request.headers['content-type'] ?? '')
    const body = await readSmallBody(request.raw, 64 * 1024)
    if (body !== '') {
      if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
        return reply.code(400).send(oauthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded').body)
      }
      for (const [k, v] of new URLSearchParams(body)) params.set(k, v)
    }

    const basic = basicCredentials(request.headers.authorization)
    const id = basic?.id ?? params.get('client_id') ?? undefined
    const secret = basic?.secret ?? params.get('client_secret') ?? undefined
    const { options } = state
    if (id !== options.clientId || secret !== options.clientSecret) {
      reply.header('WWW-Authenticate', 'Basic realm="UAA/client", error="unauthorized", error_description="Bad credentials"')
      const e = oauthError(401, 'invalid_client', 'Bad credentials')
      return reply.code(e.status).send(e.body)
    }
    const grant = params.get('grant_type')
    if (grant === null || grant === '') {
      return reply.code(400).send(oauthError(400, 'invalid_request', 'Missing grant type').body)
    }
    if (grant !== 'client_credentials') {
      return reply.code(400).send(oauthError(400, 'unsupported_grant_type', `Unsupported grant type: ${grant}`).body)
    }
    const { token, jti } = state.tokens.issue(options.clientId, options.expiresIn, state.url)
    state.stats.tokensIssued++
    return reply.code(200).send({ access_token: token, token_type: 'bearer', expires_in: options.expiresIn, scope: SCOPES, jti })
  })

  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: '/oauth/token',
    handler: async (_request, reply) => reply.code(405).header('Allow', 'POST').send({ error: 'method_not_allowed', error_description: 'Request method not supported' })
  })
}
