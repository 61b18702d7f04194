import { ApplicationFailure } from '@temporalio/activity';
import { CallAbortedError } from '../../drivers/abort';
import { AuthenticationError, TransientDriverError } from '../../drivers/errors';
import { shortReason, toFailure } from '../../activities/failures';
import { DesignUnusableError } from '../../activities/designStore';

/** The one mapping from driver errors to Temporal failures, and the reason a progress line names. */
describe('activity failures', () => {
  test.each([
    ['GET machines/ at http://maas: MAAS Error: 500 - Internal Server Error', 'HTTP 500'],
    ['power state node n01 at 127.0.0.1:623: BMC did not answer within 10000 ms (ipmitool power status killed)', 'no answer'],
    ['set boot device node n01: BMC unreachable (Unable to establish IPMI v2 / RMCP+ session)', 'unreachable'],
    ['MaaS unreachable after 1 attempts: connect ECONNREFUSED 127.0.0.1:5240', 'connection refused'],
    ['read machine: no answer within 60000 ms', 'no answer'],
  ])('%s → %s', (message, reason) => expect(shortReason(message)).toBe(reason));

  test('a transient driver error carries its peer and reason; permanent ones and design errors are not retried', () => {
    const t = toFailure(new TransientDriverError('MAAS Error: 503 - busy', { operation: 'list machines', peer: 'MaaS' }), 'MaaS') as ApplicationFailure;
    expect(t).toMatchObject({ type: 'TransientDriverError', nonRetryable: false, details: [{ peer: 'MaaS', reason: 'HTTP 503' }] });
    expect(toFailure(new AuthenticationError('BMC rejected the credentials', { operation: 'power on' }), 'BMC')).toMatchObject({ type: 'AuthenticationError', nonRetryable: true });
    expect(toFailure(new DesignUnusableError('the design changed'), 'MaaS')).toMatchObject({ type: 'DesignUnusable', nonRetryable: true });
    const aborted = new CallAbortedError({ operation: 'power cycle' });
    expect(toFailure(aborted, 'BMC')).toBe(aborted);
  });
});
