package dev.breakeven.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;
import java.util.function.BiFunction;
import picocli.CommandLine;

/** How a command prints what it lists: a table for people, JSON for programs. */
enum OutputFormat {
    table,
    json;

    /** {@code --format table|json}, as a picocli mixin. */
    static final class Choice {
        @CommandLine.Option(
                names = "--format",
                paramLabel = "FORMAT",
                defaultValue = "table",
                description = "table (default) or json.")
        OutputFormat format;

        boolean json() {
            return format == OutputFormat.json;
        }
    }

    /** Prints {@code items} to stdout as a pretty JSON array, each in the shape {@code shape} gives it. */
    static <T> void printJsonArray(List<T> items, BiFunction<ObjectMapper, T, JsonNode> shape) {
        ObjectMapper mapper = new ObjectMapper();
        ArrayNode out = mapper.createArrayNode();
        for (T item : items) out.add(shape.apply(mapper, item));
        System.out.println(out.toPrettyString());
    }
}
