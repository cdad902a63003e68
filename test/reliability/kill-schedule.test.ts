/** The kill schedule (pure logic): seeded points spread over the flow, targets in turn, one kill at a time. */
import { describe, expect, it } from 'vitest';
import type { CrashableServer } from '../support/crashable-server.js';
import { killSchedule } from './faults/kill-schedule.js';

/** A server whose restarts finish when the test says so. */
function server(name: string): CrashableServer & { finish(): void; fail(error: Error): void } {
  let done: (error?: Error) => void = () => undefined;
  const s = {
    name,
    kills: 0,
    crashAndRestart: () =>
      new Promise<void>((resolve, reject) => {
        s.kills++;
        done = (error) => (error ? reject(error) : resolve());
      }),
    finish: () => done(),
    fail: (error: Error) => done(error),
  };
  return s;
}

describe('the kill schedule', () => {
  it('repeats from its seed, one point in each stretch of the first 70% of the flow', () => {
    const a = killSchedule([server('s3rver')], { kills: 3, minimumCalls: 100, seed: 7 });
    const b = killSchedule([server('s3rver')], { kills: 3, minimumCalls: 100, seed: 7 });
    expect(a.points).toEqual(b.points);
    const stretch = Math.floor((70 - 3) / 3);
    a.points.forEach((p, i) => {
      expect(p).toBeGreaterThanOrEqual(3 + i * stretch);
      expect(p).toBeLessThan(3 + (i + 1) * stretch);
    });
  });

  it('takes the servers in turn, kills one at a time, and catches up with points passed meanwhile', async () => {
    const [s3, dynamo] = [server('s3rver'), server('dynamodb-local')];
    const schedule = killSchedule([s3, dynamo], { kills: 3, minimumCalls: 40, seed: 1 });
    expect(schedule.targets).toEqual(['s3rver', 'dynamodb-local', 's3rver']);
    const last = schedule.points[2] ?? 0;
    for (let call = 1; call <= last; call++) schedule.onCall(call);
    // The first kill is under way: the later points have passed, but wait for its restart.
    expect(schedule.byServer()).toEqual({ s3rver: 1, 'dynamodb-local': 0 });
    s3.finish();
    await schedule.settled();
    schedule.onCall(last + 1);
    expect(schedule.byServer()).toEqual({ s3rver: 1, 'dynamodb-local': 1 });
    dynamo.finish();
    await schedule.settled();
    schedule.onCall(last + 2);
    s3.finish();
    await schedule.settled();
    expect(schedule.byServer()).toEqual({ s3rver: 2, 'dynamodb-local': 1 });
    schedule.onCall(last + 3);
    expect(s3.kills + dynamo.kills).toBe(3);
  });

  it('reports a restart that failed', async () => {
    const s = server('azurite');
    const schedule = killSchedule([s], { kills: 1, minimumCalls: 20, seed: 3 });
    for (let call = 1; call <= (schedule.points[0] ?? 0); call++) schedule.onCall(call);
    s.fail(new Error('Azurite did not start within 30 s'));
    await expect(schedule.settled()).rejects.toThrow(/did not start/);
  });
});
