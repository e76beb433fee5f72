import t from 'tap'
import { ApiKeys, shortHash } from '../../src/auth/api-keys.js'
import { presentedCredential } from '../../src/auth/credentials.js'
import { JwtRejectedError, JwtVerifier } from '../../src/auth/jwt.js'
import { issueToken, signingKey, startJwksServer, TEST_AUDIENCE, TEST_ISSUER } from '../fixtures/jwks-server.js'

t.test('ApiKeys matches exact keys only and names callers by a short hash', async (t) => {
  const keys = new ApiKeys(['first-key-0123456789', 'second-key-0123456789'])
  t.equal(keys.match('first-key-0123456789'), `key:${shortHash('first-key-0123456789')}`)
  t.equal(keys.match('second-key-0123456789'), `key:${shortHash('second-key-0123456789')}`)
  for (const wrong of ['first-key-012345678', 'first-key-01234567890', 'FIRST-KEY-0123456789', '', ' first-key-0123456789']) {
    t.equal(keys.match(wrong), null, JSON.stringify(wrong))
  }
  t.match(shortHash('first-key-0123456789'), /^[0-9a-f]{12}$/)
  t.notOk(JSON.stringify(keys).includes('first-key'), 'the keys themselves are not held')
})

t.test('presentedCredential reads X-API-Key first, then a Bearer credential', async (t) => {
  t.same(presentedCredential({ 'x-api-key': 'a', authorization: 'Bearer b' }), { kind: 'api-key', value: 'a' })
  t.same(presentedCredential({ authorization: 'Bearer  b ' }), { kind: 'bearer', value: 'b' })
  t.equal(presentedCredential({}), null)
  t.match(presentedCredential({ authorization: 'Bearer a b' }), { kind: 'malformed' })
  t.match(presentedCredential({ authorization: `Bearer ${'x'.repeat(9000)}` }), { kind: 'malformed' })
})

t.test('an unknown kid refetches the JWKS only after the cooldown', async (t) => {
  const first = await signingKey('first')
  const rotated = await signingKey('rotated')
  const jwks = await startJwksServer(t, [first])
  const verifier = new JwtVerifier({ jwksUrl: jwks.url, issuer: TEST_ISSUER, audience: [TEST_AUDIENCE], cooldownMs: 400 })
  t.match(await verifier.verify(await issueToken(first)), { id: /^jwt:[0-9a-f]{12}$/, subject: 'front-end-user' })
  t.equal(jwks.fetches, 1)

  jwks.keys = [first, rotated] // the identity provider rotates
  const token = await issueToken(rotated)
  for (let i = 0; i < 5; i++) {
    await t.rejects(verifier.verify(token), JwtRejectedError, 'within the cooldown: the cached set is used')
  }
  t.equal(jwks.fetches, 1, 'no refetch storm')
  await new Promise((resolve) => setTimeout(resolve, 450))
  t.match(await verifier.verify(token), { subject: 'front-end-user' }, 'after the cooldown the new key is fetched')
  t.equal(jwks.fetches, 2)
})

t.test('the caller id depends on issuer and subject, not on the token', async (t) => {
  const key = await signingKey('k')
  const jwks = await startJwksServer(t, [key])
  const verifier = new JwtVerifier({ jwksUrl: jwks.url, issuer: TEST_ISSUER, audience: [TEST_AUDIENCE] })
  const a = await verifier.verify(await issueToken(key, { subject: 'alice' }))
  const a2 = await verifier.verify(await issueToken(key, { subject: 'alice', expiresIn: 600 }))
  const b = await verifier.verify(await issueToken(key, { subject: 'bob' }))
  t.equal(a.id, a2.id)
  t.not(a.id, b.id)
})
