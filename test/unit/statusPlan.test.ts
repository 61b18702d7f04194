import { ALL_STATUS_NAMES, STATUS_NAMES } from '../../common/maasStatus';
import { decide, DEPLOY, DESTROY, PREPARE } from '../../workflows/node/statusPlan';

const TABLES = { PREPARE, DEPLOY, DESTROY };

describe('node runbook status tables', () => {
  test('every MaaS status gets a decision from every runbook; refusals say what the operator must do', () => {
    for (const [name, table] of Object.entries(TABLES)) {
      for (const s of ALL_STATUS_NAMES) {
        const d = decide(table, s);
        if (d.do === 'fail') expect(`${name} ${s}: ${d.why}`).toMatch(/prepare_nodes first|then retry|remove it from the design/);
      }
    }
  });

  test('a status MaaS may add later fails, naming it', () => {
    expect(decide(DEPLOY, 'Some new status')).toEqual({ do: 'fail', why: expect.stringContaining('MaaS status Some new status is not one Drydock knows') });
  });

  test("Drydock's recoveries: a failed deployment is released before deploying again; a release or commissioning under way is waited for", () => {
    expect(decide(DEPLOY, 'Failed deployment').do).toBe('release');
    expect(decide(DEPLOY, 'Deploying').do).toBe('await-deployment');
    expect(decide(DESTROY, 'Releasing failed').do).toBe('release');
    expect(decide(DESTROY, 'Disk erasing').do).toBe('await-release');
    expect(decide(PREPARE, 'Failed commissioning').do).toBe('commission');
    expect(decide(PREPARE, 'Testing').do).toBe('await-commissioning');
    expect(decide(PREPARE, STATUS_NAMES[8]).do).toBe('fail'); // Broken: an operator marks it fixed first
  });
});
