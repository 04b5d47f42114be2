package ai.chorus.engine.parallel;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkerPoolTest {

    @Test
    void everyTaskOfEveryLoopRunsExactlyOnce() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int loop = 0; loop < 2000; loop++) {
                int tasks = 1 + loop % 37;
                AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
                pool.run(tasks, (task, worker) -> {
                    assertThat(worker).isBetween(0, 2);
                    runs.incrementAndGet(task);
                });
                for (int t = 0; t < tasks; t++) {
                    assertThat(runs.get(t)).as("loop %d task %d", loop, t).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void aFailingTaskFailsTheLoopAndThePoolStaysUsable() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThatThrownBy(() -> pool.run(8, (task, worker) -> {
                if (task == 5) {
                    throw new IllegalStateException("task 5");
                }
            })).isInstanceOf(IllegalStateException.class).hasMessage("task 5");
            AtomicIntegerArray runs = new AtomicIntegerArray(4);
            pool.run(4, (task, worker) -> runs.incrementAndGet(task));
            assertThat(runs.toString()).isEqualTo("[1, 1, 1, 1]");
        }
    }
}
