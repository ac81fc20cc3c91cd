// containerFailures: what a failing revision's pods say, as the API server gives their status
import t from 'tap';
import type { V1Pod } from '@kubernetes/client-node';
import { containerFailures } from '../src/pod-failures.js';

const pod = (name: string, statuses: NonNullable<V1Pod['status']>['containerStatuses']): V1Pod => ({ metadata: { name }, status: { containerStatuses: statuses } });
const base = { image: 'x', imageID: '', ready: false, restartCount: 3 };

t.test('a container that exits at once: its waiting reason and the exit code of its last run, once for pods alike', async (t) => {
  const crashing = [
    { ...base, name: 'user-container', state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } },
    { ...base, name: 'queue-proxy', ready: true, state: { running: {} } },
  ];
  t.same(containerFailures([pod('a', crashing), pod('b', crashing)]), ['container user-container: CrashLoopBackOff: back-off 40s restarting failed container, exit code 1 (Error)']);
});

t.test('an image that cannot be pulled; a container ended now, with its message', async (t) => {
  t.same(containerFailures([pod('a', [{ ...base, name: 'app', state: { waiting: { reason: 'ImagePullBackOff' } } }])]), ['container app: ImagePullBackOff']);
  t.same(containerFailures([pod('a', [{ ...base, name: 'app', state: { terminated: { exitCode: 137, reason: 'OOMKilled', message: 'killed\n' } } }])]), ['container app: exit code 137 (OOMKilled): killed']);
});

t.test('nothing to say: starting, running, ended cleanly, queue-proxy failing, no status', async (t) => {
  t.same(containerFailures([pod('a', [{ ...base, name: 'app', state: { waiting: { reason: 'ContainerCreating' } } }])]), []);
  t.same(containerFailures([pod('a', [{ ...base, name: 'app', state: { running: {} }, lastState: { terminated: { exitCode: 0, reason: 'Completed' } } }])]), []);
  t.same(containerFailures([pod('a', [{ ...base, name: 'queue-proxy', state: { waiting: { reason: 'CrashLoopBackOff' } } }])]), []);
  t.same(containerFailures([{ metadata: { name: 'a' } }]), []);
});
