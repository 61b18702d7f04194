/** Just enough BSON to answer op=details: a flat document of binary, string and null fields. */
export function serialize(doc: Record<string, Buffer | string | null>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of Object.entries(doc)) {
    const name = Buffer.concat([Buffer.from(key, 'utf8'), Buffer.from([0])]);
    if (value === null) {
      parts.push(Buffer.from([0x0a]), name);
    } else if (Buffer.isBuffer(value)) {
      const len = Buffer.alloc(4);
      len.writeInt32LE(value.length);
      parts.push(Buffer.from([0x05]), name, len, Buffer.from([0x00]), value);
    } else {
      const bytes = Buffer.from(value, 'utf8');
      const len = Buffer.alloc(4);
      len.writeInt32LE(bytes.length + 1);
      parts.push(Buffer.from([0x02]), name, len, bytes, Buffer.from([0]));
    }
  }
  const body = Buffer.concat(parts);
  const total = Buffer.alloc(4);
  total.writeInt32LE(body.length + 5);
  return Buffer.concat([total, body, Buffer.from([0])]);
}
