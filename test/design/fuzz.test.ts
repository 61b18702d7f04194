/**
 * Bad input never crashes: 100 seeded mutations of the example design validated in-process through
 * runValidateDesignOffline (what `drydock validate-design --offline` runs), and a handful through the real
 * CLI process. Every case ends with exit 0, 1 or 2 and exactly one JSON status document. The 1,000-case
 * run is `npm run fuzz-design` (bench/fuzz-design.ts, same cases and checks).
 */
import YAML from 'yaml';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkOutput, EXAMPLE_DESIGN, MUTATIONS, mutateDesign, runCase, type CaseResult } from '../../bench/fuzz-design';
import { runValidateDesignOffline } from '../../design';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-design-test-'));
const source = fs.readFileSync(EXAMPLE_DESIGN, 'utf8');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const write = (name: string, content: string | Buffer) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, content);
  return `file://${p}`;
};

/** The example design with the first `address:` value of a node replaced. */
const withAddress = (value: string) => source.replace(/^(\s+address:) 127\.[0-9.]+$/m, `$1 ${value}`);
const ALIAS_BOMB = [
  '---',
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(',')}]`),
].join('\n');

describe('validate-design --offline on mutated designs', () => {
  test('100 seeded cases: exit 0/1/2, one JSON status, both YAML paths agree, acceptors sound', async () => {
    const results: CaseResult[] = [];
    for (let seed = 1; seed <= 100; seed++) results.push(await runCase(source, seed, tmp));
    expect(results.filter((r) => r.problem)).toEqual([]);
    // The cases reach every outcome and most kinds of mutation.
    expect(new Set(results.map((r) => r.exitCode))).toEqual(new Set([0, 1, 2]));
    expect(new Set(results.flatMap((r) => r.mutations)).size).toBeGreaterThanOrEqual(Object.keys(MUTATIONS).length - 3);
  });

  test('the same seed gives the same mutated design', () => {
    expect(mutateDesign(source, 42)).toEqual(mutateDesign(source, 42));
    expect(mutateDesign(source, 42)).not.toEqual(mutateDesign(source, 43));
  });

  test('a recursive alias: exit 2 and a status naming it', async () => {
    const r = await runValidateDesignOffline(write('recursive.yaml', withAddress('&a [*a]')), { output: 'json' });
    expect(checkOutput(r.exitCode, r.text)).toBeUndefined();
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.text).reason).toMatch(/YAML error in document #\d+ \(line \d+\): an alias refers to a node that contains it \(recursive alias\)/);
  });

  test('an alias bomb: exit 2 and a status naming it', async () => {
    const r = await runValidateDesignOffline(write('bomb.yaml', `${source}\n${ALIAS_BOMB}\n`), { output: 'json' });
    expect(r.exitCode).toBe(2);
    // The bomb is the document after the example site's last one.
    const bombDoc = YAML.parseAllDocuments(source).length + 1;
    expect(JSON.parse(r.text).reason).toMatch(new RegExp(`YAML error in document #${bombDoc} \\(line \\d+\\): Excessive alias count indicates a resource exhaustion attack`));
  });

  test('a node filter Drydock cannot evaluate: "Error loading effective site", exit 1', async () => {
    // Drydock's get_effective_site turns any exception, here OrchestratorError('Unknown filter set type'), into this error.
    const text = `${source}\n---\nschema: drydock/BootAction/v1\nmetadata:\n  schema: metadata/Document/v1\n  name: no-set-type\ndata:\n  node_filter:\n    filter_set:\n      - node_names: [n01]\n`;
    const r = await runValidateDesignOffline(write('filter.yaml', text), { output: 'json' });
    expect(checkOutput(r.exitCode, r.text)).toBeUndefined();
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.text).details.messageList.map((m: { message: string }) => m.message)).toContain(
      "Error loading effective site: Unknown filter set type undefined: use 'union' or 'intersection'",
    );
  });
});

describe('the real CLI process', () => {
  const cli = path.resolve(__dirname, '../../bin/drydock.js');
  const cases: [string, string | Buffer, number][] = [
    ['the example design', source, 0],
    ['a schema error', withAddress('[1, 2]'), 1],
    ['a recursive alias', withAddress('&a [*a]'), 2],
    ['an alias bomb', `${source}\n${ALIAS_BOMB}\n`, 2],
    ['flipped bytes (not UTF-8)', Buffer.concat([Buffer.from(source.slice(0, 100)), Buffer.from([0xc3, 0x28]), Buffer.from(source.slice(100))]), 2],
    // Cut inside node n01, before its addresses: Drydock's "BaremetalNode needs at least 1 assigned address".
    ['a design truncated inside a node', source.slice(0, source.indexOf('host_profile', source.indexOf('name: n01'))), 1],
  ];
  test.each(cases)('%s: the expected exit code, one JSON document on stdout, no stack trace', (name, content, exit) => {
    const ref = write(`cli-${name.replace(/\W+/g, '-')}.yaml`, content);
    const r = spawnSync(process.execPath, [cli, 'validate-design', ref, '--offline', '--output', 'json'], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: exit, stderr: '' });
    expect(checkOutput(r.status as number, r.stdout)).toBeUndefined();
    expect(r.stdout).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});
