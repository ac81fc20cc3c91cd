import type { ObjectEntry } from '@iwp/core';
import { NO_BASE, parseHistoryKey, stackKey, type EntryName } from './keys.js';
import { readStateObject, type StateObject } from './layout.js';
import type { Stack } from './stack.js';

/**
 * Which history entries are versions. An entry is staged (written under its writer's own
 * key) before its commit, the compare-and-swap of `state.json`, so `history/` may also hold
 * entries that never became versions: a push that lost its race or found the stack locked
 * (it deletes its entry), or one killed between the two writes (its entry stays, unused).
 * The versions are the chain from the entry `state.json` names, back through the base each
 * key names; entries written before staging (`history/<version>.json`) were each a commit.
 */
export type Entry = ObjectEntry & EntryName;

export function entriesOf(list: ObjectEntry[]): Entry[] {
  return list.flatMap((o) => {
    const name = parseHistoryKey(o.key);
    return name ? [{ ...o, ...name }] : [];
  });
}

/** The committed entries, oldest first, from the entry `headKey` (the one state.json names). */
export function chainOf(entries: Entry[], headKey: string): Entry[] {
  const byVersion = new Map<number, Entry[]>();
  for (const e of entries) byVersion.set(e.version, [...(byVersion.get(e.version) ?? []), e]);
  const out: Entry[] = [];
  for (let cur = entries.find((e) => e.key === headKey); cur; cur = previous(byVersion.get(cur.version - 1) ?? [], cur)) out.push(cur);
  return out.reverse();
}

function previous(candidates: Entry[], cur: Entry): Entry | undefined {
  if (cur.baseId !== undefined && cur.baseId !== NO_BASE) {
    const base = candidates.find((e) => e.writeId === cur.baseId);
    if (base) return base;
  }
  const legacy = candidates.find((e) => e.writeId === undefined);
  if (legacy) return legacy;
  // an entry written before staging, on top of a staged one (an older remote-state pushing
  // after a newer one): its base is the only staged entry of that version, if there is one
  const staged = candidates.filter((e) => e.writeId !== undefined);
  return cur.writeId === undefined && staged.length === 1 ? staged[0] : undefined;
}

/**
 * `state.json` as it is now, and the store key of the entry it names: the current version's
 * (pointer layout), or the last one written before the stack moved to the versions layout.
 */
export async function readHead(stack: Stack): Promise<{ head: StateObject | undefined; entry: string | undefined }> {
  const obj = await stack.store.get(stackKey(stack.name, 'state.json'));
  const head = obj && readStateObject(obj.body, `${stack.store.url}/${stack.name}/state.json`);
  const body = head?.layout === 'pointer' ? head.pointer.body : head?.layout === 'moved' ? head.marker.body : undefined;
  return { head, entry: body === undefined ? undefined : stackKey(stack.name, body) };
}

/** The version state.json names (the last one in `history/`), 0 for none. */
export function versionOf(head: StateObject | undefined): number {
  if (!head) return 0;
  return head.layout === 'pointer' ? head.pointer.version : head.layout === 'moved' ? head.marker.version : head.env.version;
}

/** Every entry in `history/`, which of them are versions (oldest first), and `state.json` as read: one listing and one read. */
export async function readChain(stack: Stack): Promise<{ entries: Entry[]; versions: Entry[]; head: StateObject | undefined }> {
  const [list, { head, entry }] = await Promise.all([stack.store.list(`${stack.name}/history/`), readHead(stack)]);
  const entries = entriesOf(list);
  // the envelope layout (or no state yet, or none before the versions layout): only entries written as commits
  const versions = entry !== undefined ? chainOf(entries, entry) : head?.layout === 'moved' ? [] : entries.filter((e) => e.writeId === undefined);
  return { entries, versions, head };
}

/** Every version's entry, oldest first: one listing and one read of state.json. */
export async function committedEntries(stack: Stack): Promise<Entry[]> {
  return (await readChain(stack)).versions;
}

/** The key of version `version`'s entry in `history/` (the layouts before versions); undefined when there is none. */
export async function entryOfVersion(stack: Stack, version: number): Promise<string | undefined> {
  const prefix = `${stack.name}/history/${String(version).padStart(12, '0')}.`;
  const [list, { head, entry }] = await Promise.all([stack.store.list(prefix), readHead(stack)]);
  const candidates = entriesOf(list).filter((e) => e.version === version);
  if (!head || head.layout === 'envelope' || entry === undefined) return head?.layout === 'moved' ? undefined : candidates.find((e) => e.writeId === undefined)?.key;
  if (version > versionOf(head)) return undefined;
  if (version === versionOf(head)) return entry;
  // one entry of that version: it is the version (a committed version always has one)
  if (candidates.length === 1) return candidates[0]!.key;
  return (await committedEntries(stack)).find((e) => e.version === version)?.key;
}
