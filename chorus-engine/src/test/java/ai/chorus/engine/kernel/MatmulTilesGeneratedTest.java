package ai.chorus.engine.kernel;

import org.junit.jupiter.api.Test;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Matmul's register tiles are the output of tools/GenMatmulTiles.java: the region between its markers
 * must be exactly what the committed generator prints, so a hand edit of either one fails here.
 */
class MatmulTilesGeneratedTest {

    @Test
    void generatedRegionIsTheGeneratorsOutput() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent(); // surefire runs in chorus-engine/
        Path generator = root.resolve("tools/GenMatmulTiles.java");
        Path matmul = root.resolve("chorus-engine/src/main/java/ai/chorus/engine/kernel/Matmul.java");
        Path out = Files.createTempDirectory("gen-tiles");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac.run(null, null, null, "-d", out.toString(), generator.toString())).isZero();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()}, null)) {
            Class<?> gen = loader.loadClass("GenMatmulTiles");
            String expected = (String) gen.getMethod("region").invoke(null);
            String source = Files.readString(matmul, StandardCharsets.UTF_8);
            String actual = (String) gen.getMethod("currentRegion", String.class).invoke(null, source);
            assertThat(actual)
                    .as("Matmul.java's generated region differs from `java tools/GenMatmulTiles.java`; "
                            + "change the generator and run it with --write")
                    .isEqualTo(expected);
            assertThat(actual).contains("private static void tile8x3(", "private static void tile1x1(");
        }
    }
}
