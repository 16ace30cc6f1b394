import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import protobuf from 'protobufjs';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A stand-in collector on 127.0.0.1: records every POST and answers 200. */
export async function receiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * The part of opentelemetry-proto's ExportTraceServiceRequest the test reads, with the field
 * numbers of collector/trace/v1, trace/v1, resource/v1 and common/v1; other fields are skipped.
 */
const OTLP_TRACES = protobuf
  .parse(
    `
  syntax = "proto3";
  message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
  message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
  message Resource { repeated KeyValue attributes = 1; }
  message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
  message InstrumentationScope { string name = 1; string version = 2; }
  message Span {
    bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; int32 kind = 6;
    fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9;
    repeated Event events = 11; Status status = 15;
  }
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
  message Status { string message = 2; int32 code = 3; }
  message KeyValue { string key = 1; AnyValue value = 2; }
  message AnyValue {
    oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; }
  }
  message ArrayValue { repeated AnyValue values = 1; }
`,
  )
  .root.lookupType('ExportTraceServiceRequest');

export interface DecodedSpan {
  traceId: Buffer;
  spanId: Buffer;
  parentSpanId: Buffer;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
  events: { name: string; timeUnixNano: string; attributes: OtlpAttribute[] }[];
  status?: { code: number };
}

type OtlpAttribute = { key: string; value: { stringValue?: string; intValue?: string; doubleValue?: number } };

export function decodeOtlpProto(body: Buffer) {
  const request = OTLP_TRACES.toObject(OTLP_TRACES.decode(body), { longs: String, defaults: true }) as {
    resourceSpans: {
      resource: { attributes: { key: string; value: { stringValue?: string } }[] };
      scopeSpans: { scope: { name: string }; spans: DecodedSpan[] }[];
    }[];
  };
  return request;
}

/** Every span of every OTLP protobuf export received so far. */
export const receivedSpans = (received: { path: string; body: Buffer }[]): DecodedSpan[] =>
  received
    .filter((r) => r.path === '/v1/traces')
    .flatMap((r) => decodeOtlpProto(r.body).resourceSpans.flatMap((x) => x.scopeSpans.flatMap((s) => s.spans)));

/** An attribute's value; integers come as strings (decoded with longs: String). */
export const attribute = (attributes: OtlpAttribute[], key: string): string | number | undefined => {
  const v = attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.intValue ?? v?.doubleValue;
};
