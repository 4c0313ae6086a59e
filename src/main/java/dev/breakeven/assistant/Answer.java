package dev.breakeven.assistant;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.metering.UsageEvent;

/** A finished non-streamed turn: the {@code chat.completion} body and its usage event. */
public record Answer(ObjectNode body, UsageEvent event, java.util.Map<String, String> headers) {}
