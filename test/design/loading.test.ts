/** design_ref resolution, load failures, the offline validate command, inheritance and node filters. */
import type { NodeFilterSet } from '../../design/model';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { loadDesign, resolveDesignRef, runValidateDesignOffline, selectNodes, NodeFilterError, validateDesignText } from '../../design';
import type { FilterableNode } from '../../design/nodeFilter';
import { mergeDicts, mergeLists } from '../../design/inheritance';
import { siteWith } from './fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'design-'));
const write = (name: string, content: string | Buffer) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, content);
  return `file://${p}`;
};
const EXAMPLE = `file://${path.resolve(__dirname, '../../examples/site/demo-site.yaml')}`;

describe('loadDesign failures never throw and name the reference', () => {
  test('missing file', async () => {
    const r = await loadDesign('file:///nonexistent/site.yaml');
    expect(r.status.status).toBe('Failure');
    expect(r.loadError).toMatch(/file:\/\/\/nonexistent\/site\.yaml: file not found/);
  });
  test('YAML error gives document index and line', async () => {
    const ref = write('bad.yaml', 'schema: drydock/Region/v1\nmetadata: {name: a}\ndata: {}\n---\nschema: x\n  bad: [\n');
    const r = await loadDesign(ref);
    expect(r.loadError).toMatch(/YAML error in document #2 at line \d+/);
    expect(r.loadError).toContain('bad.yaml');
  });
  test('binary garbage', async () => {
    const r = await loadDesign(write('bin.yaml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff])));
    expect(r.loadError).toMatch(/is not a YAML text document: binary content/);
  });
  test('size limit', async () => {
    const r = await loadDesign(write('big.yaml', 'a: 1\n'.repeat(100)), { maxBytes: 100 });
    expect(r.loadError).toMatch(/too large \(500 bytes; the limit is 100 bytes\)/);
  });
  test('unknown scheme', async () => {
    expect((await loadDesign('ftp://x/y')).loadError).toMatch(/no handler for scheme 'ftp'/);
  });
  test('content hash is the sha256 of the bytes', async () => {
    const r = await loadDesign(EXAMPLE);
    expect(r.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(r.status.status).toBe('Success');
  });
});

describe('http and deckhand+http resolution', () => {
  let server: http.Server;
  let base: string;
  const seen: { url?: string; auth?: string }[] = [];
  let failuresLeft = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ url: req.url, auth: req.headers.authorization });
      if (req.url === '/flaky' && failuresLeft-- > 0) {
        res.statusCode = 503;
        return res.end();
      }
      if (req.url === '/silent') return; // accepts, never answers
      if (req.url === '/stall') {
        res.writeHead(200, { 'content-type': 'application/yaml' });
        return void res.write('---\n'); // headers and a first chunk, then nothing
      }
      if (req.url === '/missing') {
        res.statusCode = 404;
        return res.end();
      }
      res.end(siteWith());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  test('GET once, Basic auth from the URL', async () => {
    seen.length = 0;
    const bytes = await resolveDesignRef(`http://user:pass@${base}/site.yaml`);
    expect(bytes.length).toBeGreaterThan(0);
    expect(seen).toEqual([{ url: '/site.yaml', auth: `Basic ${Buffer.from('user:pass').toString('base64')}` }]);
  });
  test('deckhand+http strips the prefix', async () => {
    const r = await loadDesign(`deckhand+http://${base}/revisions/1/rendered-documents`);
    expect(r.status.status).toBe('Success');
  });
  test('retries 5xx with backoff, then succeeds', async () => {
    failuresLeft = 2;
    const delays: number[] = [];
    await resolveDesignRef(`http://${base}/flaky`, { sleep: async (ms) => void delays.push(ms), backoffMs: (n) => n * 10 });
    expect(delays).toEqual([10, 20]);
  });
  test('404 is not retried and names the reference, password masked', async () => {
    const r = await loadDesign(`http://u:secret@${base}/missing`, { sleep: async () => undefined });
    expect(r.loadError).toMatch(/HTTP 404/);
    expect(r.loadError).not.toContain('secret');
  });
  test('connection refused gives up after the configured tries', async () => {
    const r = await loadDesign('http://127.0.0.1:1/x', { retries: 2, sleep: async () => undefined, connectTimeoutMs: 2000 });
    expect(r.loadError).toMatch(/after 2 tries/);
  });
  test('a server that never answers times out, bounded, each try', async () => {
    const r = await loadDesign(`http://${base}/silent`, { retries: 2, sleep: async () => undefined, connectTimeoutMs: 200 });
    expect(r.loadError).toBe(`Cannot fetch design reference http://${base}/silent after 2 tries: timed out after 0.2 s without a response`);
  });
  test('a body that stalls times out on the read timeout', async () => {
    const r = await loadDesign(`http://${base}/stall`, { retries: 1, sleep: async () => undefined, readTimeoutMs: 200 });
    expect(r.loadError).toBe(`Cannot fetch design reference http://${base}/stall after 1 tries: timed out after 0.2 s reading the body`);
  });
});

describe('runValidateDesignOffline', () => {
  test('exit 0 and a readable report for the example site', async () => {
    const r = await runValidateDesignOffline(EXAMPLE, { output: 'text' });
    expect(r.exitCode).toBe(0);
    expect(r.text.split('\n')[0]).toMatch(/passed validation \(0 errors, 1 warnings, 18 info\)/);
    expect(r.text).toMatch(/WARNING DD3001 .*imageand kernel/);
  });
  test('exit 1 with JSON status on a failing design', async () => {
    const r = await runValidateDesignOffline(write('dup.yaml', siteWith('noDuplicateIpsCheck')), { output: 'json' });
    expect(r.exitCode).toBe(1);
    const status = JSON.parse(r.text);
    expect(status).toMatchObject({ kind: 'Status', apiVersion: 'v1.0', status: 'Failure', details: { errorCount: 1 } });
    expect(status.details.messageList.find((m: { error: boolean }) => m.error)).toMatchObject({
      kind: 'ValidationMessage',
      name: 'DD2005',
      level: 'Error',
      documents: [
        { schema: 'drydock/BaremetalNode/v1', name: 'n2' },
        { schema: 'drydock/BaremetalNode/v1', name: 'n1' },
      ],
    });
  });
  test('exit 2 when the design cannot be loaded', async () => {
    expect((await runValidateDesignOffline('file:///nope.yaml', { output: 'text' })).exitCode).toBe(2);
  });
});

describe('example site', () => {
  test('10 nodes, ipmi/redfish, OOB on 127.10.0.0/24, jammy/ga-22.04, boot action on all', async () => {
    const r = await loadDesign(EXAMPLE);
    const nodes = r.design!.baremetal_nodes;
    expect(nodes.map((n) => n.oob_type)).toEqual([...Array(6).fill('ipmi'), ...Array(4).fill('redfish')]);
    expect(nodes.map((n) => n.addressing.find((a) => a.network === 'oob')!.address)).toEqual(nodes.map((_, i) => `127.10.0.${11 + i}`));
    expect(new Set(nodes.map((n) => n.oob_parameters?.credential)).size).toBe(10);
    nodes.forEach((n) => expect(n.oob_parameters).toMatchObject({ account: 'admin', network: 'oob' }));
    nodes.forEach((n) => expect(n).toMatchObject({ image: 'jammy', kernel: 'ga-22.04' }));
    // The motd file does not report; the demo-report unit reports its own status from every node.
    const bootAction = (name: string) => r.design!.bootactions.find((b) => b.name === name);
    expect(bootAction('demo-motd')).toMatchObject({ signaling: false, target_nodes: nodes.map((n) => n.name) });
    expect(bootAction('demo-report')).toMatchObject({ signaling: true, target_nodes: nodes.map((n) => n.name) });
    expect(r.design!.region!.authorized_keys).toHaveLength(1);
  });
});

describe('inheritance', () => {
  test("'!' removes list items and dict keys; an empty child list keeps the parent's", () => {
    expect(mergeLists(['b', '!a'], ['a', 'c'])).toEqual(['b', 'c']);
    expect(mergeLists([], ['a'])).toEqual(['a']);
    expect(mergeDicts({ '!x': 1, y: 2 } as Record<string, number>, { x: 0, z: 3 })).toEqual({ z: 3, y: 2 });
  });
  test('storage merge keeps every unmatched parent device and LV (Drydock kept only the last)', async () => {
    const text = siteWith()
      .replace('metadata: {name: n1}', 'metadata: {name: n1}')
      .replace(
        /(name: n1\n\s*data:\n\s*host_profile: base\n)/,
        `$1  storage:\n    physical_devices:\n      sdc: {volume_group: vg0}\n    volume_groups:\n      vg0:\n        logical_volumes:\n          - {name: extra, size: 10%}\n`,
      );
    const r = await validateDesignText(text);
    const n1 = r.design!.baremetal_nodes.find((n) => n.name === 'n1')!;
    expect(n1.storage_devices.map((d) => d.name)).toEqual(['sda', 'sdb', 'sdc']);
    expect(n1.volume_groups[0].logical_volumes.map((l) => l.name)).toEqual(['log', 'extra']);
  });
  test('a null interface removes the inherited one; "!name" too', async () => {
    const text = siteWith().replace(/(name: n2\n\s*data:\n\s*host_profile: base\n)/, '$1  interfaces:\n    bond0: null\n');
    const r = await validateDesignText(text);
    expect(r.design!.baremetal_nodes.find((n) => n.name === 'n2')!.interfaces.map((i) => i.name)).toEqual(['pxe']);
  });
  test('partition volume_group is kept (Drydock ignored it)', async () => {
    const r = await loadDesign(EXAMPLE);
    expect(r.design!.baremetal_nodes[0].storage_devices[0].partitions.find((p) => p.name === 'var')!.volume_group).toBe('data_vg');
  });
});

describe('node filters', () => {
  const design: { baremetal_nodes: FilterableNode[] } = {
    baremetal_nodes: [
      { name: 'a', tags: ['x'], owner_data: { k: '1' }, rack: 'r1' },
      { name: 'b', tags: ['y'], owner_data: { k: '2' }, rack: 'r1' },
      { name: 'c', tags: ['x', 'y'], owner_data: {} as Record<string, string>, rack: 'r2' },
    ],
  };
  // Untrusted input (API, YAML) may carry any strings: selectNodes checks them.
  const set = (type: string, filters: object[]) => ({ filter_set_type: type, filter_set: filters }) as unknown as NodeFilterSet;
  test('null = all nodes in design order', () => expect(selectNodes(design, null)).toEqual(['a', 'b', 'c']));
  test('criteria OR their values; intersection ANDs criteria', () => {
    expect(selectNodes(design, set('union', [{ filter_type: 'intersection', node_tags: ['x', 'y'], rack_names: ['r1'] }]))).toEqual(['a', 'b']);
    expect(selectNodes(design, set('union', [{ filter_type: 'union', node_tags: ['y'], rack_names: ['r2'] }]))).toEqual(['b', 'c']);
    expect(
      selectNodes(
        design,
        set('intersection', [
          { filter_type: 'union', node_labels: { k: '1' } },
          { filter_type: 'union', node_tags: ['x'] },
        ]),
      ),
    ).toEqual(['a']);
    expect(selectNodes(design, set('union', [{ filter_type: 'intersection', node_labels: { k: '1', z: '9' } }]))).toEqual(['a']);
  });
  test('unknown types are clear errors', () => {
    expect(() => selectNodes(design, set('xor', []))).toThrow(new NodeFilterError("Unknown filter set type \"xor\": use 'union' or 'intersection'"));
    expect(() => selectNodes(design, set('union', [{ filter_type: 'any' }]))).toThrow(NodeFilterError);
  });
});
