package dev.breakeven.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads the configuration: built-in defaults, then {@code breakeven.yaml} (if any), then {@code
 * BREAKEVEN_*} environment variables, then command-line overrides. Unknown keys are errors, so a
 * typo never silently falls back to a default.
 */
public final class ConfigLoader {
    static final String ENV_PREFIX = "BREAKEVEN_";
    static final Set<String> BUILT_IN_BACKENDS = Set.of("help-desk");
    static final String UPSTREAM_URL = "BREAKEVEN_UPSTREAM_URL";
    static final String UPSTREAM_MODEL = "BREAKEVEN_UPSTREAM_MODEL";
    static final String MODEL_FILE = "BREAKEVEN_MODEL";
    static final String MODEL_FILE_BACKEND = "local-llama";
    static final String MODEL_FILE_MODEL = "local";

    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            // 0.15 for a key in micros must be an error, not 0
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    private final Map<String, String> env;

    public ConfigLoader(Map<String, String> env) {
        this.env = env;
    }

    /**
     * Loads the configuration.
     *
     * @param file the YAML file, or null for defaults only
     * @param overrides dotted keys to values (from command-line flags), applied last
     * @throws ConfigException naming the file, key and problem when anything is unusable
     */
    public BreakevenConfig load(Path file, Map<String, String> overrides) {
        ObjectNode tree = defaults();
        Map<String, List<String>> scalarPaths = scalarPaths(tree);
        if (file != null) mergeFile(tree, readFile(file));
        env.forEach((name, value) -> {
            if (!name.startsWith(ENV_PREFIX)) return;
            List<String> path =
                    scalarPaths.get(name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT));
            if (path != null) set(tree, path, value);
        });
        overrides.forEach((key, value) -> set(tree, List.of(key.split("\\.")), value));
        addUpstreamShortcut(tree);
        addModelFileShortcut(tree);
        BreakevenConfig config = bind(tree, file);
        return ConfigValidator.validate(withoutUnusedBuiltIns(withDatabaseDefault(config)));
    }

    private ObjectNode defaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("defaults.yaml")) {
            return (ObjectNode) yaml.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonNode readFile(Path file) {
        if (!Files.isRegularFile(file)) throw new ConfigException("config file not found: " + file);
        try {
            JsonNode node = yaml.readTree(file.toFile());
            if (node == null || node.isMissingNode() || node.isNull()) return yaml.createObjectNode();
            if (!node.isObject()) throw new ConfigException(file + ": the top level must be a mapping of keys");
            return node;
        } catch (JsonProcessingException e) {
            throw new ConfigException(file + ": not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null
                            ? ""
                            : " (line " + e.getLocation().getLineNr() + ")"));
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /**
     * The file's backends are added to the built-in ones (a backend with a built-in's id replaces
     * it); every other list, and every scalar, replaces its default.
     */
    private static void mergeFile(ObjectNode tree, JsonNode file) {
        JsonNode fileBackends = file.get("backends");
        if (fileBackends != null && fileBackends.isArray()) {
            Set<String> ids = new HashSet<>();
            fileBackends.forEach(b -> ids.add(b.path("id").asText()));
            // the file's own come first, so messages about backends[i] match the file
            ArrayNode backends = tree.arrayNode();
            backends.addAll((ArrayNode) fileBackends);
            for (JsonNode builtIn : tree.withArray("backends")) {
                if (!ids.contains(builtIn.path("id").asText())) backends.add(builtIn);
            }
            ((ObjectNode) file).set("backends", backends);
        }
        merge(tree, file);
    }

    /** A built-in backend no model routes to is not started (it would load the embedding model for nothing). */
    private static BreakevenConfig withoutUnusedBuiltIns(BreakevenConfig c) {
        Set<String> used = new HashSet<>();
        c.models().forEach(m -> {
            if (m.backends() != null) m.backends().forEach(r -> used.add(r.backend()));
        });
        c.backends().forEach(b -> {
            if (b.writer() != null) used.add(b.writer());
        });
        List<BreakevenConfig.Backend> kept = c.backends().stream()
                .filter(b -> !BUILT_IN_BACKENDS.contains(b.id()) || used.contains(b.id()))
                .toList();
        return new BreakevenConfig(
                c.server(),
                c.dataDir(),
                c.database(),
                c.metering(),
                kept,
                c.models(),
                c.prices(),
                c.billing(),
                c.plans(),
                c.defaultPlan(),
                c.scheduler(),
                c.cluster());
    }

    /** Objects merge key by key; anything else (scalars, lists) replaces the default. */
    private static void merge(ObjectNode target, JsonNode source) {
        Iterator<Map.Entry<String, JsonNode>> fields = source.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode existing = target.get(field.getKey());
            if (existing instanceof ObjectNode existingObject
                    && field.getValue().isObject()) {
                merge(existingObject, field.getValue());
            } else {
                target.set(field.getKey(), field.getValue());
            }
        }
    }

    /** {@code server_port -> [server, port]} for every scalar reachable through mappings. */
    private static Map<String, List<String>> scalarPaths(ObjectNode tree) {
        Map<String, List<String>> paths = new LinkedHashMap<>();
        collect(tree, new ArrayList<>(), paths);
        return paths;
    }

    private static void collect(JsonNode node, List<String> prefix, Map<String, List<String>> out) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            List<String> path = new ArrayList<>(prefix);
            path.add(field.getKey());
            if (field.getValue().isObject()) collect(field.getValue(), path, out);
            else if (!field.getValue().isArray()) out.put(String.join("_", path), path);
        }
    }

    private void set(ObjectNode tree, List<String> path, String value) {
        ObjectNode node = tree;
        for (String key : path.subList(0, path.size() - 1)) {
            JsonNode child = node.get(key);
            if (!(child instanceof ObjectNode)) child = node.putObject(key);
            node = (ObjectNode) child;
        }
        JsonNode scalar;
        try {
            scalar = yaml.readTree(value);
        } catch (JsonProcessingException e) {
            scalar = null;
        }
        String key = path.get(path.size() - 1);
        if (scalar == null || scalar.isMissingNode() || scalar.isContainerNode()) node.put(key, value);
        else node.set(key, scalar);
    }

    /** Lets a newcomer point the {@code assistant} model at any OpenAI-compatible server without a file. */
    private void addUpstreamShortcut(ObjectNode tree) {
        String url = env.get(UPSTREAM_URL);
        if (url == null || url.isBlank()) return;
        String model = env.getOrDefault(UPSTREAM_MODEL, "default");
        ObjectNode backend = yaml.createObjectNode()
                .put("id", "upstream")
                .put("type", "openai")
                .put("base_url", url)
                .put("api_key_env", "BREAKEVEN_UPSTREAM_KEY");
        ((ArrayNode) tree.withArray("backends")).insert(0, backend);
        for (JsonNode m : tree.withArray("models")) {
            if ("assistant".equals(m.path("id").asText())) {
                ((ObjectNode) m)
                        .withArray("backends")
                        .insert(
                                0,
                                yaml.createObjectNode()
                                        .put("backend", "upstream")
                                        .put("model", model));
            }
        }
    }

    /**
     * Lets an operator serve a GGUF file in this process without writing a file: a backend {@code
     * local-llama} of type {@code llama}, and a model {@code local} routed to it (the route's model
     * name is the file's name without {@code .gguf}, which usage events record).
     */
    private void addModelFileShortcut(ObjectNode tree) {
        String path = env.get(MODEL_FILE);
        if (path == null || path.isBlank()) return;
        ObjectNode backend = yaml.createObjectNode()
                .put("id", MODEL_FILE_BACKEND)
                .put("type", "llama")
                .put("path", path);
        tree.withArray("backends").add(backend);
        String fileName = Path.of(path).getFileName() == null
                ? path
                : Path.of(path).getFileName().toString();
        String label = fileName.toLowerCase(Locale.ROOT).endsWith(".gguf")
                ? fileName.substring(0, fileName.length() - 5)
                : fileName;
        ObjectNode route =
                yaml.createObjectNode().put("backend", MODEL_FILE_BACKEND).put("model", label);
        for (JsonNode m : tree.withArray("models")) {
            if (MODEL_FILE_MODEL.equals(m.path("id").asText())) {
                ((ObjectNode) m).withArray("backends").insert(0, route);
                return;
            }
        }
        ObjectNode model = yaml.createObjectNode()
                .put("id", MODEL_FILE_MODEL)
                .put("description", fileName + ", served in-process by llama.cpp");
        model.putArray("backends").add(route);
        tree.withArray("models").add(model);
    }

    private BreakevenConfig bind(ObjectNode tree, Path file) {
        String source = file == null ? "configuration" : file.toString();
        try {
            return yaml.treeToValue(tree, BreakevenConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(source + ": unknown key '" + dotted(e.getPath()) + "'");
        } catch (JsonProcessingException e) {
            String key = dotted(pathOf(e));
            String problem =
                    e.getOriginalMessage().replace(" (but could if coercion was enabled using `CoercionConfig`)", "");
            if (key.endsWith("_micros")) problem += " (amounts are whole micros: 1 USD = 1000000, so 0.15 is 150000)";
            throw new ConfigException(source + ": bad value for '" + key + "': " + problem);
        }
    }

    private static List<com.fasterxml.jackson.databind.JsonMappingException.Reference> pathOf(
            JsonProcessingException e) {
        return e instanceof com.fasterxml.jackson.databind.JsonMappingException m ? m.getPath() : List.of();
    }

    private static String dotted(List<com.fasterxml.jackson.databind.JsonMappingException.Reference> path) {
        return path.stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    private static BreakevenConfig withDatabaseDefault(BreakevenConfig c) {
        if (c.database().url() != null && !c.database().url().isBlank()) return c;
        String url = "jdbc:sqlite:" + Path.of(c.dataDir()).resolve("breakeven.db");
        var db = new BreakevenConfig.Database(
                url,
                c.database().user(),
                c.database().passwordEnv(),
                c.database().poolSize());
        return new BreakevenConfig(
                c.server(),
                c.dataDir(),
                db,
                c.metering(),
                c.backends(),
                c.models(),
                c.prices(),
                c.billing(),
                c.plans(),
                c.defaultPlan(),
                c.scheduler(),
                c.cluster());
    }
}
