// Waiting for real I/O (a child process, a file read on the libuv pool) in a unit test without a timer or the wall
// clock: yield event-loop turns until the condition holds, bounded by a number of turns, never by real time.
export async function untilIo(what: string, cond: () => boolean, maxTurns = 500_000): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i >= maxTurns) throw new Error(`not within ${maxTurns} event-loop turns: ${what}`);
    await new Promise<void>((r) => setImmediate(r));
  }
}
