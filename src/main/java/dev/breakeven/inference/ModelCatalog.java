package dev.breakeven.inference;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The models users see, each mapped to backends in order of preference.
 */
public final class ModelCatalog {

    /** One way to serve a model: a backend and the name that backend knows it by. */
    public record Route(Backend backend, String upstreamModel) {}

    /** A user-facing model. {@code routes} may be empty: the model is listed but cannot answer yet. */
    public record Model(String id, String description, long createdAt, List<Route> routes) {}

    private final Map<String, Model> models = new LinkedHashMap<>();

    public ModelCatalog(List<Model> models) {
        for (Model m : models) this.models.put(m.id(), m);
    }

    public List<Model> models() {
        return List.copyOf(models.values());
    }

    public Optional<Model> find(String id) {
        return Optional.ofNullable(models.get(id));
    }

    /**
     * The model a request names.
     *
     * @throws InferenceException {@code model_not_found} if no such model is configured
     */
    public Model require(String id) {
        Model m = models.get(id);
        if (m == null) {
            throw new InferenceException(
                    "model_not_found",
                    "The model '" + id + "' does not exist or you do not have access to it.",
                    "model",
                    null,
                    null);
        }
        return m;
    }
}
