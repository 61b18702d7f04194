/**
 * Payload encryption for everything Drydock puts in Temporal's history: workflow and activity
 * arguments and results, signal/query/update payloads, memo, heartbeat details and (with the failure
 * converter in ./failureConverter) failure messages and stack traces.
 *
 * Each payload is serialised whole (metadata included, so even the encoding stays private) and sealed
 * with AES-256-GCM. The result is a new payload with metadata `encoding=binary/encrypted` and
 * `encryption-key-id=<id>`; its data is `iv (12 bytes) || ciphertext || tag (16 bytes)`. The key id is
 * bound as additional authenticated data, so relabelling a payload with another key id fails too.
 *
 * Keys rotate: new payloads use the current key, and any configured older key still decodes what it
 * sealed. Payloads that were never encrypted pass through decode unchanged.
 *
 * Search attributes are not payloads the codec sees: they stay plain text on the server.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { ConfigError } from './config';

export const ENCODING_ENCRYPTED = 'binary/encrypted';
export const METADATA_ENCODING = 'encoding';
export const METADATA_KEY_ID = 'encryption-key-id';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CIPHER = 'aes-256-gcm';
const AAD_PREFIX = 'drydock-codec-v1:';

export interface CodecKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

export interface CodecConfig {
  /** The key new payloads are sealed with; undefined: encryption is off. */
  current?: CodecKey;
  /** Keys that only decode (payloads written before a rotation). */
  old: CodecKey[];
}

/** The key id or payload's key is unknown, or the payload does not authenticate. */
export class CodecError extends Error {}

const utf8 = (s: string) => new TextEncoder().encode(s);
const fromUtf8 = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

export class AesGcmCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  private readonly current: CodecKey;

  constructor(cfg: { current: CodecKey; old?: CodecKey[] }) {
    for (const k of [cfg.current, ...(cfg.old ?? [])]) {
      if (k.key.length !== KEY_BYTES) throw new CodecError(`codec key ${k.id}: must be ${KEY_BYTES} bytes, got ${k.key.length}`);
    }
    this.current = cfg.current;
    this.keys = new Map([...(cfg.old ?? []), cfg.current].map((k) => [k.id, k.key]));
  }

  get keyId(): string {
    return this.current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.seal(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.open(p));
  }

  private seal(p: Payload): Payload {
    const plain = temporal.api.common.v1.Payload.encode(p).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(AAD_PREFIX + this.current.id));
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { [METADATA_ENCODING]: utf8(ENCODING_ENCRYPTED), [METADATA_KEY_ID]: utf8(this.current.id) },
      data: new Uint8Array(sealed),
    };
  }

  private open(p: Payload): Payload {
    if (fromUtf8(p.metadata?.[METADATA_ENCODING]) !== ENCODING_ENCRYPTED) return p;
    const keyId = fromUtf8(p.metadata?.[METADATA_KEY_ID]);
    if (!keyId) throw new CodecError(`encrypted payload has no ${METADATA_KEY_ID} metadata`);
    const key = this.keys.get(keyId);
    if (!key) {
      throw new CodecError(`payload is encrypted with key id "${keyId}", which is not configured (add it to DRYDOCK_CODEC_OLD_KEYS)`);
    }
    const data = Buffer.from(p.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new CodecError(`encrypted payload (key id "${keyId}") is truncated`);
    const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(AAD_PREFIX + keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new CodecError(`encrypted payload (key id "${keyId}") does not authenticate: it was altered or the key is wrong`);
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}

// ---------------------------------------------------------------------------------------------------
// Configuration

export const CODEC_ENV = {
  key: 'DRYDOCK_CODEC_KEY',
  keyId: 'DRYDOCK_CODEC_KEY_ID',
  oldKeys: 'DRYDOCK_CODEC_OLD_KEYS',
} as const;

const keyIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 characters of letters, digits, ".", "_" or "-"');

/** Decodes standard base64 (padding optional) of exactly 32 bytes. Never echoes the value in errors. */
function keyBytes(label: string) {
  return z.string().transform((s, ctx) => {
    const v = s.trim();
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(v)) {
      ctx.addIssue({ code: 'custom', message: `${label} is not base64 (generate one with: openssl rand -base64 32)` });
      return z.NEVER;
    }
    const b = Buffer.from(v, 'base64');
    if (b.length !== KEY_BYTES) {
      ctx.addIssue({ code: 'custom', message: `${label} must be base64 of ${KEY_BYTES} bytes, got ${b.length} bytes (generate one with: openssl rand -base64 32)` });
      return z.NEVER;
    }
    return b;
  });
}

const oldKeysSchema = z.string().transform((s, ctx) => {
  const keys: CodecKey[] = [];
  for (const [i, item] of s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .entries()) {
    const colon = item.indexOf(':');
    if (colon <= 0) {
      ctx.addIssue({ code: 'custom', message: `entry ${i + 1} must be <id>:<base64 key>` });
      return z.NEVER;
    }
    const id = keyIdSchema.safeParse(item.slice(0, colon));
    if (!id.success) {
      ctx.addIssue({ code: 'custom', message: `entry ${i + 1}: key id ${id.error.issues[0].message}` });
      return z.NEVER;
    }
    const key = keyBytes(`key "${id.data}"`).safeParse(item.slice(colon + 1));
    if (!key.success) {
      ctx.addIssue({ code: 'custom', message: key.error.issues[0].message });
      return z.NEVER;
    }
    if (keys.some((k) => k.id === id.data)) {
      ctx.addIssue({ code: 'custom', message: `key id "${id.data}" appears twice` });
      return z.NEVER;
    }
    keys.push({ id: id.data, key: key.data });
  }
  return keys;
});

const codecEnvSchema = z
  .object({
    key: keyBytes('the key').optional(),
    keyId: keyIdSchema.default('k1'),
    oldKeys: oldKeysSchema.default([]),
  })
  .superRefine((c, ctx) => {
    if (!c.key && c.oldKeys.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['oldKeys'], message: `set ${CODEC_ENV.key} too: old keys only decode, the current key encrypts` });
    }
    if (c.key && c.oldKeys.some((k) => k.id === c.keyId)) {
      ctx.addIssue({ code: 'custom', path: ['oldKeys'], message: `key id "${c.keyId}" is already the current key (${CODEC_ENV.keyId})` });
    }
  });

/** Reads DRYDOCK_CODEC_KEY / _KEY_ID / _OLD_KEYS; throws ConfigError with one line naming the variable. */
export function codecConfigFromEnv(env: Record<string, string | undefined> = process.env): CodecConfig {
  const raw = Object.fromEntries(Object.entries(CODEC_ENV).map(([k, v]) => [k, env[v] || undefined]));
  const r = codecEnvSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${CODEC_ENV[i.path[0] as keyof typeof CODEC_ENV] ?? i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${issues.join('; ')}`);
  }
  const c = r.data;
  return { current: c.key ? { id: c.keyId, key: c.key } : undefined, old: c.oldKeys };
}

/** The codec for a configuration, or undefined when no key is configured. */
export function createCodec(cfg: CodecConfig): AesGcmCodec | undefined {
  return cfg.current ? new AesGcmCodec({ current: cfg.current, old: cfg.old }) : undefined;
}

/**
 * Module exporting `failureConverter` (DefaultFailureConverter with encodeCommonAttributes), so failure
 * messages and stack traces travel as encrypted payloads too. In SDK 1.24 a DataConverter names its
 * failure converter by path; a pre-built workflow bundle needs the same path in bundleWorkflowCode().
 */
export const FAILURE_CONVERTER_PATH = require.resolve('./failureConverter');

export const CODEC_OFF_WARNING =
  `payload encryption is off: set ${CODEC_ENV.key} (base64 of 32 random bytes, e.g. \`openssl rand -base64 32\`) ` +
  "to encrypt workflow inputs, results and failures in Temporal's history";

/**
 * The data converter for Worker.create and new Client: the encryption codec plus encoded failure
 * attributes when a key is configured; undefined (the SDK default) and a warning when not.
 */
export function createDataConverter(cfg: CodecConfig): { dataConverter: DataConverter | undefined; warning?: string } {
  const codec = createCodec(cfg);
  if (!codec) return { dataConverter: undefined, warning: CODEC_OFF_WARNING };
  return { dataConverter: { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH } };
}
