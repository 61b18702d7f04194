import { NativeConnection } from '@temporalio/worker';
import { connectionOptions, describeSecurity, type TemporalConfig } from '../common/config';
import { diagnoseConnection } from '../common/tlsProbe';

/**
 * The worker's connection to Temporal. When it fails, one TLS handshake of our own names the problem, as the CLI
 * does (DrydockClient.connect): the SDK's own message depends on who loses a race, e.g. with TLS 1.3 a missing
 * client certificate reads "CertificateRequired" or, on a busy machine, "broken pipe".
 */
export async function connectWorker(cfg: TemporalConfig): Promise<NativeConnection> {
  const options = connectionOptions(cfg);
  try {
    return await NativeConnection.connect(options);
  } catch (e) {
    const tlsProblem = await diagnoseConnection(options, Math.min(cfg.connectTimeout * 1000, 3000));
    throw new Error(`cannot reach Temporal at ${options.address} (${describeSecurity(cfg)}): ${tlsProblem ?? (e instanceof Error ? e.message : String(e))}`, { cause: e });
  }
}
