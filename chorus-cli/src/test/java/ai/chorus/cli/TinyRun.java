package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunSpec;
import ai.chorus.core.train.TrainSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A small prepared and clustered run with a tiny model, for end-to-end training tests. */
final class TinyRun {
    private TinyRun() {}

    static final String[] TOPICS = {
        "the cat sat on the mat and purred while the dog slept by the warm fire in the kitchen",
        "stocks fell sharply as markets opened and investors sold bonds banks and shares in a panic",
        "die Katze schläft auf dem Sofa und der Hund bellt laut im Garten hinter dem alten Haus",
        "la pluie tombe sur la ville et les enfants jouent dans le parc près de la rivière calme",
    };

    /** Prepares and clusters a 2-expert run at {@code dir} with tiny train settings. */
    static RunDir create(Path dir, int steps, int checkpointEvery) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 240; i++) {
            String t = TOPICS[i % 4];
            b.append("{\"text\":\"").append(t).append(" — item ").append(i).append(' ').append(t, 0, 20 + i % 30)
                    .append("\"}\n");
        }
        Path corpus = dir.resolveSibling(dir.getFileName() + "-corpus.jsonl");
        Files.writeString(corpus, b.toString());
        assertThat(CliRunner.run("prepare", "--run", dir.toString(), "--corpus", corpus.toString(), "--vocab", "320")
                .exitCode()).isZero();
        CliRunner.Result c = CliRunner.run("cluster", "--run", dir.toString(), "--experts", "2", "--fine", "8");
        assertThat(c.exitCode()).as(c.err()).isZero();
        RunDir run = RunDir.of(dir);
        TrainSettings s = new TrainSettings("test", 2, 32, 64, 2, 2, 32, 4, 4L * 32 * steps, 4L * 32 * steps,
                TrainSettings.EQUAL, 3e-3, 2e-3, 0.1, 0.1, 0.1, 1.0, 10, 2, checkpointEvery, 7L, 11L, 10000.0, null);
        RunSpec spec = RunSpec.read(run);
        spec.root().set("train", RunSpec.JSON.valueToTree(s));
        spec.write(run.runJson());
        return run;
    }

    /** {@link #create} with the seed trained, the base that tests copy for each case. */
    static RunDir withSeed(Path dir, int steps, int checkpointEvery) throws IOException {
        RunDir run = create(dir, steps, checkpointEvery);
        CliRunner.Result r = CliRunner.run("train", "--run", run.toString(), "--seed", "--threads", "2");
        assertThat(r.exitCode()).as(r.err()).isZero();
        return run;
    }

    /** A copy of {@code base} at {@code to}. */
    static RunDir copy(RunDir base, Path to) throws IOException {
        copyTree(base.root(), to);
        return RunDir.of(to);
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
