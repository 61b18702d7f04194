/**
 * startDevServer on ports it picked itself: a server that exits while starting (another process took one of
 * its ports between the pick and the bind) starts again on other ports, at most three times; on ports the caller
 * chose, the first such exit is the error. A database path that is a folder makes every start exit, as a port
 * taken meanwhile does once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeTcpPort } from '../../common/ports';
import { startDevServer } from '../../worker/devServer';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drydock-devserver-start-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The server's start-failure lines in its log: one per start. */
const startsIn = (log: string) =>
  fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.includes('failed starting server')).length;

test('on picked ports an exit while starting is tried again, three starts in all, then named', async () => {
  const log = path.join(dir, 'picked.log');
  await expect(startDevServer({ uiPort: null, dbFile: dir, logFile: log })).rejects.toThrow(/^Temporal dev server exited \(exit code 1\) while starting on 127\.0\.0\.1:\d+; see /);
  expect(startsIn(log)).toBe(3);
});

test("on the caller's port the first exit while starting is the error", async () => {
  const log = path.join(dir, 'chosen.log');
  const port = await freeTcpPort('127.0.0.1');
  await expect(startDevServer({ port, uiPort: null, dbFile: dir, logFile: log })).rejects.toThrow(`while starting on 127.0.0.1:${port}`);
  expect(startsIn(log)).toBe(1);
});
