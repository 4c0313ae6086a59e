package dev.breakeven.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.testing.TestModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of unusable model file is refused with one line that names the file and says what is
 * wrong, before llama.cpp sees it; a sound file's header is read correctly.
 */
class ModelFileTest {
    @TempDir
    Path dir;

    @Test
    void theTestModel_headerIsRead() {
        GgufFile file = GgufFile.read(TestModel.require());

        assertThat(file.version()).isEqualTo(3);
        assertThat(file.architecture()).isEqualTo("llama");
        assertThat(file.chatTemplate()).isNull();
        assertThat(file.tokenizer()).isEqualTo("llama");
        assertThat(file.addBos()).isTrue();
        assertThat(file.addEos()).isFalse();
        assertThat(file.vocabularySize()).isEqualTo(512);
        assertThat(file.contextLength()).isEqualTo(2048);
        assertThat(file.tensors()).isEqualTo(48);
        assertThat(file.requiredBytes()).isEqualTo(file.size()).isEqualTo(1_185_376);
        assertThat(file.singleCharacterPieces()).contains("’", "é").doesNotContain("a");
    }

    @Test
    void missingFile() {
        assertOneLine(dir.resolve("nope.gguf"), "does not exist");
    }

    @Test
    void directory() {
        assertOneLine(dir, "is a directory");
    }

    @Test
    void emptyFile() throws Exception {
        assertOneLine(Files.write(dir.resolve("empty.gguf"), new byte[0]), "is empty");
    }

    @Test
    void textFile() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.gguf"), "hello, this is not a model\n");
        assertOneLine(text, "is not a GGUF file: it starts with \"hell\" instead of \"GGUF\"");
    }

    @Test
    void randomBytes_withAGgufName() throws Exception {
        byte[] noise = new byte[64 * 1024];
        new Random(7).nextBytes(noise);
        noise[0] = (byte) 0x8f; // never "G"
        assertOneLine(Files.write(dir.resolve("random.gguf"), noise), "is not a GGUF file: it starts with bytes 8f");
    }

    @Test
    void tinyFile() throws Exception {
        assertOneLine(Files.write(dir.resolve("tiny.gguf"), new byte[] {'G', 'G'}), "only 2 bytes long");
    }

    @Test
    void truncatedInTheTensorData() throws Exception {
        byte[] model = Files.readAllBytes(TestModel.require());
        Path cut = Files.write(dir.resolve("cut.gguf"), Arrays.copyOf(model, 600_000));
        assertOneLine(cut, "is truncated: it has 600000 bytes but its tensors need 1185376");
    }

    @Test
    void truncatedInTheHeader() throws Exception {
        byte[] model = Files.readAllBytes(TestModel.require());
        Path cut = Files.write(dir.resolve("head.gguf"), Arrays.copyOf(model, 100));
        assertOneLine(cut, "is truncated or corrupt: it claims 19 metadata entries but only 76 bytes follow");
    }

    @Test
    void ggufMagic_followedByGarbage() throws Exception {
        byte[] bytes = new byte[4096];
        new Random(3).nextBytes(bytes);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(0x46554747).putInt(3);
        assertOneLine(Files.write(dir.resolve("garbage.gguf"), bytes), "is truncated or corrupt: it claims");
    }

    @Test
    void versionOne() throws Exception {
        byte[] bytes = new byte[64];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(0x46554747).putInt(1);
        assertOneLine(Files.write(dir.resolve("old.gguf"), bytes), "uses GGUF version 1");
    }

    @Test
    void aStringLongerThanTheFile() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x46554747).putInt(3).putLong(0).putLong(1).putLong(1_000_000); // key claims 1 MB
        assertOneLine(
                Files.write(dir.resolve("long.gguf"), b.array()),
                "is truncated or corrupt: a metadata key at byte 24 claims 1000000 bytes but only 32 follow");
    }

    private static void assertOneLine(Path path, String reason) {
        assertThatThrownBy(() -> GgufFile.read(path))
                .isInstanceOf(ModelFileException.class)
                .hasMessageStartingWith("model file " + path + " ")
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
