import { NativeConnection } from '@temporalio/worker';
import { connectionOptions, type TemporalConfig } from '../common/config';
import { unreachableLine } from '../common/tlsProbe';

/**
 * The worker's connection to Temporal. When it fails, it says why in the CLI's words (DrydockClient.connect):
 * the SDK's own message depends on who loses a race, e.g. with TLS 1.3 a missing client certificate reads
 * "CertificateRequired" or, on a busy machine, "broken pipe".
 */
export async function connectWorker(cfg: TemporalConfig): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(connectionOptions(cfg));
  } catch (e) {
    throw new Error(await unreachableLine(cfg, e, true), { cause: e });
  }
}
