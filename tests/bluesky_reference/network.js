// Start the Bluesky reference servers (PLC, PDS, AppView from @atproto/dev-env) on this
// machine, seed a brand and its customers, print one line `READY {json}` and stay up until
// stdin closes or SIGTERM/SIGINT arrives. A line `process` on stdin makes the AppView index
// what was written since (through the PDS) and answers `DONE process`.
//
// Needs: ROR_ATP_DB_URL (a PostgreSQL URL the servers may create schemas in), REDIS_HOST
// (host:port), and @atproto/dev-env installed in $ROR_ATP_DIR (default /tmp/ror-atp) by
// tests/bluesky_reference/setup.sh. Everything it prints before READY goes to stderr.
'use strict'

const path = require('node:path')
const readline = require('node:readline')
const { createRequire } = require('node:module')

const ATP_DIR = process.env.ROR_ATP_DIR || '/tmp/ror-atp'
const atpRequire = createRequire(path.join(ATP_DIR, 'package.json'))

// dev-env's servers listen on every interface; bind them to loopback only (the URLs say
// localhost, which clients resolve to 127.0.0.1 as well).
const net = require('node:net')
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function')) {
    args.splice(1, 0, '127.0.0.1')
  } else if (args[0] && typeof args[0] === 'object' && args[0].port !== undefined && !args[0].host) {
    args[0] = { ...args[0], host: '127.0.0.1' }
  }
  return listen.apply(this, args)
}

const BRAND = { handle: 'acmecoffee.test', email: 'brand@acmecoffee.test', password: 'acme-main-pass' }
const CUSTOMERS = ['alice', 'bob', 'carl', 'dora']
const DAY_MS = 24 * 60 * 60 * 1000

function randomSchema() {
  // dev-env refuses digits in schema names: letters and _ only
  const letters = 'abcdefghijklmnopqrstuvwxyz'
  let name = 'ror_'
  for (let i = 0; i < 10; i++) name += letters[Math.floor(Math.random() * letters.length)]
  return name
}

function mentionFacet(text, handle, did) {
  const start = Buffer.byteLength(text.slice(0, text.indexOf('@' + handle)), 'utf8')
  return [{
    index: { byteStart: start, byteEnd: start + Buffer.byteLength('@' + handle, 'utf8') },
    features: [{ $type: 'app.bsky.richtext.facet#mention', did }],
  }]
}

async function seed(network) {
  const sc = network.getSeedClient()
  await sc.createAccount('acme', BRAND)
  await sc.createProfile(sc.dids.acme, 'Acme Coffee Gear', 'Grinders and kettles')
  for (const name of CUSTOMERS) {
    await sc.createAccount(name, { handle: `${name}.test`, email: `${name}@example.test`, password: `${name}-pass` })
  }
  const d = sc.dids
  const en = { langs: ['en'] }
  await sc.follow(d.alice, d.acme)
  await sc.follow(d.bob, d.acme)
  // The AppView indexes repos in parallel: a reply indexed before its parent gets no
  // notification, so each layer of the story is indexed before the next is written.
  await network.processAll()
  const launch = await sc.post(d.acme, 'Our new burr grinder ships today! Tell us what you think.', undefined, undefined, undefined, en)
  await network.processAll()
  const love = await sc.reply(d.alice, launch.ref, launch.ref, 'I love it, great work team!', undefined, undefined, en)
  const broken = await sc.reply(d.bob, launch.ref, launch.ref, 'Mine arrived with a cracked hopper. Not happy.', undefined, undefined, en)
  await network.processAll()
  const answer = await sc.reply(d.acme, launch.ref, broken.ref, 'Sorry to hear that, Bob! A replacement hopper is on its way.', undefined, undefined, en)
  // Carl's client claims a creation time two days in the future: the listener must not believe it.
  const future = new Date(Date.now() + 2 * DAY_MS).toISOString()
  const german = await sc.reply(d.carl, launch.ref, launch.ref, 'Endlich! Die Mühle ist großartig.', undefined, undefined, { langs: ['de'], createdAt: future })
  const quote = await sc.post(d.carl, 'This grinder is the best thing I bought this year.', undefined, undefined, launch.ref, en)
  const mentionText = '@acmecoffee.test where is my replacement hopper?'
  const mention = await sc.post(d.bob, mentionText, mentionFacet(mentionText, 'acmecoffee.test', d.acme), undefined, undefined, en)
  const morning = await sc.post(d.acme, 'Good morning! What are you brewing today?', undefined, undefined, undefined, en)
  const fan = await sc.post(d.dora, 'Anyone else love their burr grinder this much?', undefined, undefined, undefined, en)
  const unrelated = await sc.post(d.dora, 'Rainy day, tea and a book.', undefined, undefined, undefined, en)

  await network.processAll()
  const likes = [[d.alice, launch], [d.bob, launch], [d.carl, launch], [d.alice, answer], [d.dora, morning]]
  for (const [by, post] of likes) await sc.like(by, post.ref)
  const reposts = [[d.alice, launch], [d.dora, launch]]
  for (const [by, post] of reposts) await sc.repost(by, post.ref)
  const brandRepost = await sc.repost(d.acme, fan.ref)

  const agent = network.pds.getClient()
  await agent.login({ identifier: BRAND.handle, password: BRAND.password })
  const { data: appPassword } = await agent.com.atproto.server.createAppPassword({ name: 'ror-listener' })

  await network.processAll()
  const uri = (post) => post.ref.uriStr
  return {
    brand: { handle: BRAND.handle, did: d.acme, app_password: appPassword.password },
    dids: { ...d },
    passwords: Object.fromEntries(CUSTOMERS.map((name) => [name, `${name}-pass`])),
    followers: 2,
    posts: {
      launch: uri(launch), love: uri(love), broken: uri(broken), answer: uri(answer), german: uri(german),
      quote: uri(quote), mention: uri(mention), morning: uri(morning), fan: uri(fan), unrelated: uri(unrelated),
    },
    brand_repost: brandRepost.uriStr,
    future_created_at: future,
    likes: likes.map(([by, post]) => ({ by, uri: uri(post) })),
    reposts: reposts.map(([by, post]) => ({ by, uri: uri(post) })),
  }
}

async function main() {
  const { TestNetwork } = atpRequire('@atproto/dev-env')
  const dbPostgresUrl = process.env.ROR_ATP_DB_URL
  if (!dbPostgresUrl || !process.env.REDIS_HOST) {
    throw new Error('set ROR_ATP_DB_URL (PostgreSQL URL) and REDIS_HOST (host:port)')
  }
  const network = await TestNetwork.create({
    dbPostgresUrl,
    dbPostgresSchema: randomSchema(),
    pds: { hostname: 'localhost' },
  })
  let closing = false
  const close = async () => {
    if (closing) return
    closing = true
    await network.close().catch((error) => console.error('close:', error))
    process.exit(0)
  }
  process.on('SIGTERM', close)
  process.on('SIGINT', close)
  const story = await seed(network)
  const ready = { appview: network.bsky.url, pds: network.pds.url, plc: network.plc.url, ...story }
  process.stdout.write('READY ' + JSON.stringify(ready) + '\n')
  // Commands, one a line: `process` indexes everything written since (answer: `DONE process`).
  const lines = readline.createInterface({ input: process.stdin })
  lines.on('line', async (line) => {
    if (line.trim() !== 'process') return process.stdout.write(`UNKNOWN ${line.trim()}\n`)
    await network.processAll()
    process.stdout.write('DONE process\n')
  })
  lines.on('close', close)
}

// Server logs go to stderr so stdout carries only the READY line.
console.log = console.error
main().catch((error) => {
  console.error(error)
  process.exit(1)
})
