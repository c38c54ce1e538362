import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants, mkdtempSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { controlMessage, CTL_REOPEN_LOGS, logPathFromCmdline, reopenConmonLog, ReopenLogError, writeControl } from './conmon-control.js';

/** Reads the FIFO as conmon does: O_RDWR so it never sees EOF, non-blocking through the event loop. */
function fifoReader(t: { after(fn: () => void): void }, path: string): Socket {
  const sock = new Socket({ fd: openSync(path, constants.O_RDWR | constants.O_NONBLOCK), readable: true, writable: false });
  t.after(() => sock.destroy());
  return sock;
}

function tmp(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(`${tmpdir()}/conmon-ctl-`);
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('control messages and the log path in conmon\'s command line', () => {
  assert.equal(controlMessage(CTL_REOPEN_LOGS), '2 0 0\n');
  assert.equal(controlMessage(1, 24, 80), '1 24 80\n');
  const argv = ['/usr/bin/conmon', '--api-version', '1', '-c', 'abc', '-l', 'k8s-file:/d/logs/0.log', '--log-level', 'info', ''];
  assert.equal(logPathFromCmdline(argv.join('\0')), '/d/logs/0.log');
  assert.equal(logPathFromCmdline(['conmon', '--log-path=/x/1.log'].join('\0')), '/x/1.log');
  assert.equal(logPathFromCmdline(['conmon', '-l', 'journald:'].join('\0')), undefined);
  assert.equal(logPathFromCmdline(''), undefined);
});

test('writing to a FIFO nobody reads fails at once instead of hanging', async (t) => {
  const d = tmp(t);
  execFileSync('mkfifo', [`${d}/ctl`]);
  await assert.rejects(writeControl(`${d}/ctl`, '2 0 0\n'), (e: unknown) => e instanceof ReopenLogError && /does not read/.test(e.message));
  await assert.rejects(writeControl(`${d}/missing`, '2 0 0\n'), /does not exist/);
});

test('reopenConmonLog delivers the message and waits for the new file', async (t) => {
  const d = tmp(t);
  const ctl = `${d}/ctl`;
  const log = `${d}/0.log`;
  execFileSync('mkfifo', [ctl]);
  writeFileSync(log, 'old');
  // A stand-in conmon: reads the FIFO and, on "2 ...", replaces the log as conmon does.
  const reader = fifoReader(t, ctl);
  const got: string[] = [];
  reader.on('data', (chunk) => {
    got.push(String(chunk));
    if (String(chunk).startsWith('2 ')) {
      writeFileSync(`${log}.tmp`, '');
      renameSync(`${log}.tmp`, log);
    }
  });
  await reopenConmonLog(ctl, log, async () => true, 2000);
  assert.deepEqual(got, ['2 0 0\n']);
});

test('reopenConmonLog gives up when the file never changes', async (t) => {
  const d = tmp(t);
  const ctl = `${d}/ctl`;
  execFileSync('mkfifo', [ctl]);
  writeFileSync(`${d}/0.log`, 'old');
  fifoReader(t, ctl).on('data', () => {});
  await assert.rejects(reopenConmonLog(ctl, `${d}/0.log`, async () => true, 100), /did not reopen .* within 100 ms/);
  await assert.rejects(reopenConmonLog(ctl, `${d}/0.log`, async () => false, 2000), /exited before reopening/);
});
