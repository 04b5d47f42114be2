package ai.chorus.cli;

import ai.chorus.core.run.JsonFiles;
import ai.chorus.core.run.Provenance;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.TrainProvenance;
import ai.chorus.core.train.Plan;
import ai.chorus.core.train.TrainJob;
import ai.chorus.core.train.TrainSettings;
import ai.chorus.core.train.TrainStep;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.InvalidInputException;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train the seed, the experts, the dense baseline or the random-split ablation.",
            "Every job is independent, writes only its own folder, and is resumable (--resume).",
            "Examples:",
            "  chorus train --run runs/demo --seed",
            "  chorus train --run runs/demo --experts all --jobs 2",
            "  chorus train --run runs/demo --expert 3 --resume",
            "  chorus train --run runs/demo --dense",
            "  chorus train --run runs/demo --random-split --jobs 2",
            "  chorus train --run runs/demo --all"})
final class TrainCommand extends RunCommand {
    @Mixin
    PlanCommand.SettingsOptions settings;

    static final class Which {
        @Option(names = "--seed", description = "Train the seed model on all train data.")
        boolean seed;

        @Option(names = "--expert", paramLabel = "I", description = "Train expert I (branched from the seed).")
        Integer expert;

        @Option(names = "--experts", paramLabel = "all|I,J,…", description = "Train several experts: 'all' or a list.")
        String experts;

        @Option(names = "--dense", description = "Train the compute-matched dense baseline.")
        boolean dense;

        @Option(names = "--random-split", description = "Train the random-split ablation experts.")
        boolean randomSplit;

        @Option(names = "--all", description = "Train everything not yet trained: seed, experts, dense, random split.")
        boolean all;

        @Option(names = "--job", hidden = true, paramLabel = "KIND:I", description = "One job, e.g. random:2 (used by --jobs).")
        String job;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    @Option(names = "--jobs", defaultValue = "1", paramLabel = "N",
            description = "Run up to N expert jobs at once, as separate processes (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--threads", paramLabel = "N",
            description = "Worker threads per job (default: the cores divided among --jobs).")
    Integer threads;

    @Option(names = "--resume", description = "Continue jobs from their last checkpoint.")
    boolean resume;

    @Option(names = "--force", description = "Retrain jobs that are already complete (or that have a checkpoint);"
            + " the old job is kept until the new one has been checked and starts.")
    boolean force;

    @Option(names = "--parent-pid", hidden = true, paramLabel = "PID",
            description = "Stop when this process ends (given by --jobs to its children).")
    Long parentPid;

    /** The --json object: every job asked for, trained or skipped. */
    record Json(List<JobJson> jobs) {}

    /** One job's outcome; the losses and time only when it trained. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record JobJson(String job, String dir, long steps, long tokens, boolean skipped, boolean resumed,
                   Double trainLoss, Double validLoss, Double seconds) {
        JobJson(TrainJob.Result r) {
            this(r.name(), r.dir().toString(), r.steps(), r.tokens(), r.skipped(), r.resumed(),
                    Double.isNaN(r.finalTrainLoss()) ? null : r.finalTrainLoss(),
                    Double.isNaN(r.finalTrainLoss()) ? null : r.finalValidLoss(),
                    Double.isNaN(r.finalTrainLoss()) ? null : r.seconds());
        }
    }

    @Override
    void run() throws Exception {
        if (parentPid != null) {
            ParentWatch.whenGone(parentPid, () -> {
                System.err.println("chorus train: the parent process " + parentPid + " is gone; stopping (--resume"
                        + " continues from the last checkpoint)");
                System.exit(3);
            });
        }
        if (jobs < 1) {
            throw new InvalidInputException("--jobs must be at least 1, got " + jobs);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads != null && threads < 1) {
            throw new InvalidInputException("--threads must be at least 1, got " + threads);
        }
        // Jobs in this process get every core; --jobs divides the cores among child processes only.
        int perJob = threads != null ? threads : cores;
        RunDir runDir = runDir();
        TrainSettings s = TrainStep.settings(runDir, settings.preset, settings.budget);
        Plan plan = TrainStep.plan(runDir, s);

        List<TrainJob.Result> results = new ArrayList<>();
        if (which.seed || which.all) {
            results.add(TrainJob.run(runDir, new TrainJob.Options(plan, plan.seed(), perJob, resume, force),
                    ConsoleProgress.detect()));
        }
        if (which.expert != null) {
            results.add(TrainJob.run(runDir, new TrainJob.Options(plan, expert(plan.experts(), which.expert), perJob,
                    resume, force), ConsoleProgress.detect()));
        }
        if (which.experts != null || which.all) {
            results.addAll(runMany(runDir, plan, selectExperts(plan), perJob));
        }
        if (which.dense || which.all) {
            results.add(TrainJob.run(runDir, new TrainJob.Options(plan, plan.dense(), perJob, resume, force),
                    ConsoleProgress.detect()));
        }
        if (which.randomSplit || which.all) {
            results.addAll(runMany(runDir, plan, plan.random(), perJob));
        }
        if (which.job != null) {
            results.add(TrainJob.run(runDir, new TrainJob.Options(plan, byName(plan, which.job), perJob, resume,
                    force), ConsoleProgress.detect()));
        }
        report(results);
    }

    private List<Plan.Job> selectExperts(Plan plan) {
        if (which.experts == null || which.experts.equals("all")) {
            return plan.experts();
        }
        Set<Plan.Job> out = new LinkedHashSet<>();
        for (String part : which.experts.split(",")) {
            try {
                out.add(expert(plan.experts(), Integer.parseInt(part.trim())));
            } catch (NumberFormatException e) {
                throw new InvalidInputException("--experts '" + which.experts + "' must be 'all' or a list like 0,2,3");
            }
        }
        return new ArrayList<>(out);
    }

    private static Plan.Job expert(List<Plan.Job> experts, int i) {
        if (i < 0 || i >= experts.size()) {
            throw new InvalidInputException("--expert " + i + " is out of range: this run has experts 0.."
                    + (experts.size() - 1));
        }
        return experts.get(i);
    }

    private static Plan.Job byName(Plan plan, String name) {
        String[] p = name.split(":");
        try {
            return switch (p[0]) {
                case "seed" -> plan.seed();
                case "dense" -> plan.dense();
                case "expert" -> expert(plan.experts(), Integer.parseInt(p[1]));
                case "random" -> expert(plan.random(), Integer.parseInt(p[1]));
                default -> throw new InvalidInputException("--job '" + name + "' is unknown");
            };
        } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
            throw new InvalidInputException("--job '" + name + "' must look like expert:3 or random:0");
        }
    }

    /** Runs jobs in this process (--jobs 1) or as up to --jobs child processes, one per job. */
    private List<TrainJob.Result> runMany(RunDir runDir, Plan plan, List<Plan.Job> list, int perJob)
            throws IOException, InterruptedException {
        List<TrainJob.Result> results = new ArrayList<>();
        if (jobs == 1) {
            for (Plan.Job j : list) {
                results.add(TrainJob.run(runDir, new TrainJob.Options(plan, j, perJob, resume, force),
                        ConsoleProgress.detect()));
            }
            return results;
        }
        List<Plan.Job> pending = new ArrayList<>();
        for (Plan.Job j : list) {
            if (force || !TrainStep.isUpToDate(runDir, plan, j)) {
                pending.add(j);
            } else {
                results.add(new TrainJob.Result(j.name(), j.dir(), j.steps(), j.tokens(), Double.NaN, Double.NaN, 0,
                        true, false));
            }
        }
        Progress progress = ConsoleProgress.detect();
        int childThreads = threads != null ? threads
                : Math.max(1, Runtime.getRuntime().availableProcessors() / Math.min(jobs, Math.max(1, pending.size())));
        List<Process> running = new ArrayList<>();
        Thread cleanup = new Thread(() -> stopAll(running));
        Runtime.getRuntime().addShutdownHook(cleanup);
        try (Progress.Task task = progress.start("train " + list.size() + " jobs × " + jobs + " processes",
                pending.size(), "jobs")) {
            List<Plan.Job> runningJobs = new ArrayList<>();
            int next = 0;
            while (next < pending.size() || !running.isEmpty()) {
                while (running.size() < jobs && next < pending.size()) {
                    Plan.Job j = pending.get(next++);
                    running.add(spawn(runDir, j, childThreads));
                    runningJobs.add(j);
                }
                Thread.sleep(200);
                for (int i = running.size() - 1; i >= 0; i--) {
                    Process p = running.get(i);
                    if (!p.isAlive()) {
                        Plan.Job j = runningJobs.get(i);
                        if (p.exitValue() != 0) {
                            String why = j.name() + " failed (exit " + p.exitValue() + "); see "
                                    + j.dir().resolve("train.log") + ", then re-run with --resume";
                            if (p.exitValue() == 2) {
                                throw new InvalidInputException(why);
                            }
                            throw new IllegalStateException(why);
                        }
                        results.add(fromProvenance(j));
                        running.remove(i);
                        runningJobs.remove(i);
                        task.advance(1);
                        task.status("finished " + j.name());
                    }
                }
            }
        } finally {
            stopAll(running);
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
        return results;
    }

    /** Stops child jobs still running (this process failed or is being stopped); they resume from checkpoints. */
    private static void stopAll(List<Process> children) {
        for (Process p : List.copyOf(children)) {
            p.destroy();
        }
        for (Process p : List.copyOf(children)) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A child's outcome, as its provenance records it. */
    private static TrainJob.Result fromProvenance(Plan.Job j) throws IOException {
        TrainProvenance p = (TrainProvenance) JsonFiles.read(RunDir.provenance(j.dir()), Provenance.class);
        double seconds = Duration.between(Instant.parse(p.started()), Instant.parse(p.finished())).toMillis() / 1e3;
        return new TrainJob.Result(j.name(), j.dir(), j.steps(), j.tokens(), p.finalTrainLoss(), p.finalValidLoss(),
                seconds, false, false);
    }

    private Process spawn(RunDir runDir, Plan.Job j, int perJob) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The parent only waits; each child gets its own share of the heap instead of a copy of the parent's.
        long heapMb = Math.max(512, Runtime.getRuntime().maxMemory() / (1 << 20) / jobs);
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-Xms") && !arg.startsWith("-Xmx") && !arg.equals("-XX:+AlwaysPreTouch")) {
                cmd.add(arg);
            }
        }
        cmd.add("-Xmx" + heapMb + "m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of("train", "--run", runDir.toString(), "--job",
                (j.kind() == Plan.Kind.RANDOM ? "random:" : "expert:") + j.index(), "--threads",
                Integer.toString(perJob), "--parent-pid", Long.toString(ProcessHandle.current().pid())));
        if (resume) {
            cmd.add("--resume");
        }
        if (force) {
            cmd.add("--force");
        }
        Files.createDirectories(j.dir());
        File log = j.dir().resolve("train.log").toFile();
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
    }

    private void report(List<TrainJob.Result> results) {
        List<JobJson> json = new ArrayList<>();
        for (TrainJob.Result r : results) {
            if (r.skipped()) {
                output.line(String.format("  %-10s already trained (%s); --force retrains it", r.name(), r.dir()));
            } else {
                output.line(String.format("  %-10s %,d steps  loss %.4f  val %.4f  %.1f s%s → %s", r.name(), r.steps(),
                        r.finalTrainLoss(), r.finalValidLoss(), r.seconds(), r.resumed() ? " (resumed)" : "",
                        r.dir()));
            }
            json.add(new JobJson(r));
        }
        output.result(new Json(json));
    }
}
