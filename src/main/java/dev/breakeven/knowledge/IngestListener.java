package dev.breakeven.knowledge;

/**
 * Hears how an ingestion goes, on the ingesting thread; for progress bars. Every method has a
 * do-nothing default. An exception thrown here aborts the ingestion, leaving the base unchanged.
 */
public interface IngestListener {
    IngestListener NONE = new IngestListener() {};

    /** The documents were checked: {@code passages} passages of {@code documents} documents are to be embedded. */
    default void planned(int documents, int passages) {}

    /** {@code passages} more passages were embedded. */
    default void embedded(int passages) {}

    /** {@code document} was added, updated or removed. */
    default void changed(String document, IngestReport.Change change, int passages) {}

    /** A file found in a folder was left out; the base is still ingested. */
    default void skipped(String document, KnowledgeException reason) {}
}
