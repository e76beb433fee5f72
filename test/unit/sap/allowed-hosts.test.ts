import t from 'tap'
import { HostAllowlist, parseHostRule } from '../../../src/sap/allowed-hosts.js'

t.test('wildcards match subdomains on https and the default port only', async (t) => {
  const list = new HostAllowlist(['*.hana.ondemand.com', '*.cloud.sap'])
  for (const url of [
    'https://t.it-cpi018.cfapps.eu10-003.hana.ondemand.com',
    'https://t.authentication.eu10.hana.ondemand.com/oauth/token',
    'https://T.Authentication.EU10.hana.ondemand.com:443/oauth/token',
    'https://x.cloud.sap/',
    'https://x.hana.ondemand.com./'
  ]) t.ok(list.allows(url), url)
  for (const url of [
    'https://hana.ondemand.com',
    'https://evilhana.ondemand.com',
    'https://x.hana.ondemand.com.evil.example',
    'https://x.hana.ondemand.com@evil.example',
    'https://user:pw@x.hana.ondemand.com',
    'http://x.hana.ondemand.com',
    'https://x.hana.ondemand.com:8443',
    'https://127.0.0.1',
    'https://[::1]',
    'ftp://x.hana.ondemand.com',
    'not a url',
    'file:///etc/passwd'
  ]) t.notOk(list.allows(url), url)
})

t.test('exact hosts, ports and schemes', async (t) => {
  const list = new HostAllowlist(['my.tenant.example', 'localhost:4004', 'http://127.0.0.1:9000'])
  t.ok(list.allows('https://my.tenant.example/x'))
  t.notOk(list.allows('https://sub.my.tenant.example'))
  t.ok(list.allows('https://localhost:4004'))
  t.notOk(list.allows('http://localhost:4004'), 'https unless the entry says http')
  t.notOk(list.allows('https://localhost'))
  t.ok(list.allows('http://127.0.0.1:9000/oauth/token'))
  t.notOk(list.allows('http://127.0.0.1:9001'))
})

t.test('trusted origins match exactly: scheme, host and port', async (t) => {
  const list = new HostAllowlist([], ['http://127.0.0.1:4000', 'http://127.0.0.1:4000/oauth/token'])
  t.ok(list.allows('http://127.0.0.1:4000'))
  t.ok(list.allows('http://127.0.0.1:4000/oauth/token'))
  t.notOk(list.allows('http://127.0.0.1:4001'), 'another port on the same host is another service')
  t.notOk(list.allows('https://127.0.0.1:4000'))
})

t.test('unreadable entries are reported and never match; a bare * allows nothing', async (t) => {
  const list = new HostAllowlist(['*', '**.x.com', 'a b', 'https://x.com/path', '*.ok.example'])
  t.same(list.invalid, ['*', '**.x.com', 'a b', 'https://x.com/path'])
  t.notOk(list.allows('https://anything.example'))
  t.ok(list.allows('https://a.ok.example'))
  t.same(parseHostRule('HTTPS://Host.Example:443'), { protocol: 'https:', host: 'host.example', wildcard: false, port: '' })
})
