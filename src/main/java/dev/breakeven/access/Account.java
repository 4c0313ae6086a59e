package dev.breakeven.access;

/**
 * Someone who calls the platform and pays (or is paid).
 *
 * @param id our id ({@code acct_…})
 * @param name unique, human-chosen name
 * @param role what its keys may do
 * @param planId the plan it is on, or null
 * @param createdAt epoch millis
 */
public record Account(String id, String name, Role role, String planId, long createdAt) {}
