package dev.breakeven.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes a copy of a GGUF file with one more string in its metadata (e.g. a {@code
 * tokenizer.chat_template} for a model that has none), keeping its tensors byte for byte. A small,
 * independent reading of the format: metadata, then tensor descriptions, then the aligned data.
 */
public final class GgufCopy {
    private GgufCopy() {}

    public static Path withString(Path source, Path target, String key, String value) {
        try {
            byte[] in = Files.readAllBytes(source);
            ByteBuffer b = ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN);
            if (b.getInt() != 0x46554747) throw new IllegalArgumentException(source + " is not GGUF");
            int version = b.getInt();
            long tensors = b.getLong();
            long kvs = b.getLong();
            int kvStart = b.position();
            long alignment = 32;
            for (long i = 0; i < kvs; i++) {
                String k = string(b);
                int type = b.getInt();
                if (k.equals("general.alignment")) alignment = Integer.toUnsignedLong(b.getInt(b.position()));
                skip(b, type);
            }
            int kvEnd = b.position();
            for (long i = 0; i < tensors; i++) {
                string(b);
                int dims = b.getInt();
                b.position(b.position() + 8 * dims + 4 + 8);
            }
            int infoEnd = b.position();
            long dataStart = (infoEnd + alignment - 1) / alignment * alignment;

            ByteBuffer extra = ByteBuffer.allocate(8 + key.length() * 4 + 4 + 8 + value.length() * 4)
                    .order(ByteOrder.LITTLE_ENDIAN);
            putString(extra, key);
            extra.putInt(8); // string
            putString(extra, value);
            extra.flip();

            ByteBuffer head = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            head.putInt(0x46554747).putInt(version).putLong(tensors).putLong(kvs + 1);
            long newInfoEnd = 24 + (kvEnd - kvStart) + extra.remaining() + (infoEnd - kvEnd);
            long newDataStart = (newInfoEnd + alignment - 1) / alignment * alignment;
            ByteBuffer out = ByteBuffer.allocate((int) (newDataStart + (in.length - dataStart)));
            out.put(head.array());
            out.put(in, kvStart, kvEnd - kvStart);
            out.put(extra);
            out.put(in, kvEnd, infoEnd - kvEnd);
            out.position((int) newDataStart);
            out.put(Arrays.copyOfRange(in, (int) dataStart, in.length));
            Files.write(target, out.array());
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String string(ByteBuffer b) {
        int n = (int) b.getLong();
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static void putString(ByteBuffer b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.putLong(bytes.length).put(bytes);
    }

    private static void skip(ByteBuffer b, int type) {
        switch (type) {
            case 0, 1, 7 -> b.position(b.position() + 1);
            case 2, 3 -> b.position(b.position() + 2);
            case 4, 5, 6 -> b.position(b.position() + 4);
            case 10, 11, 12 -> b.position(b.position() + 8);
            case 8 -> string(b);
            case 9 -> {
                int elementType = b.getInt();
                long count = b.getLong();
                for (long i = 0; i < count; i++) skip(b, elementType);
            }
            default -> throw new IllegalArgumentException("unknown GGUF type " + type);
        }
    }
}
