// The settings the launcher and setup.mjs put through mockin's control API
// (`PUT /mock/aauth`).
//
// `trusted_servers` is mockin's preload: per issuer identifier, a metadata
// document and JWKS it uses instead of fetching. mockin looks entries up by
// identifier alone (whatever `dwk` it wanted), so one entry per routed name
// is enough: the first of the four AAuth documents the name serves.

const DOCUMENTS = ['aauth-agent.json', 'aauth-person.json', 'aauth-access.json', 'aauth-resource.json']

async function json(fetch, url) {
    try {
        const response = await fetch(url, { redirect: 'manual' })
        if (!response.ok) return null
        const value = await response.json()
        return value && typeof value === 'object' && !Array.isArray(value) ? value : null
    } catch {
        return null
    }
}

// Fetches each routed name's metadata and JWKS through `fetch`. A document
// whose `issuer` is not the name it was fetched under is left out (and said
// so), because mockin skips its own issuer check for preloaded entries and
// would otherwise accept what its discovery refuses.
export async function trustedServers(fetch, names, log = console.error) {
    const preload = {}
    for (const name of names) {
        const issuer = `https://${name}`
        let found = false
        for (const dwk of DOCUMENTS) {
            const metadata = await json(fetch, `${issuer}/.well-known/${dwk}`)
            if (!metadata) continue
            found = true
            if (metadata.issuer !== issuer) {
                log(`mockin: not preloading ${issuer}/.well-known/${dwk}: its issuer is ${metadata.issuer}`)
                break
            }
            const jwks = typeof metadata.jwks_uri === 'string' ? await json(fetch, metadata.jwks_uri) : null
            if (!jwks) {
                log(`mockin: not preloading ${issuer}: no JWKS at ${metadata.jwks_uri}`)
                break
            }
            preload[issuer] = { metadata, jwks }
            log(`mockin: preloaded ${issuer} (${dwk}, ${Array.isArray(jwks.keys) ? jwks.keys.length : 0} keys)`)
            break
        }
        if (!found) log(`mockin: ${issuer} serves no AAuth metadata; not preloaded`)
    }
    return preload
}

// The control patch: auto-approval, optional preload, and any raw settings.
export async function controlPatch({ autoApprove, preload, extra, fetch, names }) {
    const patch = { auto_approve: autoApprove, ...extra }
    if (preload) patch.trusted_servers = await trustedServers(fetch, names)
    return patch
}

export function parseExtra(text) {
    if (!text) return {}
    const value = JSON.parse(text)
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('--mock is a JSON object')
    return value
}
