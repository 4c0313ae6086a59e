package dev.breakeven.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a llama-architecture GGUF file of any size with random F16 weights and the vocabulary of
 * an existing file (stories260K's). Its text is noise, but a step costs what a real model of that
 * shape costs: it reads every weight from memory. The benchmark uses it to compare concurrency
 * designs on a model whose steps are memory-bound, as real models' are, since the only real model
 * at hand (260K parameters) fits in the CPU's cache.
 */
final class SyntheticGguf {
    private SyntheticGguf() {}

    record Shape(int embedding, int layers, int feedForward, int heads) {
        long parameters(int vocabulary) {
            long perLayer = 4L * embedding * embedding + 3L * embedding * feedForward;
            return layers * perLayer + 2L * embedding * vocabulary;
        }
    }

    private record Tensor(String name, long[] dims, int type) {
        long bytes() {
            long n = 1;
            for (long d : dims) n *= d;
            return n * (type == 0 ? 4 : 2);
        }
    }

    static Path write(Path vocabularySource, Path target, Shape shape) throws IOException {
        ByteBuffer src = ByteBuffer.wrap(Files.readAllBytes(vocabularySource)).order(ByteOrder.LITTLE_ENDIAN);
        src.getInt();
        src.getInt();
        src.getLong();
        long kvs = src.getLong();
        List<byte[]> kept = new ArrayList<>();
        int vocabulary = 0;
        for (long i = 0; i < kvs; i++) {
            int start = src.position();
            String key = string(src);
            int type = src.getInt();
            if (key.equals("tokenizer.ggml.tokens")) vocabulary = (int) src.getLong(src.position() + 4);
            skip(src, type);
            if (key.startsWith("tokenizer.")) {
                byte[] raw = new byte[src.position() - start];
                src.get(start, raw);
                kept.add(raw);
            }
        }

        ByteBuffer meta = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        int count = kept.size();
        putString(meta, "general.architecture").putInt(8);
        putString(meta, "llama");
        putString(meta, "general.name").putInt(8);
        putString(meta, "synthetic");
        count += 2;
        count += u32(meta, "llama.context_length", 4096);
        count += u32(meta, "llama.embedding_length", shape.embedding());
        count += u32(meta, "llama.feed_forward_length", shape.feedForward());
        count += u32(meta, "llama.attention.head_count", shape.heads());
        count += u32(meta, "llama.attention.head_count_kv", shape.heads());
        count += u32(meta, "llama.block_count", shape.layers());
        count += u32(meta, "llama.rope.dimension_count", shape.embedding() / shape.heads());
        putString(meta, "llama.attention.layer_norm_rms_epsilon").putInt(6).putFloat(1e-5f);
        count++;
        meta.flip();

        int e = shape.embedding();
        int ff = shape.feedForward();
        List<Tensor> tensors = new ArrayList<>();
        tensors.add(new Tensor("token_embd.weight", new long[] {e, vocabulary}, 1));
        tensors.add(new Tensor("output_norm.weight", new long[] {e}, 0));
        tensors.add(new Tensor("output.weight", new long[] {e, vocabulary}, 1));
        for (int l = 0; l < shape.layers(); l++) {
            String b = "blk." + l + ".";
            tensors.add(new Tensor(b + "attn_norm.weight", new long[] {e}, 0));
            tensors.add(new Tensor(b + "attn_q.weight", new long[] {e, e}, 1));
            tensors.add(new Tensor(b + "attn_k.weight", new long[] {e, e}, 1));
            tensors.add(new Tensor(b + "attn_v.weight", new long[] {e, e}, 1));
            tensors.add(new Tensor(b + "attn_output.weight", new long[] {e, e}, 1));
            tensors.add(new Tensor(b + "ffn_norm.weight", new long[] {e}, 0));
            tensors.add(new Tensor(b + "ffn_gate.weight", new long[] {e, ff}, 1));
            tensors.add(new Tensor(b + "ffn_down.weight", new long[] {ff, e}, 1));
            tensors.add(new Tensor(b + "ffn_up.weight", new long[] {e, ff}, 1));
        }

        ByteBuffer infos = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        long offset = 0;
        for (Tensor t : tensors) {
            putString(infos, t.name()).putInt(t.dims().length);
            for (long d : t.dims()) infos.putLong(d);
            infos.putInt(t.type()).putLong(offset);
            offset = (offset + t.bytes() + 31) / 32 * 32;
        }
        infos.flip();

        ByteBuffer head = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        head.putInt(0x46554747).putInt(3).putLong(tensors.size()).putLong(count).flip();
        try (FileChannel out = FileChannel.open(
                target, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            out.write(head);
            for (byte[] raw : kept) out.write(ByteBuffer.wrap(raw));
            out.write(meta);
            out.write(infos);
            long dataStart = (out.position() + 31) / 32 * 32;
            SplittableRandom random = new SplittableRandom(42);
            ByteBuffer block = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            long at = dataStart;
            for (Tensor t : tensors) {
                out.position(at);
                long values = t.bytes() / (t.type() == 0 ? 4 : 2);
                for (long v = 0; v < values; v++) {
                    if (block.remaining() < 4) flush(out, block);
                    if (t.type() == 0) block.putFloat(1f); // norms: ones
                    else block.putShort(Float.floatToFloat16((float) (random.nextDouble() * 0.04 - 0.02)));
                }
                flush(out, block);
                at += (t.bytes() + 31) / 32 * 32;
            }
        }
        return target;
    }

    private static void flush(FileChannel out, ByteBuffer block) throws IOException {
        block.flip();
        while (block.hasRemaining()) out.write(block);
        block.clear();
    }

    private static int u32(ByteBuffer b, String key, int value) {
        putString(b, key).putInt(4).putInt(value);
        return 1;
    }

    private static String string(ByteBuffer b) {
        byte[] s = new byte[(int) b.getLong()];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static ByteBuffer putString(ByteBuffer b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        return b.putLong(bytes.length).put(bytes);
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
