import fastifyEnv from '@fastify/env'
import fp from 'fastify-plugin'
import { checkSettings, describeSettingsError, EnvSchema, type Env, type SettingSource } from '../src/config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Env
  }
}

export interface ConfigPluginOptions {
  /** The merged setting sources (see `collectSettings`); tests pass theirs explicitly. */
  settings: SettingSource
}

/**
 * Validates the settings once, at boot, against the one TypeBox schema, and decorates `config`.
 * @see ../src/config.ts
 */
export default fp<ConfigPluginOptions>(async function config (fastify, { settings }) {
  try {
    await fastify.register(fastifyEnv, { schema: structuredClone(EnvSchema), data: { ...settings }, env: false, dotenv: false })
    await fastify.after()
  } catch (err) {
    throw describeSettingsError(err as Error)
  }
  checkSettings(fastify.config)
}, { name: 'config' })
