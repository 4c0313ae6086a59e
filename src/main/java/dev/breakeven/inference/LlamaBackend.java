package dev.breakeven.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A GGUF model served in this process by llama.cpp (through {@code de.kherud:llama}).
 *
 * <p><b>Concurrency.</b> One model instance runs {@link Settings#capacity()} llama.cpp slots (its
 * parallel sequences, decoded together in one batch per step); each slot has {@link
 * Settings#context()} tokens of context. A fair semaphore with as many permits admits generations:
 * the ones beyond capacity wait for a slot in arrival order. Each running generation is driven by a
 * platform thread, because the library blocks inside native code (which would pin a virtual
 * thread's carrier); that thread also hands each chunk to the sink, while the caller's thread waits,
 * so a token costs no thread switch.
 *
 * <p><b>Prompts.</b> A file with a chat template ({@code tokenizer.chat_template}) has its messages
 * rendered by llama.cpp's template engine; a file without one (a base model) gets the messages as a
 * plain document, see {@link ChatPrompt#plain}.
 *
 * <p><b>Usage</b> is exact: prompt tokens are counted with the model's own tokenizer exactly as
 * llama.cpp tokenizes the prompt, completion tokens are the tokens it sampled (see {@link
 * TokenTally}), including the end-of-sequence token when there is one, as llama.cpp's own server
 * counts them.
 *
 * <p><b>Shutdown.</b> {@link #close()} waits for running generations, then frees the model. The
 * library leaves one non-daemon native thread behind after that, so a JVM that loaded a model must
 * end with {@link System#exit}.
 */
public final class LlamaBackend implements Backend {
    private static final Logger LOG = Logger.getLogger(LlamaBackend.class.getName());

    /** Completion tokens when the request gives no {@code max_tokens}. */
    public static final int DEFAULT_MAX_TOKENS = 256;

    private static final long CLOSE_WAIT_SECONDS = 10;
    private static final long CANCEL_WAIT_SECONDS = 30;

    /**
     * @param path the GGUF file
     * @param threads CPU threads llama.cpp computes with (shared by all slots)
     * @param context tokens of context of each slot: prompt and answer together
     * @param capacity slots: generations that run at once; more wait for a free slot
     */
    public record Settings(String id, Path path, int threads, int context, int capacity) {}

    private final Settings settings;
    private final GgufFile file;
    private final LlamaModel model;
    private final boolean useTemplate;
    private final Semaphore slots;
    private final ExecutorService drivers;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final AtomicLong ids = new AtomicLong();
    private volatile boolean closed;

    private LlamaBackend(Settings settings, GgufFile file, LlamaModel model) {
        this.settings = settings;
        this.file = file;
        this.model = model;
        this.useTemplate = file.chatTemplate() != null && templateWorks();
        this.slots = new Semaphore(settings.capacity(), true);
        this.drivers = Executors.newCachedThreadPool(Thread.ofPlatform()
                .daemon()
                .name("llama-" + settings.id() + "-", 1)
                .factory());
    }

    /**
     * Checks the file, loads it and makes it ready to serve.
     *
     * @throws ModelFileException (one line naming the file and the reason) when the file is missing,
     *     unreadable, not GGUF, truncated, corrupt, or refused by llama.cpp
     */
    public static LlamaBackend open(Settings settings) {
        GgufFile file = GgufFile.read(settings.path());
        long start = System.nanoTime();
        LlamaModel model;
        try {
            model = new LlamaModel(modelParameters(settings));
        } catch (RuntimeException e) { // de.kherud.llama.LlamaException, which is not public
            throw new ModelFileException(
                    settings.path(),
                    "could not be loaded by llama.cpp (" + e.getMessage()
                            + "); its GGUF header is sound, so its architecture or tensors are not supported",
                    e);
        }
        LlamaBackend backend = new LlamaBackend(settings, file, model);
        LOG.info(() -> String.format(
                "backend '%s': loaded %s (%s, %s, %d tensors) in %d ms: %d slot(s) x %d tokens, %d thread(s), %s",
                settings.id(),
                settings.path(),
                file.architecture(),
                megabytes(file.size()),
                file.tensors(),
                (System.nanoTime() - start) / 1_000_000,
                settings.capacity(),
                settings.context(),
                settings.threads(),
                backend.useTemplate ? "chat template from the file" : "no chat template: messages sent as plain text"));
        return backend;
    }

    /** The parameters this backend loads its model with (the benchmark loads the same model directly). */
    public static ModelParameters modelParameters(Settings settings) {
        return new ModelParameters()
                .setModel(settings.path().toAbsolutePath().toString())
                .setThreads(settings.threads())
                .setThreadsBatch(settings.threads())
                .setCtxSize(settings.context() * settings.capacity()) // llama.cpp splits it among the slots
                .setParallel(settings.capacity())
                .disableContextShift() // a full context ends the answer instead of silently dropping the prompt
                .enableJinja()
                .disableLog();
    }

    @Override
    public String id() {
        return settings.id();
    }

    @Override
    public int capacity() {
        return settings.capacity();
    }

    public Settings settings() {
        return settings;
    }

    /** Slots not running a generation right now (capacity minus running generations). */
    public int freeSlots() {
        return slots.availablePermits();
    }

    /** What the file's header says (architecture, chat template, tokenizer). */
    public GgufFile file() {
        return file;
    }

    /** Whether prompts are rendered with the file's chat template (else: plain text). */
    public boolean usesChatTemplate() {
        return useTemplate;
    }

    /** The model's tokens for {@code text}, without the beginning-of-sequence token. */
    public int[] tokenize(String text) {
        return withModel(() -> model.encode(text));
    }

    /** The prompt text the model reads for this request. */
    public String prompt(ChatRequest request) {
        return withModel(() -> promptText(ChatPrompt.messages(request)));
    }

    @Override
    public Completion complete(GenerationRequest request) {
        Outcome o = run(request.chat(), text -> {});
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("id", nextId());
        body.put("object", "chat.completion");
        body.put("created", System.currentTimeMillis() / 1000);
        body.put("model", request.upstreamModel());
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", o.text());
        message.putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", o.finishReason());
        body.set("usage", o.usage().toJson());
        return new Completion(body, o.usage(), o.stats());
    }

    @Override
    public StreamEnd stream(GenerationRequest request, ChunkSink sink) {
        Chunks chunks = new Chunks(nextId(), System.currentTimeMillis() / 1000, request.upstreamModel(), sink);
        Outcome o = run(request.chat(), chunks::content);
        chunks.finish(o.finishReason());
        chunks.usage(o.usage());
        return new StreamEnd(o.usage(), o.stats());
    }

    /** Builds the {@code chat.completion.chunk} objects of one stream; the role goes with the first. */
    private static final class Chunks {
        private final String id;
        private final long created;
        private final String model;
        private final ChunkSink sink;
        private boolean started;

        Chunks(String id, long created, String model, ChunkSink sink) {
            this.id = id;
            this.created = created;
            this.model = model;
            this.sink = sink;
        }

        void content(String text) {
            start();
            ObjectNode chunk = chunk();
            ObjectNode delta = JsonNodeFactory.instance.objectNode().put("content", text);
            sink.chunk(withChoice(chunk, delta, null));
        }

        void finish(String reason) {
            start();
            sink.chunk(withChoice(chunk(), JsonNodeFactory.instance.objectNode(), reason));
        }

        void usage(Usage usage) {
            ObjectNode chunk = chunk();
            chunk.putArray("choices");
            chunk.set("usage", usage.toJson());
            sink.chunk(chunk);
        }

        private void start() {
            if (started) return;
            started = true;
            ObjectNode delta = JsonNodeFactory.instance
                    .objectNode()
                    .put("role", "assistant")
                    .put("content", "");
            sink.chunk(withChoice(chunk(), delta, null));
        }

        private ObjectNode chunk() {
            ObjectNode chunk = JsonNodeFactory.instance.objectNode();
            chunk.put("id", id);
            chunk.put("object", "chat.completion.chunk");
            chunk.put("created", created);
            chunk.put("model", model);
            return chunk;
        }

        private static ObjectNode withChoice(ObjectNode chunk, ObjectNode delta, String finishReason) {
            ObjectNode choice = chunk.putArray("choices").addObject();
            choice.put("index", 0);
            choice.set("delta", delta);
            choice.putNull("logprobs");
            if (finishReason == null) choice.putNull("finish_reason");
            else choice.put("finish_reason", finishReason);
            return chunk;
        }
    }

    /** What one generation produced. */
    private record Outcome(String text, String finishReason, Usage usage, GenerationStats stats) {}

    /** What the model is asked to do for one request. */
    private record Plan(InferenceParameters parameters, long promptTokens, int maxTokens, boolean hasStops) {}

    /**
     * Runs one generation in a slot. Each piece of text goes to {@code onText} as soon as the model
     * produced it, on the platform thread that drives the generation (the caller's thread waits
     * meanwhile, so {@code onText} is never called twice at once). When {@code onText} throws (the
     * client left), the generation is cancelled at once, its slot freed, and the exception rethrown
     * here.
     */
    private Outcome run(ChatRequest chat, Consumer<String> onText) {
        lifecycle.readLock().lock();
        try {
            if (closed) throw closedError();
            Plan plan = plan(chat);
            acquireSlot();
            try {
                Generation generation = new Generation(plan, onText);
                Future<Outcome> result;
                try {
                    result = drivers.submit(generation);
                } catch (RejectedExecutionException e) {
                    throw closedError();
                }
                return generation.await(result);
            } finally {
                slots.release();
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * {@code length} when the answer used every token it was allowed, unless its last token was the
     * end of the sequence (an empty piece, when no stop sequence could have held text back).
     */
    private static String finishReason(Plan plan, long completion, TokenTally tally) {
        if (completion < plan.maxTokens()) return "stop";
        return tally.lastPiece().isEmpty() && !plan.hasStops() ? "stop" : "length";
    }

    private Plan plan(ChatRequest chat) {
        JsonNode body = chat.body();
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && n.asInt() != 1)
            throw InferenceException.invalid("n", "This model generates one choice per request; 'n' must be 1.");
        String prompt = promptText(ChatPrompt.messages(chat));
        long promptTokens = model.encode(prompt).length + (file.addBos() ? 1 : 0) + (file.addEos() ? 1 : 0);
        if (promptTokens == 0) throw InferenceException.invalid("messages", "The messages contain no text.");
        if (promptTokens >= settings.context()) {
            throw InferenceException.invalid(
                    "messages",
                    "This model's maximum context length is " + settings.context()
                            + " tokens. However, your messages resulted in " + promptTokens
                            + " tokens. Please reduce the length of the messages.");
        }
        int room = (int) (settings.context() - promptTokens);
        int maxTokens = Math.min(chat.maxTokens() == null ? DEFAULT_MAX_TOKENS : chat.maxTokens(), room);
        InferenceParameters p = new InferenceParameters(prompt)
                .setNPredict(maxTokens)
                .setTemperature((float) number(body, "temperature", 1.0))
                .setTopP((float) number(body, "top_p", 1.0))
                .setPresencePenalty((float) number(body, "presence_penalty", 0))
                .setFrequencyPenalty((float) number(body, "frequency_penalty", 0));
        JsonNode seed = body.get("seed");
        if (seed != null && !seed.isNull()) {
            if (!seed.isIntegralNumber() || !seed.canConvertToLong())
                throw InferenceException.invalid("seed", "'seed' must be an integer.");
            p.setSeed((int) (seed.asLong() & 0x7FFF_FFFFL));
        }
        List<String> stops = stops(body.get("stop"));
        if (!stops.isEmpty()) p.setStopStrings(stops.toArray(String[]::new));
        return new Plan(p, promptTokens, maxTokens, !stops.isEmpty());
    }

    private String promptText(List<ChatPrompt.Message> messages) {
        return useTemplate ? model.applyTemplate(ChatPrompt.templateRequest(messages)) : ChatPrompt.plain(messages);
    }

    /**
     * Renders a sample conversation once. llama.cpp quietly substitutes ChatML for a template it
     * cannot parse; that is caught here too, and such a file is served like one without a template.
     */
    private boolean templateWorks() {
        String reason;
        try {
            String sample = model.applyTemplate(ChatPrompt.templateRequest(List.of(
                    new ChatPrompt.Message("system", "You are helpful."), new ChatPrompt.Message("user", "Hello"))));
            if (!sample.contains("<|im_start|>") || file.chatTemplate().contains("im_start")) return true;
            reason = "llama.cpp cannot parse it";
        } catch (RuntimeException e) {
            reason = e.getMessage();
        }
        LOG.warning("backend '" + settings.id() + "': the chat template in " + settings.path() + " cannot be applied ("
                + reason + "); messages are sent as plain text instead");
        return false;
    }

    private static double number(JsonNode body, String field, double fallback) {
        JsonNode node = body.get(field);
        return node == null || node.isNull() ? fallback : node.asDouble();
    }

    private static List<String> stops(JsonNode stop) {
        List<String> out = new ArrayList<>();
        if (stop == null || stop.isNull()) return out;
        if (stop.isTextual()) {
            if (!stop.asText().isEmpty()) out.add(stop.asText());
            return out;
        }
        for (JsonNode s : stop) if (!s.asText().isEmpty()) out.add(s.asText());
        return out;
    }

    private void acquireSlot() {
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceException(
                    "upstream_error", "Interrupted while waiting for a slot on backend '" + id() + "'.");
        }
    }

    private String nextId() {
        return "chatcmpl-" + settings.id() + "-" + ids.incrementAndGet();
    }

    private InferenceException closedError() {
        return new InferenceException("upstream_unavailable", "Backend '" + id() + "' is shutting down.");
    }

    private <T> T withModel(java.util.function.Supplier<T> use) {
        lifecycle.readLock().lock();
        try {
            if (closed) throw closedError();
            return use.get();
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * One generation, driven on a platform thread: llama.cpp blocks in native code while it waits for
     * the next token, which would pin a virtual thread's carrier. The thread that asked waits for the
     * outcome. The library's cancel is called only from this thread, between two tokens: called while
     * another thread waits for that task's next result, it would leave that thread waiting forever.
     */
    private final class Generation implements Callable<Outcome> {
        private final Plan plan;
        private final Consumer<String> onText;
        private volatile boolean cancelled;

        Generation(Plan plan, Consumer<String> onText) {
            this.plan = plan;
            this.onText = onText;
        }

        @Override
        public Outcome call() {
            TokenTally tally = TokenTally.forModel(file, piece -> model.encode(piece).length);
            StringBuilder text = new StringBuilder();
            LlamaIterator it;
            try {
                it = model.generate(plan.parameters()).iterator();
            } catch (RuntimeException e) { // de.kherud.llama.LlamaException: llama.cpp refused the request
                throw failed(e);
            }
            boolean finished = false;
            try {
                while (it.hasNext()) {
                    if (cancelled) return null;
                    LlamaOutput out = next(it);
                    boolean closing = !it.hasNext(); // llama.cpp's closing result; its text is empty when streaming
                    if (!closing) tally.add(out.text, System.nanoTime());
                    if (!out.text.isEmpty()) {
                        text.append(out.text);
                        onText.accept(out.text);
                    }
                }
                finished = true;
            } finally {
                if (!finished) it.cancel(); // the client left, or a failure: free the slot now
            }
            // llama.cpp stops at max_tokens exactly, so more would mean a recount went wrong
            long completion = Math.min(tally.count(), plan.maxTokens());
            Usage usage = new Usage(plan.promptTokens(), completion, false);
            return new Outcome(text.toString(), finishReason(plan, completion, tally), usage, tally.stats(completion));
        }

        private LlamaOutput next(LlamaIterator it) {
            try {
                return it.next();
            } catch (RuntimeException e) { // de.kherud.llama.LlamaException
                throw failed(e);
            }
        }

        private InferenceException failed(RuntimeException e) {
            return new InferenceException(
                    "upstream_error",
                    "Backend '" + id() + "' failed while generating: " + e.getMessage(),
                    null,
                    null,
                    e);
        }

        /** Waits for the outcome; only returns once the generation has let go of its slot. */
        Outcome await(Future<Outcome> result) {
            try {
                return unwrap(result);
            } catch (InterruptedException e) {
                cancelled = true;
                try {
                    result.get(CANCEL_WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException | ExecutionException | TimeoutException ignored) {
                    // interrupted or not, the caller is told it was interrupted
                }
                Thread.currentThread().interrupt();
                throw new InferenceException(
                        "upstream_error", "Interrupted while generating on backend '" + id() + "'.");
            }
        }

        private Outcome unwrap(Future<Outcome> result) throws InterruptedException {
            try {
                Outcome outcome = result.get();
                if (outcome == null) throw new InferenceException("upstream_error", "Generation cancelled.");
                return outcome;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r; // ClientGoneException, InferenceException, …
                if (e.getCause() instanceof Error error) throw error;
                throw new InferenceException("upstream_error", "Backend '" + id() + "' failed: " + e.getCause());
            }
        }
    }

    /**
     * Stops taking requests, waits (up to 10 s) for running generations, then frees the model. If
     * some are still running, the model is left allocated (freeing it under them would crash the
     * process); the process is ending anyway.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        boolean idle = false;
        try {
            idle = lifecycle.writeLock().tryLock(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drivers.shutdown();
        if (!idle) {
            LOG.warning("backend '" + id() + "': generations still running after " + CLOSE_WAIT_SECONDS
                    + " s; the model is not freed");
            return;
        }
        try {
            model.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "backend '" + id() + "': closing the model failed", e);
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private static String megabytes(long bytes) {
        return String.format("%.1f MB", bytes / 1e6);
    }
}
