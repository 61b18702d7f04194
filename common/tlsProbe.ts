/**
 * Why a Temporal frontend that accepts TCP does not answer gRPC, in words: the SDK's client says only "Failed to
 * connect before the deadline". One TLS handshake (or plaintext HTTP/2 preface) with the same settings tells a
 * refused client certificate, an unknown CA or a server that wants TLS apart.
 */
import net from 'node:net';
import tls from 'node:tls';
import { connectionOptions, describeSecurity, type TemporalConfig, type TemporalConnectionOptions } from './config';

/** The HTTP/2 client preface and an empty SETTINGS frame: any HTTP/2 server answers with its SETTINGS. */
const H2_PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);

function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(i + 1)) };
}

/** A sentence naming the TLS problem, or undefined when the probe finds none (the cause is elsewhere). */
export function diagnoseConnection(opts: TemporalConnectionOptions, timeoutMs: number): Promise<string | undefined> {
  const { host, port } = splitAddress(opts.address);
  const tlsOn = opts.tls !== undefined && opts.tls !== false ? opts.tls : opts.apiKey ? true : undefined;
  return new Promise((resolve) => {
    let handshook = false;
    const done = (why: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(tlsOn && !handshook ? 'no TLS handshake (timed out)' : undefined), timeoutMs);
    let socket: net.Socket;
    if (tlsOn) {
      const t = typeof tlsOn === 'object' ? tlsOn : {};
      const servername = t.serverNameOverride ?? (net.isIP(host) ? undefined : host);
      socket = tls.connect({
        host,
        port,
        ...(servername ? { servername } : {}),
        ...(t.serverRootCACertificate ? { ca: Buffer.from(t.serverRootCACertificate) } : {}),
        ...(t.clientCertPair ? { cert: Buffer.from(t.clientCertPair.crt), key: Buffer.from(t.clientCertPair.key) } : {}),
        ALPNProtocols: ['h2'],
        // An IP address is checked against the certificate's IP names, a name against its DNS names.
        checkServerIdentity: (_h, cert) => tls.checkServerIdentity(t.serverNameOverride ?? host, cert),
      });
      socket.once('secureConnect', () => {
        handshook = true;
        socket.write(H2_PREFACE);
      });
      socket.once('data', () => done(undefined));
      socket.once('error', (e: NodeJS.ErrnoException) => done(handshook ? `the server refused the TLS session: ${tlsReason(e)}` : `TLS handshake failed: ${tlsReason(e)}`));
      socket.once('close', () =>
        done(
          handshook
            ? 'the server closed the TLS session after the handshake (client certificate missing or not accepted?)'
            : 'the server closed the connection during the TLS handshake',
        ),
      );
    } else {
      socket = net.connect({ host, port }, () => socket.write(H2_PREFACE));
      socket.once('data', (d: Buffer) => {
        // A TLS alert record (0x15 0x03 …) or Go's "HTTP request to an HTTPS server": the server wants TLS.
        const wantsTls = (d[0] === 0x15 && d[1] === 0x03) || /HTTPS server/.test(d.toString('latin1'));
        done(wantsTls ? 'the server requires TLS: configure it (TEMPORAL_TLS=true, TEMPORAL_TLS_SERVER_CA_CERT_PATH or a profile with [profile.<name>.tls])' : undefined);
      });
      socket.once('error', () => done(undefined));
      socket.once('close', () => done('the server closed a plaintext connection (does it require TLS? TEMPORAL_TLS=true or a profile with [profile.<name>.tls])'));
    }
  });
}

/** Node's TLS error in words: its alert or verification code, lower case, no stack. */
function tlsReason(e: NodeJS.ErrnoException): string {
  const alert = /alert ([a-z ]+)/i.exec(e.message);
  if (alert)
    return `TLS alert "${alert[1].trim()}"${/certificate required|handshake failure|bad certificate|unknown ca/i.test(alert[1]) ? ' (the server did not accept a client certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH and _KEY_PATH, or client_cert_path/client_key_path in the profile)' : ''}`;
  if (
    e.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    e.code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
    e.code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    e.code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
  ) {
    return `the server's certificate is not signed by a trusted CA (${e.message}; set TEMPORAL_TLS_SERVER_CA_CERT_PATH or server_ca_cert_path in the profile)`;
  }
  if (e.code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `the server's certificate does not name this host (${e.message.split('\n')[0]}; TEMPORAL_TLS_SERVER_NAME sets the name to expect)`;
  return e.message.split('\n')[0];
}

/**
 * The one line a client or worker that cannot reach Temporal says: where, how (TLS, mutual TLS, plaintext) and
 * why. With `probe` (TCP got through, gRPC did not) one handshake of our own names a TLS problem, which the SDK's
 * own message hides ("Failed to connect before the deadline", or a broken pipe with TLS 1.3).
 */
export async function unreachableLine(cfg: TemporalConfig, e: unknown, probe: boolean): Promise<string> {
  const options = connectionOptions(cfg);
  const tlsProblem = probe ? await diagnoseConnection(options, Math.min(cfg.connectTimeout * 1000, 3000)) : undefined;
  return `cannot reach Temporal at ${options.address} (${describeSecurity(cfg)}): ${tlsProblem ?? reason(e)}`;
}

function reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/ECONNREFUSED|Connection refused/i.test(msg)) return 'connection refused';
  if (/ENOTFOUND|EAI_AGAIN/.test(msg)) return 'unknown host';
  if (/deadline|timed out|timeout/i.test(msg)) return 'no answer (timed out)';
  return msg.split('\n')[0];
}
