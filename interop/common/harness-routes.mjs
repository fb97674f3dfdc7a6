// How a Node launcher reaches the issuers the harness hosts (the twin of
// harness_routes.py).
//
// The harness serves `https://<name>.harness.test` identifiers on loopback
// ports and hands a launched target AAUTH_HARNESS_ROUTES (comma-separated
// `https://name=http://127.0.0.1:PORT` pairs) and AAUTH_HARNESS_CA (PEM of the
// CA behind any https listener). `routedFetch` is a drop-in for the global
// `fetch` that sends a routed name to its listener over node:http(s), keeping
// the original Host (Node's own fetch drops a Host override) and, for an https
// listener, checking its certificate for the routed name against that CA.
// Anything not in the table is refused before a socket is opened. Redirects
// are never followed.

import { readFileSync, statSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import { parseArgs } from 'node:util'

export const ROUTES_VARIABLE = 'AAUTH_HARNESS_ROUTES'
export const CA_VARIABLE = 'AAUTH_HARNESS_CA'
const FETCH_TIMEOUT_MS = 5000

// An AAuth server identifier: https, lowercase host, no port, path, query,
// fragment or userinfo.
export function isIdentifier(value) {
    let url
    try {
        url = new URL(value)
    } catch {
        return false
    }
    return (
        url.protocol === 'https:' &&
        url.hostname !== '' &&
        value === `https://${url.hostname}` &&
        url.hostname === url.hostname.toLowerCase()
    )
}

function isLoopback(host) {
    const bare = host.replace(/^\[|\]$/g, '')
    if (bare === 'localhost' || bare === '::1') return true
    return isIP(bare) === 4 && bare.startsWith('127.')
}

function listener(value) {
    let url
    try {
        url = new URL(value)
    } catch {
        throw new Error(`route target ${JSON.stringify(value)} is not a URL`)
    }
    if (!isLoopback(url.hostname)) {
        throw new Error(`route target ${JSON.stringify(value)} is not a loopback address`)
    }
    if (!['http:', 'https:'].includes(url.protocol) || url.port === '') {
        throw new Error(`route target ${JSON.stringify(value)} is not http(s)://HOST:PORT`)
    }
    if (!['', '/'].includes(url.pathname) || url.search || url.hash) {
        throw new Error(`route target ${JSON.stringify(value)} carries a path or query`)
    }
    return { protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) }
}

// Routed host name -> its loopback listener.
export function parseRoutes(text) {
    const table = new Map()
    for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
        const at = entry.indexOf('=')
        if (at < 0) throw new Error(`route ${JSON.stringify(entry)} has no '='`)
        const name = entry.slice(0, at)
        if (!isIdentifier(name)) throw new Error(`routed name ${JSON.stringify(name)} is not an https identifier`)
        table.set(new URL(name).hostname, listener(entry.slice(at + 1)))
    }
    if (table.size === 0) throw new Error('the routes table is empty')
    return table
}

export function describeRoutes(routes) {
    return [...routes]
        .map(([name, t]) => `https://${name} -> ${t.protocol}//${t.hostname}:${t.port}`)
        .join(', ')
}

// The routes table and CA file, or exit 2 saying what is missing.
export function loadFromEnvironment() {
    const text = process.env[ROUTES_VARIABLE] || ''
    const ca = process.env[CA_VARIABLE] || ''
    const problems = []
    if (!text) problems.push(`${ROUTES_VARIABLE} is not set (https://name=http://127.0.0.1:PORT,...)`)
    if (!ca) problems.push(`${CA_VARIABLE} is not set (path of the harness CA PEM)`)
    else if (!statSync(ca, { throwIfNoEntry: false })?.isFile()) problems.push(`${CA_VARIABLE}=${ca} is not a file`)
    let routes = null
    if (text) {
        try {
            routes = parseRoutes(text)
        } catch (err) {
            problems.push(`${ROUTES_VARIABLE}: ${err.message}`)
        }
    }
    if (problems.length || !routes) {
        for (const p of problems) console.error(`launcher: ${p}`)
        process.exit(2)
    }
    return { routes, ca }
}

function refused(url) {
    return new TypeError('fetch failed', {
        cause: new Error(`${url} is not in ${ROUTES_VARIABLE}; refused`),
    })
}

async function requestBody(body) {
    if (body === undefined || body === null) return undefined
    if (typeof body === 'string' || body instanceof Uint8Array) return body
    if (body instanceof ArrayBuffer) return Buffer.from(body)
    return Buffer.from(await new Response(body).arrayBuffer())
}

// A `fetch` that only reaches routed names.
export function routedFetch(routes, caFile) {
    const ca = readFileSync(caFile)
    return async function fetch(input, init = {}) {
        const request = input instanceof Request ? input : null
        const url = new URL(request ? request.url : String(input))
        const target = url.protocol === 'https:' && ['', '443'].includes(url.port) ? routes.get(url.hostname) : undefined
        if (!target) throw refused(url.href)
        const headers = new Headers(init.headers ?? request?.headers ?? {})
        const method = (init.method ?? request?.method ?? 'GET').toUpperCase()
        const body = await requestBody(init.body ?? (request && request.body ? await request.arrayBuffer() : undefined))
        const outgoing = Object.fromEntries(headers)
        outgoing.host = url.hostname
        const transport = target.protocol === 'https:' ? https : http
        return new Promise((resolve, reject) => {
            const req = transport.request(
                {
                    host: target.hostname,
                    port: target.port,
                    method,
                    path: url.pathname + url.search,
                    headers: outgoing,
                    timeout: FETCH_TIMEOUT_MS,
                    ...(target.protocol === 'https:' ? { ca, servername: url.hostname } : {}),
                },
                (res) => {
                    const chunks = []
                    res.on('data', (c) => chunks.push(c))
                    res.on('error', reject)
                    res.on('end', () => {
                        const status = res.statusCode ?? 502
                        const empty = [204, 205, 304].includes(status) || method === 'HEAD'
                        const responseHeaders = new Headers()
                        for (const [k, v] of Object.entries(res.headers)) {
                            for (const one of [].concat(v)) responseHeaders.append(k, one)
                        }
                        const response = new Response(empty ? null : Buffer.concat(chunks), {
                            status,
                            statusText: res.statusMessage ?? '',
                            headers: responseHeaders,
                        })
                        Object.defineProperty(response, 'url', { value: url.href })
                        resolve(response)
                    })
                },
            )
            req.on('timeout', () => req.destroy(new Error(`timed out fetching ${url.href}`)))
            req.on('error', (err) => reject(new TypeError('fetch failed', { cause: err })))
            req.end(body)
        })
    }
}

// --port and --identifier, shared by every Node launcher, plus `extra`
// parseArgs options. Exits 2 on bad usage.
export function launcherArguments(usage, extra = {}) {
    let values
    try {
        ;({ values } = parseArgs({
            options: {
                port: { type: 'string' },
                identifier: { type: 'string' },
                help: { type: 'boolean' },
                ...extra,
            },
        }))
    } catch (err) {
        console.error(`${err.message}\n${usage}`)
        process.exit(2)
    }
    if (values.help) {
        console.log(usage)
        process.exit(0)
    }
    const port = Number(values.port)
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
        console.error(`--port is required (1-65535)\n${usage}`)
        process.exit(2)
    }
    if (!isIdentifier(values.identifier || '')) {
        console.error(`--identifier must be https://lowercase-host (no port, no path)\n${usage}`)
        process.exit(2)
    }
    return { ...values, port }
}
