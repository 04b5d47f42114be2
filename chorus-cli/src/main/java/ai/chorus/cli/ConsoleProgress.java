package ai.chorus.cli;

import ai.chorus.core.util.Progress;
import java.io.PrintStream;
import java.time.Duration;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress on stderr: a live bar (count, rate, ETA) on a terminal, plain periodic lines otherwise
 * (logs, CI), so long work never looks hung and never floods a log file.
 */
final class ConsoleProgress implements Progress {
    private static final long PLAIN_INTERVAL_NANOS = Duration.ofSeconds(10).toNanos();

    private final boolean terminal;
    private final PrintStream err;

    ConsoleProgress(boolean terminal, PrintStream err) {
        this.terminal = terminal;
        this.err = err;
    }

    static ConsoleProgress detect() {
        return new ConsoleProgress(System.console() != null && System.getenv("CI") == null, System.err);
    }

    @Override
    public Task start(String what, long total, String unit) {
        return terminal ? new BarTask(what, total, unit) : new PlainTask(what, total, unit, err);
    }

    private static final class BarTask implements Task {
        private final ProgressBar bar;

        BarTask(String what, long total, String unit) {
            bar = new ProgressBarBuilder().setTaskName(what).setInitialMax(total).setUnit(" " + unit, 1)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).showSpeed()
                    .setUpdateIntervalMillis(250).continuousUpdate().build();
        }

        @Override
        public void advance(long n) {
            bar.stepBy(n);
        }

        @Override
        public void status(String text) {
            bar.setExtraMessage(" " + text);
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    /** One line every ten seconds and one at the end: "tokenize: 5120/17597 docs (29%), 812 docs/s, ETA 15s". */
    static final class PlainTask implements Task {
        private final String what;
        private final long total;
        private final String unit;
        private final PrintStream out;
        private final long start = System.nanoTime();
        private long lastPrint = start;
        private long done;
        private String status = "";

        PlainTask(String what, long total, String unit, PrintStream out) {
            this.what = what;
            this.total = total;
            this.unit = unit;
            this.out = out;
        }

        @Override
        public synchronized void advance(long n) {
            done += n;
            long now = System.nanoTime();
            if (now - lastPrint >= PLAIN_INTERVAL_NANOS) {
                lastPrint = now;
                out.println(line(now));
            }
        }

        @Override
        public synchronized void status(String text) {
            status = text;
        }

        @Override
        public synchronized void close() {
            out.println(line(System.nanoTime()) + " done");
        }

        String line(long now) {
            double seconds = Math.max(1e-9, (now - start) / 1e9);
            double rate = done / seconds;
            StringBuilder b = new StringBuilder(what).append(": ").append(done);
            if (total > 0) {
                b.append('/').append(total);
            }
            b.append(' ').append(unit);
            if (total > 0) {
                b.append(String.format(" (%d%%)", Math.round(100.0 * done / total)));
            }
            b.append(String.format(", %.0f %s/s", rate, unit));
            if (total > 0 && done < total && rate > 0) {
                b.append(", ETA ").append(formatSeconds((total - done) / rate));
            } else {
                b.append(", ").append(formatSeconds(seconds));
            }
            if (!status.isEmpty()) {
                b.append(", ").append(status);
            }
            return b.toString();
        }
    }

    static String formatSeconds(double s) {
        long t = Math.round(s);
        if (t < 60) {
            return t + "s";
        }
        if (t < 3600) {
            return (t / 60) + "m" + String.format("%02d", t % 60) + "s";
        }
        return (t / 3600) + "h" + String.format("%02d", (t % 3600) / 60) + "m";
    }
}
