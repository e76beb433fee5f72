import { request, type Dispatcher } from 'undici'
import type { IssuedToken } from './token-provider.js'

export interface ClientCredentials {
  tokenUrl: string
  clientId: string
  clientSecret: string
}

export interface FetchTokenOptions extends ClientCredentials {
  timeoutMs: number
  dispatcher?: Dispatcher
}

/**
 * OAuth 2.0 client-credentials grant as SAP's own clients send it: the client authenticated by
 * HTTP Basic of `id:secret` as is. XSUAA ids contain `!` and `|`, which RFC 6749's form-encoding
 * step would turn into `%21` and `%7C`; XSUAA accepts the raw pair, as flashpipe and Piper send it.
 */
export async function fetchClientCredentialsToken ({ tokenUrl, clientId, clientSecret, timeoutMs, dispatcher }: FetchTokenOptions): Promise<IssuedToken> {
  const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64')
  let response: Dispatcher.ResponseData
  try {
    response = await request(tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json'
      },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(timeoutMs),
      ...(dispatcher ? { dispatcher } : {})
    })
  } catch (err) {
    const reason = (err as Error).name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : 'unreachable'
    throw new Error(`token endpoint ${reason}`, { cause: err })
  }

  const text = await response.body.text().catch(() => '')
  if (response.statusCode !== 200) {
    throw new Error(`token endpoint answered ${response.statusCode}${describeOAuthError(text)}`)
  }
  let body: { access_token?: unknown, expires_in?: unknown }
  try {
    body = JSON.parse(text)
  } catch {
    throw new Error('token endpoint answered 200 without JSON')
  }
  const expiresIn = Number(body.expires_in)
  if (typeof body.access_token !== 'string' || body.access_token === '' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new Error('token endpoint answered 200 without access_token and expires_in')
  }
  return { accessToken: body.access_token, expiresIn }
}

function describeOAuthError (text: string): string {
  try {
    const { error } = JSON.parse(text) as { error?: unknown }
    return typeof error === 'string' && /^[a-z_]{1,64}$/.test(error) ? ` ${error}` : ''
  } catch {
    return ''
  }
}
