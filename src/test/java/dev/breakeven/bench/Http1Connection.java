package dev.breakeven.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * The load generator's client: one keep-alive HTTP/1.1 connection over a plain blocking socket,
 * with TCP_NODELAY, that sends pre-built request bytes and reads the response itself
 * (Content-Length or chunked). It does no more work per request than a well-made client must, so
 * that on a 2-core machine the client takes as little CPU from the servers under test as possible.
 * One connection is used by one thread at a time; run many of them on virtual threads.
 */
final class Http1Connection implements AutoCloseable {

    /** What an exchange returned: the status and how many body bytes came. */
    record Response(int status, long bodyBytes, byte[] body) {}

    /** Receives the events of a server-sent-events response as they complete. */
    interface EventListener {
        /**
         * @param event one event without its blank-line terminator, e.g. {@code data: {...}}
         * @param arrivedNanos {@link System#nanoTime()} right after the read that completed it
         */
        void event(String event, long arrivedNanos);
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int lim;
    private long lastFillNanos;
    private boolean open = true;

    Http1Connection(String host, int port) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), 10_000);
        socket.setSoTimeout(60_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    static Http1Connection to(URI base) throws IOException {
        return new Http1Connection(base.getHost(), base.getPort());
    }

    /** Whether the server left the connection open after the last response. */
    boolean isOpen() {
        return open;
    }

    /**
     * A {@code POST} of a JSON body as bytes ready to send.
     *
     * @param bearer the API key, or null for none
     */
    static byte[] post(URI base, String path, String bearer, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\n"
                + "Host: " + base.getHost() + ":" + base.getPort() + "\r\n"
                + (bearer == null ? "" : "Authorization: Bearer " + bearer + "\r\n")
                + "Content-Type: application/json\r\n"
                + "Accept: application/json, text/event-stream\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        return request;
    }

    /** Sends a request and reads the whole response; keeps the body only if {@code keepBody}. */
    Response exchange(byte[] request, boolean keepBody) throws IOException {
        out.write(request);
        out.flush();
        Head head = readHead();
        BodySink sink = keepBody ? new BodySink() : null;
        long bytes = readBody(head, sink, null);
        return new Response(head.status, bytes, sink == null ? null : sink.bytes());
    }

    /**
     * Sends a request whose answer is a server-sent-events stream and passes each event to {@code
     * listener} as it completes. Returns the status; a non-200 response's body is read and dropped.
     */
    int stream(byte[] request, EventListener listener) throws IOException {
        return streamOrRefusal(request, listener).status();
    }

    /**
     * As {@link #stream}, but a non-200 response's body is kept and returned (e.g. an error's
     * {@code code}); a 200's body goes to {@code listener} only.
     */
    Response streamOrRefusal(byte[] request, EventListener listener) throws IOException {
        out.write(request);
        out.flush();
        Head head = readHead();
        if (head.status != 200) {
            BodySink sink = new BodySink();
            long bytes = readBody(head, sink, null);
            return new Response(head.status, bytes, sink.bytes());
        }
        long bytes = readBody(head, null, new EventSplitter(listener));
        return new Response(head.status, bytes, null);
    }

    @Override
    public void close() {
        open = false;
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    // --- parsing ------------------------------------------------------------------------------------

    private record Head(int status, long contentLength, boolean chunked, boolean close) {}

    private Head readHead() throws IOException {
        String statusLine = readLine();
        if (!statusLine.startsWith("HTTP/1.")) throw new IOException("not an HTTP response: " + statusLine);
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean close = statusLine.startsWith("HTTP/1.0");
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("content-length")) length = Long.parseLong(value);
            else if (name.equalsIgnoreCase("transfer-encoding"))
                chunked = value.toLowerCase().contains("chunked");
            else if (name.equalsIgnoreCase("connection")) close = value.equalsIgnoreCase("close");
        }
        return new Head(status, length, chunked, close);
    }

    /** Reads the body as the head describes it; returns its length in bytes. */
    private long readBody(Head head, BodySink sink, EventSplitter events) throws IOException {
        long total = 0;
        if (head.chunked) {
            while (true) {
                String sizeLine = readLine();
                int semi = sizeLine.indexOf(';');
                long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                if (size == 0) {
                    while (!readLine().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                copy(size, sink, events);
                total += size;
                if (!readLine().isEmpty()) throw new IOException("malformed chunk terminator");
            }
        } else if (head.contentLength >= 0) {
            copy(head.contentLength, sink, events);
            total = head.contentLength;
        } else if (head.status != 204 && head.status != 304) {
            // no length: the body runs to the end of the connection
            while (fill()) {
                int n = lim - pos;
                if (sink != null) sink.add(buf, pos, n);
                if (events != null) events.add(buf, pos, n, lastFillNanos);
                pos = lim;
                total += n;
            }
            open = false;
        }
        if (head.close) close();
        return total;
    }

    private void copy(long length, BodySink sink, EventSplitter events) throws IOException {
        long left = length;
        while (left > 0) {
            if (pos == lim && !fill()) throw new EOFException("connection closed in the middle of a body");
            int n = (int) Math.min(left, lim - pos);
            if (sink != null) sink.add(buf, pos, n);
            if (events != null) events.add(buf, pos, n, lastFillNanos);
            pos += n;
            left -= n;
        }
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            if (pos == lim && !fill()) throw new EOFException("connection closed");
            byte b = buf[pos++];
            if (b == '\n') {
                int len = line.length();
                if (len > 0 && line.charAt(len - 1) == '\r') line.setLength(len - 1);
                return line.toString();
            }
            line.append((char) (b & 0xff));
        }
    }

    private boolean fill() throws IOException {
        int n = in.read(buf, 0, buf.length);
        lastFillNanos = System.nanoTime();
        if (n <= 0) {
            open = false;
            return false;
        }
        pos = 0;
        lim = n;
        return true;
    }

    /** Collects a body. */
    private static final class BodySink {
        private byte[] bytes = new byte[1024];
        private int size;

        void add(byte[] src, int off, int len) {
            if (size + len > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + len));
            }
            System.arraycopy(src, off, bytes, size, len);
            size += len;
        }

        byte[] bytes() {
            return java.util.Arrays.copyOf(bytes, size);
        }
    }

    /** Splits a de-chunked SSE body on blank lines ({@code \n\n}) into events. */
    private static final class EventSplitter {
        private final EventListener listener;
        private final StringBuilder event = new StringBuilder(512);

        EventSplitter(EventListener listener) {
            this.listener = listener;
        }

        void add(byte[] src, int off, int len, long nanos) {
            for (int i = off; i < off + len; i++) {
                char c = (char) (src[i] & 0xff);
                if (c == '\r') continue;
                int n = event.length();
                if (c == '\n' && n > 0 && event.charAt(n - 1) == '\n') {
                    event.setLength(n - 1);
                    if (!event.isEmpty()) listener.event(event.toString(), nanos);
                    event.setLength(0);
                } else if (c == '\n' && n == 0) {
                    // a stray blank line between events
                } else {
                    event.append(c);
                }
            }
        }
    }
}
