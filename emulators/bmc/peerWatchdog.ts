/**
 * The watchdog processGroup.ts runs beside a process that has peers:
 * `peerWatchdog.ts <registry dir> <owner pid> [--remove-dir]`. It waits for its stdin to close, which happens
 * when the owner ends, SIGKILL included, or lets it go; then it SIGKILLs the peers the owner still has
 * recorded and exits (removing the owner's private registry folder once the owner is gone).
 */
import fs from 'node:fs';
import { awaitProcessEnd, reapRecordedPeers } from './processGroup';

const [dir, owner, removeDir] = process.argv.slice(2);
// Ctrl-C in a terminal goes to npm start, which stops its peers itself; the watchdog only cleans up after it.
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
const reap = () => {
  // The pipe closes while the owner is still exiting; let go by a living owner, the wait ends unfulfilled
  // and that owner's peers are left alone.
  const ownerGone = awaitProcessEnd(Number(owner), 1000);
  reapRecordedPeers(dir);
  if (ownerGone && removeDir === '--remove-dir') fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.stdin.on('end', reap);
process.stdin.on('error', reap);
process.stdin.resume();
