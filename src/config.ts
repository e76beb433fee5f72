import { readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import { Type, type Static } from '@sinclair/typebox'

// `format: 'uri'` would need ajv-formats, which @fastify/env's Ajv lacks: urls are checked by pattern.
const HttpUrl = Type.String({ pattern: '^https?://[^\\s/?#]+[^\\s]*$' })

export const EnvSchema = Type.Object({
  SAP_BASE_URL: Type.Optional(HttpUrl),
  SAP_TOKEN_URL: Type.Optional(HttpUrl),
  SAP_CLIENT_ID: Type.Optional(Type.String({ minLength: 1 })),
  SAP_CLIENT_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  SAP_SERVICE_KEY: Type.Optional(Type.String({ minLength: 1 })),
  SAP_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 30000 }),
  SAP_BODY_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 300000 }),
  SAP_TOKEN_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 10000 }),
  SAP_ALLOW_WRITES: Type.Boolean({ default: false }),
  SAP_CSRF: Type.Union([Type.Literal('auto'), Type.Literal('always'), Type.Literal('off')], { default: 'auto' }),
  SAP_MAX_RPS: Type.Number({ exclusiveMinimum: 0, default: 10 }),
  SAP_MAX_UPLOAD_BYTES: Type.Integer({ minimum: 0, default: 104857600 }),
  SAP_ALLOWED_HOSTS: Type.String({ default: '*.hana.ondemand.com,*.cloud.sap' }),
  SAP_CA_FILE: Type.Optional(Type.String({ minLength: 1 })),
  SAP_CACHE_TTL_MS: Type.Integer({ minimum: 0, default: 0 }),
  ENVIRONMENT: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], { default: 'development' }),
  DEBUG: Type.Boolean({ default: false }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)), { default: 'info' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  ALLOWED_ORIGINS: Type.String({ default: '["http://localhost:3000","http://localhost:5173","http://localhost:8080"]' }),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 100 }),
  RATE_LIMIT_WINDOW: Type.String({ minLength: 1, default: '1 minute' }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  TRUST_PROXY: Type.Optional(Type.String()),
  API_KEYS: Type.Optional(Type.String()),
  AUTH_JWKS_URL: Type.Optional(HttpUrl),
  AUTH_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  AUTH_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  AUTH_DISABLED: Type.Boolean({ default: false }),
  DOCS_ENABLED: Type.Boolean({ default: true }),
  // OpenTelemetry traces, sent as OTLP/HTTP to `<endpoint>/v1/traces`; unset: no tracing code is loaded.
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(HttpUrl),
  OTEL_SERVICE_NAME: Type.String({ minLength: 1, default: 'sap-is-proxy' }),
  // Load shedding (@fastify/under-pressure): 503 + Retry-After past a threshold; 0 turns a check off.
  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, default: 1000 }),
  PRESSURE_MAX_EVENT_LOOP_UTILIZATION: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  PRESSURE_MAX_HEAP_USED_BYTES: Type.Integer({ minimum: 0, default: 0 }),
  PRESSURE_MAX_RSS_BYTES: Type.Integer({ minimum: 0, default: 0 })
})

export type Env = Static<typeof EnvSchema>
export type SettingSource = Record<string, string | undefined>

/** Settings whose values are never printed, logged or answered. */
export const SECRET_SETTINGS = ['SAP_CLIENT_SECRET', 'API_KEYS', 'VCAP_SERVICES', 'REDIS_URL'] as const

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const TENANT_SETTINGS = ['SAP_BASE_URL', 'SAP_TOKEN_URL', 'SAP_CLIENT_ID', 'SAP_CLIENT_SECRET'] as const
type TenantSettingName = typeof TENANT_SETTINGS[number]

interface OAuthBlock { clientid?: unknown, clientsecret?: unknown, url?: unknown, tokenurl?: unknown }

function tenantSettingsFromOAuth (oauth: OAuthBlock, origin: string): Partial<Record<TenantSettingName, string>> {
  const fields = { SAP_BASE_URL: oauth.url, SAP_TOKEN_URL: oauth.tokenurl, SAP_CLIENT_ID: oauth.clientid, SAP_CLIENT_SECRET: oauth.clientsecret }
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value !== 'string' || value === '') {
      throw new ConfigError(`Invalid setting ${origin}: the oauth block has no ${oauthFieldOf(name as TenantSettingName)}`)
    }
  }
  return fields as Record<TenantSettingName, string>
}

function oauthFieldOf (name: TenantSettingName): string {
  return { SAP_BASE_URL: 'url', SAP_TOKEN_URL: 'tokenurl', SAP_CLIENT_ID: 'clientid', SAP_CLIENT_SECRET: 'clientsecret' }[name]
}

function readServiceKey (path: string): Partial<Record<TenantSettingName, string>> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`Invalid setting SAP_SERVICE_KEY: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  let key: { oauth?: OAuthBlock }
  try {
    key = JSON.parse(text)
  } catch {
    throw new ConfigError(`Invalid setting SAP_SERVICE_KEY: ${path} is not valid JSON`)
  }
  if (typeof key?.oauth !== 'object' || key.oauth === null) {
    throw new ConfigError(`Invalid setting SAP_SERVICE_KEY: ${path} has no "oauth" block`)
  }
  return tenantSettingsFromOAuth(key.oauth, 'SAP_SERVICE_KEY')
}

interface VcapInstance { credentials?: { oauth?: OAuthBlock }, plan?: string }

function readVcapServices (json: string): Partial<Record<TenantSettingName, string>> {
  let services: Record<string, VcapInstance[]>
  try {
    services = JSON.parse(json)
  } catch {
    throw new ConfigError('Invalid setting VCAP_SERVICES: not valid JSON')
  }
  const instances = Object.values(services ?? {}).flat()
  const bound = instances.find((instance) => instance?.credentials?.oauth && instance.plan === 'api') ??
    instances.find((instance) => instance?.credentials?.oauth)
  if (!bound?.credentials?.oauth) return {}
  return tenantSettingsFromOAuth(bound.credentials.oauth, 'VCAP_SERVICES')
}

function readDotenv (path: string): SettingSource {
  try {
    return parseEnv(readFileSync(path, 'utf8'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new ConfigError(`Invalid .env file ${path}: ${(err as Error).message}`)
  }
}

function withoutEmpty (source: SettingSource): SettingSource {
  return Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''))
}

export interface SettingSourcesOptions {
  /** The process environment (strongest source). */
  env: SettingSource
  /** A `.env` file read in development only; `false` to skip it. */
  dotenvPath?: string | false
}

/**
 * Merges the setting sources, strongest first: the environment, `.env` (development only),
 * the `SAP_SERVICE_KEY` file, the `oauth` block in `VCAP_SERVICES`.
 */
export function collectSettings ({ env, dotenvPath = '.env' }: SettingSourcesOptions): SettingSource {
  const environment = withoutEmpty(env)
  const isDevelopment = (environment.ENVIRONMENT ?? 'development') === 'development'
  const dotenv = isDevelopment && dotenvPath !== false ? withoutEmpty(readDotenv(dotenvPath)) : {}
  const merged: SettingSource = { ...dotenv, ...environment }

  const fromVcap = merged.VCAP_SERVICES ? readVcapServices(merged.VCAP_SERVICES) : {}
  const fromServiceKey = merged.SAP_SERVICE_KEY ? readServiceKey(merged.SAP_SERVICE_KEY) : {}
  const settings: SettingSource = { ...fromVcap, ...fromServiceKey, ...merged }
  delete settings.VCAP_SERVICES
  return settings
}

interface AjvError { instancePath?: string, message?: string, params?: Record<string, unknown> }

/** Turns @fastify/env's Ajv error into one line that names the setting and never its value. */
export function describeSettingsError (err: Error & { errors?: AjvError[] }): ConfigError {
  const first = err.errors?.[0]
  if (!first) return new ConfigError(`Invalid settings: ${err.message}`)
  const name = first.instancePath?.replace(/^\//, '') || String(first.params?.missingProperty ?? 'settings')
  const allowed = Array.isArray(first.params?.allowedValues) ? ` (${first.params.allowedValues.join(', ')})` : ''
  const problem = first.message?.startsWith('must match pattern') ? 'must be an http(s) url' : first.message
  return new ConfigError(`Invalid setting ${name}: ${problem}${allowed}`)
}

export interface TenantSettings {
  baseUrl: string
  tokenUrl: string
  clientId: string
  clientSecret: string
}

/** The configured tenant, or null when none is set (the built-in sandbox is used then). */
export function tenantSettings (env: Env): TenantSettings | null {
  const present = TENANT_SETTINGS.filter((name) => env[name] !== undefined)
  if (present.length === 0) return null
  const missing = TENANT_SETTINGS.filter((name) => env[name] === undefined)
  if (missing.length > 0) {
    throw new ConfigError(`Invalid setting ${missing[0]}: required when ${present.join(', ')} ${present.length === 1 ? 'is' : 'are'} set (set all four, or SAP_SERVICE_KEY)`)
  }
  return {
    baseUrl: (env.SAP_BASE_URL as string).replace(/\/+$/, '').replace(/\/api\/v1$/, ''),
    tokenUrl: env.SAP_TOKEN_URL as string,
    clientId: env.SAP_CLIENT_ID as string,
    clientSecret: env.SAP_CLIENT_SECRET as string
  }
}

/** Rules that span several settings. */
export function checkSettings (env: Env): void {
  const tenant = tenantSettings(env)
  if (env.ENVIRONMENT === 'production') {
    if (!tenant) throw new ConfigError('Invalid setting SAP_BASE_URL: a tenant is required in production (the sandbox is for development and tests)')
    if (env.DEBUG) throw new ConfigError('Invalid setting DEBUG: not allowed in production')
  }
  if (tenant && !tenant.tokenUrl.startsWith('https://') && env.ENVIRONMENT === 'production') {
    throw new ConfigError('Invalid setting SAP_TOKEN_URL: must be https in production')
  }
  checkCallerAuthentication(env)
}

const JWT_SETTINGS = ['AUTH_JWKS_URL', 'AUTH_ISSUER', 'AUTH_AUDIENCE'] as const

/** A list setting, or a one-line error that names it (never its value). */
export function listSetting (name: string, value: string | undefined): string[] {
  try {
    return parseList(value)
  } catch {
    throw new ConfigError(`Invalid setting ${name}: expected a JSON array of strings or a comma-separated list`)
  }
}

/** Who may call the proxy: API keys, JWTs, or (outside production, or with AUTH_DISABLED=true) anyone. */
function checkCallerAuthentication (env: Env): void {
  const hasKeys = listSetting('API_KEYS', env.API_KEYS).length > 0
  const jwtPresent = JWT_SETTINGS.filter((name) => env[name] !== undefined)
  if (jwtPresent.length > 0 && jwtPresent.length < JWT_SETTINGS.length) {
    const missing = JWT_SETTINGS.find((name) => env[name] === undefined)
    throw new ConfigError(`Invalid setting ${missing}: required when ${jwtPresent.join(', ')} ${jwtPresent.length === 1 ? 'is' : 'are'} set (JWT callers need AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE)`)
  }
  const hasJwt = jwtPresent.length === JWT_SETTINGS.length
  if (env.AUTH_DISABLED && (hasKeys || hasJwt)) {
    throw new ConfigError(`Invalid setting AUTH_DISABLED: true while ${hasKeys ? 'API_KEYS' : 'AUTH_JWKS_URL'} is set; unset one of them`)
  }
  if (env.ENVIRONMENT !== 'production') return
  if (!hasKeys && !hasJwt && !env.AUTH_DISABLED) {
    throw new ConfigError('Invalid setting API_KEYS: caller authentication is required in production: set API_KEYS, or AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE (or AUTH_DISABLED=true when a gateway in front authenticates callers)')
  }
  if (hasJwt && !env.AUTH_JWKS_URL!.startsWith('https://')) {
    throw new ConfigError('Invalid setting AUTH_JWKS_URL: must be https in production')
  }
}

export function parseList (value: string | undefined): string[] {
  if (!value) return []
  const trimmed = value.trim()
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed)
    if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) throw new ConfigError('expected a JSON array of strings')
    return parsed.map((item) => item.trim()).filter(Boolean)
  }
  return trimmed.split(',').map((item) => item.trim()).filter(Boolean)
}
