/**
 * A genuine TLS (or mutual TLS) endpoint in front of a plaintext Temporal frontend: TLS is terminated here,
 * with ALPN h2 as gRPC asks, and the HTTP/2 bytes go on to the server unchanged. The dev server serves no TLS
 * itself (`temporal server start-dev` has no TLS options). Certificates are made with openssl by `makeTestPki`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second CA and a client certificate it signed: one the server must not accept. */
  otherClientCert: string;
  otherClientKey: string;
}

/** A CA, a server certificate for 127.0.0.1/::1/localhost and a client certificate, all PEM files in `dir`. */
export function makeTestPki(dir: string): TestPki {
  fs.mkdirSync(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ca = (name: string) => {
    ssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.pem`),
    );
  };
  const leaf = (name: string, caName: string, ext: string) => {
    ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`));
    fs.writeFileSync(f(`${name}.ext`), ext);
    ssl(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f(`${caName}.pem`),
      '-CAkey',
      f(`${caName}.key`),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      f(`${name}.ext`),
      '-out',
      f(`${name}.pem`),
    );
  };
  ca('test-ca');
  ca('other-ca');
  const common = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n';
  leaf('server', 'test-ca', `${common}extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n`);
  leaf('client', 'test-ca', `${common}extendedKeyUsage=clientAuth\n`);
  leaf('other-client', 'other-ca', `${common}extendedKeyUsage=clientAuth\n`);
  return {
    dir,
    caCert: f('test-ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    clientCert: f('client.pem'),
    clientKey: f('client.key'),
    otherClientCert: f('other-client.pem'),
    otherClientKey: f('other-client.key'),
  };
}

export interface Proxy {
  /** host:port to connect to (`[::1]:port` for IPv6). */
  address: string;
  close(): Promise<void>;
}

function pipeTo(upstream: string, client: net.Socket): void {
  const i = upstream.lastIndexOf(':');
  const server = net.connect({ host: upstream.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(upstream.slice(i + 1)) });
  client.pipe(server).pipe(client);
  const end = () => {
    client.destroy();
    server.destroy();
  };
  client.on('error', end).on('close', end);
  server.on('error', end).on('close', end);
}

async function listen(server: net.Server, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

async function closing(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
}

/** TLS on 127.0.0.1 in front of `upstream`; `mutual`: the client must present a certificate the test CA signed. */
export async function startTlsProxy(pki: TestPki, upstream: string, opts: { mutual: boolean }): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      cert: fs.readFileSync(pki.serverCert),
      key: fs.readFileSync(pki.serverKey),
      ca: fs.readFileSync(pki.caCert),
      ALPNProtocols: ['h2'],
      requestCert: opts.mutual,
      rejectUnauthorized: opts.mutual,
    },
    (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      pipeTo(upstream, socket);
    },
  );
  server.on('tlsClientError', () => undefined); // a refused handshake is what some tests want
  const address = await listen(server, '127.0.0.1');
  return { address, close: () => closing(server, sockets) };
}

/** Plain TCP on `host` (e.g. '::1') in front of `upstream`: the server as reached over IPv6. */
export async function startTcpProxy(host: string, upstream: string): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    pipeTo(upstream, socket);
  });
  const address = await listen(server, host);
  return { address, close: () => closing(server, sockets) };
}
