package ai.chorus.core.merge;

import ai.chorus.core.Chorus;
import ai.chorus.core.cluster.ClusterModel;
import ai.chorus.core.eval.EvalStep;
import ai.chorus.core.run.JsonFiles;
import ai.chorus.core.run.MergeProvenance;
import ai.chorus.core.run.Provenance;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunFingerprints;
import ai.chorus.core.run.RunSpec;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.core.tokenizer.TokenizerFiles;
import ai.chorus.core.train.TrainJob;
import ai.chorus.core.util.FileTrees;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.io.AtomicFiles;
import ai.chorus.engine.io.Checkpoints;
import ai.chorus.engine.io.HfConfig;
import ai.chorus.engine.io.SafetensorsReader;
import ai.chorus.engine.io.SafetensorsWriter;
import ai.chorus.engine.io.TensorInfo;
import ai.chorus.engine.parallel.Failures;
import ai.chorus.engine.parallel.WorkerPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code chorus merge}: mixes models in parameter space into one ordinary model folder ({@code config.json}
 * + {@code model.safetensors} + the models' tokenizer files ({@link TokenizerFiles}) + {@code provenance.json}),
 * which evaluates, generates and serves like any expert and loads on its own wherever it lies.
 *
 * <p>Streams: tensor by tensor, each input's tensor is read ({@link MergeInput}: positional reads, the same
 * bytes feeding the input's SHA-256 for provenance, so every input is read once) into one reused buffer per
 * input, merged into one output buffer with the work split over the cores, and written out while the
 * inputs' next tensor is being read (the output's header is written first, from the known shapes). Memory
 * is therefore about (inputs + 1) times the largest tensor, whatever the size of the models. The folder is
 * staged beside the target and moved into place at the end, so a failed merge leaves nothing behind and an
 * existing folder untouched.
 */
public final class MergeStep {
    public static final String FORMAT = MergeProvenance.FORMAT;
    /** The files a merge output may hold; {@code --force} refuses to replace a folder holding anything else. */
    static final Set<String> OUTPUT_FILES = Stream.concat(Stream.of(Checkpoints.WEIGHTS_FILE, HfConfig.FILE_NAME,
            RunDir.PROVENANCE), TokenizerFiles.NAMES.stream()).collect(Collectors.toUnmodifiableSet());

    /** What a merge did; bytes are of the safetensors data (F32 output). */
    public record Result(Path out, String method, int tensors, long elements, long bytesRead, long bytesWritten,
                         double seconds) {}

    private MergeStep() {}

    /** The folder under the run's {@code merged/} a merge of this name goes to by default. */
    public static Path defaultOut(RunDir run, String name) {
        return run.mergedDir().resolve(name);
    }

    /**
     * Merges as the recipe says into {@code options.out()}.
     *
     * @param run resolves relative model references and gives the seed and the experts' data shares
     */
    public static Result run(RunDir run, MergeOptions options, Progress progress) throws IOException {
        long t0 = System.nanoTime();
        MergeRecipe recipe = options.recipe();
        Path out = options.out();
        String source = recipe.source();
        List<Path> models = new ArrayList<>();
        for (String ref : recipe.models()) {
            models.add(resolve(run, ref, source));
        }
        MergeMethod method = MergeMethods.create(source, recipe.method(), models.size(), recipe.weights(),
                recipe.parameters(), () -> dataShares(run, models, source));
        Path base = null;
        if (method.needsBase()) {
            base = resolve(run, recipe.base() != null ? recipe.base() : "seed", source);
        } else if (recipe.base() != null) {
            throw new InvalidInputException(source + ": " + method.name() + " takes no base model; drop base");
        }
        List<Path> inputs = new ArrayList<>(models);
        if (base != null) {
            inputs.add(base);
        }
        Path target = out.toAbsolutePath().normalize();
        for (Path in : inputs) {
            if (in.startsWith(target)) {
                throw new InvalidInputException("--out " + target + (in.equals(target) ? " is" : " holds")
                        + " one of the models being merged (" + in + "); choose another folder");
            }
        }
        if (run.root().startsWith(target)) {
            throw new InvalidInputException("--out " + target + " is the run directory " + run + " or one of its"
                    + " parents; choose a folder of its own, such as " + defaultOut(run, method.name()));
        }
        RunFingerprints.of(run).requireCurrentModels(inputs);
        requireWritable(target, options.force());
        HfConfig config = sameConfig(inputs);
        BpeTokenizer tokenizer = TokenizerFiles.commonTo(inputs, config.model().vocabSize());
        Map<String, int[]> shapes = Checkpoints.expectedShapes(config.model());

        List<MergeInput> readers = new ArrayList<>();
        // One thread per input, even beyond the cores: each input's hash is one sequential stream, and three
        // streams time-sliced over two cores finish together, where two threads would leave the third for last.
        ExecutorService readAhead = Executors.newFixedThreadPool(inputs.size(), r -> {
            Thread t = new Thread(r, "merge-read");
            t.setDaemon(true);
            return t;
        });
        try {
            for (Path in : inputs) {
                readers.add(MergeInput.open(in.resolve(Checkpoints.WEIGHTS_FILE)));
                requireShapes(readers.get(readers.size() - 1).reader(), shapes);
            }
            long largest = shapes.values().stream().mapToLong(FloatTensor::numel).max().orElse(0);
            requireHeap(largest, inputs.size() + 1);

            Files.createDirectories(target.getParent());
            Path staging = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".merge-");
            AtomicFiles.relaxPermissions(staging);
            try {
                Merged merged = stream(method, readers, base != null, shapes, (int) largest,
                        staging.resolve(Checkpoints.WEIGHTS_FILE), readAhead, progress);
                config.write(staging.resolve(HfConfig.FILE_NAME));
                TokenizerFiles.writeInto(staging, tokenizer, config.model().maxPositionEmbeddings());
                Map<Path, String> hashes = new LinkedHashMap<>();
                for (int i = 0; i < inputs.size(); i++) {
                    hashes.put(inputs.get(i), readers.get(i).sha256());
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                Result result = new Result(target, method.name(), shapes.size(), merged.elements, merged.bytesRead,
                        merged.elements * Float.BYTES, seconds);
                writeProvenance(RunDir.provenance(staging), recipe, options.recipeFile(), method, models,
                        recipe.models(), base, hashes, result);
                moveIntoPlace(staging, target);
                return result;
            } finally {
                FileTrees.delete(staging);
            }
        } finally {
            readAhead.shutdownNow();
            for (MergeInput r : readers) {
                r.close();
            }
        }
    }

    private record Merged(long elements, long bytesRead) {}

    /**
     * The streaming loop: one tensor of every input in, one merged tensor out, in the model's tensor order.
     * Each input's next tensor is read (and hashed) on its own task while the previous merged tensor is being
     * written, so reading overlaps writing and the inputs are read side by side; the input buffers are reused,
     * so a read starts only once the merge of the tensor before is done.
     */
    private static Merged stream(MergeMethod method, List<MergeInput> readers, boolean withBase,
                                 Map<String, int[]> shapes, int largest, Path file, ExecutorService readAhead,
                                 Progress progress) throws IOException {
        int modelCount = withBase ? readers.size() - 1 : readers.size();
        float[][] models = new float[modelCount][largest];
        float[] base = withBase ? new float[largest] : null;
        float[][] buffers = new float[readers.size()][];
        System.arraycopy(models, 0, buffers, 0, modelCount);
        if (withBase) {
            buffers[modelCount] = base;
        }
        float[] out = new float[largest];
        List<SafetensorsWriter.Spec> specs = new ArrayList<>();
        long total = 0;
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            specs.add(new SafetensorsWriter.Spec(e.getKey(), e.getValue()));
            total += FloatTensor.numel(e.getValue());
        }
        long bytesRead = 0;
        for (MergeInput r : readers) {
            for (SafetensorsWriter.Spec spec : specs) {
                bytesRead += r.reader().info(spec.name()).byteLength();
            }
        }
        List<Future<?>> pending = new ArrayList<>();
        int[] next = {0};
        try (WorkerPool arithmetic = WorkerPool.ofAvailableProcessors();
             Progress.Task task = progress.start("merge " + method.name(), total * Float.BYTES, "B")) {
            if (!specs.isEmpty()) {
                readAll(readers, buffers, specs.get(0).name(), readAhead, pending);
            }
            SafetensorsWriter.write(file, specs, Map.of("chorus.merge", method.name()), spec -> {
                awaitAll(pending);
                int size = (int) FloatTensor.numel(spec.shape());
                method.merge(new MergeMethod.Tensor(spec.name(), size, models, base), out, arithmetic);
                for (int i = 0; i < size; i++) {
                    if (!Float.isFinite(out[i])) { // finite inputs, yet an overflow or 0/0 in the method
                        throw new InvalidInputException("merge " + method.name() + " produced " + out[i] + " in tensor "
                                + spec.name() + "; nothing was written, try other parameters or weights");
                    }
                }
                if (++next[0] < specs.size()) {
                    readAll(readers, buffers, specs.get(next[0]).name(), readAhead, pending);
                }
                task.advance((long) size * Float.BYTES);
                return new FloatTensor(spec.name(), spec.shape(), out, 0);
            });
        } finally {
            for (Future<?> f : pending) {
                f.cancel(true);
            }
        }
        return new Merged(total, bytesRead);
    }

    /** Starts reading tensor {@code name} of every input into its buffer, one task per input. */
    private static void readAll(List<MergeInput> readers, float[][] buffers, String name, ExecutorService readAhead,
                                List<Future<?>> pending) {
        pending.clear();
        for (int r = 0; r < readers.size(); r++) {
            MergeInput input = readers.get(r);
            float[] buffer = buffers[r];
            pending.add(readAhead.submit(() -> {
                input.readInto(name, buffer);
                requireFinite(input, name, buffer);
                return null;
            }));
        }
    }

    /** A NaN or infinite weight would pass through the arithmetic into the merged model: refused at the input. */
    private static void requireFinite(MergeInput input, String name, float[] buffer) {
        int size = (int) input.reader().info(name).numel();
        for (int i = 0; i < size; i++) {
            if (!Float.isFinite(buffer[i])) {
                throw new InvalidInputException(input.reader().path() + ": tensor " + name + " holds " + buffer[i]
                        + " at " + i + "; a model with NaN or infinite weights is corrupt or diverged and is not"
                        + " merged (retrain it or leave it out)");
            }
        }
    }

    /** Waits for every read, rethrowing the first failure as it was (an InvalidInputException stays one). */
    private static void awaitAll(List<Future<?>> pending) throws IOException {
        try {
            for (Future<?> f : pending) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading the inputs", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw Failures.unchecked(e.getCause());
        } finally {
            pending.clear();
        }
    }

    /**
     * A model reference as recipes write it: an absolute folder; else a folder relative to the run (seed,
     * dense, experts/e00, merged/ties); else the run's expert of that name (e00).
     */
    static Path resolve(RunDir run, String ref, String source) {
        Path given = Path.of(ref);
        List<Path> candidates = given.isAbsolute() ? List.of(given)
                : List.of(run.root().resolve(ref), run.expertsDir().resolve(ref));
        for (Path p : candidates) {
            if (Files.isRegularFile(p.resolve(Checkpoints.WEIGHTS_FILE))) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new InvalidInputException(source + ": model " + ref + " not found (looked for "
                + Checkpoints.WEIGHTS_FILE + " in "
                + String.join(" and ", candidates.stream().map(Path::toString).toList())
                + "); train it first or fix the name");
    }

    /** Every trained expert of the run, in order: what {@code --method} merges. */
    public static List<String> runExperts(RunDir run) throws IOException {
        Path dir = run.expertsDir();
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> list = Files.list(dir)) {
                list.filter(p -> Files.isRegularFile(p.resolve(Checkpoints.WEIGHTS_FILE)))
                        .map(p -> p.getFileName().toString()).sorted().forEach(names::add);
            }
        }
        if (names.isEmpty()) {
            throw new InvalidInputException("run " + run + " has no trained experts in " + dir
                    + "; run 'chorus train --run " + run + " --all' first");
        }
        return names;
    }

    /** Each model's expert domain's share of the training tokens; only a run's experts have one. */
    private static double[] dataShares(RunDir run, List<Path> models, String source) {
        double[] all;
        try {
            all = EvalStep.tokenShares(ClusterModel.load(run.clustersDir()));
        } catch (InvalidInputException e) {
            throw new InvalidInputException(source + ": weighting data needs the run's clusters (" + run.clustersDir()
                    + "): " + e.getMessage() + "; give weights or weighting: uniform");
        }
        double[] shares = new double[models.size()];
        for (int i = 0; i < models.size(); i++) {
            int expert = -1;
            for (int e = 0; e < all.length && expert < 0; e++) {
                if (run.expertDir(e).equals(models.get(i))) {
                    expert = e;
                }
            }
            if (expert < 0) {
                throw new InvalidInputException(source + ": " + models.get(i) + " is not one of the run's experts,"
                        + " so it has no data share; give weights or weighting: uniform");
            }
            shares[i] = all[expert];
        }
        return shares;
    }

    /** The config every input shares; the first one's (with its token ids) is the output's. */
    private static HfConfig sameConfig(List<Path> inputs) throws IOException {
        HfConfig first = Checkpoints.readConfig(inputs.get(0));
        for (Path in : inputs.subList(1, inputs.size())) {
            ModelConfig other = Checkpoints.readConfig(in).model();
            if (!other.equals(first.model())) {
                throw new InvalidInputException(in.resolve(HfConfig.FILE_NAME) + ": model shape differs from "
                        + inputs.get(0) + " (" + differences(other, first.model())
                        + "); only models of one shape merge");
            }
        }
        return first;
    }

    private static String differences(ModelConfig found, ModelConfig expected) {
        Map<String, Object> f = HfConfig.of(found).toJson();
        Map<String, Object> e = HfConfig.of(expected).toJson();
        List<String> faults = new ArrayList<>();
        for (Map.Entry<String, Object> x : e.entrySet()) {
            if (!x.getValue().equals(f.get(x.getKey()))) {
                faults.add(x.getKey() + " " + f.get(x.getKey()) + " vs " + x.getValue());
            }
        }
        return String.join(", ", faults);
    }

    /** Refuses a weights file whose tensors are not exactly the config's, or not readable as float. */
    private static void requireShapes(SafetensorsReader reader, Map<String, int[]> expected) {
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            TensorInfo t = reader.find(e.getKey()).orElseThrow(() -> new InvalidInputException(reader.path()
                    + ": has no tensor " + e.getKey() + ", which config.json implies; not a model of this shape"));
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new InvalidInputException(reader.path() + ": tensor " + e.getKey() + " has shape "
                        + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(e.getValue())
                        + "; only models of one shape merge");
            }
            if (!t.dtype().isReadableAsFloat()) {
                throw new InvalidInputException(reader.path() + ": tensor " + e.getKey() + " has dtype " + t.dtype()
                        + "; only F32, F16, BF16 and F64 weights merge");
            }
        }
        if (reader.tensors().size() != expected.size()) {
            List<String> extra = reader.tensors().stream().map(TensorInfo::name).filter(n -> !expected.containsKey(n))
                    .limit(3).toList();
            throw new InvalidInputException(reader.path() + ": holds tensors config.json does not describe ("
                    + String.join(", ", extra) + "); not a model of this shape");
        }
    }

    /** Refuses, before any work, a merge whose buffers (one largest tensor per input and one out) cannot fit. */
    private static void requireHeap(long largestElements, int buffers) {
        long needed = largestElements * Float.BYTES * buffers;
        long available = Runtime.getRuntime().maxMemory();
        if (needed > available * 0.9) {
            throw new InvalidInputException(String.format(Locale.ROOT, "merging needs %.0f MB of heap for %d"
                    + " buffers of the largest tensor, but the heap is %.0f MB; raise it with CHORUS_HEAP",
                    needed / 1e6, buffers, available / 1e6));
        }
    }

    /**
     * An existing non-empty {@code --out} is replaced only with {@code --force}, and only when it is a folder an
     * earlier merge wrote: a {@code provenance.json} of format {@value #FORMAT} and nothing but merge outputs.
     * Anything else (a run, an expert, a folder of the user's) is refused, because the swap deletes it.
     */
    private static void requireWritable(Path target, boolean force) throws IOException {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new InvalidInputException("--out " + target + " is a file, not a folder");
        }
        List<Path> entries;
        try (Stream<Path> list = Files.list(target)) {
            entries = list.sorted().toList();
        }
        if (entries.isEmpty()) {
            return;
        }
        if (!force) {
            throw new InvalidInputException("--out " + target + " already holds files; pass --force to replace it");
        }
        if (!isMergeOutput(target)) {
            throw new InvalidInputException("--out " + target + " is not a folder chorus merge wrote (no "
                    + RunDir.PROVENANCE + " of format " + FORMAT + "); --force replaces only merge outputs, so choose"
                    + " another folder");
        }
        for (Path p : entries) {
            if (!OUTPUT_FILES.contains(p.getFileName().toString()) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new InvalidInputException("--out " + target + " holds " + p.getFileName() + ", which chorus merge"
                        + " did not write; move it away or choose another folder (--force replaces only merge outputs)");
            }
        }
    }

    /** Whether {@code dir}'s provenance says a merge wrote it. */
    private static boolean isMergeOutput(Path dir) {
        Path file = RunDir.provenance(dir);
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try {
            return JsonFiles.read(file, Provenance.class) instanceof MergeProvenance p && FORMAT.equals(p.format());
        } catch (IOException e) {
            return false;
        }
    }

    /** Swaps the staged folder in: the old one (if any) is moved aside first and deleted after. */
    private static void moveIntoPlace(Path staging, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old-");
            Files.delete(old);
            Files.move(target, old);
        }
        Files.move(staging, target);
        if (old != null) {
            FileTrees.delete(old);
        }
    }

    private static void writeProvenance(Path file, MergeRecipe recipe, Path recipeFile, MergeMethod method,
                                        List<Path> models, List<String> refs, Path base,
                                        Map<Path, String> hashes, Result result) throws IOException {
        List<MergeProvenance.Input> merged = new ArrayList<>();
        double[] weights = method.weights();
        for (int i = 0; i < models.size(); i++) {
            merged.add(new MergeProvenance.Input(refs.get(i), models.get(i).toString(), weights[i],
                    hashes.get(models.get(i))));
        }
        JsonFiles.write(file, new MergeProvenance(FORMAT, MergeProvenance.KIND, method.name(), method.parameters(),
                recipe.toJson(RunSpec.JSON),
                recipeFile == null ? null : recipeFile.toAbsolutePath().normalize().toString(),
                recipeFile == null ? null : RunFingerprints.sha256(recipeFile), merged,
                base == null ? null : new MergeProvenance.Input(null, base.toString(), null, hashes.get(base)),
                result.tensors(), result.elements(), result.bytesRead(), result.bytesWritten(), result.seconds(),
                Instant.now().toString(), Chorus.VERSION, Chorus.gitCommit()));
    }
}
