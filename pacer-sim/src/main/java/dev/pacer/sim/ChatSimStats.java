package dev.pacer.sim;

/**
 * What the simulator's OpenAI side ({@code POST /v1/chat/completions}) has answered since it started.
 * A client that paces itself to the limits sees {@code rateLimited == 0}: no request or token limit was
 * ever met by a request it sent.
 *
 * @param requests       calls that reached the endpoint (authenticated or not)
 * @param succeeded      calls answered 200
 * @param rateLimited    calls refused 429 {@code rate_limit_exceeded} (a limit would have been exceeded)
 * @param budgetRefused  calls refused 429 for the exhausted budget ({@code insufficient_quota})
 * @param serverErrors   injected 500s and 503s
 * @param streamed       successful calls answered as a stream
 * @param tokensCharged  tokens charged to the limits (prompt plus {@code max_tokens} per admitted call)
 * @param tokensUsed     tokens really used (prompt plus completion)
 * @param streamFaults   streams an injected fault broke off after their 200 (an error chunk or a dropped connection)
 */
public record ChatSimStats(long requests, long succeeded, long rateLimited, long budgetRefused, long serverErrors, long streamed,
                           long tokensCharged, long tokensUsed, long streamFaults) {
}
