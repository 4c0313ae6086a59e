package dev.breakeven.knowledge;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads one file of a knowledge base: checks it (exists, supported, not too large, not empty, UTF-8
 * text), hashes it and cuts it into passages. Every refusal is a {@link KnowledgeException} whose
 * message starts with the document's name.
 */
final class SourceReader {
    /** Bumped when parsing or chunking changes, so that re-ingesting redoes every document. */
    static final int VERSION = 1;

    private final IngestSettings settings;
    private final Chunker chunker;

    SourceReader(IngestSettings settings) {
        this.settings = settings;
        this.chunker = new Chunker(settings.passageWords(), settings.overlapWords());
    }

    /** A file as read: its content hash and its passages. */
    record Read(String hash, List<Chunk> chunks) {}

    /** The content hash of {@code path}, after the checks that need no parsing. */
    String hash(Path path, String name) {
        return hash(bytes(path, name));
    }

    Read read(Path path, String name) {
        byte[] bytes = bytes(path, name);
        Format format = format(path, name);
        String text = decode(bytes, name);
        List<Paragraph> paragraphs =
                switch (format) {
                    case MARKDOWN -> MarkdownParser.parse(text);
                    case TEXT -> TextParser.parse(text);
                    case HTML -> HtmlParser.parse(text);
                    case CSV -> CsvParser.parse(text, name);
                };
        List<Chunk> chunks = chunker.chunk(paragraphs);
        if (chunks.isEmpty()) throw new KnowledgeException("empty_file", name + ": no text to index");
        return new Read(hash(bytes), chunks);
    }

    static Format format(Path path, String name) {
        return Format.of(path.getFileName().toString())
                .orElseThrow(() -> new KnowledgeException(
                        "unsupported_file",
                        name + ": unsupported file type (use .md, .markdown, .txt, .html, .htm or .csv)"));
    }

    private byte[] bytes(Path path, String name) {
        format(path, name);
        byte[] bytes;
        try {
            if (!Files.isRegularFile(path)) throw new NoSuchFileException(path.toString());
            long size = Files.size(path);
            if (size > settings.maxFileBytes()) throw tooLarge(name, size);
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new KnowledgeException("file_not_found", name + ": no such file", e);
        } catch (IOException e) {
            throw new KnowledgeException("io_error", name + ": cannot read: " + e.getMessage(), e);
        }
        if (bytes.length > settings.maxFileBytes()) throw tooLarge(name, bytes.length);
        if (bytes.length == 0) throw new KnowledgeException("empty_file", name + ": the file is empty");
        for (byte b : bytes)
            if (b == 0) throw new KnowledgeException("not_text", name + ": binary data, not UTF-8 text");
        return bytes;
    }

    private KnowledgeException tooLarge(String name, long size) {
        return new KnowledgeException(
                "file_too_large",
                name + ": " + size + " bytes, over the limit of " + settings.maxFileBytes() + " bytes");
    }

    private static String decode(byte[] bytes, String name) {
        try {
            String text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            text = text.startsWith("\uFEFF") ? text.substring(1) : text;
            if (text.isBlank()) throw new KnowledgeException("empty_file", name + ": only whitespace");
            return text;
        } catch (CharacterCodingException e) {
            throw new KnowledgeException("not_text", name + ": not UTF-8 text");
        }
    }

    private String hash(byte[] bytes) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(bytes);
            sha.update(("|v" + VERSION + "|" + settings.passageWords() + "|" + settings.overlapWords())
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
