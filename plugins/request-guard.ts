import fp from 'fastify-plugin'
import { ProxyErrors } from '../src/errors.js'

/**
 * Refuses request targets that are not plain paths (absolute form `http://host/…`, authority
 * form), before any route sees them: `Host` and the target never choose where the proxy connects.
 */
export default fp(async function requestGuard (fastify) {
  fastify.addHook('onRequest', async (request) => {
    const target = request.raw.url ?? ''
    if (!target.startsWith('/') && !(request.method === 'OPTIONS' && target === '*')) {
      throw new ProxyErrors.BadPath('request target must be a path')
    }
  })
}, { name: 'request-guard', dependencies: ['error-handler'] })
