package ai.chorus.engine.parallel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads that runs one parallel loop at a time: {@code tasks} independent
 * task indices handed out dynamically, the calling thread working too, one join at the end.
 *
 * <p>Why not an {@code ExecutorService}: a training step issues hundreds of short loops; a
 * persistent pool that spins briefly before parking costs microseconds per loop and allocates
 * nothing. Which thread runs a task never changes a result: callers make every task own its
 * outputs and fix each reduction's partition independently of the thread count (determinism).
 *
 * <p>Claiming a task is one CAS on a single word that packs (generation, task count, next task),
 * so a worker that wakes late can never claim a task of a loop that has moved on.
 */
public final class WorkerPool implements AutoCloseable {

    /** One task of a parallel loop; {@code worker} in [0, threads) indexes per-thread scratch. */
    @FunctionalInterface
    public interface Task {
        void run(int task, int worker);
    }

    /** Largest task count one loop may have (22 bits of the packed state word). */
    public static final int MAX_TASKS = (1 << 22) - 1;

    /** About 0.1 ms of spinning: long enough to catch the next loop of a step, short enough not to burn a shared core. */
    private static final int SPINS_BEFORE_PARK = 5_000;
    private static final int INDEX_BITS = 22;
    private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;

    private final int threads;
    private final Thread[] workers;
    /** generation (20 bits) | task count (22 bits) | next task (22 bits). */
    private final AtomicLong state = new AtomicLong();
    private final AtomicInteger unfinished = new AtomicInteger();
    private volatile Task current;
    private volatile Thread caller;
    private volatile Throwable failure;
    private volatile boolean closed;
    private long generation;

    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int worker = i + 1;
            workers[i] = new Thread(() -> workLoop(worker), "chorus-engine-" + worker);
            workers[i].setDaemon(true);
            workers[i].start();
        }
    }

    /** A pool with one thread per available processor. */
    public static WorkerPool ofAvailableProcessors() {
        return new WorkerPool(Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task.run(i, worker)} for every i in [0, tasks) and returns when all are done. */
    public void run(int tasks, Task task) {
        if (tasks <= 0) {
            return;
        }
        if (threads == 1 || tasks == 1) {
            for (int i = 0; i < tasks; i++) {
                task.run(i, 0);
            }
            return;
        }
        if (tasks > MAX_TASKS) {
            throw new IllegalArgumentException("too many tasks: " + tasks);
        }
        if (closed) {
            throw new IllegalStateException("worker pool is closed");
        }
        current = task;
        caller = Thread.currentThread();
        failure = null;
        unfinished.set(tasks);
        generation = (generation + 1) & 0xFFFFF;
        long start = (generation << (2 * INDEX_BITS)) | ((long) tasks << INDEX_BITS);
        state.set(start);
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        drain(generation, 0);
        int spins = 0;
        while (unfinished.get() > 0) {
            if (++spins > SPINS_BEFORE_PARK) {
                LockSupport.parkNanos(this, 20_000);
            } else {
                Thread.onSpinWait();
            }
        }
        Throwable t = failure;
        if (t != null) {
            throw Failures.unchecked(t);
        }
    }

    /** Claims and runs tasks of loop {@code gen} until none are left. */
    private void drain(long gen, int worker) {
        while (true) {
            long s = state.get();
            if ((s >>> (2 * INDEX_BITS)) != gen) {
                return;
            }
            int next = (int) (s & INDEX_MASK);
            int count = (int) ((s >>> INDEX_BITS) & INDEX_MASK);
            if (next >= count) {
                return;
            }
            if (!state.compareAndSet(s, s + 1)) {
                continue;
            }
            // The claimed task is unfinished, so the caller cannot have moved on: current is this loop's.
            try {
                current.run(next, worker);
            } catch (Throwable t) {
                failure = t;
            }
            if (unfinished.decrementAndGet() == 0 && worker != 0) {
                LockSupport.unpark(caller);
            }
        }
    }

    private void workLoop(int worker) {
        long seen = 0;
        while (!closed) {
            int spins = 0;
            long gen;
            while ((gen = state.get() >>> (2 * INDEX_BITS)) == seen && !closed) {
                if (++spins > SPINS_BEFORE_PARK) {
                    LockSupport.park(this);
                } else {
                    Thread.onSpinWait();
                }
            }
            seen = gen;
            drain(gen, worker);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
