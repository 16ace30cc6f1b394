import type { Breadcrumb, Event } from '@sentry/node';
import { HASHED_ID, type IdHasher } from './pii.js';
import { NOISE_PATH } from './noise.js';
import { isRecord } from '../domain/record.js';

/**
 * Everything an error report carries passes through here before it leaves the process:
 * identifiers become keyed hashes, money and secrets become [REDACTED], and free text is
 * searched for e-mail addresses, card numbers, IBANs, API keys and our own identifiers.
 * Classification is by key name (so it also works on shapes nobody anticipated) plus a few
 * structural rules for the parts of a Sentry event whose key names mean something else
 * (`exception.values[].value` is an error message, not a value).
 */
export const REDACTED = '[REDACTED]';

export interface Scrubber {
  /** The scrubbed copy, or null when the event must not be sent (noise, or the scrubber failed). */
  event<E extends Event>(event: E): E | null;
  breadcrumb(breadcrumb: Breadcrumb): Breadcrumb | null;
}

/**
 * `opaque`: keys such as trace_id, span_id, request_id whose hex or UUID values are random
 * correlation ids; free-text rules would sometimes mistake them for card numbers or IBANs.
 */
type KeyClass = 'identifier' | 'secret' | 'financial' | 'query' | 'opaque' | null;

/** `marketValue`, `Market-Value` and `market.value` all become `market_value`. */
function normalizeKey(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const IDENTIFIER_KEYS = new Set([
  'user',
  'user_id',
  'userid',
  'users',
  'user_ids',
  'username',
  'user_name',
  'email',
  'email_address',
  'name_of_user',
  'portfolio',
  'portfolio_id',
  'portfolioid',
  'portfolios',
  'portfolio_ids',
  'account',
  'account_id',
  'accountid',
  'account_number',
  'account_no',
  'accounts',
  'api_key_id',
  'key_id',
  'owner',
  'owner_id',
  'customer',
  'customer_id',
  'client_id',
  'member_id',
  'enduser_id',
]);
const SECRET_KEYS = new Set([
  'authorization',
  'proxy_authorization',
  'cookie',
  'cookies',
  'set_cookie',
  'x_api_key',
  'api_key',
  'apikey',
  'key',
  'password',
  'passwd',
  'pwd',
  'pass',
  'secret',
  'token',
  'dsn',
  'session',
  'session_id',
  'sessionid',
  'csrf',
  'xsrf',
  'signature',
  'credentials',
  'iban',
  'card',
  'card_number',
  'pan',
  'cvv',
  'cvc',
  // Network identity of the caller.
  'ip',
  'ip_address',
  'remote_addr',
  'x_forwarded_for',
  'x_real_ip',
  'forwarded',
  'client_ip',
]);
const SECRET_TOKENS = new Set([
  'token',
  'password',
  'secret',
  'dsn',
  'cookie',
  'authorization',
  'credential',
  'credentials',
  'apikey',
]);
const FINANCIAL_TOKENS = new Set([
  'amount',
  'amounts',
  'quantity',
  'quantities',
  'qty',
  'price',
  'prices',
  'value',
  'values',
  'balance',
  'balances',
  'cost',
  'basis',
  'nav',
  'pnl',
  'fee',
  'fees',
  'cash',
  'proceeds',
  'notional',
  'total',
  'totals',
  'gain',
  'gains',
  'loss',
  'losses',
  'income',
  'dividend',
  'dividends',
  'interest',
  'shares',
  'units',
  'position',
  'positions',
  'holding',
  'holdings',
  'weight',
  'weights',
  'exposure',
  'returns',
  'twr',
  'mwr',
  'xirr',
  'drawdown',
  'var',
  'equity',
]);
const QUERY_KEYS = new Set(['query_string', 'querystring', 'query', 'url_query', 'search']);

function classify(rawKey: string): KeyClass {
  const key = normalizeKey(rawKey);
  if (IDENTIFIER_KEYS.has(key)) return 'identifier';
  const tokens = key.split('_');
  if (SECRET_KEYS.has(key) || tokens.some((t) => SECRET_TOKENS.has(t)) || key.endsWith('_key')) return 'secret';
  if (tokens.some((t) => FINANCIAL_TOKENS.has(t))) return 'financial';
  if (QUERY_KEYS.has(key)) return 'query';
  if (key === 'id' || key.endsWith('_id')) return 'opaque';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Free text

/** SQL as drivers and knex put it into error messages, with the bound values inlined. */
const SQL = /\b(select|insert|update|delete|with)\b[\s\S]*\b(from|into|set|values|where)\b/i;
const SQL_STRING = /'(?:[^']|'')*'/g;
const SQL_NUMBER = /(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.])/gi;
const AUTH_SCHEME = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]+/gi;
const SECRET_ASSIGNMENT =
  /\b((?:x[-_])?api[-_]?key|apikey|access[-_]?token|token|password|passwd|secret|authorization|dsn|pii[-_]hash[-_]key)\b(\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s&,;"']+)/gi;
/** API keys as the service issues them (users.ts: fk_ + 32 base64url characters). */
const API_KEY = /\bfk_[A-Za-z0-9_-]{8,}/g;
const URL_USERINFO = /(\/\/)[^/\s@:]+(?::[^/\s@]*)?@/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const IBAN = /\b[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){11,30}\b/g;
/** 13 to 19 digits, optionally grouped by spaces or dashes: anything that could be a card number. */
const CARD = /(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])/g;
const AMOUNT =
  /(?:[$€£¥]\s?-?\d[\d,']*(?:\.\d+)?)|(?:\b[A-Z]{3}\s?-?\d[\d,']*(?:\.\d+)?\b)|(?:(?<![\w.])-?\d[\d,']*(?:\.\d+)?\s?[A-Z]{3}\b)/g;
/** The service's own identifiers: users, portfolios, API key records (usr_…, pf_…, key_…). */
const OWN_ID = /\b(?:usr|pf|key)_[A-Za-z0-9][A-Za-z0-9_-]{3,}/g;

function ibanChecksumValid(candidate: string): boolean {
  const s = candidate.replace(/[ -]/g, '').toUpperCase();
  const rearranged = s.slice(4) + s.slice(0, 4);
  let rest = 0;
  for (const ch of rearranged) {
    const n = ch >= 'A' ? ch.charCodeAt(0) - 55 : Number(ch);
    rest = Number(`${rest}${n}`) % 97;
  }
  return rest === 1;
}

/**
 * Lowercase hex strings (trace ids, hashes) have the shape of an IBAN; they are masked only
 * when they also carry a valid IBAN checksum. Anything else of that shape is masked outright.
 */
function maskIban(match: string): string {
  const lowercaseHex = /^[0-9a-f -]+$/.test(match);
  return !lowercaseHex || ibanChecksumValid(match) ? '[IBAN]' : match;
}

function scrubSql(text: string): string {
  return SQL.test(text) ? text.replace(SQL_STRING, "'?'").replace(SQL_NUMBER, '?') : text;
}

function scrubText(text: string, hash: IdHasher): string {
  return scrubSql(text)
    .replace(AUTH_SCHEME, `$1 ${REDACTED}`)
    .replace(SECRET_ASSIGNMENT, `$1$2${REDACTED}`)
    .replace(API_KEY, REDACTED)
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(EMAIL, '[EMAIL]')
    .replace(IBAN, maskIban)
    .replace(CARD, '[CARD]')
    .replace(AMOUNT, '[AMOUNT]')
    .replace(OWN_ID, (id) => hash(id));
}

// ---------------------------------------------------------------------------------------------
// URLs and query strings

/** Query parameters are data with key names; values are decoded before they are searched. */
function scrubQuery(query: string, hash: IdHasher): string {
  const params = new URLSearchParams(query);
  const out = new URLSearchParams();
  for (const [k, v] of params) {
    out.append(scrubText(k, hash), scrubLeaf(v, classify(k), hash));
  }
  return out.toString();
}

const OPAQUE_ID = /^[0-9A-Fa-f-]{8,64}$/;

function scrubLeaf(value: string, cls: KeyClass, hash: IdHasher): string {
  switch (cls) {
    case 'identifier':
      return HASHED_ID.test(value) ? value : hash(value);
    case 'secret':
    case 'financial':
      return REDACTED;
    case 'query':
      return scrubQuery(value.replace(/^\?/, ''), hash);
    case 'opaque':
      return OPAQUE_ID.test(value) ? value : scrubString(value, hash);
    default:
      return scrubString(value, hash);
  }
}

const URL_LIKE = /^(?:[a-z][a-z0-9+.-]*:\/\/[^\s]*|\/[^\s]*)$/i;

/** A URL keeps its shape: the path is free text (ids hashed), the query is key/value data, the fragment goes. */
function scrubString(text: string, hash: IdHasher): string {
  if (!URL_LIKE.test(text)) return scrubText(text, hash);
  const noFragment = text.split('#')[0]!;
  const q = noFragment.indexOf('?');
  if (q < 0) return scrubText(noFragment, hash);
  const query = scrubQuery(noFragment.slice(q + 1), hash);
  return `${scrubText(noFragment.slice(0, q), hash)}${query ? `?${query}` : ''}`;
}

/** Events and breadcrumbs about health checks and scrapes (noise.ts) are dropped. */
function isNoiseUrl(url: unknown): boolean {
  if (typeof url !== 'string' || url === '') return false;
  try {
    return NOISE_PATH.test(new URL(url, 'http://local').pathname);
  } catch {
    return false;
  }
}

function isNoiseTransaction(name: unknown): boolean {
  if (typeof name !== 'string') return false;
  const path = /^(?:[A-Z]+\s+)?(\/\S*)/.exec(name)?.[1];
  return path !== undefined && isNoiseUrl(path);
}

// ---------------------------------------------------------------------------------------------
// Generic data

const MAX_DEPTH = 40;

interface Walk {
  hash: IdHasher;
  /** Objects on the path from the root, to stop at cycles (a shared object is still walked twice). */
  ancestors: Set<object>;
}

function walk(value: unknown, cls: KeyClass, w: Walk, depth: number): unknown {
  if (value === null || value === undefined || typeof value === 'boolean') return value;
  if (cls === 'secret' || cls === 'financial') return REDACTED;
  if (depth > MAX_DEPTH) return REDACTED;
  if (typeof value === 'string') return scrubLeaf(value, cls, w.hash);
  if (typeof value === 'number' || typeof value === 'bigint') {
    return cls === 'identifier' ? w.hash(String(value)) : typeof value === 'bigint' ? String(value) : value;
  }
  if (typeof value !== 'object') return undefined; // functions and symbols carry nothing worth sending
  if (w.ancestors.has(value)) return '[Circular]';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  w.ancestors.add(value);
  try {
    // Inside an identifier (a user object) every leaf identifies someone, whatever its key.
    const childClass = (key: string): KeyClass => {
      const own = classify(key);
      return cls === 'identifier' && own !== 'secret' ? 'identifier' : own;
    };
    if (Array.isArray(value) || value instanceof Set) {
      return Array.from(value, (v) => walk(v, cls, w, depth + 1));
    }
    if (value instanceof Map) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of value) {
        const key = typeof k === 'string' ? k : String(k);
        out[scrubText(key, w.hash)] = walk(v, childClass(key), w, depth + 1);
      }
      return out;
    }
    if (value instanceof Error) {
      return { name: scrubText(value.name, w.hash), message: scrubText(value.message, w.hash) };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[scrubText(k, w.hash)] = walk(v, childClass(k), w, depth + 1);
    }
    return out;
  } finally {
    w.ancestors.delete(value);
  }
}

function data(value: unknown, hash: IdHasher, cls: KeyClass = null): unknown {
  return walk(value, cls, { hash, ancestors: new Set() }, 0);
}

// ---------------------------------------------------------------------------------------------
// Sentry event structure

type Obj = Record<string, unknown>;
const text = (v: unknown, hash: IdHasher) => (typeof v === 'string' ? scrubText(v, hash) : data(v, hash));

function frames(stacktrace: unknown, hash: IdHasher): unknown {
  if (!isRecord(stacktrace) || !Array.isArray(stacktrace.frames)) return data(stacktrace, hash);
  return {
    ...stacktrace,
    frames: stacktrace.frames.map((f) => {
      if (!isRecord(f)) return data(f, hash);
      const out: Obj = { ...f };
      for (const k of [
        'context_line',
        'pre_context',
        'post_context',
        'function',
        'module',
        'filename',
        'abs_path',
      ] as const) {
        if (k in f) out[k] = text(f[k], hash);
      }
      if ('vars' in f) out.vars = data(f.vars, hash);
      return out;
    }),
  };
}

function exceptionLike(list: unknown, hash: IdHasher): unknown {
  if (!isRecord(list) || !Array.isArray(list.values)) return data(list, hash);
  return {
    ...list,
    values: list.values.map((e) => {
      if (!isRecord(e)) return data(e, hash);
      const out: Obj = {};
      for (const [k, v] of Object.entries(e)) {
        if (k === 'value' || k === 'type' || k === 'module' || k === 'name') out[k] = text(v, hash);
        else if (k === 'stacktrace') out[k] = frames(v, hash);
        else if (k === 'mechanism' && isRecord(v)) out[k] = { ...v, data: data(v.data, hash) };
        else if (k === 'id' || k === 'crashed' || k === 'current' || k === 'main') out[k] = v;
        else out[k] = data(v, hash);
      }
      return out;
    }),
  };
}

/** Unstructured bodies (CSV, truncated JSON) cannot be searched by key, so they are dropped whole. */
function body(value: unknown, hash: IdHasher): unknown {
  if (typeof value !== 'string') return data(value, hash);
  try {
    return data(JSON.parse(value), hash);
  } catch {
    return /^[^\s=&]+=[^\s&]*(?:&[^\s=&]+=[^\s&]*)*$/.test(value) ? scrubQuery(value, hash) : REDACTED;
  }
}

function request(req: unknown, hash: IdHasher): unknown {
  if (!isRecord(req)) return data(req, hash);
  const out: Obj = {};
  for (const [k, v] of Object.entries(req)) {
    if (k === 'method') out[k] = v;
    else if (k === 'url') out[k] = typeof v === 'string' ? scrubString(v, hash) : data(v, hash);
    else if (k === 'query_string') {
      if (typeof v === 'string') out[k] = scrubQuery(v.replace(/^\?/, ''), hash);
      else if (Array.isArray(v))
        out[k] = v.map((pair) =>
          Array.isArray(pair) ? [pair[0], data(pair[1], hash, classify(String(pair[0])))] : data(pair, hash),
        );
      else out[k] = data(v, hash);
    } else if (k === 'cookies') out[k] = data(v, hash, 'secret');
    else if (k === 'data') out[k] = body(v, hash);
    else out[k] = data(v, hash);
  }
  return out;
}

function user(value: unknown, hash: IdHasher): unknown {
  if (!isRecord(value)) return data(value, hash, 'identifier');
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) {
    // Not even hashed: a hashed IPv4 address is reversed by trying all 2^32 of them.
    if (classify(k) === 'secret') continue;
    out[k] = data(v, hash, 'identifier');
  }
  return out;
}

/** Fields that describe the SDK, the host or the event itself, never a person or an amount. */
const STRUCTURAL = new Set([
  'event_id',
  'timestamp',
  'start_timestamp',
  'level',
  'platform',
  'logger',
  'server_name',
  'release',
  'dist',
  'environment',
  'sdk',
  'modules',
  'debug_meta',
  'type',
  'measurements',
  'transaction_info',
]);

function scrubBreadcrumbUnsafe(b: Breadcrumb, hash: IdHasher): Breadcrumb | null {
  const d = b.data;
  if (isNoiseUrl(d?.url) || isNoiseTransaction(b.message)) return null;
  const out: Breadcrumb = { ...b };
  if (b.message !== undefined) out.message = scrubText(b.message, hash);
  if (b.data !== undefined) out.data = data(b.data, hash) as Obj;
  return out;
}

function scrubEventUnsafe<E extends Event>(event: E, hash: IdHasher): E | null {
  if (isNoiseUrl(event.request?.url) || isNoiseTransaction(event.transaction)) return null;
  const out: Obj = {};
  for (const [k, v] of Object.entries(event)) {
    if (v === undefined) continue;
    switch (k) {
      case 'exception':
      case 'threads':
        out[k] = exceptionLike(v, hash);
        break;
      case 'message':
      case 'transaction':
        out[k] = text(v, hash);
        break;
      case 'logentry':
        out[k] = isRecord(v)
          ? { ...v, message: text(v.message, hash), formatted: text(v.formatted, hash), params: data(v.params, hash) }
          : data(v, hash);
        break;
      case 'fingerprint':
        out[k] = Array.isArray(v) ? v.map((f) => text(f, hash)) : data(v, hash);
        break;
      case 'breadcrumbs':
        out[k] = Array.isArray(v)
          ? v.map((b) => (isRecord(b) ? scrubBreadcrumbUnsafe(b, hash) : null)).filter((b) => b !== null)
          : [];
        break;
      case 'request':
        out[k] = request(v, hash);
        break;
      case 'user':
        out[k] = user(v, hash);
        break;
      case 'sdkProcessingMetadata':
        // Internal and never serialised, except the sampling context that becomes an envelope header.
        out[k] =
          isRecord(v) && isRecord(v.dynamicSamplingContext)
            ? { ...v, dynamicSamplingContext: data(v.dynamicSamplingContext, hash) }
            : v;
        break;
      default:
        out[k] = STRUCTURAL.has(k) ? v : data(v, hash);
    }
  }
  return out as E;
}

export function createScrubber(hash: IdHasher): Scrubber {
  return {
    event(event) {
      try {
        return scrubEventUnsafe(event, hash);
      } catch {
        // A report we could not clean is a report we do not send.
        return null;
      }
    },
    breadcrumb(breadcrumb) {
      try {
        return scrubBreadcrumbUnsafe(breadcrumb, hash);
      } catch {
        return null;
      }
    },
  };
}
