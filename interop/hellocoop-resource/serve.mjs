// An AAuth resource on plain node:http whose request verification is
// @hellocoop/httpsig 2.2.0's `verify`, for the conformance suite.
//
//   node hellocoop-resource/serve.mjs --port P --identifier https://resource.hellocoop.test
//        [--agent-provider URL]... [--authority identifier|host]
//
// Paths:
//   GET /.well-known/aauth-resource.json   issuer = --identifier
//   GET|POST /api/whoami                   a verified agent token; echoes who signed
//
// What the library decides and what this wrapper adds, in order:
//   1. No Signature, Signature-Input or Signature-Key at all: 401
//      `AAuth-Requirement: requirement=agent-token` (ours; the library has no
//      challenge).
//   2. The library's `verify` with `authority` = --identifier's host (the
//      library asks the caller for the canonical authority; --authority host
//      takes the Host header instead) and maxClockSkew 60. A failure is 401
//      with `Signature-Error` written by the library's
//      `generateSignatureErrorHeader` from the library's own code, plus
//      `Accept-Signature-Alg` when it reports one. One mapping is ours: a
//      signature that simply does not verify comes back with
//      `verified: false` and no code, which we answer as `invalid_signature`.
//   3. A scheme other than `jwt`: 401 `unsupported_scheme` with
//      `Accept-Signature-Scheme: jwt` (ours: the library also accepts `hwk`,
//      `jkt-jwt` and `jwks_uri`, which AAuth does not let agents use here).
//   4. The agent token's issuer checks, which the library leaves to its
//      caller (agent-token.mjs): 401 with the code each failure names.
// Refusal bodies are problem+json with `type` urn:ietf:params:sig-error:<code>
// and `error`.

import { createRequire } from 'node:module'
import { createServer } from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import {
    describeRoutes,
    launcherArguments,
    loadFromEnvironment,
    routedFetch,
} from '../common/harness-routes.mjs'
import { checkAgentToken, TokenRefused } from './agent-token.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const requireInstalled = createRequire(join(here, '..', '.install', 'node', 'package.json'))
const httpsig = requireInstalled('@hellocoop/httpsig')

const USAGE =
    'usage: serve.mjs --port P --identifier https://resource.hellocoop.test ' +
    '[--agent-provider URL]... [--authority identifier|host]'
const MAX_BODY_BYTES = 1024 * 1024

const args = launcherArguments(USAGE, {
    'agent-provider': { type: 'string', multiple: true },
    authority: { type: 'string' },
})
const authorityMode = args.authority ?? 'identifier'
if (!['identifier', 'host'].includes(authorityMode)) {
    console.error(`--authority is identifier or host\n${USAGE}`)
    process.exit(2)
}
const { routes, ca } = loadFromEnvironment()
const fetch = routedFetch(routes, ca)
// The library fetches `jwks_uri`-scheme keys with the global fetch.
globalThis.fetch = fetch
// The harness names every identifier it wants trusted (its agent providers among them).
const providers = args['agent-provider'] ??
    (process.env.AAUTH_HARNESS_TRUSTED ? process.env.AAUTH_HARNESS_TRUSTED.split(',') : ['https://ap.harness.test'])
const identifier = args.identifier
const identifierHost = new URL(identifier).host

function send(res, status, headers, body) {
    const data = Buffer.from(JSON.stringify(body))
    res.writeHead(status, { ...headers, 'content-length': data.length })
    res.end(data)
}

function refuse(res, code, detail, extraHeaders = {}) {
    const headers = {
        'content-type': 'application/problem+json',
        'signature-error': httpsig.generateSignatureErrorHeader({ error: code }),
        ...extraHeaders,
    }
    send(res, 401, headers, { type: `urn:ietf:params:sig-error:${code}`, error: code, detail })
}

function readBody(req) {
    return new Promise((resolve, reject) => {
        const chunks = []
        let size = 0
        req.on('data', (chunk) => {
            size += chunk.length
            if (size > MAX_BODY_BYTES) req.destroy(new Error('body too large'))
            else chunks.push(chunk)
        })
        req.on('end', () => resolve(Buffer.concat(chunks)))
        req.on('error', reject)
    })
}

async function whoami(req, res, url) {
    const signed = ['signature', 'signature-input', 'signature-key'].some((h) => h in req.headers)
    if (!signed) {
        send(res, 401, { 'aauth-requirement': 'requirement=agent-token', 'content-type': 'application/problem+json' }, {
            error: 'agent_token_required',
        })
        return
    }
    const body = await readBody(req)
    const result = await httpsig.verify(
        {
            method: req.method,
            authority: authorityMode === 'identifier' ? identifierHost : (req.headers.host ?? ''),
            path: url.pathname,
            query: url.search ? url.search.slice(1) : undefined,
            headers: req.headers,
            body: body.length ? body : undefined,
        },
        { maxClockSkew: 60 },
    )
    if (!result.verified) {
        const failure = result.signatureError ?? { error: 'invalid_signature' }
        const headers = { 'signature-error': httpsig.generateSignatureErrorHeader(failure) }
        if (result.acceptSignatureAlg) {
            headers['accept-signature-alg'] = httpsig.generateAcceptSignatureAlgHeader(result.acceptSignatureAlg)
        }
        refuse(res, failure.error, result.error ?? 'the signature does not verify', headers)
        return
    }
    if (result.keyType !== 'jwt' || !result.jwt) {
        refuse(res, 'unsupported_scheme', `scheme ${result.keyType} is not accepted here`, {
            'accept-signature-scheme': httpsig.generateAcceptSignatureSchemeHeader(['jwt']),
        })
        return
    }
    let claims
    try {
        claims = await checkAgentToken(result.jwt, { fetch, providers })
    } catch (err) {
        if (!(err instanceof TokenRefused)) throw err
        refuse(res, err.code, err.message)
        return
    }
    send(res, 200, { 'content-type': 'application/json' }, {
        scheme: result.keyType,
        issuer: claims.iss,
        sub: claims.sub,
        jkt: result.thumbprint,
        created: result.created,
    })
}

const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://placeholder')
    try {
        if (req.method === 'GET' && url.pathname === '/.well-known/aauth-resource.json') {
            send(res, 200, { 'content-type': 'application/json' }, {
                issuer: identifier,
                name: '@hellocoop/httpsig 2.2.0 resource',
            })
        } else if (url.pathname === '/api/whoami' && ['GET', 'POST'].includes(req.method)) {
            await whoami(req, res, url)
        } else {
            send(res, 404, { 'content-type': 'application/problem+json' }, { error: 'not_found' })
        }
    } catch (err) {
        console.error(`hellocoop-resource: ${err.stack ?? err}`)
        if (!res.headersSent) send(res, 500, { 'content-type': 'application/problem+json' }, { error: 'server_error' })
    }
})

server.listen(args.port, '127.0.0.1', () => {
    console.log(
        `hellocoop-resource: ${identifier} on 127.0.0.1:${args.port}; authority=${authorityMode}; ` +
            `routes ${describeRoutes(routes)}`,
    )
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)))
