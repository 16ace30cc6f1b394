import { gzipSync } from 'node:zlib';

/**
 * Generates hostile requests for every operation the OpenAPI document lists, so a new route
 * is attacked without anyone adding it here: hostile path ids, query values, JSON bodies (each
 * field of a valid body replaced in turn), whole-body attacks (nesting, invalid UTF-8,
 * corrupt or unsupported Content-Encoding, wrong media types), ledger CSV cells, and requests
 * Node's HTTP parser refuses (oversize or malformed headers).
 */
export interface HostileCase {
  name: string;
  /** `METHOD /path/{template}` of the operation attacked. */
  operation: string;
  method: string;
  /** The request target exactly as sent (already percent-encoded where meant to be). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Bytes written to the socket as they are, for what an HTTP client would refuse to send. */
  raw?: Buffer;
}

/** Real ids for the parameters a case does not attack, so only one thing is wrong at a time. */
export interface Fixtures {
  /** Path parameter name -> a real value (`id` is resolved per path: portfolio, pack or pattern). */
  ids: (path: string, param: string) => string;
  /** Valid JSON bodies by `METHOD path-template`; other operations with a body get `{"x": 1}`. */
  bodies: Record<string, unknown>;
  /** A valid ledger CSV row (the header is added). */
  csvRow: string[];
}

interface Operation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, unknown> };
}
export interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
}

/** Hostile strings: what the databases cannot store, and what a careless service would interpret. */
export const HOSTILE_STRINGS: Record<string, string> = {
  nul: 'a\u0000b',
  'lone high surrogate': 'x\ud800y',
  'lone low surrogate': '\udfff',
  'sql injection': "'; drop table ledger_commits; --",
  'path traversal': '../../etc/passwd',
  'percent nul text': '%00',
  overlong: 'A'.repeat(100_000),
  'NaN text': 'NaN',
  'Infinity text': 'Infinity',
  'huge number text': '1e999',
  'proto key text': '__proto__',
  'astral characters': '\u{1F4B6} \u20ac',
  'bidi override': '\u202egnp.exe',
  'control characters': '\u0001\u001f\u007f',
  empty: '',
  blanks: '   ',
  'csv formula': '=cmd|"/c calc"!A1',
  template: '{{inputs.portfolio_id}}',
};

/** JSON text put where a valid value was: wrong types, numbers JSON cannot carry, deep nesting. */
const HOSTILE_JSON: Record<string, string> = {
  ...Object.fromEntries(Object.entries(HOSTILE_STRINGS).map(([k, v]) => [`string ${k}`, JSON.stringify(v)])),
  'number 1e999': '1e999',
  'number -1e999': '-1e999',
  'number 1e308': '1e308',
  'number -0': '-0',
  'integer beyond 2^53': '123456789012345678901234567890',
  'empty array': '[]',
  'empty object': '{}',
  null: 'null',
  true: 'true',
  'prototype pollution': '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
  'nested 40 deep': `${'['.repeat(40)}${']'.repeat(40)}`,
};

/** Path segments as sent: malformed or hostile percent-encoding and hostile ids. */
const HOSTILE_SEGMENTS: Record<string, string> = {
  'percent nul': '%00',
  'nul inside an id': 'pf%00x',
  'truncated utf-8 escape': '%E0%A4%A',
  'bare percent': '%',
  'non-hex escape': '%ZZ',
  'encoded lone surrogate': '%ED%A0%80',
  'overlong utf-8': '%C0%AF',
  'invalid utf-8 byte': '%FF',
  'sql injection': encodeURIComponent("'; drop table ledger_commits; --"),
  'encoded traversal': '..%2F..%2Fetc%2Fpasswd',
  'dot dot': '%2e%2e',
  'proto key': '__proto__',
  constructor: 'constructor',
  overlong: 'A'.repeat(5000),
  'astral characters': encodeURIComponent('\u{1F4B6}'),
  'double-encoded nul': '%2500',
  'huge number': '1e999',
  negative: '-1',
  template: encodeURIComponent('{{inputs.x}}'),
};

/** Query values as sent. */
const HOSTILE_QUERY: Record<string, string> = {
  'percent nul': '%00',
  'truncated utf-8 escape': '%E0%A4%A',
  'encoded lone surrogate': '%ED%A0%80',
  'huge number': '1e999',
  NaN: 'NaN',
  negative: '-1',
  'beyond 2^53': '99999999999999999999999',
  'sql injection': encodeURIComponent("'; drop table ledger_commits; --"),
  'proto key': '__proto__',
  overlong: 'q'.repeat(5000),
};

/**
 * Header values as bytes a client can send: Node writes a header value as latin1, so bytes
 * 0x80-0xFF arrive as they are (not valid UTF-8), and CR, LF and NUL cannot be sent at all
 * (the parser cases cover what Node refuses before express sees it).
 */
const HOSTILE_HEADER_VALUES: Record<string, string> = {
  'sql injection': "'; drop table ledger_commits; --",
  overlong: 'A'.repeat(8000),
  'invalid utf-8 bytes': '\xff\xfe',
  'utf-8 bytes of an astral character': Buffer.from('\u{1F4B6}').toString('latin1'),
  'encoded lone surrogate': '\xed\xa0\x80',
  'overlong utf-8': '\xc0\xaf',
  'tab inside': 'a\tb',
  empty: '',
  blanks: '   ',
  'proto key': '__proto__',
  template: '{{inputs.portfolio_id}}',
  'percent nul text': '%00',
};

/**
 * Headers the service reads, each given every hostile value in turn: all of them on the reads
 * (which run side by side), and on the writes (one at a time) the one only writes read; the
 * others pass through the same middleware on every route.
 */
const READ_HEADERS = ['x-request-id', 'traceparent', 'tracestate', 'idempotency-key', 'user-agent'];
const WRITE_HEADERS = ['idempotency-key'];

/** W3C traceparents that are well-formed text but must not be joined (or, for a future version, read leniently). */
const HOSTILE_TRACEPARENTS: Record<string, string> = {
  'all-zero trace id': `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01`,
  'all-zero parent id': `00-${'1'.repeat(32)}-${'0'.repeat(16)}-01`,
  'version ff': `ff-${'1'.repeat(32)}-${'1'.repeat(16)}-01`,
  'future version with more fields': `cc-${'1'.repeat(32)}-${'1'.repeat(16)}-01-more`,
  'short trace id': `00-${'1'.repeat(31)}-${'1'.repeat(16)}-01`,
  'not hex': `00-${'g'.repeat(32)}-${'1'.repeat(16)}-01`,
  'trace flags ff': `00-${'1'.repeat(32)}-${'1'.repeat(16)}-ff`,
};

const JSON_TYPE = { 'content-type': 'application/json' };
const HOLE = '\u0001hole\u0001';

/**
 * UTF-8 as a sloppy client writes it: a lone surrogate becomes its three-byte (invalid)
 * encoding instead of U+FFFD, so "a string with a lone surrogate" can be sent as CSV bytes.
 */
export function wtf8(text: string): Buffer {
  const parts: Buffer[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    parts.push(
      cp >= 0xd800 && cp <= 0xdfff
        ? Buffer.from([0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)])
        : Buffer.from(ch, 'utf8'),
    );
  }
  return Buffer.concat(parts);
}

/** Every path to a leaf (or empty container) of a JSON value, for replacing it in turn. */
function leafPaths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value) && value.length > 0) return value.flatMap((v, i) => leafPaths(v, [...at, i]));
  if (value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...at, k]));
  }
  return [at];
}

/** `seed` as JSON text with the value at `path` replaced by the JSON text `fragment`. */
function replaced(seed: unknown, path: (string | number)[], fragment: string): string {
  const copy = structuredClone(seed);
  if (path.length === 0) return fragment;
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = HOLE;
  return JSON.stringify(copy).replace(JSON.stringify(HOLE), fragment);
}

const csvCell = (v: string) => `"${v.replaceAll('"', '""')}"`;
const CSV_HEADER = 'date,type,symbol,quantity,price,amount,currency,fee,note';

export function hostileCases(doc: OpenApi, fx: Fixtures): HostileCase[] {
  const cases: HostileCase[] = [];
  for (const [template, ops] of Object.entries(doc.paths)) {
    for (const [verb, op] of Object.entries(ops)) {
      const method = verb.toUpperCase();
      const params = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      const queries = [...(op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name), 'unexpected'];
      const fill = (attack?: { param: string; segment: string }) =>
        template.replace(/\{(\w+)\}/g, (_m, name: string) =>
          attack?.param === name ? attack.segment : encodeURIComponent(fx.ids(template, name)),
        );
      const key = `${method} ${template}`;
      const content = op.requestBody?.content ?? {};
      const seed = 'application/json' in content ? (fx.bodies[key] ?? { x: 1 }) : undefined;
      const validBody = seed === undefined ? {} : { headers: JSON_TYPE, body: Buffer.from(JSON.stringify(seed)) };
      const add = (name: string, c: Omit<HostileCase, 'name' | 'method' | 'operation'>) =>
        cases.push({ name: `${key}: ${name}`, operation: key, method, ...c });

      for (const param of params) {
        for (const [name, segment] of Object.entries(HOSTILE_SEGMENTS)) {
          add(`path {${param}} ${name}`, { path: fill({ param, segment }), headers: {}, ...validBody });
        }
      }
      for (const q of queries) {
        for (const [name, value] of Object.entries(HOSTILE_QUERY)) {
          add(`query ${q} ${name}`, { path: `${fill()}?${q}=${value}`, headers: {}, ...validBody });
        }
      }
      // The path guard skips the query when the target has no '?': these have one, and little else.
      add('empty query string', { path: `${fill()}?`, headers: {}, ...validBody });
      add('query keys without values, one hostile', {
        path: `${fill()}?%00&${queries[0]}&%ED%A0%80`,
        headers: {},
        ...validBody,
      });
      add('query given twice', {
        path: `${fill()}?${queries.map((q) => `${q}=1&${q}=2`).join('&')}`,
        headers: {},
        ...validBody,
      });

      // Headers, on a request otherwise valid. Not on a DELETE: the valid request would delete
      // the portfolio every other case attacks.
      if (method !== 'DELETE') {
        const withHeader = (name: string, value: string) => ({
          path: fill(),
          ...validBody,
          headers: { ...validBody.headers, [name]: value },
        });
        for (const [name, value] of Object.entries(HOSTILE_HEADER_VALUES)) {
          add(`header authorization: Bearer ${name}`, withHeader('authorization', `Bearer ${value}`));
          add(`header authorization: ${name}`, withHeader('authorization', value));
          for (const header of method === 'GET' ? READ_HEADERS : WRITE_HEADERS) {
            add(`header ${header}: ${name}`, withHeader(header, value));
          }
        }
        for (const [name, value] of Object.entries(HOSTILE_TRACEPARENTS)) {
          add(`header traceparent: ${name}`, withHeader('traceparent', value));
        }
      }

      if (seed !== undefined) {
        for (const path of leafPaths(seed)) {
          for (const [name, fragment] of Object.entries(HOSTILE_JSON)) {
            add(`body ${path.join('.') || '(root)'} = ${name}`, {
              path: fill(),
              headers: JSON_TYPE,
              body: Buffer.from(replaced(seed, path, fragment)),
            });
          }
        }
        for (const [name, body] of Object.entries(wholeBodies(JSON.stringify(seed)))) {
          add(`body ${name}`, { path: fill(), headers: JSON_TYPE, body });
        }
        for (const [name, c] of Object.entries(encodedBodies(Buffer.from(JSON.stringify(seed)), 'application/json'))) {
          add(name, { path: fill(), ...c });
        }
        for (const [name, type] of Object.entries(WRONG_TYPES)) {
          add(`content-type ${name}`, { path: fill(), headers: { 'content-type': type }, body: validBody.body });
        }
      }
      if ('text/csv' in content) {
        for (const [name, c] of Object.entries(csvCases(fx.csvRow))) add(name, { path: fill(), ...c });
      }
    }
  }
  cases.push(...parserCases());
  return cases;
}

function wholeBodies(seed: string): Record<string, Buffer> {
  const bytes = (...parts: (string | number[])[]) =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
  return {
    'nested 200,000 deep': Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`),
    'objects nested 33 deep': Buffer.from(`${'{"a":'.repeat(33)}1${'}'.repeat(33)}`),
    'prototype pollution at the root': Buffer.from(`{"__proto__":{"polluted":true},${seed.slice(1)}`),
    'truncated JSON': Buffer.from(seed.slice(0, -1)),
    'not JSON': Buffer.from("'; drop table ledger_commits; --"),
    'top-level string': Buffer.from('"x"'),
    'top-level null': Buffer.from('null'),
    'invalid utf-8 in a string': bytes('{"x":"', [0xc3, 0x28], '"}'),
    'surrogate bytes in a string': bytes('{"x":"', [0xed, 0xa0, 0x80], '"}'),
    'byte 0xFF': bytes(seed.slice(0, -1), ',"x":"', [0xff], '"}'),
    'raw NUL byte': bytes('{"x":"a', [0], 'b"}'),
    'escaped lone surrogate key': Buffer.from(`{"\\ud800":1}`),
    'escaped NUL key': Buffer.from(`{"\\u0000":1}`),
  };
}

/** Corrupt and unsupported Content-Encoding, and charsets that are not what the bytes are. */
function encodedBodies(
  body: Buffer,
  type: string,
): Record<string, Omit<HostileCase, 'name' | 'method' | 'path' | 'operation'>> {
  const gz = gzipSync(body);
  const as = (encoding: string, bytes: Buffer) => ({
    headers: { 'content-type': type, 'content-encoding': encoding },
    body: bytes,
  });
  return {
    // 4 MB of JSON in about 4 KB: inflated past the body limit (1 MiB by default), not into memory.
    'gzip bomb past the body limit': as(
      'gzip',
      gzipSync(Buffer.concat([Buffer.from('{"x":"'), Buffer.alloc(4 << 20, 'a'), Buffer.from('"}')])),
    ),
    'gzip garbage': as('gzip', Buffer.from('this is not gzip')),
    'gzip truncated': as('gzip', gz.subarray(0, gz.length - 6)),
    'gzip with a flipped byte': as('gzip', Buffer.from(gz.map((b, i) => (i === 12 ? b ^ 0xff : b)))),
    'deflate garbage': as('deflate', Buffer.from('this is not deflate')),
    'br garbage': as('br', Buffer.from([0xff, 0xff, 0xff, 0x00, 0x12])),
    'encoding zstd (unsupported)': as('zstd', body),
    'encoding compress (unsupported)': as('compress', body),
    'encoding list gzip, br': as('gzip, br', gz),
    'encoding nonsense': as("'; drop table", body),
    'gzip of invalid utf-8': as('gzip', gzipSync(Buffer.concat([body.subarray(0, 1), Buffer.from([0xff, 0xfe])]))),
    'charset utf-16 on utf-8 bytes': { headers: { 'content-type': `${type}; charset=utf-16` }, body },
    'charset koi8-r': { headers: { 'content-type': `${type}; charset=koi8-r` }, body },
    'charset nonsense': { headers: { 'content-type': `${type}; charset=no-such-charset` }, body },
  };
}

const WRONG_TYPES: Record<string, string> = {
  'text/plain': 'text/plain',
  xml: 'application/xml',
  multipart: 'multipart/form-data; boundary=x',
  form: 'application/x-www-form-urlencoded',
  'json with parameters nonsense': 'application/json; ;;=',
};

function csvCases(row: string[]): Record<string, Omit<HostileCase, 'name' | 'method' | 'path' | 'operation'>> {
  const csv = (text: string | Buffer, headers: Record<string, string> = {}) => ({
    headers: { 'content-type': 'text/csv', ...headers },
    body: typeof text === 'string' ? wtf8(text) : text,
  });
  const columns = CSV_HEADER.split(',');
  const out: Record<string, Omit<HostileCase, 'name' | 'method' | 'path' | 'operation'>> = {};
  for (const [i, column] of columns.entries()) {
    for (const [name, value] of Object.entries(HOSTILE_STRINGS)) {
      const cells = row.map((c, j) => (j === i ? csvCell(value) : c));
      out[`csv ${column} = ${name}`] = csv(`${CSV_HEADER}\n${cells.join(',')}\n`);
    }
  }
  const good = `${CSV_HEADER}\n${row.join(',')}\n`;
  Object.assign(out, {
    'csv header __proto__': csv(`__proto__,${CSV_HEADER}\n1,${row.join(',')}\n`),
    'csv header with NUL': csv(`${CSV_HEADER}\u0000\n${row.join(',')}\n`),
    'csv unbalanced quote': csv(`${CSV_HEADER}\n"${row.join(',')}\n`),
    'csv 10,000 columns': csv(`${CSV_HEADER}\n${row.join(',')}${',x'.repeat(10_000)}\n`),
    'csv BOM then NUL': csv(`\uFEFF\u0000${good}`),
    'csv bare CR line ends': csv(good.replaceAll('\n', '\r')),
    'csv invalid utf-8 byte': csv(Buffer.concat([Buffer.from(good.slice(0, -1)), Buffer.from([0xff, 0x0a])])),
    'csv overlong utf-8': csv(Buffer.concat([Buffer.from(good.slice(0, -1)), Buffer.from([0xc0, 0xaf, 0x0a])])),
    'csv only a header': csv(`${CSV_HEADER}\n`),
    'csv empty': csv(''),
  });
  for (const [name, c] of Object.entries(encodedBodies(Buffer.from(good), 'text/csv'))) out[`csv ${name}`] = c;
  return out;
}

/** Requests Node's parser refuses before express sees them. */
function parserCases(): HostileCase[] {
  const raw = (name: string, text: string | Buffer): HostileCase => ({
    name: `parser: ${name}`,
    operation: 'GET /v1/portfolios',
    method: 'GET',
    path: '/v1/portfolios',
    headers: {},
    raw: typeof text === 'string' ? Buffer.from(text, 'latin1') : text,
  });
  return [
    {
      name: 'parser: headers over the size limit',
      operation: 'GET /v1/portfolios',
      method: 'GET',
      path: '/v1/portfolios',
      headers: { 'x-filler': 'x'.repeat(20_000) },
    },
    {
      name: 'parser: many headers over the size limit',
      operation: 'GET /health/live',
      method: 'GET',
      path: '/health/live',
      headers: Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`x-h${i}`, 'y'.repeat(60)])),
    },
    raw('header without a colon', 'GET /v1/portfolios HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'),
    raw('NUL in a header value', 'GET /v1/portfolios HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n'),
    raw('space in the request target', 'GET /v1/port folios HTTP/1.1\r\nHost: x\r\n\r\n'),
    raw('unknown HTTP version', 'GET /v1/portfolios HTTP/9.9\r\nHost: x\r\n\r\n'),
    raw('garbage request line', '\u0000\u0001\u0002 nonsense\r\n\r\n'),
    raw('negative content-length', 'POST /v1/portfolios HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'),
    raw(
      'content-length and chunked',
      'POST /v1/portfolios HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ),
    raw('bad chunk size', 'POST /v1/portfolios HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'),
  ];
}
