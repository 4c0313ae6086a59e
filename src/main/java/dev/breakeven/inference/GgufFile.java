package dev.breakeven.inference;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What Breakeven reads from a GGUF model file before llama.cpp opens it: the header, the metadata it
 * needs (architecture, chat template, tokenizer flags) and the tensor table, checked against the
 * file's length. llama.cpp answers every bad file with the same "could not load model"; reading the
 * header first turns that into a reason a person can act on (missing, empty, not GGUF, truncated,
 * corrupt).
 *
 * @param size the file's length in bytes
 * @param version the GGUF version (2 or 3)
 * @param architecture {@code general.architecture}, e.g. {@code llama}
 * @param name {@code general.name}, or null
 * @param chatTemplate {@code tokenizer.chat_template}, or null when the file has none
 * @param contextLength the context the model was trained with ({@code <arch>.context_length}), or 0
 * @param tokenizer {@code tokenizer.ggml.model}: {@code llama} (SentencePiece), {@code gpt2} (byte-level
 *     BPE), …; null if absent
 * @param addBos whether llama.cpp puts a beginning-of-sequence token before every prompt
 * @param addEos whether llama.cpp puts an end-of-sequence token after every prompt
 * @param vocabularySize number of tokens in the vocabulary
 * @param singleCharacterPieces the vocabulary's tokens that are exactly one character of two or more
 *     UTF-8 bytes (used to count tokens that llama.cpp hands over merged, see {@link TokenTally})
 * @param tensors number of tensors
 * @param requiredBytes the length the file must have to hold all its tensor data
 */
public record GgufFile(
        Path path,
        long size,
        int version,
        String architecture,
        String name,
        String chatTemplate,
        long contextLength,
        String tokenizer,
        boolean addBos,
        boolean addEos,
        int vocabularySize,
        Set<String> singleCharacterPieces,
        long tensors,
        long requiredBytes) {

    private static final int MAGIC = 0x46554747; // "GGUF" read little-endian
    private static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_DIMS = 4;

    // GGUF value types
    private static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6;
    private static final int BOOL = 7, STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;

    /**
     * Reads and checks the file.
     *
     * @throws ModelFileException naming the file and what is wrong with it
     */
    public static GgufFile read(Path path) {
        if (Files.isDirectory(path)) throw new ModelFileException(path, "is a directory, not a GGUF file");
        if (!Files.exists(path)) throw new ModelFileException(path, "does not exist");
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size == 0) throw new ModelFileException(path, "is empty");
            return new Parser(path, channel, size).parse();
        } catch (NoSuchFileException e) {
            throw new ModelFileException(path, "does not exist");
        } catch (AccessDeniedException e) {
            throw new ModelFileException(path, "cannot be read: permission denied");
        } catch (IOException e) {
            throw new ModelFileException(path, "cannot be read: " + e.getMessage(), e);
        }
    }

    /** Bytes per block and elements per block of each ggml tensor type, by type id; 0 where unknown. */
    private static final int[][] TYPE_SIZES = typeSizes();

    private static int[][] typeSizes() {
        int[][] t = new int[40][];
        t[0] = new int[] {4, 1}; // F32
        t[1] = new int[] {2, 1}; // F16
        t[2] = new int[] {18, 32}; // Q4_0
        t[3] = new int[] {20, 32}; // Q4_1
        t[6] = new int[] {22, 32}; // Q5_0
        t[7] = new int[] {24, 32}; // Q5_1
        t[8] = new int[] {34, 32}; // Q8_0
        t[9] = new int[] {36, 32}; // Q8_1
        t[10] = new int[] {84, 256}; // Q2_K
        t[11] = new int[] {110, 256}; // Q3_K
        t[12] = new int[] {144, 256}; // Q4_K
        t[13] = new int[] {176, 256}; // Q5_K
        t[14] = new int[] {210, 256}; // Q6_K
        t[15] = new int[] {292, 256}; // Q8_K
        t[16] = new int[] {66, 256}; // IQ2_XXS
        t[17] = new int[] {74, 256}; // IQ2_XS
        t[18] = new int[] {98, 256}; // IQ3_XXS
        t[19] = new int[] {50, 256}; // IQ1_S
        t[20] = new int[] {18, 32}; // IQ4_NL
        t[21] = new int[] {110, 256}; // IQ3_S
        t[22] = new int[] {82, 256}; // IQ2_S
        t[23] = new int[] {136, 256}; // IQ4_XS
        t[24] = new int[] {1, 1}; // I8
        t[25] = new int[] {2, 1}; // I16
        t[26] = new int[] {4, 1}; // I32
        t[27] = new int[] {8, 1}; // I64
        t[28] = new int[] {8, 1}; // F64
        t[29] = new int[] {56, 256}; // IQ1_M
        t[30] = new int[] {2, 1}; // BF16
        t[34] = new int[] {54, 256}; // TQ1_0
        t[35] = new int[] {66, 256}; // TQ2_0
        return t;
    }

    /** Walks the file once, front to back, refusing any length that would run past its end. */
    private static final class Parser {
        private final Path path;
        private final FileChannel channel;
        private final long size;
        private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        private long bufStart;

        private final Map<String, Long> contextLengths = new HashMap<>();
        private final Set<String> singleCharacterPieces = new HashSet<>();
        private String architecture;
        private String name;
        private String chatTemplate;
        private String tokenizer;
        private Boolean addBos;
        private Boolean addEos;
        private int vocabularySize;
        private long alignment = DEFAULT_ALIGNMENT;

        Parser(Path path, FileChannel channel, long size) {
            this.path = path;
            this.channel = channel;
            this.size = size;
            buf.limit(0);
        }

        GgufFile parse() throws IOException {
            if (size < 4) throw new ModelFileException(path, "is not a GGUF file: it is only " + size + " bytes long");
            need(4);
            int magic = buf.getInt();
            if (magic != MAGIC) {
                throw new ModelFileException(
                        path, "is not a GGUF file: it starts with " + describe(magic) + " instead of \"GGUF\"");
            }
            if (size < 24) throw corrupt("its header ends after " + size + " bytes");
            need(4);
            int version = buf.getInt();
            if (version == 1)
                throw new ModelFileException(path, "uses GGUF version 1, which llama.cpp no longer reads");
            if (version < 1 || version > 3) {
                throw new ModelFileException(
                        path,
                        "has GGUF version " + Integer.toUnsignedString(version)
                                + ", which this llama.cpp cannot read (it reads 2 and 3; big-endian files are not supported)");
            }
            long tensorCount = u64("the tensor count");
            long kvCount = u64("the metadata count");
            if (kvCount < 0 || kvCount > remaining() / 13)
                throw claims(Long.toUnsignedString(kvCount) + " metadata entries");
            for (long i = 0; i < kvCount; i++) keyValue();
            if (tensorCount < 0 || tensorCount > remaining() / 24)
                throw claims(Long.toUnsignedString(tensorCount) + " tensors");
            long dataNeeded = 0;
            for (long i = 0; i < tensorCount; i++) dataNeeded = Math.max(dataNeeded, tensorInfo());
            if (alignment <= 0 || Long.bitCount(alignment) != 1)
                throw corrupt("general.alignment is " + alignment + ", not a power of two");
            long dataStart = (position() + alignment - 1) / alignment * alignment;
            long required = dataStart + dataNeeded;
            if (required > size) {
                throw new ModelFileException(
                        path, "is truncated: it has " + size + " bytes but its tensors need " + required);
            }
            if (architecture == null) throw corrupt("it has no general.architecture");
            boolean sentencePiece = tokenizer == null || tokenizer.equals("llama");
            boolean defaultBos = sentencePiece || tokenizer.equals("bert");
            boolean defaultEos = "t5".equals(tokenizer);
            return new GgufFile(
                    path,
                    size,
                    version,
                    architecture,
                    name,
                    chatTemplate,
                    contextLengths.getOrDefault(architecture + ".context_length", 0L),
                    tokenizer,
                    addBos != null ? addBos : defaultBos,
                    addEos != null ? addEos : defaultEos,
                    vocabularySize,
                    Set.copyOf(singleCharacterPieces),
                    tensorCount,
                    required);
        }

        private void keyValue() throws IOException {
            String key = string("a metadata key");
            need(4);
            int type = buf.getInt();
            switch (key) {
                case "general.architecture" -> architecture = stringValue(key, type);
                case "general.name" -> name = stringValue(key, type);
                case "tokenizer.chat_template" -> chatTemplate = stringValue(key, type);
                case "tokenizer.ggml.model" -> tokenizer = stringValue(key, type);
                case "tokenizer.ggml.add_bos_token" -> addBos = boolValue(key, type);
                case "tokenizer.ggml.add_eos_token" -> addEos = boolValue(key, type);
                case "general.alignment" -> alignment = integer(key, type);
                case "tokenizer.ggml.tokens" -> tokens(key, type);
                default -> {
                    if (key.endsWith(".context_length") && isInteger(type)) contextLengths.put(key, integer(key, type));
                    else skipValue(key, type);
                }
            }
        }

        private void tokens(String key, int type) throws IOException {
            if (type != ARRAY) {
                skipValue(key, type);
                return;
            }
            need(12);
            int elementType = buf.getInt();
            long count = buf.getLong();
            if (elementType != STRING) {
                skipArray(key, elementType, count);
                return;
            }
            if (count < 0 || count > remaining() / 8) throw claims(Long.toUnsignedString(count) + " tokens in " + key);
            vocabularySize = (int) count;
            for (long i = 0; i < count; i++) {
                String piece = string(key);
                if (piece.codePointCount(0, piece.length()) == 1 && piece.codePointAt(0) > 0x7F) {
                    singleCharacterPieces.add(piece);
                }
            }
        }

        /** Reads a tensor's description and returns where its data ends, relative to the data section. */
        private long tensorInfo() throws IOException {
            String tensor = string("a tensor name");
            need(4);
            int dims = buf.getInt();
            if (dims < 0 || dims > MAX_DIMS) throw corrupt("tensor '" + tensor + "' has " + dims + " dimensions");
            long elements = 1;
            long first = 1;
            for (int d = 0; d < dims; d++) {
                long n = u64("a dimension of tensor '" + tensor + "'");
                if (n < 0) throw corrupt("tensor '" + tensor + "' has a negative dimension");
                if (d == 0) first = n;
                try {
                    elements = Math.multiplyExact(elements, n);
                } catch (ArithmeticException e) {
                    throw corrupt("tensor '" + tensor + "' is impossibly large");
                }
            }
            need(12);
            int type = buf.getInt();
            long offset = buf.getLong();
            if (offset < 0) throw corrupt("tensor '" + tensor + "' has a negative offset");
            int[] sizes = type >= 0 && type < TYPE_SIZES.length ? TYPE_SIZES[type] : null;
            if (sizes == null) return offset; // a type this reader does not know: llama.cpp will judge it
            if (first % sizes[1] != 0) throw corrupt("tensor '" + tensor + "' does not fill whole blocks");
            long bytes;
            try {
                bytes = Math.multiplyExact(elements / sizes[1], (long) sizes[0]);
            } catch (ArithmeticException e) {
                throw corrupt("tensor '" + tensor + "' is impossibly large");
            }
            return offset + bytes;
        }

        private String stringValue(String key, int type) throws IOException {
            if (type != STRING) throw corrupt(key + " is not a string");
            return string(key);
        }

        private boolean boolValue(String key, int type) throws IOException {
            if (type != BOOL) throw corrupt(key + " is not a boolean");
            need(1);
            return buf.get() != 0;
        }

        private static boolean isInteger(int type) {
            return type == UINT8
                    || type == INT8
                    || type == UINT16
                    || type == INT16
                    || type == UINT32
                    || type == INT32
                    || type == UINT64
                    || type == INT64;
        }

        private long integer(String key, int type) throws IOException {
            switch (type) {
                case UINT8, INT8 -> {
                    need(1);
                    return type == UINT8 ? Byte.toUnsignedLong(buf.get()) : buf.get();
                }
                case UINT16, INT16 -> {
                    need(2);
                    return type == UINT16 ? Short.toUnsignedLong(buf.getShort()) : buf.getShort();
                }
                case UINT32, INT32 -> {
                    need(4);
                    return type == UINT32 ? Integer.toUnsignedLong(buf.getInt()) : buf.getInt();
                }
                case UINT64, INT64 -> {
                    need(8);
                    return buf.getLong();
                }
                default -> throw corrupt(key + " is not an integer");
            }
        }

        private void skipValue(String key, int type) throws IOException {
            switch (type) {
                case UINT8, INT8, BOOL -> skip(1, key);
                case UINT16, INT16 -> skip(2, key);
                case UINT32, INT32, FLOAT32 -> skip(4, key);
                case UINT64, INT64, FLOAT64 -> skip(8, key);
                case STRING -> skip(u64(key), key);
                case ARRAY -> {
                    need(12);
                    int elementType = buf.getInt();
                    skipArray(key, elementType, buf.getLong());
                }
                default -> throw corrupt(key + " has an unknown value type " + type);
            }
        }

        private void skipArray(String key, int elementType, long count) throws IOException {
            if (count < 0 || count > remaining()) throw claims(Long.toUnsignedString(count) + " elements in " + key);
            long width =
                    switch (elementType) {
                        case UINT8, INT8, BOOL -> 1;
                        case UINT16, INT16 -> 2;
                        case UINT32, INT32, FLOAT32 -> 4;
                        case UINT64, INT64, FLOAT64 -> 8;
                        default -> 0;
                    };
            if (width > 0) {
                skip(count * width, key);
                return;
            }
            for (long i = 0; i < count; i++) skipValue(key, elementType);
        }

        private String string(String what) throws IOException {
            long length = u64(what);
            if (length < 0 || length > remaining()) {
                throw new ModelFileException(
                        path,
                        "is truncated or corrupt: " + what + " at byte " + (position() - 8) + " claims "
                                + Long.toUnsignedString(length) + " bytes but only " + remaining() + " follow");
            }
            if (length > Integer.MAX_VALUE - 16) throw corrupt(what + " is impossibly long");
            byte[] bytes = new byte[(int) length];
            int done = 0;
            while (done < bytes.length) {
                need(1);
                int n = Math.min(buf.remaining(), bytes.length - done);
                buf.get(bytes, done, n);
                done += n;
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }

        private long u64(String what) throws IOException {
            need(8);
            return buf.getLong();
        }

        private long position() {
            return bufStart + buf.position();
        }

        private long remaining() {
            return size - position();
        }

        private void skip(long n, String what) throws IOException {
            if (n < 0 || n > remaining()) throw ended();
            if (n <= buf.remaining()) {
                buf.position(buf.position() + (int) n);
                return;
            }
            bufStart = position() + n;
            buf.clear().limit(0);
        }

        /** Makes at least {@code n} (at most the buffer's size) bytes readable, or fails: the file ends. */
        private void need(int n) throws IOException {
            if (buf.remaining() >= n) return;
            long at = position();
            if (at + n > size) throw ended();
            buf.compact(); // the unread bytes move to the front, which is now file position `at`
            bufStart = at;
            long readAt = at + buf.position();
            while (buf.hasRemaining() && readAt < size) {
                int read = channel.read(buf, readAt);
                if (read < 0) break;
                readAt += read;
            }
            buf.flip();
            if (buf.remaining() < n) throw ended();
        }

        private ModelFileException ended() {
            return new ModelFileException(
                    path, "is truncated or corrupt: its header runs past the end of the file (" + size + " bytes)");
        }

        /** A count that the rest of the file cannot hold: cut short, or not a count at all. */
        private ModelFileException claims(String what) {
            return new ModelFileException(
                    path, "is truncated or corrupt: it claims " + what + " but only " + remaining() + " bytes follow");
        }

        private ModelFileException corrupt(String detail) {
            return new ModelFileException(path, "is corrupt: " + detail);
        }

        private static String describe(int magic) {
            byte[] b = ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(magic)
                    .array();
            boolean printable = true;
            for (byte x : b) printable &= x >= 0x20 && x < 0x7F;
            if (printable) return "\"" + new String(b, StandardCharsets.US_ASCII) + "\"";
            StringBuilder hex = new StringBuilder("bytes");
            for (byte x : b) hex.append(String.format(" %02x", x));
            return hex.toString();
        }
    }
}
