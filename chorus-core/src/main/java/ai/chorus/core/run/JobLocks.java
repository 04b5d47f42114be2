package ai.chorus.core.run;

import ai.chorus.engine.InvalidInputException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The training jobs' folder locks ({@code .lock}, held by a training process for as long as it runs), taken
 * together by a step that rewrites what jobs read ({@code prepare --force}, {@code cluster --force}): it refuses
 * while any job runs, and holds every lock until it is done so that no job starts under it.
 */
public final class JobLocks implements Closeable {
    /** The lock file in a job's folder. */
    public static final String FILE = ".lock";

    private final List<FileChannel> channels;
    private final List<FileLock> locks;

    private JobLocks(List<FileChannel> channels, List<FileLock> locks) {
        this.channels = channels;
        this.locks = locks;
    }

    /** Takes every existing job lock of the run, or refuses naming the job that holds one. */
    public static JobLocks acquireAll(RunDir run, String step) throws IOException {
        List<FileChannel> channels = new ArrayList<>();
        List<FileLock> locks = new ArrayList<>();
        JobLocks all = new JobLocks(channels, locks);
        try {
            for (Path dir : jobDirs(run)) {
                Path file = dir.resolve(FILE);
                if (!Files.isRegularFile(file)) {
                    continue;
                }
                FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE);
                channels.add(ch);
                FileLock lock;
                try {
                    lock = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null; // held by a job running in this very process
                }
                if (lock == null) {
                    throw new InvalidInputException(run.root().relativize(dir) + " is being trained (" + file
                            + " is held); wait for that job or stop it before " + step);
                }
                locks.add(lock);
            }
            return all;
        } catch (IOException | RuntimeException e) {
            all.close();
            throw e;
        }
    }

    /** The folders of the run's training jobs that exist: seed, dense, experts/*, random/*. */
    static List<Path> jobDirs(RunDir run) throws IOException {
        List<Path> dirs = new ArrayList<>(List.of(run.seedDir(), run.denseDir()));
        for (Path parent : List.of(run.expertDir(0).getParent(), run.randomExpertDir(0).getParent())) {
            if (Files.isDirectory(parent)) {
                try (Stream<Path> list = Files.list(parent)) {
                    list.filter(Files::isDirectory).sorted().forEach(dirs::add);
                }
            }
        }
        return dirs;
    }

    @Override
    public void close() throws IOException {
        for (FileLock l : locks) {
            if (l.isValid()) {
                l.release();
            }
        }
        for (FileChannel ch : channels) {
            ch.close();
        }
    }
}
