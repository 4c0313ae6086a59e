package dev.breakeven.app;

import java.io.Console;

/** Whether the process talks to a person at a terminal (not a pipe, a file or CI). */
final class Terminal {
    private Terminal() {}

    static boolean interactive() {
        Console console = System.console();
        if (console == null) return false;
        try { // JDK 22+ returns a Console even when redirected; isTerminal() tells the difference
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // JDK 21: a console exists only on a terminal
        }
    }
}
