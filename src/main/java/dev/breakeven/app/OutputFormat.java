package dev.breakeven.app;

/** How a command prints what it lists: a table for people, JSON for programs. */
enum OutputFormat {
    table,
    json
}
