import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { payloadToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { AesGcmCodec, CodecError, FAILURE_CONVERTER_PATH, codecConfigFromEnv, createDataConverter, type CodecKey } from '../../common/codec';
import { ConfigError } from '../../common/config';
import { base64Needles } from '../../common/secretForms';

const key = (id: string): CodecKey => ({ id, key: randomBytes(32) });
const b64 = (b: Buffer) => b.toString('base64');
const PASSWORD = 'calvin-BMC-pa55word!';
const toPayload = (v: unknown) => defaultPayloadConverter.toPayload(v);
const fromPayload = (p: Payload) => defaultPayloadConverter.fromPayload(p);
const meta = (p: Payload, k: string) => Buffer.from(p.metadata![k]!).toString();

describe('AesGcmCodec', () => {
  const k1 = key('k1');

  test('round trip: what is encoded decodes to the same payload', async () => {
    const codec = new AesGcmCodec({ current: k1 });
    const values = [{ node: 'n01', nested: { list: [1, 2, 3] } }, 'plain string', null, 42];
    const enc = await codec.encode(values.map(toPayload));
    for (const p of enc) {
      expect(meta(p, 'encoding')).toBe('binary/encrypted');
      expect(meta(p, 'encryption-key-id')).toBe('k1');
    }
    const dec = await codec.decode(enc);
    expect(dec.map(fromPayload)).toEqual(values);
    // The original metadata (json/plain) is restored too.
    expect(meta(dec[0], 'encoding')).toBe('json/plain');
  });

  test('a fresh IV per payload: the same value encrypts differently each time', async () => {
    const codec = new AesGcmCodec({ current: k1 });
    const [a, b] = await codec.encode([toPayload('same'), toPayload('same')]);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
  });

  test('key rotation: payloads sealed with an old key still decode; new ones use the new key', async () => {
    const before = new AesGcmCodec({ current: k1 });
    const sealedWithK1 = await before.encode([toPayload({ step: 'deploy' })]);
    const k2 = key('k2');
    const after = new AesGcmCodec({ current: k2, old: [k1] });
    expect((await after.decode(sealedWithK1)).map(fromPayload)).toEqual([{ step: 'deploy' }]);
    const sealedWithK2 = await after.encode([toPayload('new')]);
    expect(meta(sealedWithK2[0], 'encryption-key-id')).toBe('k2');
    // Without k1 configured, the old payload is refused with a message naming the key id.
    const k2only = new AesGcmCodec({ current: k2 });
    await expect(k2only.decode(sealedWithK1)).rejects.toThrow(/key id "k1".*not configured/);
  });

  test('tamper detection: a flipped bit, a truncated payload, a wrong key or a relabelled key id fail', async () => {
    const codec = new AesGcmCodec({ current: k1 });
    const [p] = await codec.encode([toPayload({ power: 'on' })]);
    for (const i of [0, 13, p.data!.length - 1]) {
      const data = Buffer.from(p.data!);
      data[i] ^= 0x01;
      await expect(codec.decode([{ ...p, data }])).rejects.toThrow(CodecError);
    }
    await expect(codec.decode([{ ...p, data: p.data!.subarray(0, 20) }])).rejects.toThrow(/truncated/);
    const impostor = new AesGcmCodec({ current: { id: 'k1', key: randomBytes(32) } });
    await expect(impostor.decode([p])).rejects.toThrow(/does not authenticate/);
    // Same bytes, labelled with another configured key id: the AAD binds the id.
    const k2 = { id: 'k2', key: k1.key };
    const both = new AesGcmCodec({ current: k2, old: [k1] });
    const relabelled = { ...p, metadata: { ...p.metadata, 'encryption-key-id': new TextEncoder().encode('k2') } };
    await expect(both.decode([relabelled])).rejects.toThrow(/does not authenticate/);
  });

  test('payloads that were never encrypted pass through decode unchanged', async () => {
    const codec = new AesGcmCodec({ current: k1 });
    const plain = [toPayload({ a: 1 }), toPayload('x')];
    const out = await codec.decode(plain);
    expect(out[0]).toBe(plain[0]);
    expect(out.map(fromPayload)).toEqual([{ a: 1 }, 'x']);
  });

  test('a password inside a payload is readable neither in clear nor in base64 after encoding', async () => {
    const codec = new AesGcmCodec({ current: k1 });
    const original = toPayload({ bmc: { host: '10.0.0.7', user: 'admin', password: PASSWORD } });
    // Sanity: before encoding, the password is right there in the JSON bytes.
    expect(Buffer.from(original.data!).toString()).toContain(PASSWORD);
    const [enc] = await codec.encode([original]);
    const wire = Buffer.from(temporal.api.common.v1.Payload.encode(enc).finish());
    const json = JSON.stringify(payloadToJSON(enc));
    // base64 of the password at all three byte alignments, as it would appear inside a longer base64 text.
    const forms = [PASSWORD, ...base64Needles(PASSWORD)];
    expect(forms).toHaveLength(4);
    for (const f of forms) {
      expect(wire.toString('latin1')).not.toContain(f);
      expect(json).not.toContain(f);
    }
    expect(fromPayload((await codec.decode([enc]))[0])).toEqual({ bmc: { host: '10.0.0.7', user: 'admin', password: PASSWORD } });
  });
});

describe('codecConfigFromEnv / createDataConverter', () => {
  const good = b64(randomBytes(32));

  test('no key: encryption off, with a warning that names the variable', () => {
    const cfg = codecConfigFromEnv({});
    expect(cfg.current).toBeUndefined();
    const r = createDataConverter(cfg);
    expect(r.dataConverter).toBeUndefined();
    expect(r.warning).toMatch(/^payload encryption is off: set DRYDOCK_CODEC_KEY/);
  });

  test('key set: a codec and the encoding failure converter', async () => {
    const cfg = codecConfigFromEnv({ DRYDOCK_CODEC_KEY: good });
    expect(cfg.current?.id).toBe('k1');
    const r = createDataConverter(cfg);
    expect(r.warning).toBeUndefined();
    expect(r.dataConverter?.payloadCodecs).toHaveLength(1);
    expect(r.dataConverter?.failureConverterPath).toBe(FAILURE_CONVERTER_PATH);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module by the path the SDK loads it from
    const mod = require(FAILURE_CONVERTER_PATH) as { failureConverter: { options: { encodeCommonAttributes: boolean } } };
    expect(mod.failureConverter.options.encodeCommonAttributes).toBe(true);
    const [enc] = await r.dataConverter!.payloadCodecs![0].encode([toPayload('x')]);
    expect(meta(enc, 'encoding')).toBe('binary/encrypted');
  });

  test('key id and old keys', () => {
    const old1 = b64(randomBytes(32));
    const old2 = b64(randomBytes(32));
    const cfg = codecConfigFromEnv({ DRYDOCK_CODEC_KEY: good, DRYDOCK_CODEC_KEY_ID: '2024-06', DRYDOCK_CODEC_OLD_KEYS: ` k1:${old1}, k0:${old2} ` });
    expect(cfg.current?.id).toBe('2024-06');
    expect(cfg.old.map((k) => [k.id, b64(k.key)])).toEqual([
      ['k1', old1],
      ['k0', old2],
    ]);
  });

  test.each([
    [{ DRYDOCK_CODEC_KEY: b64(randomBytes(16)) }, /^invalid configuration: DRYDOCK_CODEC_KEY: the key must be base64 of 32 bytes, got 16 bytes/],
    [{ DRYDOCK_CODEC_KEY: 'not base64!' }, /DRYDOCK_CODEC_KEY: the key is not base64/],
    [{ DRYDOCK_CODEC_KEY: good, DRYDOCK_CODEC_KEY_ID: 'has space' }, /DRYDOCK_CODEC_KEY_ID: must be 1-64 characters/],
    [{ DRYDOCK_CODEC_KEY: good, DRYDOCK_CODEC_OLD_KEYS: 'k0' }, /DRYDOCK_CODEC_OLD_KEYS: entry 1 must be <id>:<base64 key>/],
    [{ DRYDOCK_CODEC_KEY: good, DRYDOCK_CODEC_OLD_KEYS: `k0:${b64(randomBytes(31))}` }, /DRYDOCK_CODEC_OLD_KEYS: key "k0" must be base64 of 32 bytes, got 31/],
    [{ DRYDOCK_CODEC_KEY: good, DRYDOCK_CODEC_OLD_KEYS: `k0:${good},k0:${good}` }, /key id "k0" appears twice/],
    [{ DRYDOCK_CODEC_KEY: good, DRYDOCK_CODEC_OLD_KEYS: `k1:${good}` }, /key id "k1" is already the current key/],
    [{ DRYDOCK_CODEC_OLD_KEYS: `k0:${good}` }, /DRYDOCK_CODEC_OLD_KEYS: set DRYDOCK_CODEC_KEY too/],
  ])('bad configuration is one clear line: %j', (env, message) => {
    let err: unknown;
    try {
      codecConfigFromEnv(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toMatch(message);
    expect(msg).not.toContain('\n');
    // The key material itself is never echoed.
    expect(msg).not.toContain(good);
  });
});
