import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { getGlobalDispatcher } from 'undici'
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js'

/** Test helpers for the sandbox tenant: real HTTP over loopback, no mocks. */

export interface Teardown { teardown (fn: () => unknown): void }

export async function start (t: Teardown, options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox(options)
  t.teardown(() => sandbox.close())
  return sandbox
}

export function basic (id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
}

export interface Res {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  text: string
  json: <T = any>() => T // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface CallOptions {
  method?: string
  headers?: Record<string, string>
  body?: string | Buffer | AsyncIterable<Buffer>
  token?: string | null
}

/** Sends `path` byte for byte (the dispatcher API does not normalise it, unlike a URL) and reads the whole answer. */
export async function call (sandbox: Sandbox, path: string, options: CallOptions = {}): Promise<Res> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token !== undefined && options.token !== null) headers.authorization = `Bearer ${options.token}`
  const body = options.body === undefined || typeof options.body === 'string' || Buffer.isBuffer(options.body) ? options.body ?? null : Readable.from(options.body)
  const res = await getGlobalDispatcher().request({ origin: sandbox.url, method: (options.method ?? 'GET') as 'GET', path, headers, body })
  const received = Buffer.from(await res.body.arrayBuffer())
  const text = received.toString('utf8')
  return { status: res.statusCode, headers: res.headers, body: received, text, json: () => JSON.parse(text) }
}

export async function fetchToken (sandbox: Sandbox): Promise<string> {
  const res = await call(sandbox, '/oauth/token', {
    method: 'POST',
    headers: { authorization: basic(sandbox.clientId, sandbox.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  })
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${res.text}`)
  return res.json<{ access_token: string }>().access_token
}

/** A JSON API client bound to one sandbox and one token. */
export async function client (sandbox: Sandbox): Promise<(path: string, options?: CallOptions) => Promise<Res>> {
  const token = await fetchToken(sandbox)
  return async (path, options = {}) => call(sandbox, path, {
    ...options,
    token: options.token === undefined ? token : options.token,
    headers: { accept: 'application/json', ...options.headers }
  })
}

export function sha256 (data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

export const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
