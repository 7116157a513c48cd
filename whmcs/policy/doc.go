// Package policy holds the layers that pace, retry and count the calls a
// whmcs.Caller makes: each is a whmcs.Caller wrapping another, and a
// whmcs.Unwrapper, so that whmcs.Find reaches one layer of a composed
// stack (StatsOf finds the Counter; whmcs.Find[*Limiter] the limiter, for
// its current rate).
//
//   - Count (a *Counter) counts successful calls by action, failed
//     attempts and the attempts' total time (the run report's latency
//     chart) into a Stats.
//   - Limit (a *Limiter) paces calls through one token bucket shared by
//     every goroutine calling through it, and slows down when WHMCS
//     throttles (AIMD).
//   - Adapt (an *Adaptive) lets a changing number of calls be in flight
//     at once (a semaphore whose size moves): it measures WHMCS's
//     latency, keeps its lowest as the unloaded baseline, grows the limit
//     while latency stays near it and shrinks it as latency rises (WHMCS's
//     PHP workers are queueing calls), and halves it on 503 and 429, as
//     TCP Vegas and the gradient limiters (Netflix's Gradient2, Envoy's
//     adaptive concurrency) do. It is `rate: auto`: the target does not
//     answer 429 when it is full, it gets slower, then answers 503. A
//     concurrency limit rather than a rate, because what WHMCS runs out of
//     is workers: a rate right for 40 ms calls is wrong for 400 ms ones.
//   - Retry (a *Retrier) retries the calls that certainly were not
//     processed (whmcs.Retryable), with exponential backoff and full
//     jitter or the server's Retry-After, and lets a write in flight
//     finish when its context is cancelled.
//
// Stack composes them, in the one order the program and its tests use,
// innermost first, over the *whmcs.HTTP (or a whmcs.ReadOnly around it):
//
//	c := policy.Stack(h, policy.StackOptions{
//		Auto: true, Max: concurrency, // rate: auto; or Rate: 10 for a fixed rate
//		MaxRate: maxRate, Burst: burst, Logger: log,
//	})
//	// = Retry(Limit(Adapt(Count(h)))): Count sees every attempt, Adapt
//	//   (auto only) times the round trip alone, Limit paces every attempt,
//	//   each retry too, and Retry sends retries back through the limiter.
//
// Counting innermost sees every attempt (Stats.Failed counts retried
// attempts too); the limiter inside the retries makes each retry wait for
// a token again and feeds its AIMD with every answer. With rate: auto,
// Limit is the hard --max-rate (or absent), outside Adapt so that a
// token's wait is not taken for WHMCS's latency. The layers stay exported
// for the tests that need one alone or an odd order.
//
// A layer never waits but in Limiter (its token bucket), Adaptive (its
// semaphore) and Retrier (its backoff), never holds package-level state, and never decides to re-send
// a write that may have been processed: only the caller's reconciliation,
// which reads WHMCS, may do that.
package policy
