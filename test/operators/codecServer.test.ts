import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { JSONToPayload, payloadToJSON, type JSONPayload } from '@temporalio/common/lib/proto-utils';
import { AesGcmCodec } from '../../common/codec';
import { codecServerConfigFromEnv, startCodecServer, type CodecServer } from '../../worker/codecServer';

const UI = 'http://127.0.0.1:8233';
const codec = new AesGcmCodec({ current: { id: 'k1', key: randomBytes(32) } });
let srv: CodecServer;

beforeAll(async () => {
  srv = await startCodecServer({ codec, port: 0, host: '127.0.0.1', corsOrigin: UI });
});
afterAll(() => srv.stop());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${srv.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: UI, 'x-namespace': 'default', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

test('POST /decode turns encrypted payloads (as the UI sends them) back into the JSON payloads', async () => {
  const value = { node: 'n01', step: 'deploy' };
  const encrypted = await codec.encode([defaultPayloadConverter.toPayload(value), defaultPayloadConverter.toPayload('x')]);
  const res = await post('/decode', { payloads: encrypted.map(payloadToJSON) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(res.headers.get('access-control-allow-origin')).toBe(UI);
  const body = (await res.json()) as { payloads: JSONPayload[] };
  expect(Buffer.from(body.payloads[0].metadata!.encoding, 'base64').toString()).toBe('json/plain');
  expect(body.payloads.map((p) => defaultPayloadConverter.fromPayload(JSONToPayload(p)))).toEqual([value, 'x']);
});

test('POST /encode encrypts; its output decodes with the codec', async () => {
  const res = await post('/encode', { payloads: [payloadToJSON(defaultPayloadConverter.toPayload({ power: 'on' }))] });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { payloads: JSONPayload[] };
  expect(Buffer.from(body.payloads[0].metadata!.encoding, 'base64').toString()).toBe('binary/encrypted');
  const decoded = await codec.decode(body.payloads.map(JSONToPayload));
  expect(defaultPayloadConverter.fromPayload(decoded[0])).toEqual({ power: 'on' });
});

test('unencrypted payloads pass through /decode', async () => {
  const plain = payloadToJSON(defaultPayloadConverter.toPayload('hello'));
  const res = await post('/decode', { payloads: [plain] });
  expect(((await res.json()) as { payloads: JSONPayload[] }).payloads).toEqual([plain]);
});

test('CORS preflight from the Web UI origin allows the headers the UI sends', async () => {
  const res = await fetch(`${srv.url}/decode`, {
    method: 'OPTIONS',
    headers: { origin: UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
  });
  expect(res.status).toBe(204);
  expect(res.headers.get('access-control-allow-origin')).toBe(UI);
  expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  expect(res.headers.get('access-control-allow-headers')).toBe('x-namespace, content-type, authorization');
});

test('another origin gets no CORS grant', async () => {
  const res = await post('/decode', { payloads: [] }, { origin: 'http://evil.example' });
  expect(res.status).toBe(200);
  expect(res.headers.get('access-control-allow-origin')).toBeNull();
});

test('errors: bad JSON, bad shape, tampered payload, unknown path, wrong method', async () => {
  expect((await post('/decode', '{nope')).status).toBe(400);
  expect((await post('/decode', { payload: [] })).status).toBe(400);
  const [enc] = await codec.encode([defaultPayloadConverter.toPayload('secret')]);
  const data = Buffer.from(enc.data!);
  data[20] ^= 1;
  const bad = await post('/decode', { payloads: [payloadToJSON({ ...enc, data })] });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: string }).error).toMatch(/does not authenticate/);
  expect((await post('/nope', {})).status).toBe(404);
  expect((await fetch(`${srv.url}/decode`)).status).toBe(405);
  expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
});

test('configuration from the environment', () => {
  expect(codecServerConfigFromEnv({})).toEqual({ port: 8888, host: '127.0.0.1', corsOrigin: ['http://127.0.0.1:8233', 'http://localhost:8233', 'http://localhost:8080'] });
  expect(codecServerConfigFromEnv({ DRYDOCK_CODEC_PORT: '9000', DRYDOCK_CODEC_BIND: '0.0.0.0', DRYDOCK_CODEC_CORS_ORIGIN: 'http://ui:8080/, http://x' })).toEqual({
    port: 9000,
    host: '0.0.0.0',
    corsOrigin: ['http://ui:8080', 'http://x'],
  });
  expect(() => codecServerConfigFromEnv({ DRYDOCK_CODEC_PORT: '70000' })).toThrow(/^invalid configuration: DRYDOCK_CODEC_PORT:/);
});
