package dev.breakeven.api;

/** A request the HTTP layer itself refuses (auth, body, routing), with its OpenAI-style code. */
final class ApiProblem extends RuntimeException {
    final int status;
    final String code;
    final String param;

    ApiProblem(int status, String code, String message) {
        this(status, code, message, null);
    }

    ApiProblem(int status, String code, String message, String param) {
        super(message);
        this.status = status;
        this.code = code;
        this.param = param;
    }
}
