/**
 * The fast YAML path (design/fastYaml.ts) against the `yaml` package's full parse: on every construct it
 * takes it must give the same documents, values, document lines and non-string-key marks; on the rest it
 * must decline. Also: the compiled schema acceptors agree with zod on Drydock's samples.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { generateSite } from '../../bench/validate';
import { fastParseYaml } from '../../design/fastYaml';
import { ACCEPTS, isKind, SCHEMAS } from '../../design/schemas';
import { hasNonStringKeys, parseFull, parseYamlStream } from '../../design/yamlParse';
import { DRYDOCK_DIR, HAVE_DRYDOCK } from './drydockData';

/** ../shared/bench/gen_site.py, the scale designs' generator (Python with PyYAML). */
const GEN_SITE = path.resolve(DRYDOCK_DIR, '../bench/gen_site.py');
const HAVE_GEN_SITE = fs.existsSync(GEN_SITE) && spawnSync('python3', ['-c', 'import yaml']).status === 0;
if (!HAVE_GEN_SITE) console.warn(`fastYaml gen_site test skipped: needs ${GEN_SITE} and python3 with PyYAML`);

const EXAMPLE = path.resolve(__dirname, '../../examples/site/demo-site.yaml');

/** The fast path's documents in parseYamlStream's shape, and the maps it marked. */
function fast(text: string): { docs: unknown; marked: object[] } | undefined {
  const marked: object[] = [];
  const docs = fastParseYaml(text, (m) => marked.push(m));
  return docs && { docs: docs.map((d, index) => ({ index, line: d.line + 1, value: d.value })), marked };
}

/** Paths of the maps the full parse marked as having non-string keys. */
function markedPaths(v: unknown, isMarked: (o: object) => boolean, at = '$', out: string[] = []): string[] {
  if (v !== null && typeof v === 'object') {
    if (isMarked(v)) out.push(at);
    for (const [k, x] of Object.entries(v)) markedPaths(x, isMarked, `${at}/${k}`, out);
  }
  return out;
}

function expectSameAsFull(text: string): void {
  const f = fast(text);
  expect(f).toBeDefined();
  const full = parseFull(text, 't');
  expect(f?.docs).toEqual(full);
  // Also Date vs string, -0 vs 0 (a `__proto__` key gives each path its own, equal, prototype object).
  if (!text.includes('__proto__')) expect(isDeepStrictEqual(f?.docs, full)).toBe(true);
  const marked = new Set(f?.marked);
  expect(markedPaths(f?.docs, (o) => marked.has(o))).toEqual(markedPaths(full, hasNonStringKeys));
}

describe('fast YAML path gives exactly the full parse', () => {
  const cases: Record<string, string> = {
    'markers and lines': '# c\n---\na: 1\n---\nb: 2\n...\n',
    'first document without marker after comments': '\n\n# c\na: 1\n---\n# x\n\nb: 1\n',
    'empty documents': '---\n---\n',
    'nothing but comments': '# only\n',
    'empty stream': '',
    'end marker then content': 'a: 1\n...\nb: 2\n',
    'end marker then start marker': 'a: 1\n...\n---\nb: 1\n...\n',
    'marker with comment': '--- # c\na: 1\n',
    'trailing marker without newline': 'a: 1\n---',
    'no final newline': 'a: 1\nb: x',
    'root mapping indented': '---\n\n  a: 1\n  b: 2\n',
    'yaml 1.1 scalars':
      'a: yes\nb: No\nc: on\nd: OFF\ne: ~\nf: null\ng: 010\nh: 0x1F\ni: 0b101\nj: 1:30\nk: 1.5e3\nl: .inf\nm: -.Inf\nn: .nan\no: 1_000\np: +12\nq: -0\nr: 2001-12-14\ns: 2001-12-14t21:59:43.10-05:00\nt: y\nu: n\nv: 3.\nw: .5\n',
    'non-string keys': 'a:\n  0xffff: x\n  true: y\n  ~: z\n  1.5: w\n  2001-12-14: d\nb:\n  plain: 1\n',
    'duplicate keys: last wins, first position': 'a: 1\nb: 2\na: 3\nc:\n  x: 1\n  x: 2\n',
    'number and string keys that stringify alike': "a:\n  1: x\n  '1': y\n",
    'quoted scalars': `a: 'it''s'\nb: "x \\" \\\\ \\n \\t \\x41 \\u00e9 \\U0001F600 \\/ \\ "\nc: ''\nd: ""\n'e f': 1\n"g h": 2\n`,
    'comments everywhere': 'a: 1 # c\nb:   # c\n  c: 2\n    # deeper comment\n  d: x#y\n# end\n',
    'sequences at key indentation and nested': 'a:\n- 1\n- x: 1\n  y: 2\n- - n1\n  - n2\n-\n  deep: 1\n- \nb: 2\n',
    'compact mappings with wider dash spacing': 'a:\n  -   x: 1\n      y:\n        - 2\n  - z: 3\n',
    'empty values': 'a:\nb:\n  -\n  - x\nc: # c\n',
    'flow collections': 'a: []\nb: {}\nc: [x, 1, "q", \'r\', yes]\nd: {name: n1, k: 2, "s": x}\ne: [ a , b ]\nf: { }\n',
    'literal block scalars': 'a: |\n  line1\n\n  line3\n\nb: |-\n  x\n  y\n\nc: |+\n  k\n\n\nd: |\n    indented\n      more\n   \n    last\n',
    'literal block keep at end of document': 'a: |+\n  k\n\n---\nb: 1\n',
    'literal block with comment header and hash content': 'a: | # c\n  # not a comment\n  x\n',
    'literal in a sequence item': '- |\n  x\n- y\n',
    'plain scalars with indicators inside': 'a: //node[@id="display"]/\'clock units="Hz"\' > 1000000000\nb: http://x:80/y\nc: -x\nd: a,b[c]{d}\ne: 52:54:00:00:01:01\n',
    'keys with spaces before the colon': 'a   : 1\n',
    'proto keys': '__proto__: {a: 1}\nb: 1\nc:\n  __proto__: x\n',
    unicode: 'name: café ☕\n',
    'literal chomping at the end of the stream': 'a: |+\n  k\n\n\nb: |-\n  k\n\nc: |\n  k\n\n\n',
    'literal with blank and space-only lines and a less indented comment after': 'a: |\n\n  k\n  \n  j\n # c\nb: 1\n',
    'literal in a sequence and before markers': '- |\n  x\n---\na: |\n  x\n...\n',
    'more YAML 1.1 numbers and times': 'k: -1.5\nl: +.5\nm: 1e5\nn: 0.1e-3\no: 12:30:00\np: 190:20:30.15\nq: 2001-12-14 21:59:43.10 -5\nr: 2001-12-14T21:59:43Z\n',
    'null key and escapes in keys': '~: b\n"a\\tb": 1\nc: "\\x41\\u263A\\U0001F600"\nd: \'\'\'\'\n',
  };
  test.each(Object.entries(cases))('%s', (_, text) => expectSameAsFull(text));

  test('the example design, its generated 2,000-node form and Drydock samples take the fast path', () => {
    expectSameAsFull(fs.readFileSync(EXAMPLE, 'utf8'));
    expectSameAsFull(generateSite(2000));
  });

  (HAVE_GEN_SITE ? test : test.skip)('a design gen_site.py writes (PyYAML) takes the fast path', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gen-site-')), 'site.yaml');
    expect(spawnSync('python3', [GEN_SITE, '45', out]).status).toBe(0);
    expectSameAsFull(fs.readFileSync(out, 'utf8'));
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });

  (HAVE_DRYDOCK ? test : test.skip)('every Drydock sample: same result, or the fast path declines', () => {
    const dir = path.join(DRYDOCK_DIR, 'yaml_samples');
    let taken = 0;
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    for (const file of files) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      const f = fast(text);
      if (!f) continue;
      taken++;
      expect({ file, docs: f.docs }).toEqual({ file, docs: parseFull(text, 't') });
    }
    expect(taken).toBeGreaterThan(files.length / 2);
  });
});

describe('fast YAML path declines what it does not handle', () => {
  const declined: Record<string, string> = {
    anchors: 'a: &x 1\nb: *x\n',
    tags: 'a: !!str 1\n',
    'merge key': 'a: {x: 1}\n<<: {y: 2}\n',
    'folded scalar': 'a: >\n  x\n  y\n',
    'multi-line plain scalar': 'a: x\n  y\n',
    'multi-line quoted scalar': "a: 'x\n  y'\n",
    'explicit block indentation': 'a: |2\n   x\n',
    'nested flow collections': 'a: [[1]]\n',
    'flow mapping in sequence with colon value': 'a: {u: http://x}\n',
    tabs: 'a:\n\tb: 1\n',
    CRLF: 'a: 1\r\nb: 2\r\n',
    directive: '%YAML 1.1\n---\na: 1\n',
    'content after the start marker': '--- a\n',
    'root scalar': 'just text\n',
    'complex key': '? a\n: b\n',
    'empty block scalar': 'a: |\nb: 1\n',
    'block scalar at the end without newline': 'a: |\n  x',
    'bad escape': 'a: "\\q"\n',
  };
  test.each(Object.entries(declined))('%s', (_, text) => expect(fast(text)).toBeUndefined());

  const errors: Record<string, string> = {
    'bad indentation': 'a:\n  b: 1\n c: 2\n',
    'sequence after scalar': 'a: 1\n- x\n',
    'nested mapping in compact mapping': 'a: b: c\n',
    'unterminated quote': "a: 'x\n",
    'key without value in sequence': '- a\nb: 1\n',
    'trailing garbage after quote': "a: 'x' y\n",
  };
  test.each(Object.entries(errors))('YAML error (%s): declined, and the full parser reports it with a line', (_, text) => {
    expect(fast(text)).toBeUndefined();
    expect(() => parseYamlStream(text, 'src')).toThrow(/^src: YAML error in document #1 at line \d+: /);
  });
});

describe('the full path never crashes on hostile YAML', () => {
  test('a recursive alias is a YAML error, not a stack overflow', () => {
    expect(() => parseYamlStream('a: 1\n---\naddress: &a [*a]\n', 'src')).toThrow(
      'src: YAML error in document #2 (line 2): an alias refers to a node that contains it (recursive alias)',
    );
  });
  test('an alias bomb is a YAML error', () => {
    const bomb = ['a: &a [x,x,x,x,x,x,x,x,x]', ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(',')}]`)].join('\n');
    expect(() => parseYamlStream(bomb, 'src')).toThrow(/^src: YAML error in document #1 \(line 1\): Excessive alias count/);
  });
  test('nesting deeper than the stack is a YAML error', () => {
    expect(() => parseYamlStream(`a: ${'['.repeat(20000)}${']'.repeat(20000)}\n`, 'src')).toThrow(/^src: YAML error/);
  });
});

describe('compiled schema acceptors', () => {
  (HAVE_DRYDOCK ? test : test.skip)('agree with zod on every document of Drydock samples and the example', () => {
    const dir = path.join(DRYDOCK_DIR, 'yaml_samples');
    const texts = [
      ...fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => fs.readFileSync(path.join(dir, f), 'utf8')),
      fs.readFileSync(EXAMPLE, 'utf8'),
    ];
    let checked = 0;
    let refused = 0;
    for (const text of texts) {
      let docs;
      try {
        docs = parseYamlStream(text, 't');
      } catch {
        continue;
      }
      for (const d of docs) {
        const v = d.value as { schema?: unknown; kind?: unknown; data?: unknown; spec?: unknown } | null;
        const kind = typeof v?.schema === 'string' ? v.schema.split('/')[1] : typeof v?.kind === 'string' ? v.kind : '';
        if (!v || !kind || !isKind(kind)) continue;
        const data = typeof v.schema === 'string' ? v.data : v.spec;
        const zod = SCHEMAS[kind].safeParse(data).success;
        expect({ kind, accepts: ACCEPTS[kind](data) }).toEqual({ kind, accepts: zod });
        checked++;
        if (!zod) refused++;
      }
    }
    expect(checked).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(5);
  });
  test('refuse what zod refuses: NaN and infinite numbers, unknown keys, enum and regex misses, wrong types', () => {
    const cases: [keyof typeof SCHEMAS, unknown][] = [
      ['Network', { mtu: NaN }],
      ['Network', { mtu: Infinity }],
      ['Network', { mtu: '1500' }],
      ['Network', { cidr: null }],
      ['Network', { unknown: 1 }],
      ['HardwareProfile', { boot_mode: 'efi' }],
      ['BootAction', { assets: [{ type: 'file', path: 'relative' }] }],
      ['BootAction', { assets: [{ type: 'file', permissions: '64' }] }],
      ['BaremetalNode', { addressing: [null] }],
      ['BaremetalNode', { interfaces: [] }],
      ['HostProfile', { metadata: { owner_data: { a: 1 } } }],
      ['Rack', { tor_switches: [] }],
    ];
    for (const [kind, data] of cases) {
      expect({ kind, data, zod: SCHEMAS[kind].safeParse(data).success }).toEqual({ kind, data, zod: false });
      expect({ kind, data, accepts: ACCEPTS[kind](data) }).toEqual({ kind, data, accepts: false });
    }
    expect(ACCEPTS.Network({ mtu: 1500, cidr: '10.0.0.0/8', labels: { a: [1] } })).toBe(true);
    expect(ACCEPTS.BootAction({ assets: [{ type: 'file', path: '/x', permissions: '644', data: { a: null } }] })).toBe(true);
  });
});
