/**
 * Boot action rendering as Drydock: pipeline segments, the template context, Jinja2's undefined values and
 * urlencode filter, asset order and targeting, errors, `location` fetches (a local HTTP server and file://)
 * and the tarball read back with GNU tar.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { validateDesignText, type EffectiveDesign } from '../../design';
import { BootActionRenderError, nodeContext, renderNodeAssets, tarball, type BootActionIdentity, type RenderedAsset } from '../../design/bootactions';
import { executePipeline } from '../../design/bootactions/pipeline';
import { FIXTURES } from './fixtures';

const BASE_SITE = fs.readFileSync(path.join(FIXTURES, 'base-site.yaml'), 'utf8');
const DESIGN_REF = 'file:///designs/site.yaml';

function identity(bootAction: string): BootActionIdentity {
  return {
    actionId: `01J${bootAction
      .toUpperCase()
      .replace(/[^0-9A-Z]/g, '0')
      .padEnd(23, '0')
      .slice(0, 23)}`,
    actionKey: Buffer.from(`key of ${bootAction}`).toString('hex'),
    reportUrl: 'http://127.0.0.1:9000/api/v1.0/bootactions/',
    designRef: DESIGN_REF,
  };
}

/** base-site.yaml (nodes n1, n2 and the boot action `everyone`) plus the given BootAction documents. */
async function siteWith(bootActions: string): Promise<EffectiveDesign> {
  const r = await validateDesignText(`${BASE_SITE}\n${bootActions}`);
  const errors = r.status.details.messageList.filter((m) => m.error);
  expect(errors).toEqual([]);
  return r.design!;
}

function bootAction(name: string, body: string): string {
  return `---\nschema: drydock/BootAction/v1\nmetadata: {name: ${name}}\ndata:\n${body}\n`;
}

const render = (design: EffectiveDesign, node = 'n1', opts = {}) => renderNodeAssets(design, node, identity, opts);
const text = (a: RenderedAsset) => a.data.toString('utf8');
const byPath = (assets: RenderedAsset[], p: string) => assets.find((a) => a.path === p)!;

async function renderError(promise: Promise<unknown>): Promise<BootActionRenderError> {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BootActionRenderError);
  return e as BootActionRenderError;
}

describe('pipeline segments (Python bytes/str semantics)', () => {
  test('base64_encode takes bytes and gives bytes', () => {
    expect(executePipeline(Buffer.from('héllo'), ['base64_encode'], {})).toEqual(Buffer.from('aMOpbGxv'));
    expect(() => executePipeline('héllo', ['base64_encode'], {})).toThrow(
      "Error when running bootaction pipeline segment base64_encode: TypeError - a bytes-like object is required, not 'str'",
    );
  });
  test('base64_decode skips characters outside the alphabet and checks padding as binascii does', () => {
    expect(executePipeline(Buffer.from('YW Jj\nZA=='), ['base64_decode'], {})).toEqual(Buffer.from('abcd'));
    expect(executePipeline('YWJj', ['base64_decode'], {})).toEqual(Buffer.from('abc'));
    expect(() => executePipeline(Buffer.from('YWJjZA'), ['base64_decode'], {})).toThrow('base64_decode: Error - Incorrect padding');
    expect(() => executePipeline(Buffer.from('YWJjZ'), ['base64_decode'], {})).toThrow(
      'Invalid base64-encoded string: number of data characters (5) cannot be 1 more than a multiple of 4',
    );
  });
  test('utf8_decode gives str, utf8_encode gives bytes, each refuses the other kind', () => {
    expect(executePipeline(Buffer.from('é'), ['utf8_decode'], {})).toBe('é');
    expect(executePipeline('é', ['utf8_encode'], {})).toEqual(Buffer.from('é'));
    expect(() => executePipeline(Buffer.from([0x61, 0xff]), ['utf8_decode'], {})).toThrow(
      "UnicodeDecodeError - 'utf-8' codec can't decode byte 0xff in position 1: invalid start byte",
    );
    expect(() => executePipeline('x', ['utf8_decode'], {})).toThrow("AttributeError - 'str' object has no attribute 'decode'");
    expect(() => executePipeline(Buffer.from('x'), ['utf8_encode'], {})).toThrow("AttributeError - 'bytes' object has no attribute 'encode'");
  });
  test('template renders str, and refuses bytes as jinja2.Template does', () => {
    expect(executePipeline('{{ a }}-{{ b }}', ['template'], { a: 1, b: 'x' })).toBe('1-x');
    expect(() => executePipeline(Buffer.from('{{ a }}'), ['template'], {})).toThrow("template: TypeError - Can't compile non template nodes");
  });
});

describe('renderNodeAssets', () => {
  test('inline data through every segment, permissions octal with the 0o600 default, pkg_list packages', async () => {
    const design = await siteWith(
      bootAction(
        'segments',
        `  assets:
    - {path: /opt/enc, type: file, permissions: '644', data: 'héllo', data_pipeline: [base64_encode]}
    - {path: /opt/dec, type: file, permissions: '755', data: 'cGxhaW4K', data_pipeline: [base64_decode]}
    - {path: /opt/round, type: file, data: 'é', data_pipeline: [utf8_decode, utf8_encode, base64_encode, base64_decode]}
    - {path: /opt/raw, type: file, data: '{{ node.hostname }}'}`,
      ),
    );
    const assets = await render(design);
    expect(text(byPath(assets, '/opt/enc'))).toBe('aMOpbGxv');
    expect(byPath(assets, '/opt/enc').permissions).toBe(0o644);
    expect(text(byPath(assets, '/opt/dec'))).toBe('plain\n');
    expect(byPath(assets, '/opt/dec').permissions).toBe(0o755);
    expect(text(byPath(assets, '/opt/round'))).toBe('é');
    expect(byPath(assets, '/opt/round').permissions).toBe(0o600);
    // No pipeline: the bytes as written, not templated.
    expect(text(byPath(assets, '/opt/raw'))).toBe('{{ node.hostname }}');
    const pkg = assets.find((a) => a.type === 'pkg_list')!;
    expect(pkg).toEqual({ bootAction: 'everyone', type: 'pkg_list', path: null, permissions: 0o600, data: Buffer.alloc(0), packages: { jq: '1.6-2', curl: null } });
  });

  test("Drydock's template context, printed as Jinja2 prints Python values", async () => {
    const design = await siteWith(
      bootAction(
        'context',
        `  assets:
    - path: /etc/ctx
      type: file
      data_pipeline: [utf8_decode, template]
      data: |
        {{ node.hostname }} {{ node.domain }} {{ node.tags }} {{ node.labels }} {{ node.labels.role }}
        {{ node.network.mgmt.ip }} {{ node.network.mgmt.cidr }} {{ node.network.mgmt.dns_suffix }} {{ node.network.default.ip }} {{ node.network.oob.ip }}
        pxe:{{ node.network.pxe }} {{ node.interfaces.bond0 }} {{ node.interfaces.pxe.sriov }}
        {{ action.action_id }} {{ action.action_key }} {{ action.report_url }} {{ action.design_ref }}
        {% for k, v in node.labels.items() %}{{ k }}={{ v }};{% endfor %}{% for t in node.tags %}[{{ t }}]{% endfor %}{% for k in node.network %} {{ k }}{% endfor %}`,
      ),
    );
    const id = identity('context');
    const lines = text(byPath(await render(design), '/etc/ctx')).split('\n');
    expect(lines).toEqual([
      "n1 mgmt.fixture.example.com ['fixture'] {'role': 'a'} a",
      '192.168.1.11 192.168.1.0/24 mgmt.fixture.example.com 192.168.1.11 192.168.100.11',
      // pxe is DHCP: no address, so no network entry (Drydock skips addresses that are None).
      "pxe: {'sriov': False} False",
      `${id.actionId} ${id.actionKey} http://127.0.0.1:9000/api/v1.0/bootactions/ ${DESIGN_REF}`,
      // Jinja2 drops the template's single trailing newline.
      'role=a;[fixture] oob mgmt default',
    ]);
    expect(nodeContext(design, 'n2').labels).toEqual({ role: 'b' });
  });

  test('SR-IOV interfaces add vf_count and trustedmode', async () => {
    const design = await siteWith('');
    const n1 = design.baremetal_nodes.find((n) => n.name === 'n1')!;
    Object.assign(
      n1.interfaces.find((i) => i.device_name === 'bond0')!,
      { sriov: true, vf_count: 8, trustedmode: true },
    );
    expect(nodeContext(design, 'n1').interfaces).toEqual({ pxe: { sriov: false }, bond0: { sriov: true, vf_count: 8, trustedmode: true } });
  });

  test("undefined values behave as Jinja2's default Undefined", async () => {
    const design = await siteWith(
      bootAction(
        'undef',
        `  assets:
    - path: /etc/printed
      type: file
      data_pipeline: [utf8_decode, template]
      data: "[{{ nothing }}][{{ node.nothing }}][{{ node.labels.nothing }}][{{ nothing | default('d') }}][{{ nothing ~ 'x' }}]{% if node.nothing %}yes{% else %}no{% endif %}{% for x in nothing %}x{% endfor %}"`,
      ),
    );
    expect(text(byPath(await render(design), '/etc/printed'))).toBe('[][][][d][x]no');

    const deeper = await siteWith(
      bootAction('undef', `  assets:\n    - {path: /etc/deeper, type: file, data: '{{ node.nothing.deeper }}', data_pipeline: [utf8_decode, template]}`),
    );
    const e = await renderError(render(deeper));
    expect(e.kind).toBe('Template');
    expect(e.message).toBe(
      "Boot action undef, asset /etc/deeper: Error when running bootaction pipeline segment template: UndefinedError - 'dict object' has no attribute 'nothing'",
    );
    const top = await siteWith(bootAction('undef', `  assets:\n    - {path: /etc/top, type: file, data: '{{ nothing.deeper }}', data_pipeline: [utf8_decode, template]}`));
    expect((await renderError(render(top))).message).toContain("UndefinedError - 'nothing' is undefined");
  });

  test("the urlencode filter encodes as Jinja2's does", async () => {
    const design = await siteWith(
      bootAction(
        'urlencode',
        `  assets:
    - path: /etc/url
      type: file
      data_pipeline: [utf8_decode, template]
      data: "{{ action.report_url | urlencode }} {{ 'a b&c=é~!' | urlencode }} {{ node.labels | urlencode }} {{ {'k y': 'v/w'} | urlencode }} {{ 42 | urlencode }}"`,
      ),
    );
    expect(text(byPath(await render(design), '/etc/url'))).toBe('http%3A//127.0.0.1%3A9000/api/v1.0/bootactions/ a%20b%26c%3D%C3%A9~%21 role=a k+y=v%2Fw 42');
  });

  test('boot actions in design order, assets in their order, only the targeted ones', async () => {
    const design = await siteWith(
      bootAction(
        'only-n2',
        `  node_filter: {filter_set_type: union, filter_set: [{filter_type: union, node_names: [n2]}]}\n  assets:\n    - {path: /etc/n2, type: file, data: x}`,
      ) + bootAction('last', `  assets:\n    - {path: /etc/b, type: unit, data: b}\n    - {path: /etc/a, type: file, data: a}`),
    );
    expect(design.bootactions.map((b) => [b.name, b.target_nodes])).toEqual([
      ['everyone', ['n1', 'n2']],
      ['only-n2', ['n2']],
      ['last', ['n1', 'n2']],
    ]);
    const n1 = await render(design, 'n1');
    expect(n1.map((a) => [a.bootAction, a.type, a.path])).toEqual([
      ['everyone', 'file', '/etc/motd'],
      ['everyone', 'pkg_list', null],
      ['last', 'unit', '/etc/b'],
      ['last', 'file', '/etc/a'],
    ]);
    expect((await render(design, 'n2')).map((a) => a.path)).toEqual(['/etc/motd', null, '/etc/n2', '/etc/b', '/etc/a']);
    expect(await render(design, 'not-a-node')).toEqual([]);
  });

  test('errors name the boot action, the asset and the cause, with Drydock kinds', async () => {
    const syntax = await siteWith(bootAction('broken', `  assets:\n    - {path: /etc/bad, type: file, data: '{% if %}', data_pipeline: [utf8_decode, template]}`));
    let e = await renderError(render(syntax));
    expect(e).toMatchObject({ bootAction: 'broken', asset: '/etc/bad', kind: 'Template' });
    expect(e.message).toBe(
      'Boot action broken, asset /etc/bad: Error when running bootaction pipeline segment template: TemplateSyntaxError - line 1, column 7: unexpected token: %}',
    );

    const padding = await siteWith(bootAction('b64', `  assets:\n    - {path: /etc/b64, type: file, data: 'YWJjZA', data_pipeline: [base64_decode]}`));
    e = await renderError(render(padding));
    expect(e).toMatchObject({ bootAction: 'b64', asset: '/etc/b64', kind: 'PipelineFailure' });
    expect(e.message).toBe('Boot action b64, asset /etc/b64: Error when running bootaction pipeline segment base64_decode: Error - Incorrect padding');

    // The schema refuses unknown segments at ingest; a design built another way reaches the renderer.
    const unknown = await siteWith('');
    unknown.bootactions[0].assets[0].data_pipeline = ['utf8_decode', 'rot13'];
    e = await renderError(render(unknown));
    expect(e).toMatchObject({ bootAction: 'everyone', asset: '/etc/motd', kind: 'UnknownPipelineSegment' });
    expect(e.message).toBe('Boot action everyone, asset /etc/motd: Bootaction pipeline segment rot13 unknown.');

    unknown.bootactions[0].assets[0].data_pipeline = [];
    unknown.bootactions[0].assets[1].location = 'file:///nonexistent/{{ node.hostname }}.yaml';
    unknown.bootactions[0].assets[1].location_pipeline = ['template'];
    e = await renderError(render(unknown));
    expect(e).toMatchObject({ bootAction: 'everyone', asset: 'pkg_list asset 2', kind: 'LocationFetch' });
    expect(e.message).toMatch(/^Boot action everyone, asset pkg_list asset 2: Unable to resolve asset reference file:\/\/\/nonexistent\/n1\.yaml: .*file not found/);
  });
});

describe('location assets', () => {
  let server: http.Server;
  let base: string;
  const requests: { url: string; auth?: string }[] = [];
  let tmp: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push({ url: req.url!, auth: req.headers.authorization });
      const body: Record<string, string> = {
        '/assets/n1.j2': 'served to {{ node.hostname }} at {{ node.network.default.ip }}\n',
        '/assets/packages.yaml': "jq: '1.6'\ncurl:\n",
        '/assets/not-a-map.yaml': '- jq\n',
      };
      const b = body[req.url!];
      res.writeHead(b === undefined ? 404 : 200, { 'content-type': 'text/plain' });
      res.end(b ?? 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bootaction-location-'));
    fs.writeFileSync(path.join(tmp, 'n1.conf'), Buffer.from('from a file for {{ node.hostname }}').toString('base64'));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('http and file locations: URL templated by location_pipeline, bytes through data_pipeline, packages parsed', async () => {
    const design = await siteWith(
      bootAction(
        'fetched',
        `  assets:
    - {path: /etc/http, type: file, location: '${base}/assets/{{ node.hostname }}.j2', location_pipeline: [template], data_pipeline: [utf8_decode, template]}
    - {path: /etc/file, type: file, location: 'file://${tmp}/{{ node.hostname }}.conf', location_pipeline: [template], data_pipeline: [base64_decode, utf8_decode, template]}
    - {type: pkg_list, location: '${base}/assets/packages.yaml'}`,
      ),
    );
    requests.length = 0;
    const assets = (await render(design)).filter((a) => a.bootAction === 'fetched');
    expect(requests.map((r) => r.url)).toEqual(['/assets/n1.j2', '/assets/packages.yaml']);
    expect(text(assets[0])).toBe('served to n1 at 192.168.1.11');
    expect(text(assets[1])).toBe('from a file for n1');
    expect(assets[2]).toMatchObject({ type: 'pkg_list', packages: { jq: '1.6', curl: null }, data: Buffer.alloc(0) });
  });

  test('opts.fetch replaces the resolver and gets the rendered URL', async () => {
    const design = await siteWith(bootAction('fetched', `  assets:\n    - {path: /etc/x, type: file, location: 'x://{{ node.hostname }}', location_pipeline: [template]}`));
    const asked: string[] = [];
    const assets = await render(design, 'n2', { fetch: async (url: string) => (asked.push(url), Buffer.from(`bytes for ${url}`)) });
    expect(asked).toEqual(['x://n2']);
    expect(text(byPath(assets, '/etc/x'))).toBe('bytes for x://n2');
  });

  test('an unreachable location fails with LocationFetch, the URL password masked', async () => {
    const auth = base.replace('http://', 'http://deploy:s3cret@');
    const design = await siteWith(bootAction('fetched', `  assets:\n    - {path: /etc/missing, type: file, location: '${auth}/assets/missing'}`));
    requests.length = 0;
    const e = await renderError(render(design));
    expect(requests).toEqual([{ url: '/assets/missing', auth: `Basic ${Buffer.from('deploy:s3cret').toString('base64')}` }]);
    expect(e).toMatchObject({ bootAction: 'fetched', asset: '/etc/missing', kind: 'LocationFetch' });
    expect(e.message).toContain(`Unable to resolve asset reference ${base.replace('http://', 'http://deploy:***@')}/assets/missing: `);
    expect(e.message).toContain('HTTP 404');
    expect(e.message).not.toContain('s3cret');
  });

  test('a fetched package list that is not a mapping fails as Drydock refuses it', async () => {
    const design = await siteWith(bootAction('fetched', `  assets:\n    - {type: pkg_list, location: '${base}/assets/not-a-map.yaml'}`));
    const e = await renderError(render(design));
    expect(e).toMatchObject({ bootAction: 'fetched', asset: 'pkg_list asset 1', kind: 'PipelineFailure' });
    expect(e.message).toContain('InvalidPackageListFormat - Package data should have a top-level mapping/object.');
  });
});

describe('tarball', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bootaction-tar-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** `tar -tzvf` of the bytes: [mode string, owner, size, name] per member. */
  function listing(bytes: Buffer, numeric = false): string[][] {
    const file = path.join(tmp, `t${Math.random().toString(36).slice(2)}.tgz`);
    fs.writeFileSync(file, bytes);
    const out = execFileSync('tar', [...(numeric ? ['--numeric-owner'] : []), '-tzvf', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [mode, owner, size, , , ...name] = l.split(/\s+/);
        return [mode, owner, size, name.join(' ')];
      });
  }

  test('members named by path with their modes, uid/gid 0, owner root, only the requested type; same bytes every time', async () => {
    const long = `/opt/${'d'.repeat(110)}/long-name.sh`;
    const design = await siteWith(
      bootAction(
        'tar',
        `  assets:
    - {path: /etc/systemd/system/x.service, type: unit, data: '[Service]', permissions: '644'}
    - {path: /usr/local/bin/x.sh, type: file, data: 'echo {{ node.hostname }}', permissions: '555', data_pipeline: [utf8_decode, template]}
    - {path: '${long}', type: file, data: 'x'}`,
      ),
    );
    const assets = await render(design);
    const files = tarball(assets, 'file');
    expect(listing(files)).toEqual([
      ['-rw-------', 'root/root', '2', '/etc/motd'],
      ['-r-xr-xr-x', 'root/root', '7', '/usr/local/bin/x.sh'],
      ['-rw-------', 'root/root', '1', long],
    ]);
    expect(listing(files, true).map((m) => m[1])).toEqual(['0/0', '0/0', '0/0']);
    expect(listing(tarball(assets, 'unit'))).toEqual([['-rw-r--r--', 'root/root', '9', '/etc/systemd/system/x.service']]);
    const file = path.join(tmp, 'files.tgz');
    fs.writeFileSync(file, files);
    expect(execFileSync('tar', ['-xzOf', file, '/usr/local/bin/x.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).toBe('echo n1');
    expect(tarball(await render(design), 'file').equals(files)).toBe(true);
    // No asset of the type: an empty archive, as tarbuilder gives.
    expect(
      listing(
        tarball(
          assets.filter((a) => a.type === 'pkg_list'),
          'unit',
        ),
      ),
    ).toEqual([]);
  });
});
