package ai.chorus.core.cluster;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.CRC32;

/**
 * A raw array of little-endian IEEE float32 values, no header ({@code numpy.fromfile(p, "<f4")}
 * reads it). Its JSON companion records the count and the CRC-32 of the bytes, so a data file that
 * does not belong to its header is caught on load.
 */
final class Float32File {
    private Float32File() {}

    /** Writes the floats atomically and returns the CRC-32 of the written bytes. */
    static long write(Path file, float[] values) throws IOException {
        byte[] bytes = toBytes(values);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        AtomicFiles.write(file, out -> out.write(bytes));
        return crc.getValue();
    }

    static byte[] toBytes(float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return buf.array();
    }

    static float[] read(Path file, long expectedCount, long expectedCrc) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + " is missing; re-run `chorus cluster`");
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (bytes.length != expectedCount * Float.BYTES) {
            throw new InvalidInputException(file + " has " + bytes.length + " bytes but its header expects "
                    + expectedCount + " float32 values; the clusters directory is corrupt, re-run `chorus cluster`");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes);
        if (crc.getValue() != expectedCrc) {
            throw new InvalidInputException(file + " does not match the checksum in its JSON header;"
                    + " the clusters directory is corrupt or half-copied, re-run `chorus cluster`");
        }
        float[] values = new float[(int) expectedCount];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }
}
