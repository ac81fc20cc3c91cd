import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const DELIVERY_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Delivery ids already seen, one empty file each, so a replayed webhook is refused even
 * after a restart. Creating the file with O_EXCL is the check and the claim in one step,
 * atomic between concurrent requests and processes.
 */
export class DeliveryLog {
  constructor(readonly dir: string) {}

  /** true the first time an id is claimed, false for a replay */
  async claim(id: string): Promise<boolean> {
    if (!DELIVERY_ID.test(id)) throw new Error(`delivery id: expected 1-128 of [A-Za-z0-9._-], got ${JSON.stringify(id.slice(0, 40))}`);
    await mkdir(this.dir, { recursive: true });
    try {
      const fh = await open(join(this.dir, id), 'wx');
      await fh.close();
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }

  /** gives an id back (the run could not be queued, so a redelivery should be accepted) */
  async release(id: string): Promise<void> {
    if (DELIVERY_ID.test(id)) await rm(join(this.dir, id), { force: true });
  }

  /** forgets ids older than maxAgeMs; returns how many */
  async prune(maxAgeMs: number, now = Date.now()): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    let n = 0;
    for (const name of names) {
      const st = await stat(join(this.dir, name)).catch(() => undefined);
      if (st && now - st.mtimeMs > maxAgeMs) {
        await rm(join(this.dir, name), { force: true });
        n++;
      }
    }
    return n;
  }
}
