package dev.breakeven.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.assistant.TurnSink;
import dev.breakeven.inference.ClientGoneException;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A server-sent-events response in OpenAI's framing ({@code data: {...}\n\n}, ending with {@code
 * data: [DONE]}). Headers are committed by the first chunk, so a turn that fails before it can still
 * be answered with an error status. Every chunk is flushed at once.
 */
final class EventStream implements TurnSink {
    private static final byte[] PREFIX = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUFFIX = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerResponse res;
    private final ObjectMapper json;
    private OutputStream out;

    EventStream(ServerResponse res, ObjectMapper json) {
        this.res = res;
        this.json = json;
    }

    boolean committed() {
        return out != null;
    }

    @Override
    public void headers(java.util.Map<String, String> headers) {
        if (!committed()) headers.forEach(res::header);
    }

    @Override
    public void chunk(ObjectNode chunk) {
        try {
            byte[] payload = json.writeValueAsBytes(chunk);
            if (out == null && chunk.hasNonNull("id"))
                res.header("x-request-id", chunk.get("id").asText());
            OutputStream o = open();
            o.write(PREFIX);
            o.write(payload);
            o.write(SUFFIX);
            o.flush();
        } catch (IOException | RuntimeException e) {
            // Helidon reports a closed connection with its own unchecked types; any write failure means the client is
            // gone.
            throw new ClientGoneException(e);
        }
    }

    @Override
    public void done() {
        try {
            OutputStream o = open();
            o.write(DONE);
            o.close();
        } catch (IOException | RuntimeException e) {
            throw new ClientGoneException(e);
        }
    }

    /** Ends a committed stream with an error event instead of {@code [DONE]}, as OpenAI does. */
    void fail(ApiError error) {
        try {
            OutputStream o = open();
            o.write(PREFIX);
            o.write(json.writeValueAsBytes(error.body()));
            o.write(SUFFIX);
            o.close();
        } catch (IOException | RuntimeException e) {
            // the client is gone; nothing more to tell it
        }
    }

    private OutputStream open() {
        if (out == null) {
            res.status(200);
            res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            res.header(HeaderNames.CACHE_CONTROL, "no-cache");
            res.header("X-Accel-Buffering", "no");
            out = res.outputStream();
        }
        return out;
    }
}
