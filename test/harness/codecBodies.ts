import { defaultPayloadConverter, type PayloadCodec } from '@temporalio/common';
import { JSONToPayload, payloadToJSON, type JSONPayload } from '@temporalio/common/lib/proto-utils';

/** The body the Web UI posts to a codec server's /decode: `value` as one payload `codec` encrypted. */
export async function encryptedBody(codec: PayloadCodec, value: unknown): Promise<string> {
  const enc = await codec.encode([defaultPayloadConverter.toPayload(value)]);
  return JSON.stringify({ payloads: enc.map(payloadToJSON) });
}

/** The value of the first payload of a codec server's answer. */
export function decodedValue(text: string): unknown {
  const body = JSON.parse(text) as { payloads: JSONPayload[] };
  return defaultPayloadConverter.fromPayload(JSONToPayload(body.payloads[0]));
}
