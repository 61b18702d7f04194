import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tcpPortOpen } from '../../common/ports';
import { postgresBinDir, postgresUnavailable, startPostgres } from '../harness/postgres';

const unavailable = postgresUnavailable();
if (unavailable) console.warn(`skipping the PostgreSQL harness test: ${unavailable}`);
const describeIfPostgres = unavailable ? describe.skip : describe;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describeIfPostgres('PostgreSQL test harness', () => {
  it('starts a cluster on loopback, serves its user and database over TCP, and leaves nothing behind', async () => {
    const pg = await startPostgres({ database: 'harness_check' });
    let stopped = false;
    try {
      expect(pg.host).toBe('127.0.0.1');
      expect(pg.url).toBe(`postgres://drydock:${pg.password}@127.0.0.1:${pg.port}/harness_check`);
      // Over TCP with the password, as a client (the Temporal server) would: scram-sha-256, not the trusted socket.
      const r = spawnSync(path.join(postgresBinDir()!, 'psql'), [pg.url, '-X', '-A', '-t', '-c', 'SELECT 1, current_user, current_database()'], {
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('1|drydock|harness_check');
      const wrong = spawnSync(path.join(postgresBinDir()!, 'psql'), [pg.url.replace(pg.password, 'wrong'), '-X', '-c', 'SELECT 1'], { encoding: 'utf8' });
      expect(wrong.status).not.toBe(0);
      expect(wrong.stderr).toMatch(/password authentication failed/);
      // Not root: the server refuses to run as root, so as root the harness runs it as the postgres user.
      const owner = pg.psql("SELECT pg_catalog.current_setting('data_directory')");
      expect(fs.statSync(owner.trim()).uid).not.toBe(0);

      await pg.stop();
      stopped = true;
      expect(alive(pg.pid)).toBe(false);
      expect(await tcpPortOpen(pg.host, pg.port)).toBe(false);
      expect(fs.existsSync(pg.dir)).toBe(false);
    } finally {
      if (!stopped) await pg.stop();
    }
  });
});
