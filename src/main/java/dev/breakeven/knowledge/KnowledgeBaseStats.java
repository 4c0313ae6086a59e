package dev.breakeven.knowledge;

/** A knowledge base's size and when it last changed (epoch millis, 0 if never). */
public record KnowledgeBaseStats(String name, int documents, int passages, long updatedAt) {}
