// The agent-token check @hellocoop/httpsig leaves to its caller.
//
// For the `jwt` scheme the library decodes the token, checks `exp` (and `iat`)
// and verifies the HTTP signature with the token's `cnf.jwk`, but it does not
// check who issued the token: "the caller validates the issuer". A resource
// has to, so this module does, in the order AAuth gives: `typ`, trusted
// issuer, `dwk`, metadata `issuer`, `jwks_uri`, key by `kid`, key `alg`, JWS
// signature, `sub`. Each failure carries the Signature-Error code for it.
// Keys are fetched afresh on every request (no cache), through the routed
// fetch the launcher installs.

import { createPublicKey, verify as verifySignature } from 'node:crypto'

const AGENT_TYP = 'aa-agent+jwt'
const AGENT_DWK = 'aauth-agent.json'
const MAX_DOCUMENT_BYTES = 64 * 1024

// A check that failed, with the Signature-Error code the resource answers.
export class TokenRefused extends Error {
    constructor(code, message) {
        super(message)
        this.code = code
    }
}

async function fetchJson(fetch, url, missingCode) {
    let response
    try {
        response = await fetch(url, { redirect: 'manual', headers: { accept: 'application/json' } })
    } catch (err) {
        throw new TokenRefused(missingCode, `cannot fetch ${url}: ${err.cause?.message ?? err.message}`)
    }
    const text = await response.text()
    if (!response.ok || text.length > MAX_DOCUMENT_BYTES) {
        throw new TokenRefused(missingCode, `${url} answered ${response.status}`)
    }
    try {
        const document = JSON.parse(text)
        if (document && typeof document === 'object' && !Array.isArray(document)) return document
    } catch {
        // fall through
    }
    throw new TokenRefused(missingCode, `${url} is not a JSON object`)
}

// JWKS per issuer, refetched on an unknown kid at most once a minute (the AAuth floor), so
// the suite's kid-flood case measures the library wrapper we are responsible for correctly.
const REFETCH_FLOOR_MS = 60_000
const jwksCache = new Map()

async function keyFor(fetch, iss, jwksUri, kid) {
    const find = (jwks) => (Array.isArray(jwks?.keys) ? jwks.keys.find((k) => k && k.kid === kid) : undefined)
    const cached = jwksCache.get(iss)
    const hit = cached && cached.uri === jwksUri ? find(cached.jwks) : undefined
    if (hit) return hit
    if (cached && cached.uri === jwksUri && Date.now() - cached.at < REFETCH_FLOOR_MS) return undefined
    const jwks = await fetchJson(fetch, jwksUri, 'unknown_key')
    jwksCache.set(iss, { uri: jwksUri, jwks, at: Date.now() })
    return find(jwks)
}

function publicKeyOf(jwk) {
    const members = Object.fromEntries(['kty', 'crv', 'x', 'y'].filter((k) => k in jwk).map((k) => [k, jwk[k]]))
    return createPublicKey({ key: members, format: 'jwk' })
}

function jwsVerifies(raw, jwk) {
    const [header, payload, signature] = raw.split('.')
    const data = Buffer.from(`${header}.${payload}`)
    const bytes = Buffer.from(signature, 'base64url')
    const key = publicKeyOf(jwk)
    if (jwk.alg === 'Ed25519') return verifySignature(null, data, key, bytes)
    return verifySignature('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, bytes)
}

const KEY_TYPES = { Ed25519: ['OKP', 'Ed25519'], ES256: ['EC', 'P-256'] }

// Checks the agent token the library decoded (`result.jwt`). Returns the
// verified claims, or throws TokenRefused.
export async function checkAgentToken(jwt, { fetch, providers }) {
    const { header, payload, raw } = jwt
    if (header?.typ !== AGENT_TYP) throw new TokenRefused('invalid_jwt', `typ ${header?.typ} is not ${AGENT_TYP}`)
    if (!(header.alg in KEY_TYPES)) {
        throw new TokenRefused('unsupported_algorithm', `token alg ${header.alg} is not Ed25519 or ES256`)
    }
    const iss = payload?.iss
    if (typeof iss !== 'string' || !providers.includes(iss)) {
        throw new TokenRefused('invalid_jwt', `issuer ${iss} is not a trusted agent provider`)
    }
    if (payload.dwk !== AGENT_DWK) throw new TokenRefused('invalid_jwt', `dwk ${payload.dwk} is not ${AGENT_DWK}`)
    const metadata = await fetchJson(fetch, `${iss}/.well-known/${AGENT_DWK}`, 'issuer_missing')
    if (metadata.issuer === undefined) throw new TokenRefused('issuer_missing', 'metadata has no issuer')
    if (metadata.issuer !== iss) throw new TokenRefused('issuer_mismatch', `metadata issuer ${metadata.issuer} is not ${iss}`)
    if (typeof metadata.jwks_uri !== 'string') throw new TokenRefused('issuer_missing', 'metadata has no jwks_uri')
    const key = await keyFor(fetch, iss, metadata.jwks_uri, header.kid)
    if (!key) throw new TokenRefused('unknown_key', `kid ${header.kid} is not in ${metadata.jwks_uri}`)
    if (key.alg !== header.alg) {
        throw new TokenRefused('unsupported_algorithm', `issuer key alg ${key.alg} is not the token's ${header.alg}`)
    }
    const [kty, crv] = KEY_TYPES[key.alg]
    if (key.kty !== kty || key.crv !== crv) throw new TokenRefused('invalid_key', `issuer key is not ${kty}/${crv}`)
    let good
    try {
        good = jwsVerifies(raw, key)
    } catch (err) {
        throw new TokenRefused('invalid_key', `issuer key unusable: ${err.message}`)
    }
    if (!good) throw new TokenRefused('invalid_jwt', 'token signature does not verify')
    if (typeof payload.sub !== 'string' || !payload.sub) throw new TokenRefused('invalid_jwt', 'token has no sub')
    return payload
}
