import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@iwp/core';

/** What the state dir remembers of an ec2 cluster: where it is and what was made. */
export interface Ec2Record {
  region: string;
  resources: Record<string, unknown>;
}

export const recordFile = (stateDir: string) => join(stateDir, 'ec2.json');

export async function writeRecord(stateDir: string, rec: Ec2Record): Promise<void> {
  await writeFileAtomic(recordFile(stateDir), `${JSON.stringify(rec, null, 2)}\n`);
}

export async function readRecord(stateDir: string): Promise<Ec2Record | undefined> {
  const text = await readFile(recordFile(stateDir), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as Ec2Record);
}
