package ai.chorus.core.train;

import ai.chorus.core.Chorus;
import ai.chorus.core.data.ShardReader;
import ai.chorus.core.run.JobLocks;
import ai.chorus.core.run.JsonFiles;
import ai.chorus.core.run.Provenance;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunFingerprints;
import ai.chorus.core.run.RunInputs;
import ai.chorus.core.run.RunSpec;
import ai.chorus.core.run.TrainProvenance;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.core.tokenizer.TokenizerFiles;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.io.AtomicFiles;
import ai.chorus.engine.io.Checkpoints;
import ai.chorus.engine.io.HfConfig;
import ai.chorus.engine.io.TrainingStateFile;
import ai.chorus.engine.model.FfnResize;
import ai.chorus.engine.model.LlamaModel;
import ai.chorus.engine.optim.LrSchedule;
import ai.chorus.engine.parallel.WorkerPool;
import ai.chorus.engine.train.TrainConfig;
import ai.chorus.engine.train.Trainer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one job of a {@link Plan}: the seed, an expert, the dense baseline or a random-split expert.
 *
 * <p>A job reads the shards and (unless it is the seed) the seed model, and writes only its own
 * folder: {@code config.json} + {@code model.safetensors} + the tokenizer's files ({@link TokenizerFiles}: a
 * Hugging Face Llama folder that loads on its own),
 * {@code provenance.json}, {@code documents.txt} (the ids it trained on), {@code train.jsonl}
 * (training and validation curves) and, while running, {@code checkpoint.safetensors}: weights,
 * AdamW moments, step and data cursor in one atomically written file, so a job killed at any
 * moment resumes from its last checkpoint and ends bit-identical to an uninterrupted run.
 */
public final class TrainJob {
    private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What to run.
     *
     * @param plan the plan the job belongs to (its settings decide the training)
     * @param job the job
     * @param threads worker threads; the weights do not depend on it
     * @param resume continue from the job's checkpoint (required when one exists)
     * @param force discard whatever the job folder holds and train from the start
     */
    public record Options(Plan plan, Plan.Job job, int threads, boolean resume, boolean force) {}

    /** How the job ended. */
    public record Result(String name, Path dir, long steps, long tokens, double finalTrainLoss,
                         double finalValidLoss, double seconds, boolean skipped, boolean resumed) {}

    private TrainJob() {}

    /** True once the job has written its final model and provenance. */
    public static boolean isComplete(Plan.Job job) {
        return Files.isRegularFile(RunDir.provenance(job.dir()))
                && Files.isRegularFile(job.dir().resolve(Checkpoints.WEIGHTS_FILE));
    }

    /**
     * True when the job is complete and was trained under exactly this plan (same settings, steps,
     * documents and branch point); false when it has not finished. A finished job from another plan
     * (a retrained seed, new clusters, edited settings) is refused: its results would silently mix
     * two experiments.
     */
    public static boolean isUpToDate(Plan.Job job, TrainSettings s, ShardReader data) throws IOException {
        if (!isComplete(job)) {
            return false;
        }
        Path provenance = RunDir.provenance(job.dir());
        String recorded;
        try {
            recorded = JsonFiles.read(provenance, Provenance.class) instanceof TrainProvenance p
                    && p.fingerprint() != null ? p.fingerprint() : "";
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(provenance + " is not valid JSON (" + e.getOriginalMessage()
                    + "); it was damaged or cut short, so " + job.name() + " cannot be checked: retrain it with"
                    + " --force");
        }
        if (!recorded.equals(fingerprint(job, s, data))) {
            throw new InvalidInputException(job.name() + " in " + job.dir() + " was trained under another plan "
                    + "(different settings, documents or seed model); --force retrains it");
        }
        RunFingerprints.of(RunDir.ofDataDir(data.dir())).requireCurrentModel(job.dir());
        return true;
    }

    /**
     * SHA-256 over everything that decides the job's weights: model shape, batch, steps and schedule,
     * optimizer settings, seeds, the exact documents and the branch point. Settings that only shape
     * the curves (eval_every, eval_batches) or the checkpoints do not count.
     */
    static String fingerprint(Plan.Job job, TrainSettings s, ShardReader data) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append(job.name()).append('|').append(job.model()).append('|').append(s.batch()).append('x')
                .append(s.seqLen()).append('|').append(job.steps()).append('|').append(job.lr()).append('|')
                .append(s.minLrRatio()).append('|').append(s.warmupFraction()).append('|').append(s.weightDecay())
                .append('|').append(s.gradClip()).append('|').append(s.dataSeed()).append('|')
                .append(job.branchFrom() == null ? "init " + s.initSeed()
                        : sha256(job.branchFrom().resolve(Checkpoints.WEIGHTS_FILE)))
                .append('|').append(sha256(documentList(data, job.trainDocs())));
        return sha256(b.toString());
    }

    /**
     * Loads the branch point into {@code llama}: as it is when the shapes agree, else (an expert with its own
     * {@code expert_intermediate_size}) with the MLP grown or pruned by {@link FfnResize}.
     */
    private static void branchFrom(Plan.Job job, TrainSettings s, LlamaModel llama) throws IOException {
        ModelConfig seedModel = Checkpoints.readConfig(job.branchFrom()).model();
        if (seedModel.equals(job.model())) {
            Checkpoints.loadInto(job.branchFrom(), job.model(), llama.parameters());
            return;
        }
        if (!FfnResize.resizable(seedModel, job.model())) {
            throw new InvalidInputException(job.name() + " branches from " + job.branchFrom() + ", whose model ("
                    + seedModel + ") differs from run.json's train settings (" + job.model() + ") in more than"
                    + " intermediate_size; retrain the seed ('chorus train --seed --force') or restore run.json");
        }
        LlamaModel seed = new LlamaModel(seedModel);
        Checkpoints.loadInto(job.branchFrom(), seedModel, seed.parameters());
        FfnResize.copy(seed, llama, s.initSeed() * 31L + job.index() + 1);
    }

    /** Runs one job of the run's plan in this process: trains it, or skips it when it is finished already. */
    public static Result run(RunDir run, Options options, Progress progress) throws IOException {
        Plan.Job job = options.job();
        ShardReader data = ShardReader.open(run.dataDir());
        BpeTokenizer tokenizer = BpeTokenizer.load(run.tokenizerJson());
        Files.createDirectories(job.dir());
        // One process per job folder: a second run of the same job (another terminal, another machine
        // on a shared file system) would interleave checkpoints and curves.
        try (FileChannel lockFile = FileChannel.open(job.dir().resolve(JobLocks.FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
             FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                throw new InvalidInputException(job.name() + " is being trained by another process (" + job.dir()
                        + "/" + JobLocks.FILE + " is held); wait for it or stop it first");
            }
            return runLocked(job, options.plan().settings(), data, tokenizer, options.threads(), options.resume(),
                    options.force(), progress);
        } catch (OverlappingFileLockException e) {
            throw new InvalidInputException(job.name() + " is already being trained in this process");
        }
    }

    private static Result runLocked(Plan.Job job, TrainSettings s, ShardReader data, BpeTokenizer tokenizer,
                                    int threads, boolean resume, boolean force, Progress progress) throws IOException {
        Path dir = job.dir();
        Path checkpoint = RunDir.checkpoint(dir);
        if (!force) {
            if (isUpToDate(job, s, data)) {
                return new Result(job.name(), dir, job.steps(), job.tokens(), Double.NaN, Double.NaN, 0, true, false);
            }
            if (Files.exists(checkpoint) && !resume) {
                throw new InvalidInputException(job.name() + " has a checkpoint in " + dir
                        + "; pass --resume to continue it or --force to start over");
            }
        }
        if (job.branchFrom() != null && !Files.isRegularFile(job.branchFrom().resolve(Checkpoints.WEIGHTS_FILE))) {
            throw new InvalidInputException(job.name() + " branches from " + job.branchFrom()
                    + ", which holds no trained model; run 'chorus train --seed' first");
        }
        Files.createDirectories(dir);
        deleteStaleTemporaries(dir);
        ModelConfig model = job.model();
        String fingerprint = fingerprint(job, s, data);
        RunInputs inputs = RunFingerprints.of(RunDir.ofDataDir(data.dir())).record(
                job.kind() == Plan.Kind.EXPERT || job.kind() == Plan.Kind.RANDOM, job.branchFrom() != null);
        String started = Instant.now().toString();
        long t0 = System.nanoTime();

        try (WorkerPool pool = new WorkerPool(threads)) {
            LlamaModel llama = new LlamaModel(model);
            String branchHash = null;
            if (job.branchFrom() == null) {
                llama.initialize(s.initSeed());
            } else {
                branchFrom(job, s, llama);
                branchHash = sha256(job.branchFrom().resolve(Checkpoints.WEIGHTS_FILE));
            }
            int warmup = (int) Math.round(job.steps() * s.warmupFraction());
            LrSchedule schedule = LrSchedule.warmupCosine(job.lr(), job.lr() * s.minLrRatio(), warmup,
                    Math.toIntExact(job.steps()));
            Trainer trainer = new Trainer(llama, new TrainConfig(schedule, 0.9, 0.95, 1e-8, s.weightDecay(),
                    s.gradClip()), pool, s.batch(), s.seqLen());
            long dataSeed = s.dataSeed() * 1_000_003L + job.kind().ordinal() * 1009L + job.index();
            BatchSampler sampler = new BatchSampler(data, job.trainDocs(), dataSeed, s.batch(), s.seqLen());
            ValidationSet valid = ValidationSet.of(data, job.validDocs(), s);

            // --force: everything the new training needs has been read and checked above (seed loaded, data
            // sampled); only now does the old job go, so a refusal leaves a finished job as it was.
            if (force) {
                discardOutputs(dir);
            }
            boolean resumed = false;
            if (!force && resume && Files.exists(checkpoint)) {
                started = restore(checkpoint, job, fingerprint, trainer, sampler);
                resumed = true;
                LOG.info("{}: resumed at step {} of {}", job.name(), trainer.stepsTaken(), job.steps());
            }
            if (!resumed || !Files.exists(RunDir.documents(dir))) {
                AtomicFiles.writeString(RunDir.documents(dir), documentList(data, job.trainDocs()));
            }
            truncateCurves(RunDir.curves(dir), trainer.stepsTaken());

            int[] tokens = new int[s.batch() * s.seqLen()];
            int[] targets = new int[tokens.length];
            double lastLoss = Double.NaN;
            double lastValid = Double.NaN;
            try (trainer; // stops the data-parallel shards' threads
                 BufferedWriter curves = Files.newBufferedWriter(RunDir.curves(dir), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                 Progress.Task task = progress.start("train " + job.name(), job.steps(), "steps")) {
                task.advance(trainer.stepsTaken());
                long windowStart = System.nanoTime();
                long windowSteps = 0;
                while (trainer.stepsTaken() < job.steps()) {
                    sampler.next(tokens, targets);
                    lastLoss = trainer.step(tokens, targets);
                    if (!Double.isFinite(lastLoss)) {
                        throw new InvalidInputException(job.name() + ": the loss diverged (" + lastLoss + ") at step "
                                + trainer.stepsTaken() + "; lower train." + (job.kind() == Plan.Kind.SEED ? "lr" : "branch_lr")
                                + " in run.json and re-run with --force");
                    }
                    long step = trainer.stepsTaken();
                    windowSteps++;
                    ObjectNode line = JSON.createObjectNode();
                    line.put("step", step).put("tokens", step * tokens.length).put("loss", lastLoss)
                            .put("lr", trainer.lastLearningRate()).put("grad_norm", trainer.lastGradientNorm());
                    if (step % s.evalEvery() == 0 || step == job.steps()) {
                        lastValid = valid.loss(trainer);
                        line.put("val_loss", lastValid);
                    }
                    curves.write(JSON.writeValueAsString(line));
                    curves.newLine();
                    double seconds = (System.nanoTime() - windowStart) / 1e9;
                    task.status(String.format("loss %.3f%s · %,.0f tok/s", lastLoss,
                            Double.isNaN(lastValid) ? "" : String.format(" · val %.3f", lastValid),
                            windowSteps * tokens.length / Math.max(seconds, 1e-9)));
                    task.advance(1);
                    if (step % s.checkpointEvery() == 0 && step < job.steps()) {
                        curves.flush();
                        saveCheckpoint(checkpoint, trainer, sampler, fingerprint, started);
                    }
                }
            }
            Map<String, String> meta = Map.of("chorus.job", job.name());
            Checkpoints.save(dir, model, llama.parameters(), meta);
            // before the provenance, which marks the folder complete: a finished folder loads on its own
            TokenizerFiles.writeInto(dir, tokenizer, model.maxPositionEmbeddings());
            writeProvenance(job, s, dir, started, branchHash, trainer.stepsTaken() * tokens.length, dataSeed,
                    lastLoss, lastValid, fingerprint, inputs);
            Files.deleteIfExists(checkpoint);
            return new Result(job.name(), dir, job.steps(), job.tokens(), lastLoss, lastValid,
                    (System.nanoTime() - t0) / 1e9, false, resumed);
        }
    }

    /** What a job writes; {@code --force} drops it, provenance first so the folder never looks complete. */
    private static void discardOutputs(Path dir) throws IOException {
        for (String f : List.of(RunDir.PROVENANCE, RunDir.CHECKPOINT, RunDir.CURVES, RunDir.DOCUMENTS,
                Checkpoints.WEIGHTS_FILE, HfConfig.FILE_NAME)) {
            Files.deleteIfExists(dir.resolve(f));
        }
    }

    private static void saveCheckpoint(Path file, Trainer trainer, BatchSampler sampler, String fingerprint,
                                       String started) throws IOException {
        List<FloatTensor> tensors = new ArrayList<>(trainer.model().parameters());
        int size = trainer.model().parameterBuffer().length;
        tensors.add(new FloatTensor("adamw.m", new int[] {size}, trainer.optimizer().firstMoment(), 0));
        tensors.add(new FloatTensor("adamw.v", new int[] {size}, trainer.optimizer().secondMoment(), 0));
        Map<String, String> scalars = new LinkedHashMap<>();
        scalars.put("step", Long.toString(trainer.stepsTaken()));
        scalars.put("data_cursor", sampler.cursor().encode());
        scalars.put("fingerprint", fingerprint);
        scalars.put("started", started);
        TrainingStateFile.save(file, scalars, tensors);
    }

    /** Restores a checkpoint of exactly this job; returns when the interrupted run started. */
    private static String restore(Path file, Plan.Job job, String fingerprint, Trainer trainer, BatchSampler sampler)
            throws IOException {
        int size = trainer.model().parameterBuffer().length;
        float[] m = new float[size];
        float[] v = new float[size];
        List<FloatTensor> targets = new ArrayList<>(trainer.model().parameters());
        targets.add(new FloatTensor("adamw.m", new int[] {size}, m, 0));
        targets.add(new FloatTensor("adamw.v", new int[] {size}, v, 0));
        Map<String, String> scalars;
        try {
            scalars = TrainingStateFile.loadInto(file, targets);
        } catch (InvalidInputException e) {
            String why = e.getMessage().startsWith(file.toString()) ? e.getMessage() : file + ": " + e.getMessage();
            throw new InvalidInputException(why.contains("corrupt") ? why : why + " (the checkpoint is corrupt);"
                    + " delete it to start " + job.name() + " over, or re-run with --force");
        }
        if (!fingerprint.equals(scalars.get("fingerprint"))) {
            throw new InvalidInputException(file + " was written under another plan (different settings, documents "
                    + "or seed model); --force starts " + job.name() + " over");
        }
        try {
            long step = Long.parseLong(scalars.get("step"));
            if (step < 0 || step > job.steps()) {
                throw new NumberFormatException("step " + step + " outside the job's " + job.steps());
            }
            trainer.optimizer().restore(step, m, v);
            sampler.seek(BatchSampler.Cursor.decode(scalars.get("data_cursor")));
        } catch (RuntimeException e) {
            throw new InvalidInputException(file + " does not belong to this job (" + e.getMessage()
                    + "); re-run with --force to start over");
        }
        trainer.model().weightsChanged();
        return scalars.getOrDefault("started", Instant.now().toString());
    }

    /** A crash during an atomic write leaves its temporary file behind; it is never read, only in the way. */
    private static void deleteStaleTemporaries(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().startsWith(".")
                    && f.getFileName().toString().endsWith(".tmp")).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Drops curve lines after {@code step}: they came from the run a crash interrupted. */
    private static void truncateCurves(Path file, long step) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        List<String> kept = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode n = JSON.readTree(line);
                if (n.path("step").asLong(Long.MAX_VALUE) <= step) {
                    kept.add(line);
                }
            } catch (IOException e) {
                break; // a torn last line from the crash
            }
        }
        AtomicFiles.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
    }

    private static String documentList(ShardReader data, int[] docs) {
        StringBuilder b = new StringBuilder(docs.length * 33);
        for (int d : docs) {
            b.append(data.document(d).id().hex()).append('\n');
        }
        return b.toString();
    }

    private static void writeProvenance(Plan.Job job, TrainSettings s, Path dir, String started, String branchHash,
                                        long tokensSeen, long dataSeed, double loss, double valid, String fingerprint,
                                        RunInputs inputs)
            throws IOException {
        boolean expert = job.kind() == Plan.Kind.EXPERT || job.kind() == Plan.Kind.RANDOM;
        TrainProvenance.Branch branch = job.branchFrom() == null
                ? new TrainProvenance.Branch(null, s.initSeed(), null)
                : new TrainProvenance.Branch(job.branchFrom().toString(), null, branchHash);
        JsonFiles.write(RunDir.provenance(dir), new TrainProvenance(job.name(), job.kind().name().toLowerCase(Locale.ROOT),
                expert ? job.index() : null, branch, job.trainDocs().length, RunDir.DOCUMENTS,
                sha256(RunDir.documents(dir)), dataSeed, job.steps(), tokensSeen, job.flops(), loss, valid,
                RunSpec.JSON.valueToTree(s), job.lr(), started, Instant.now().toString(), Chorus.VERSION,
                Chorus.gitCommit(), fingerprint, inputs));
    }

    static String sha256(String text) {
        return RunFingerprints.sha256(text);
    }

    public static String sha256(Path file) throws IOException {
        return RunFingerprints.sha256(file);
    }
}
