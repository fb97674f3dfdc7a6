// Runs @hellocoop/mockin 2.0.0 as a Person Server for the conformance suite.
//
//   node mockin/launch.mjs --port P --identifier https://ps.mockin.test
//        [--preload] [--no-auto-approve] [--mock '{"person_requirement":"approval"}']
//
// mockin's own server.js is ten lines: a fastify instance, mockin's `api`
// routes, listen on PORT/IP with ISSUER from the environment. This launcher
// does the same in-process (setting PORT, IP=127.0.0.1 and ISSUER before
// mockin reads them) so that two things happen before the port opens, and
// the harness's readiness probe cannot race them:
//   - the global `fetch` mockin discovers issuers with is replaced by the
//     routed fetch, so `https://*.harness.test` reaches the harness and
//     nothing else is reachable;
//   - the control API (`PUT /mock/aauth`, through fastify's inject) sets
//     auto-approval, --mock settings and, with --preload, `trusted_servers`
//     filled from every routed name's metadata and JWKS.
// mockin takes `@authority` from the Host header.

import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { describeRoutes, launcherArguments, loadFromEnvironment, routedFetch } from '../common/harness-routes.mjs'
import { controlPatch, parseExtra } from './control.mjs'

const USAGE =
    'usage: launch.mjs --port P --identifier https://ps.mockin.test ' +
    "[--preload] [--no-auto-approve] [--mock '{...}']"

const args = launcherArguments(USAGE, {
    preload: { type: 'boolean' },
    'no-auto-approve': { type: 'boolean' },
    mock: { type: 'string' },
})
let extra
try {
    extra = parseExtra(args.mock)
} catch (err) {
    console.error(`--mock: ${err.message}\n${USAGE}`)
    process.exit(2)
}
const { routes, ca } = loadFromEnvironment()
const fetch = routedFetch(routes, ca)
globalThis.fetch = fetch

// mockin's config.js reads these once, when first imported.
process.env.PORT = String(args.port)
process.env.IP = '127.0.0.1'
process.env.ISSUER = args.identifier

const here = dirname(fileURLToPath(import.meta.url))
const mockinPackage = createRequire(join(here, '..', '.install', 'node', 'package.json')).resolve(
    '@hellocoop/mockin/package.json',
)
const requireFromMockin = createRequire(mockinPackage)
// mockin reads its own package.json (for its version) relative to the cwd.
process.chdir(dirname(mockinPackage))
const fastify = (await import(pathToFileURL(requireFromMockin.resolve('fastify')).href)).default
const api = (await import(pathToFileURL(join(dirname(mockinPackage), 'src', 'api.js')).href)).default

const app = fastify({ disableRequestLogging: true, logger: { level: 'error', timestamp: false, base: undefined } })
api(app)
await app.ready()

const patch = await controlPatch({
    autoApprove: !args['no-auto-approve'],
    preload: Boolean(args.preload),
    extra,
    fetch,
    names: [...routes.keys()],
})
const answer = await app.inject({ method: 'PUT', url: '/mock/aauth', payload: patch })
if (answer.statusCode !== 200) {
    console.error(`mockin: PUT /mock/aauth answered ${answer.statusCode}: ${answer.body}`)
    process.exit(1)
}

await app.listen({ port: args.port, host: '127.0.0.1' })
console.log(
    `mockin: ${args.identifier} on 127.0.0.1:${args.port}; auto_approve=${patch.auto_approve}; ` +
        `preloaded ${Object.keys(patch.trusted_servers ?? {}).length} issuers; routes ${describeRoutes(routes)}`,
)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => app.close().then(() => process.exit(0)))
