// Re-applies the launcher's control settings to a running mockin, over HTTP:
// for a harness that changed its hosted issuers mid-run (new keys, a new
// name) and wants mockin's `trusted_servers` refreshed.
//
//   AAUTH_HARNESS_ROUTES=... AAUTH_HARNESS_CA=... \
//   node mockin/setup.mjs --url http://127.0.0.1:P [--preload] [--no-auto-approve] [--mock '{...}']
//
// With --preload the PUT replaces `trusted_servers` wholesale; mockin keeps what
// it discovered or was given in a five-minute cache (`DELETE /mock` clears it).

import { parseArgs } from 'node:util'

import { loadFromEnvironment, routedFetch } from '../common/harness-routes.mjs'
import { controlPatch, parseExtra } from './control.mjs'

const USAGE = "usage: setup.mjs --url http://127.0.0.1:PORT [--preload] [--no-auto-approve] [--mock '{...}']"

let values
try {
    ;({ values } = parseArgs({
        options: {
            url: { type: 'string' },
            preload: { type: 'boolean' },
            'no-auto-approve': { type: 'boolean' },
            mock: { type: 'string' },
        },
    }))
    if (!values.url) throw new Error('--url is required')
    values.extra = parseExtra(values.mock)
} catch (err) {
    console.error(`${err.message}\n${USAGE}`)
    process.exit(2)
}
const { routes, ca } = loadFromEnvironment()
const patch = await controlPatch({
    autoApprove: !values['no-auto-approve'],
    preload: Boolean(values.preload),
    extra: values.extra,
    fetch: routedFetch(routes, ca),
    names: [...routes.keys()],
})
// mockin itself is reached directly (Node's own fetch), not through the routes.
const response = await globalThis.fetch(new URL('/mock/aauth', values.url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(patch),
})
console.log(`PUT /mock/aauth -> ${response.status}`)
process.exit(response.ok ? 0 : 1)
