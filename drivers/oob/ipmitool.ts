import type { Logger } from '../../common/logger';
import { redact } from '../../common/logger';
import { CallAbortedError, throwIfAborted } from '../abort';
import { AuthenticationError, DriverErrorContext, PermanentDriverError, TransientDriverError } from '../errors';
import type { BmcTarget } from '../bmc';
import { describeBmc, reachBmc, type BmcEndpoint, type BmcEndpoints } from '../../common/bmcEndpoints';
import { withDefaults } from './config';
import { RunCommand, runCommand as defaultRunCommand } from './runCommand';

export interface IpmitoolConfig {
  /** Program to run (default "ipmitool" from PATH). */
  ipmitoolPath: string;
  /** RMCP+ cipher suite, `-C` (default 3: HMAC-SHA1 / AES-128). Without it ipmitool 1.8.19 first asks
   * for the cipher suite list, which some BMCs (ipmi_sim) do not answer, losing ~10 s per call. */
  cipherSuite: number;
  /** Hard limit per ipmitool call; the child is killed after it. */
  commandTimeoutMs: number;
  /** ipmitool's own per-packet timeout (`-N`, seconds) and retransmissions (`-R`). */
  retransmitTimeoutSec: number;
  retransmits: number;
  /** Design OOB address → where the BMC really listens (DRYDOCK_BMC_ENDPOINTS); `-H`/`-p` use it. */
  endpoints: BmcEndpoints;
}

export const DEFAULT_IPMITOOL_CONFIG: IpmitoolConfig = {
  ipmitoolPath: 'ipmitool',
  cipherSuite: 3,
  commandTimeoutMs: 20_000,
  retransmitTimeoutSec: 1,
  retransmits: 3,
  endpoints: {},
};

export const DEFAULT_IPMI_PORT = 623;
/** IPMI v2 passwords are at most 20 bytes; ipmitool refuses longer ones. */
const MAX_PASSWORD_LENGTH = 20;

// With -v, ipmitool says why a session failed. The plain message, "Unable to establish IPMI v2 / RMCP+
// session", is the same for a wrong password and an unreachable BMC.
const AUTH_FAILURES = [
  /RAKP 2 HMAC is invalid/i,
  /unauthorized name/i,
  /RAKP \d message indicates an error/i,
  /invalid (user ?name|password)/i,
  /Authentication type .* not supported/i,
];
const UNREACHABLE = [
  /Get Auth Capabilities error/i,
  /Error issuing Get Channel Authentication Capabilities/i,
  /No response from remote controller/i,
  /Insufficient resources for session/i,
];
const UNSUPPORTED = [/Invalid data field in request/i, /Invalid command/i, /Command not supported/i, /Device not present/i];
// Lines -v prints on every call, successful or not.
const NOISE = [/^Loading IANA PEN Registry/, /^Running Get VSO Capabilities/, /^Invalid completion code received: Invalid command$/, /^Discovered IPMB address/];

/**
 * Runs ipmitool against one BMC. The password goes through the IPMI_PASSWORD environment variable
 * (`-E`), never argv, which any local user can read in `ps`.
 */
export class Ipmitool {
  private readonly config: IpmitoolConfig;

  constructor(
    config: Partial<IpmitoolConfig>,
    private readonly logger: Logger,
    private readonly run: RunCommand = defaultRunCommand,
  ) {
    this.config = withDefaults(DEFAULT_IPMITOOL_CONFIG, config);
  }

  describeAddress(t: BmcTarget): string {
    return describeBmc(t.address, this.reach(t), DEFAULT_IPMI_PORT);
  }

  private reach(t: BmcTarget): BmcEndpoint {
    return reachBmc(this.config.endpoints, t.address, t.port);
  }

  /** Throws a PermanentDriverError when the node's OOB parameters cannot work at all. */
  checkTarget(t: BmcTarget, operation: string): void {
    const ctx = this.context(t, operation);
    const problems: string[] = [];
    if (!t.address) problems.push('no BMC address');
    if (t.port !== undefined && !(Number.isInteger(t.port) && t.port > 0 && t.port < 65536)) problems.push(`invalid port ${t.port}`);
    if (!t.username) problems.push('no BMC account');
    if (!t.password) problems.push('no BMC credential');
    else if (Buffer.byteLength(t.password) > MAX_PASSWORD_LENGTH) problems.push(`credential longer than ${MAX_PASSWORD_LENGTH} bytes`);
    if (problems.length) throw new PermanentDriverError(`unusable IPMI parameters: ${problems.join(', ')}`, ctx);
  }

  /** Runs one ipmitool command and returns its stdout, or throws a classified DriverError. Aborting
   * `signal` kills the running ipmitool, so no retransmission reaches the BMC afterwards. */
  async exec(t: BmcTarget, operation: string, command: string[], signal?: AbortSignal): Promise<string> {
    this.checkTarget(t, operation);
    throwIfAborted(signal, this.context(t, operation));
    const c = this.config;
    const at = this.reach(t);
    const args = [
      '-I',
      'lanplus',
      '-H',
      at.host,
      '-p',
      String(at.port ?? DEFAULT_IPMI_PORT),
      '-U',
      t.username,
      '-E',
      '-C',
      String(c.cipherSuite),
      '-N',
      String(c.retransmitTimeoutSec),
      '-R',
      String(c.retransmits),
      '-v',
      ...command,
    ];
    const attrs = { node: t.node, bmc: this.describeAddress(t), operation, command: command.join(' ') };
    let result;
    try {
      result = await this.run(c.ipmitoolPath, args, { env: { IPMI_PASSWORD: t.password }, timeoutMs: c.commandTimeoutMs, signal });
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${c.ipmitoolPath} not found (install ipmitool)` : String(err);
      throw new PermanentDriverError(reason, this.context(t, operation));
    }
    this.logger.debug('ipmitool finished', { ...attrs, exitCode: result.code, durationMs: result.durationMs, timedOut: result.timedOut, aborted: result.aborted });
    if (result.aborted || signal?.aborted) throw new CallAbortedError(this.context(t, operation), signal?.reason);
    if (result.timedOut) {
      throw new TransientDriverError(`BMC did not answer within ${c.commandTimeoutMs} ms (ipmitool ${command.join(' ')} killed)`, this.context(t, operation));
    }
    if (result.code === 0) return result.stdout;
    throw this.classify(t, operation, redact(result.stderr + result.stdout, [t.password]));
  }

  private classify(t: BmcTarget, operation: string, output: string): Error {
    const lines = output
      .split('\n')
      .map((l) => l.replace(/^>\s*/, '').trim())
      .filter((l) => l && !NOISE.some((n) => n.test(l)));
    const summary = lines.slice(-3).join('; ') || 'ipmitool failed without a message';
    const ctx = this.context(t, operation);
    if (AUTH_FAILURES.some((p) => p.test(output))) return new AuthenticationError(`BMC rejected the credentials (${summary})`, ctx);
    if (UNREACHABLE.some((p) => p.test(output))) return new TransientDriverError(`BMC unreachable (${summary})`, ctx);
    if (lines.some((l) => UNSUPPORTED.some((p) => p.test(l)))) return new PermanentDriverError(`BMC refused the request (${summary})`, ctx);
    return new TransientDriverError(`ipmitool failed (${summary})`, ctx);
  }

  private context(t: BmcTarget, operation: string): DriverErrorContext {
    return { node: t.node, address: this.describeAddress(t), operation };
  }
}
