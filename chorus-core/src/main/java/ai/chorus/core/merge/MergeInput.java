package ai.chorus.core.merge;

import ai.chorus.core.train.TrainJob;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.SafetensorsDtype;
import ai.chorus.engine.io.SafetensorsReader;
import ai.chorus.engine.io.TensorInfo;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * One input of a merge, read once: each F32 tensor's bytes come in with positional reads into one reused
 * chunk, are converted to float with a bulk copy, and the same bytes feed the SHA-256 of the file that
 * provenance records. Reading the page cache this way is several times faster than mapping a window per
 * tensor, and hashing what is read anyway saves a second pass over every input.
 *
 * <p>The hash is of the whole file only when the tensors are read front to back (as models Chorus writes
 * are); otherwise, or for F16/BF16/F64 tensors (converted by {@link SafetensorsReader}), {@link #sha256}
 * hashes the file separately at the end. Either way the hash equals {@link TrainJob#sha256(Path)}.
 *
 * <p>Not thread-safe: one thread reads an input at a time (the merge hands each input to one task).
 */
final class MergeInput implements Closeable {
    /** Bytes read at once: large enough to amortise a system call, small enough to stay in L2/L3. */
    private static final int CHUNK_BYTES = 1 << 20;

    private final SafetensorsReader reader;
    private final FileChannel channel;
    private final long fileLength;
    private final long dataStart;
    private final MessageDigest digest;
    private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final FloatBuffer chunkFloats = chunk.asFloatBuffer();
    /** The file's bytes [0, hashedTo) are in the digest; -1 once a read left that order. */
    private long hashedTo;

    private MergeInput(SafetensorsReader reader, FileChannel channel) throws IOException {
        this.reader = reader;
        this.channel = channel;
        this.fileLength = channel.size();
        List<TensorInfo> tensors = reader.tensors();
        // the reader has checked that the tensors cover the data contiguously up to the end of the file
        this.dataStart = fileLength - (tensors.isEmpty() ? 0 : tensors.get(tensors.size() - 1).end());
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        hashRange(0, dataStart); // the length and the header
        this.hashedTo = dataStart;
    }

    /** Opens and validates {@code file} (all of {@link SafetensorsReader#open}'s checks). */
    static MergeInput open(Path file) throws IOException {
        SafetensorsReader reader = SafetensorsReader.open(file);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            return new MergeInput(reader, channel);
        } catch (IOException | RuntimeException e) {
            reader.close();
            if (channel != null) {
                channel.close();
            }
            throw e;
        }
    }

    SafetensorsReader reader() {
        return reader;
    }

    /** Converts tensor {@code name} into {@code dst[0, numel)}, hashing its bytes when they come in file order. */
    void readInto(String name, float[] dst) throws IOException {
        TensorInfo t = reader.info(name);
        long position = dataStart + t.begin();
        if (t.dtype() != SafetensorsDtype.F32) {
            reader.readInto(t, dst, 0);
            hashedTo = -1;
            return;
        }
        if (t.numel() > dst.length) {
            throw new IllegalArgumentException(name + ": " + t.numel() + " elements do not fit in " + dst.length);
        }
        boolean hashing = position == hashedTo;
        long remaining = t.byteLength();
        int at = 0;
        while (remaining > 0) {
            int bytes = (int) Math.min(remaining, CHUNK_BYTES);
            readChunk(position, bytes);
            if (hashing) {
                digest.update(chunk.array(), 0, bytes);
            }
            chunkFloats.get(0, dst, at, bytes / Float.BYTES); // raw bits: NaN payloads survive
            at += bytes / Float.BYTES;
            position += bytes;
            remaining -= bytes;
        }
        hashedTo = hashing ? position : -1;
    }

    /** The file's SHA-256 in hex: from the bytes read when they covered the file in order, else read again. */
    String sha256() throws IOException {
        if (hashedTo == fileLength) {
            return HexFormat.of().formatHex(digest.digest());
        }
        return TrainJob.sha256(reader.path());
    }

    private void hashRange(long from, long to) throws IOException {
        for (long position = from; position < to; ) {
            int bytes = (int) Math.min(to - position, CHUNK_BYTES);
            readChunk(position, bytes);
            digest.update(chunk.array(), 0, bytes);
            position += bytes;
        }
    }

    /** Fills {@code chunk[0, bytes)} from the file at {@code position}. */
    private void readChunk(long position, int bytes) throws IOException {
        chunk.clear().limit(bytes);
        while (chunk.hasRemaining()) {
            if (channel.read(chunk, position + chunk.position()) < 0) {
                throw new InvalidInputException(reader.path() + ": file shrank while being read; merge again once"
                        + " nothing else writes it");
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            reader.close();
        }
    }
}
