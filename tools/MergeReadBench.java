import ai.chorus.engine.io.SafetensorsReader;
import ai.chorus.engine.io.TensorInfo;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;

/**
 * The two costs of docs/perf/merge.md that a merge pays per input byte: reading every tensor through
 * SafetensorsReader's memory maps into one reused buffer (as MergeStep does), and the SHA-256 that
 * provenance records. Run: java -Xmx512m --class-path chorus-engine/target/classes tools/MergeReadBench.java FILE [REPS]
 */
public class MergeReadBench {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        double gb = Files.size(file) / 1e9;
        for (int rep = 0; rep < reps; rep++) {
            long t0 = System.nanoTime();
            try (SafetensorsReader reader = SafetensorsReader.open(file)) {
                long largest = reader.tensors().stream().mapToLong(TensorInfo::numel).max().orElse(0);
                float[] buffer = new float[(int) largest];
                for (TensorInfo t : reader.tensors()) {
                    reader.readInto(t, buffer, 0);
                }
            }
            double read = (System.nanoTime() - t0) / 1e9;
            t0 = System.nanoTime();
            try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            double hash = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%.2f GB: mapped read %.2f GB/s, sha256 %.2f GB/s%n", gb, gb / read, gb / hash);
        }
    }
}
