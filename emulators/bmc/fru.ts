/**
 * FRU inventory data as a BMC holds it (Platform Management FRU Information Storage Definition v1.0): a common
 * header and a product info area naming the manufacturer, product and serial, which `ipmitool fru print 0`
 * decodes. The site simulator gives each ipmi_sim BMC the FRU of the machine it manages.
 */

/** An 8-bit ASCII field: type/length byte (type 11b, up to 63 bytes), then the bytes. */
function field(s: string): number[] {
  const bytes = [...Buffer.from(s, 'latin1')].slice(0, 63);
  return [0xc0 | bytes.length, ...bytes];
}

/** The byte that makes the sum of `bytes` and itself zero modulo 256. */
const zeroChecksum = (bytes: number[]) => (0x100 - (bytes.reduce((a, b) => a + b, 0) & 0xff)) & 0xff;

export function fruProductData(p: { manufacturer: string; product: string; serial: string; part?: string; version?: string }): number[] {
  // Version 1, length (filled in below), language 0 (English), then the fields, C1h (no more fields).
  const area = [
    0x01,
    0,
    0x00,
    ...field(p.manufacturer),
    ...field(p.product),
    ...field(p.part ?? ''),
    ...field(p.version ?? ''),
    ...field(p.serial),
    ...field(''),
    ...field(''),
    0xc1,
  ];
  while ((area.length + 1) % 8) area.push(0);
  area[1] = (area.length + 1) / 8;
  area.push(zeroChecksum(area));
  // Common header: format version 1, the product info area at offset 1 (× 8 bytes), no other areas.
  const header = [0x01, 0, 0, 0, 0x01, 0, 0];
  return [...header, zeroChecksum(header), ...area];
}

/** The ipmi_sim command (ipmi_sim_cmd(5)) that sets FRU device 0 of the BMC at IPMB 0x20 to `data`. */
export function ipmiSimFruCommand(data: number[]): string {
  return `mc_add_fru_data 0x20 0 ${data.length} data ${data.map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ')}`;
}
