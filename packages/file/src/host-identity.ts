import { createHash } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { isErrno } from './fs-errors.js';

/**
 * Who owns a lock or temp file. A process id only means something inside the pid
 * namespace and boot that issued it, so the tag that qualifies it hashes the host
 * name, the boot id and (on Linux) the pid namespace: two containers sharing a
 * volume and a host name but not a pid namespace get different tags, as does the
 * same host after a reboot (when old pids are reused), and nobody ever judges
 * another namespace's pids.
 */

function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** 8 hex digits identifying this host and pid namespace. */
export const HOST_TAG: string = createHash('sha256')
  .update(`${hostname()}\0${bootId()}\0${pidNamespace()}`)
  .digest('hex')
  .slice(0, 8);

/**
 * Whether process `pid` of this host tag is still running. `true` when unsure
 * (a live process owned by another user answers EPERM), so that a caller only
 * ever breaks a lock whose owner is certainly gone.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !isErrno(error, 'ESRCH');
  }
}

/** Whether a file tagged `hostTag` and `pid` belongs to a process of this host that has exited. */
export function isOwnerGone(hostTag: string, pid: number): boolean {
  return hostTag === HOST_TAG && !isProcessAlive(pid);
}
