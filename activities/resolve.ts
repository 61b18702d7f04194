import { oobOf } from '../design';
import { ApplicationFailure } from '@temporalio/activity';
import type { BmcTarget, OobDrivers } from '../drivers/bmc';
import type { Provisioner } from '../drivers/provisioner';
import type { NodeRef } from './contract';
import { MissingDriverError } from './failures';
import type { OrchestrationDeps } from './orchestration';

/**
 * What every driver activity looks up inside the worker from a node reference: the node in its validated
 * design (credentials included), the provisioner, the node's BMC and its drivers.
 */
export function resolvers(deps: OrchestrationDeps) {
  const nodeOf = async (ref: NodeRef) => {
    const { design } = await deps.designs.usable(ref.designRef, ref.contentHash);
    const node = design.baremetal_nodes.find((n) => n.name === ref.node);
    if (!node) throw ApplicationFailure.nonRetryable(`node ${ref.node} is not in the site design`, 'NodeNotFound');
    return { design, node };
  };
  const provisioner = (): Provisioner => {
    if (!deps.provisioner) throw new MissingDriverError('No NodeDriver enabled: set MAAS_API_URL and MAAS_API_KEY');
    return deps.provisioner;
  };
  const bmc = async (ref: NodeRef): Promise<{ target: BmcTarget; drivers: OobDrivers }> => {
    const { node } = await nodeOf(ref);
    const oob = oobOf(node);
    const type = oob.type;
    if (type !== 'ipmi' && type !== 'redfish') {
      throw ApplicationFailure.nonRetryable(`Node ${ref.node} OOB type ${type ?? '(none)'} is not supported.`, 'PermanentDriverError');
    }
    const address = node.addressing.find((a) => a.network === oob.network)?.address;
    if (!address) throw ApplicationFailure.nonRetryable(`OOB address missing for node ${ref.node}.`, 'PermanentDriverError');
    const port = typeof oob.port === 'number' ? oob.port : undefined;
    return {
      target: { node: ref.node, address, port, username: String(oob.account ?? ''), password: String(oob.credential ?? '') },
      drivers: deps.oob(type),
    };
  };
  return { nodeOf, provisioner, bmc };
}
