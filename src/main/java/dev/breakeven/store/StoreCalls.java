package dev.breakeven.store;

import java.util.function.Supplier;
import org.jdbi.v3.core.JdbiException;

/** Runs repository calls, turning JDBI's failures into the documented {@link StoreException}. */
public final class StoreCalls {
    private StoreCalls() {}

    /**
     * @param store what failed, for the message ({@code "plan store"})
     * @throws StoreException {@code database_unavailable} when the database call fails
     */
    public static <T> T call(String store, Supplier<T> work) {
        try {
            return work.get();
        } catch (JdbiException e) {
            StoreException failure = new StoreException("database_unavailable", store + " failed: " + rootMessage(e));
            failure.initCause(e);
            throw failure;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
