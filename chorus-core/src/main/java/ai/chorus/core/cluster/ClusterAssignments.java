package ai.chorus.core.cluster;

import ai.chorus.core.corpus.Split;
import ai.chorus.core.run.RunDir;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Which fine cluster and expert every document belongs to: {@code clusters/assignments.bin}.
 *
 * <p>Format (all little-endian): the 8 ASCII bytes {@code CHORUSAS}, int32 version (1), int32 count
 * N, then N records of four int32 — doc index, split code ({@link Split#ordinal()}: 0 train,
 * 1 valid, 2 test), fine cluster, expert — sorted by doc index. 16 + 16·N bytes; numpy reads the
 * records as {@code np.fromfile(p, "<i4", offset=16).reshape(-1, 4)}.
 */
public final class ClusterAssignments {
    static final String FILE = RunDir.ASSIGNMENTS;
    private static final byte[] MAGIC = "CHORUSAS".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int HEADER_BYTES = 16;
    private static final int RECORD_BYTES = 16;

    private final int[] docIndex;
    private final byte[] split;
    private final int[] fine;
    private final int[] expert;

    /** Arrays aligned by position and sorted by doc index (the caller guarantees both). */
    ClusterAssignments(int[] docIndex, byte[] split, int[] fine, int[] expert) {
        this.docIndex = docIndex;
        this.split = split;
        this.fine = fine;
        this.expert = expert;
    }

    public int size() {
        return docIndex.length;
    }

    public int docIndex(int i) {
        return docIndex[i];
    }

    public Split split(int i) {
        return Split.ofCode(split[i]);
    }

    public int fine(int i) {
        return fine[i];
    }

    public int expert(int i) {
        return expert[i];
    }

    /** The expert of a document, or -1 if the document index is not assigned. */
    public int expertOf(int doc) {
        int i = Arrays.binarySearch(docIndex, doc);
        return i >= 0 ? expert[i] : -1;
    }

    /** The fine cluster of a document, or -1 if the document index is not assigned. */
    public int fineOf(int doc) {
        int i = Arrays.binarySearch(docIndex, doc);
        return i >= 0 ? fine[i] : -1;
    }

    void write(Path dir) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + RECORD_BYTES * docIndex.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).putInt(VERSION).putInt(docIndex.length);
        for (int i = 0; i < docIndex.length; i++) {
            buf.putInt(docIndex[i]).putInt(split[i]).putInt(fine[i]).putInt(expert[i]);
        }
        byte[] bytes = buf.array();
        AtomicFiles.write(dir.resolve(FILE), out -> out.write(bytes));
    }

    /** Reads {@code clustersDir/assignments.bin}; a missing or malformed file is an InvalidInputException. */
    public static ClusterAssignments read(Path clustersDir) {
        Path file = clustersDir.resolve(FILE);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + " is missing; run `chorus cluster` first");
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + file + ": " + e.getMessage(), e);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < HEADER_BYTES || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)
                || buf.getInt(8) != VERSION) {
            throw new InvalidInputException(file + " is not a Chorus assignments file (version " + VERSION
                    + "); re-run `chorus cluster`");
        }
        int n = buf.getInt(12);
        if (n < 0 || bytes.length != HEADER_BYTES + (long) RECORD_BYTES * n) {
            throw new InvalidInputException(file + " is truncated or corrupt (" + bytes.length + " bytes for "
                    + n + " records); re-run `chorus cluster`");
        }
        int[] docIndex = new int[n];
        byte[] split = new byte[n];
        int[] fine = new int[n];
        int[] expert = new int[n];
        buf.position(HEADER_BYTES);
        for (int i = 0; i < n; i++) {
            docIndex[i] = buf.getInt();
            int s = buf.getInt();
            fine[i] = buf.getInt();
            expert[i] = buf.getInt();
            if (s < 0 || s >= Split.values().length || fine[i] < 0 || expert[i] < 0 || docIndex[i] < 0
                    || (i > 0 && docIndex[i] <= docIndex[i - 1])) {
                throw new InvalidInputException(file + " record " + i + " is corrupt; re-run `chorus cluster`");
            }
            split[i] = (byte) s;
        }
        return new ClusterAssignments(docIndex, split, fine, expert);
    }
}
