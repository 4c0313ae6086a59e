package dev.breakeven.api;

import dev.breakeven.access.Caller;
import dev.breakeven.access.KeyRing;
import dev.breakeven.access.Role;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Turns a request's bearer key into a {@link Caller} of an allowed role, or refuses it (401/403). */
final class Authenticator {
    private final KeyRing keys;

    Authenticator(KeyRing keys) {
        this.keys = keys;
    }

    Caller require(ServerRequest req, Set<Role> allowed) {
        Optional<String> header = req.headers().first(HeaderNames.AUTHORIZATION);
        if (header.isEmpty() || header.get().isBlank()) {
            throw new ApiProblem(
                    401, "missing_api_key", "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.");
        }
        String value = header.get().strip();
        if (!value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiProblem(401, "invalid_api_key", "The Authorization header must be 'Bearer <key>'.");
        }
        Caller caller = keys.authenticate(value.substring(7).strip())
                .orElseThrow(() -> new ApiProblem(401, "invalid_api_key", "Incorrect or revoked API key provided."));
        req.context().register(caller);
        if (!allowed.contains(caller.role())) {
            String roles = allowed.stream().map(Role::wireName).sorted().collect(Collectors.joining(" or "));
            throw new ApiProblem(
                    403,
                    "insufficient_role",
                    "This endpoint needs a key of role " + roles + "; this key belongs to a "
                            + caller.role().wireName() + " account.");
        }
        return caller;
    }
}
