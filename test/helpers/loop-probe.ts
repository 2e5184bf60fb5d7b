import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/**
 * One probe of the worker's health while a hostile call runs, shared by the security suites
 * (test/security/*.test.ts): how long the event loop was blocked, how late it ran, and how much the
 * process's RSS grew.
 *
 * A timer ticks every `intervalMs`; a late tick means the loop was held. The block is the main thread's
 * own CPU time during the gap (`process.threadCpuUsage`, microseconds), never more than the gap, so the
 * machine's other load (which delays every process alike: 2 cores shared with other jobs) is not blamed
 * on the code under test. The wall-clock lag is reported beside it.
 */

export const MAX_LOOP_BLOCK_MS = 200;
export const MAX_RSS_GROWTH = 256 * 1024 * 1024;

export interface LoopProbeReading {
  /** Wall-clock time from start to stop. */
  ms: number;
  /** Longest time the main thread was busy (its own CPU time) within one gap between ticks: blocking. */
  blockedMs: number;
  /** Longest event-loop delay (wall clock): includes time the machine did not schedule this process. */
  lagMs: number;
  /** Peak RSS minus the RSS at start, in bytes. */
  rssGrowth: number;
}

export interface LoopProbe {
  stop(): LoopProbeReading;
}

function cpuMs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
}

/** Starts probing; `onTick` runs at every tick (e.g. to sample child processes too). */
export function startLoopProbe(options: { intervalMs?: number; onTick?: () => void } = {}): LoopProbe {
  const intervalMs = options.intervalMs ?? 5;
  const histogram = monitorEventLoopDelay({ resolution: intervalMs });
  const base = process.memoryUsage.rss();
  let peak = base;
  const started = performance.now();
  let last = started;
  let lastCpu = cpuMs();
  let lag = 0;
  let blocked = 0;
  const gap = (): void => {
    const now = performance.now();
    const cpu = cpuMs();
    lag = Math.max(lag, now - last - intervalMs);
    blocked = Math.max(blocked, Math.min(now - last, cpu - lastCpu));
    last = now;
    lastCpu = cpu;
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const tick = setInterval(() => {
    gap();
    options.onTick?.();
  }, intervalMs);
  histogram.enable();
  return {
    stop() {
      clearInterval(tick);
      histogram.disable();
      // The last stretch, from the last tick to now, counts like any other gap.
      gap();
      options.onTick?.();
      return {
        ms: performance.now() - started,
        blockedMs: blocked,
        lagMs: Math.max(lag, histogram.max / 1e6 - intervalMs),
        rssGrowth: peak - base,
      };
    },
  };
}
