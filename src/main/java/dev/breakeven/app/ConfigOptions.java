package dev.breakeven.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --config} and {@code --data}, shared by every command that touches the data. */
final class ConfigOptions {
    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Configuration file (default: ./breakeven.yaml if present).")
    Path config;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory (overrides data_dir).")
    Path data;

    BreakevenConfig load(Map<String, String> extra) {
        Map<String, String> overrides = new LinkedHashMap<>(extra);
        if (data != null) overrides.put("data_dir", data.toString());
        Path file = config;
        if (file == null && Files.isRegularFile(Path.of("breakeven.yaml"))) file = Path.of("breakeven.yaml");
        return new ConfigLoader(System.getenv()).load(file, overrides);
    }
}
